// One home per name and contract (issue 11): names are built in config/naming.ts (pipeline names in
// config/pipeline.ts) and nowhere else, and the tags that connect stacks, rotation functions and guardrails come
// from config/tags.ts on both sides.
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { validatePlatform } from "../config/load";
import { CROSS_CHECKS } from "../config/checks";
import { DEFAULTS } from "../config/schema";
import { JWT_ALGORITHM_TAG, JWT_EXPIRY_HOURS_TAG, MANAGED_BY, TAGS, TOKEN_LENGTH_TAG } from "../config/tags";
import { EXAMPLE_CA_FILE, minimalDescription } from "./helpers/descriptions";
import { resources, synthPlatform } from "./helpers/synth";
import type { AwsSecretsStack } from "../stacks/aws-stack";
import type { VaultSecretsStack } from "../stacks/vault-stack";

const ROOT = path.join(__dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith(".ts") ? [rel] : [];
  });
}

describe("names", () => {
  const HOMES = ["config/naming.ts", "config/pipeline.ts"];
  const files = [...["config", "stacks", "constructs", "scripts", "lambda"].flatMap(sources), "main.ts"].filter((f) => !HOMES.includes(f));

  // Each pattern is how one built name starts in a template literal; it may appear only in its home.
  const BUILT: [string, RegExp][] = [
    ["the default state key", /`secrets-platform\/\$\{/],
    ["the minimum Terraform version", /">= ?1\.\d+"/],
    ["rotation function names", /rotate-\$\{/],
    ["the environment key alias", /\}-secrets`/],
    ["Vault Agent output names", /vault-agent-annotations-\$\{/],
    ["stack names", /`(aws|vault|azure|kubernetes|bootstrap)-\$\{(env|environment\.name|ref\.environment|backend)\}/],
    ["workload role, identity and policy names", /\$\{(org|organization|environment\.organization)\}-\$\{[^}]+\}-\$\{[^}]*app\}-\$\{/],
  ];

  it.each(BUILT)("builds %s only in config/naming.ts", (_what, pattern) => {
    expect(files.filter((f) => pattern.test(readFileSync(path.join(ROOT, f), "utf8")))).toEqual([]);
  });

  it("finds each pattern in its home, so the scan above looks for the right text", () => {
    const home = readFileSync(path.join(ROOT, "config/naming.ts"), "utf8");
    const homed = BUILT.filter(([what]) => !["stack names", "workload role, identity and policy names"].includes(what));
    expect(homed.filter(([, pattern]) => !pattern.test(home)).map(([what]) => what)).toEqual([]);
  });
});

describe("tags", () => {
  it("config/tags.ts imports nothing, so the rotation bundles can include it without cdktf or constructs", () => {
    const text = readFileSync(path.join(ROOT, "config/tags.ts"), "utf8");
    expect(text).not.toMatch(/^\s*import\b|\brequire\(/m);
  });

  it("the rotation functions read their settings from the tag constants the AWS stack writes", () => {
    for (const [file, tags] of [
      ["lambda/jwt/rotator.ts", ["JWT_ALGORITHM_TAG", "JWT_EXPIRY_HOURS_TAG"]],
      ["lambda/token/rotator.ts", ["TOKEN_LENGTH_TAG"]],
    ] as const) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      expect(text).toMatch(/from "\.\.\/\.\.\/config\/tags"/);
      for (const tag of tags) expect(text).toContain(`metadata.tags, ${tag},`);
      expect(text).not.toMatch(/"secrets-platform:/);
    }
  });

  it("a synthesized secret carries the settings its rotation function reads, under those names", () => {
    const d = minimalDescription();
    d.applications.myapp.secrets.session = { type: "token", length: 48, rotation: { everyDays: 7 } };
    const { json } = synthPlatform(validatePlatform(d));
    const secrets = Object.values(resources(json["aws-dev"], "aws_secretsmanager_secret"));
    const byName = (name: string) => secrets.find((s) => s.name === name)!.tags;
    expect(byName("dev/myapp/jwt")).toMatchObject({ [JWT_ALGORITHM_TAG]: "HS256", [TAGS.secretType]: "jwt", [TAGS.managedBy]: MANAGED_BY });
    expect(byName("dev/myapp/jwt")[JWT_EXPIRY_HOURS_TAG]).toMatch(/^\d+$/);
    expect(byName("dev/myapp/session")).toMatchObject({ [TOKEN_LENGTH_TAG]: "48", [TAGS.secretType]: "token" });
  });
});

describe("schema defaults", () => {
  it("the schema fills in DEFAULTS, the values the cross-checks and stacks fall back to", () => {
    const d = minimalDescription();
    d.environments.dev.vault = {
      address: "https://vault.dev.example.com:8200",
      kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE },
      database: { host: "pg.dev.example.com", dbname: "app", username: "vault", tlsCaFile: EXAMPLE_CA_FILE },
    };
    d.environments.dev.aws.network = { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"] };
    const dev = validatePlatform(d).environments.dev;
    const v = dev.vault!;
    expect([v.kvMount, v.approlePath, v.kubernetes!.authPath, v.databases.default.mount, v.databases.default.sslmode]).toEqual([
      DEFAULTS.vault.kvMount,
      DEFAULTS.vault.approlePath,
      DEFAULTS.vault.kubernetesAuthPath,
      DEFAULTS.vault.databaseMount,
      DEFAULTS.vault.databaseSslmode,
    ]);
    expect([v.kubernetes!.tokenTtlSeconds, v.kubernetes!.tokenMaxTtlSeconds]).toEqual([DEFAULTS.tokenTtlSeconds, DEFAULTS.tokenMaxTtlSeconds]);
    expect([v.databases.default.defaultTtlSeconds, v.databases.default.maxTtlSeconds]).toEqual([DEFAULTS.vault.databaseDefaultTtlSeconds, DEFAULTS.vault.databaseMaxTtlSeconds]);
    expect(dev.aws!.network!.secretsManagerEndpoint).toBe(DEFAULTS.secretsManagerEndpoint);
  });

  it("the cross-checks restate no default: no literal after ?? in config/load.ts or config/checks", () => {
    const files = ["config/load.ts", ...sources("config/checks")];
    const literal = /\?\? (\d|"[^"]+"|'[^']+'|true|false)/;
    expect(files.filter((f) => literal.test(readFileSync(path.join(ROOT, f), "utf8")))).toEqual([]);
  });
});

describe("cross-checks", () => {
  it("are split by concern into small modules, out of config/load.ts", () => {
    const modules = sources("config/checks");
    expect(CROSS_CHECKS.length).toBeGreaterThanOrEqual(8);
    for (const f of modules) expect(readFileSync(path.join(ROOT, f), "utf8").split("\n").length).toBeLessThan(150);
    expect(readFileSync(path.join(ROOT, "config/load.ts"), "utf8")).not.toMatch(/function crossCheck|new Map/);
  });
});

describe("grants", () => {
  // Built apart from the shared example: granting to a recorder adds statements to the constructs.
  const d = minimalDescription();
  d.environments.dev.vault = {
    address: "https://vault.dev.example.com:8200",
    kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE },
  };
  const { stacks } = synthPlatform(validatePlatform(d));

  it("AWS grantRead and grantRotate return the IAM statements they added", () => {
    const aws = stacks["aws-dev"] as AwsSecretsStack;
    const added: unknown[] = [];
    const grantee = { principalArn: "arn:aws:iam::111111111111:role/recorder", addToPolicy: (s: unknown) => added.push(s) };
    const secret = aws.secretAt("dev/myapp/openai");
    const read = secret.grantRead(grantee);
    expect(read).toEqual(added);
    expect(read.map((s) => s.actions)).toEqual([expect.arrayContaining(["secretsmanager:GetSecretValue"]), ["kms:Decrypt"]]);
    added.length = 0;
    expect(secret.grantRotate(grantee)).toEqual(added);
  });

  it("Vault grantRead returns the policy rules it added", () => {
    const vault = stacks["vault-dev"] as VaultSecretsStack;
    const added: unknown[] = [];
    const rules = vault.kv.grantRead({ addToPolicy: (r) => added.push(r) }, "dev/myapp/openai");
    expect(rules).toEqual(added);
    expect(rules.map((r) => r.path)).toEqual(["secret/data/dev/myapp/openai", "secret/metadata/dev/myapp/openai"]);
  });
});
