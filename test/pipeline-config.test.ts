// The description's pipeline block: exact repository and environment names, no wildcard, no two environments behind
// one GitHub environment, and state storage only where the bootstrap can create it.
import { PlatformConfigError, validatePlatform } from "../config/load";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLE_CA_FILE, exampleDescription, issuesOf, minimalDescription, toYaml } from "./helpers/descriptions";

function problems(change: (d: any) => void): string[] {
  const d = minimalDescription();
  d.environments.dev.pipeline = { github: { repository: "acme/secrets-platform", environment: "dev" } };
  // CI keeps no state on its runners: a pipeline needs remote state (checked below).
  d.environments.dev.aws.backend = { type: "s3", bucket: "acme-tfstate-dev", region: "us-east-1" };
  change(d);
  try {
    validatePlatform(d);
    return [];
  } catch (err) {
    if (!(err instanceof PlatformConfigError)) throw err;
    return err.issues.map((i) => `${i.path}: ${i.message}`);
  }
}

it("accepts a repository and an environment, and defaults createStateStorage to false", () => {
  expect(problems(() => undefined)).toEqual([]);
  const d = minimalDescription();
  d.environments.dev.pipeline = { github: { repository: "acme/secrets-platform", environment: "dev" } };
  d.environments.dev.aws.backend = { type: "s3", bucket: "acme-tfstate-dev", region: "us-east-1" };
  expect(validatePlatform(d).environments.dev.pipeline).toEqual({ github: { repository: "acme/secrets-platform", environment: "dev" }, createStateStorage: false });
});

it.each([
  ["acme/*", "repository"],
  ["acme", "repository"],
  ["*/platform", "repository"],
])("refuses repository %s", (repository) => {
  expect(problems((d) => (d.environments.dev.pipeline.github.repository = repository))).toEqual([
    expect.stringMatching(/^environments\.dev\.pipeline\.github\.repository: must be owner\/name/),
  ]);
});

it.each(["*", "prod*", "a:b", "two words"])("refuses GitHub environment %s", (environment) => {
  expect(problems((d) => (d.environments.dev.pipeline.github.environment = environment))).toEqual([
    expect.stringMatching(/^environments\.dev\.pipeline\.github\.environment: must be a GitHub environment name .*no wildcard/),
  ]);
});

it("refuses two description environments behind one GitHub environment (compared without case)", () => {
  const out = problems((d) => {
    d.environments.prod = structuredClone(d.environments.dev);
    d.environments.prod.pipeline.github.environment = "DEV";
    d.environments.prod.pipeline.awsOidcProviderArn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
  });
  expect(out).toEqual([expect.stringMatching(/^environments\.prod\.pipeline\.github\.environment: is also the GitHub environment of environment dev/)]);
});

it("refuses an existing OIDC provider of another account", () => {
  const out = problems((d) => (d.environments.dev.pipeline.awsOidcProviderArn = "arn:aws:iam::999999999999:oidc-provider/token.actions.githubusercontent.com"));
  expect(out).toEqual(["environments.dev.pipeline.awsOidcProviderArn: belongs to account 999999999999, not to this environment's account 111111111111"]);
});

it("refuses createStateStorage without a backend to create, or with a bucket outside the environment's region", () => {
  expect(
    problems((d) => {
      d.environments.dev.pipeline.createStateStorage = true;
      delete d.environments.dev.aws.backend;
    }),
  ).toContain("environments.dev.pipeline.createStateStorage: is true but no backend block of this environment names state storage; add aws.backend (s3) or an azurerm backend, or remove createStateStorage");
  const out = problems((d) => {
    d.environments.dev.pipeline.createStateStorage = true;
    d.environments.dev.aws.backend = { type: "s3", bucket: "acme-state", region: "eu-west-1" };
  });
  expect(out).toEqual([expect.stringMatching(/^environments\.dev\.aws\.backend\.region: is eu-west-1, but the bootstrap creates the bucket in aws\.region/)]);
});

it("lets only one environment per AWS account create the GitHub OIDC provider; the others name it", () => {
  const twoInOneAccount = (d: any) => {
    d.environments.staging = structuredClone(d.environments.dev);
    d.environments.staging.pipeline.github.environment = "staging";
  };
  expect(problems(twoInOneAccount)).toEqual([
    "environments.staging.pipeline.awsOidcProviderArn: is required: bootstrap-dev creates account 111111111111's GitHub OIDC provider, which IAM holds once per account; set it to arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com",
  ]);
  expect(
    problems((d) => {
      twoInOneAccount(d);
      d.environments.staging.pipeline.awsOidcProviderArn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
    }),
  ).toEqual([]);
});

// Issue 19, item 7: CI's runners keep nothing after a job, so every stack CI deploys needs remote state.
describe("no local state in CI", () => {
  it("refuses a pipeline environment whose aws, vault or azure stack would keep local state, naming the stack and the block to add", () => {
    const out = problems((d) => {
      delete d.environments.dev.aws.backend;
      d.environments.dev.vault = { address: "https://vault.dev.example.com:8200", kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE } };
    });
    expect(out).toEqual([
      expect.stringMatching(/^environments\.dev\.aws\.backend: is required with a pipeline block: CI deploys aws-dev .*local state would be lost; add backend: \{ type: s3, bucket: <bucket>, region: <region> \}/),
      expect.stringMatching(/^environments\.dev\.vault\.backend: is required with a pipeline block: CI deploys vault-dev .*add backend: .*type: azurerm/),
    ]);
  });

  it("accepts remote state for every CI stack, and does not ask it of kubernetes-<env>, which a person applies", () => {
    expect(problems((d) => (d.environments.dev.kubernetes = { kubeconfigContext: "dev" }))).toEqual([]);
  });

  it("asks nothing of an environment without a pipeline block", () => {
    const d = minimalDescription();
    expect(() => validatePlatform(d)).not.toThrow();
  });
});

// Issue 19, item 8: a GitHub-hosted runner cannot reach a private Key Vault or a private Vault.
describe("runners that can reach private data planes", () => {
  const withVault = (address: string) => (d: any) => {
    d.environments.dev.vault = { address, kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE }, backend: { type: "s3", bucket: "acme-tfstate-dev", region: "us-east-1" } };
  };

  it.each(["https://10.0.4.12:8200", "https://172.20.0.5:8200", "https://192.168.1.10:8200", "https://vault.internal:8200", "https://vault.vault.svc:8200", "https://vault.corp.local", "https://vault:8200"])(
    "refuses the default hosted runner for a Vault at %s, saying why and what to set",
    (address) => {
      expect(problems(withVault(address))).toEqual([
        `environments.dev.pipeline.github.runsOn: is not set, so jobs run on GitHub's hosted ubuntu-latest, which cannot reach this environment: vault.address ${address} is a private address. Set runsOn to the labels of a self-hosted runner (or a GitHub-hosted runner with private networking) inside that network, e.g. [self-hosted, linux, dev-private]`,
      ]);
    },
  );

  it.each(["https://vault.dev.example.com:8200", "https://172.32.0.5:8200", "https://11.0.0.1:8200", "https://internal.example.com"])("lets a hosted runner reach a Vault at %s", (address) => {
    expect(problems(withVault(address))).toEqual([]);
  });

  it("refuses a hosted runner for any environment with Azure: Terraform writes Key Vault secrets through the private endpoint", () => {
    const d = exampleDescription();
    d.environments.dev.pipeline.github.runsOn = ["ubuntu-24.04"];
    expect(issuesOf(d)).toEqual([
      expect.stringMatching(/^environments\.dev\.pipeline\.github\.runsOn: names the GitHub-hosted runner ubuntu-24\.04, which cannot reach this environment: azure-<env> writes Key Vault secrets through the vault's data plane.*Set runsOn to the labels of a self-hosted runner/),
    ]);
    delete d.environments.dev.pipeline.github.runsOn;
    expect(issuesOf(d)).toEqual([expect.stringMatching(/^environments\.dev\.pipeline\.github\.runsOn: is not set, so jobs run on GitHub's hosted ubuntu-latest/)]);
  });

  it("refuses a hosted label even among self-hosted ones, and accepts a single self-hosted label", () => {
    expect(problems((d) => (withVault("https://10.1.1.1:8200")(d), (d.environments.dev.pipeline.github.runsOn = ["self-hosted", "macos-14"])))).toEqual([
      expect.stringMatching(/^environments\.dev\.pipeline\.github\.runsOn: names the GitHub-hosted runner macos-14,/),
    ]);
    expect(problems((d) => (withVault("https://10.1.1.1:8200")(d), (d.environments.dev.pipeline.github.runsOn = "vault-net")))).toEqual([]);
  });

  it("takes pipeline.privateNetwork for endpoints whose public-looking names resolve only inside a network", () => {
    expect(problems((d) => (d.environments.dev.pipeline.privateNetwork = true))).toEqual([expect.stringMatching(/^environments\.dev\.pipeline\.github\.runsOn: .*pipeline\.privateNetwork is true/)]);
  });

  it("refuses a label with an expression or a space", () => {
    expect(problems((d) => (d.environments.dev.pipeline.github.runsOn = ["${{ inputs.x }}"]))).toEqual([
      expect.stringMatching(/^environments\.dev\.pipeline\.github\.runsOn(\[0\])?: must be a runner label/),
    ]);
  });
});

describe("a refused description writes nothing", () => {
  const ROOT = path.resolve(__dirname, "..");
  const tmp = mkdtempSync(path.join(os.tmpdir(), "pipeline-config-"));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it.each([
    ["local state", (d: any) => delete d.environments.dev.aws.backend, /environments\.dev\.aws\.backend: is required with a pipeline block/],
    ["a hosted runner for a private Key Vault", (d: any) => (d.environments.dev.pipeline.github.runsOn = "ubuntu-latest"), /environments\.dev\.pipeline\.github\.runsOn: names the GitHub-hosted runner ubuntu-latest/],
  ])("synth refuses %s, exit 1, and cdktf.out/ stays empty", (name, change, message) => {
    const d = exampleDescription();
    change(d);
    const file = path.join(tmp, `${String(name).replace(/\W+/g, "-")}.yaml`);
    writeFileSync(file, toYaml(d));
    const outdir = path.join(tmp, `out-${String(name).replace(/\W+/g, "-")}`);
    const run = spawnSync(process.execPath, [path.join(ROOT, "dist", "main.js")], { cwd: ROOT, encoding: "utf8", env: { ...process.env, PLATFORM_CONFIG: file, CDKTF_OUTDIR: outdir } });
    expect(run.stderr).toMatch(message);
    expect(run.status).toBe(1);
    expect(existsSync(outdir)).toBe(false);
  });
});
