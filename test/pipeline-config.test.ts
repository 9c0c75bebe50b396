// The description's pipeline block: exact repository and environment names, no wildcard, no two environments behind
// one GitHub environment, and state storage only where the bootstrap can create it.
import { PlatformConfigError, validatePlatform } from "../config/load";
import { minimalDescription } from "./helpers/descriptions";

function problems(change: (d: any) => void): string[] {
  const d = minimalDescription();
  d.environments.dev.pipeline = { github: { repository: "acme/secrets-platform", environment: "dev" } };
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
  expect(problems((d) => (d.environments.dev.pipeline.createStateStorage = true))).toEqual([
    expect.stringMatching(/^environments\.dev\.pipeline\.createStateStorage: is true but no backend block/),
  ]);
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
