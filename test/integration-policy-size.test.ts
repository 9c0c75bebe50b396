// The CI deployer's inline policy must not grow with the number of stack groups: IAM allows 10,240 characters of
// inline policy per role, and an environment of a thousand applications has a few dozen groups. Group stacks' key
// aliases and state objects are covered by one pattern per backend, and a same-account environment whose name the
// patterns would also match (prod-eu beside prod) is denied explicitly.
import { parsePlatform } from "../config/load";
import { EXAMPLE_CA_FILE, toYaml } from "./helpers/descriptions";
import { synthPlatform } from "./helpers/synth";
import { roleStatements } from "./helpers/role-policies";

const STATE = { type: "s3", bucket: "acme-tfstate-prod", region: "us-east-1" };
const aws = (account: string) => ({
  accountId: account,
  region: "us-east-1",
  eks: { oidcProviderArn: `arn:aws:iam::${account}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` },
  backend: STATE,
});

function withGroups(groups: number, namesake = false): any {
  const applications: Record<string, unknown> = {};
  for (let i = 0; i <= groups; i++) {
    applications[`app${i}`] = {
      ...(i > 0 ? { stackGroup: `team-${i}` } : {}),
      // A jwt: it rotates on AWS (a Lambda) and on Vault (a transit key); a token would be refused on Vault in production.
      secrets: { session: { type: "jwt", algorithm: "HS256", rotation: { everyDays: 7 } } },
      workloads: { api: { kubernetes: { namespace: `ns${i}`, serviceAccount: `api${i}` }, reads: ["session"] } },
    };
  }
  const prod = {
    aws: aws("333333333333"),
    vault: { address: "https://vault.example.com:8200", kubernetes: { host: "https://k8s.example.com:6443", caCertFile: EXAMPLE_CA_FILE }, backend: STATE },
    pipeline: { github: { repository: "acme/platform", environment: "prod" }, awsOidcProviderArn: "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com" },
  };
  const environments: Record<string, unknown> = { prod };
  if (namesake) environments["prod-eu"] = { aws: aws("333333333333") };
  return { organization: "acme", environments, applications };
}

const deployerPolicy = (groups: number, namesake = false) => {
  const { json } = synthPlatform(parsePlatform(toYaml(withGroups(groups, namesake)), "test"));
  const policies = Object.values<any>(json["bootstrap-prod"].resource!.aws_iam_role_policy);
  return policies.map((p) => p.policy as string).sort((a, b) => b.length - a.length)[0];
};

it("keeps the deployer's inline policy the same size from 2 to 30 stack groups, well under IAM's 10,240 characters", () => {
  const two = deployerPolicy(2);
  const thirty = deployerPolicy(30);
  expect(thirty.length).toBe(two.length);
  expect(thirty.length).toBeLessThan(10_240);
  const statements = JSON.parse(thirty).Statement;
  const resources = statements.flatMap((s: any) => [s.Resource].flat());
  expect(resources).toContain("arn:aws:s3:::acme-tfstate-prod/secrets-platform/aws-prod-*");
  expect(resources).toContain("arn:aws:s3:::acme-tfstate-prod/secrets-platform/vault-prod-*");
  expect(resources).toContain("arn:aws:kms:us-east-1:333333333333:alias/acme-prod-*-secrets");
});

it("denies the state and key aliases of a same-account environment that the group patterns would match", () => {
  // The inline policy and the deployer's managed denies (PipelineRole.attachPolicy), which IAM evaluates together.
  const { json } = synthPlatform(parsePlatform(toYaml(withGroups(2, true)), "test"));
  const statements = roleStatements(json["bootstrap-prod"], { name: "acme-prod-ci_deployer" });
  const denied = statements.filter((s: any) => s.Effect === "Deny").flatMap((s: any) => [s.Resource].flat());
  expect(denied).toContain("arn:aws:s3:::acme-tfstate-prod/secrets-platform/aws-prod-eu*");
  expect(denied).toContain("arn:aws:kms:us-east-1:333333333333:alias/acme-prod-eu-*");
});
