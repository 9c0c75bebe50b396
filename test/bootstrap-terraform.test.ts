// Terraform itself checks the AWS part of bootstrap-<env> (the provider mirror holds only the AWS provider): its
// arguments validate, and an offline plan creates the GitHub OIDC provider, both pipeline roles and the state bucket
// with the policies as synthesized. The Azure and Vault parts are checked from their JSON (bootstrap-stack.test.ts).
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { offlineWorkspace, OfflineWorkspace, TerraformPlan } from "../scripts/terraform-offline";
import { toYaml } from "./helpers/descriptions";
import { synthPlatform } from "./helpers/synth";

const d: any = structuredClone(loadPlatform(DEFAULT_CONFIG));
d.environments = { dev: d.environments.dev };
d.environments.dev.aws.backend = { type: "s3", bucket: "acme-dev-tfstate", region: "us-east-1" };
d.environments.dev.pipeline.createStateStorage = true;
const full = synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["bootstrap"] }).json["bootstrap-dev"] as any;

/** The AWS resources, provider and outputs of the stack, without the providers the mirror does not hold. */
const awsOnly = {
  terraform: { required_providers: { aws: full.terraform.required_providers.aws } },
  provider: { aws: full.provider.aws },
  resource: Object.fromEntries(Object.entries(full.resource).filter(([type]) => type.startsWith("aws_"))),
  output: Object.fromEntries(Object.entries<any>(full.output).filter(([name]) => name.startsWith("aws_"))),
};

let ws: OfflineWorkspace;
let plan: TerraformPlan;
beforeAll(() => {
  ws = offlineWorkspace(awsOnly);
});
afterAll(() => ws?.dispose());

it("passes terraform validate", () => {
  expect(ws.run(["validate", "-no-color"])).toContain("Success! The configuration is valid.");
});

it("plans offline to create the provider, the roles with their path and trust, the workload boundary and the closed state bucket", () => {
  plan = ws.plan();
  const after = (type: string) => (plan.resource_changes ?? []).filter((r) => r.type === type).map((r) => r.change.after ?? {});
  const expected = Object.entries(awsOnly.resource as Record<string, Record<string, object>>).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)).sort();
  expect((plan.resource_changes ?? []).map((r) => r.address).sort()).toEqual(expected);
  for (const r of plan.resource_changes ?? []) expect(r.change.actions).toEqual(["create"]);
  expect(after("aws_iam_openid_connect_provider")).toEqual([expect.objectContaining({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] })]);
  const roles = after("aws_iam_role");
  expect(roles.map((r: any) => [r.name, r.path, r.max_session_duration]).sort()).toEqual([
    ["acme-dev-ci_deployer", "/secrets-platform-ci/", 3600],
    ["acme-dev-ci_planner", "/secrets-platform-ci/", 3600],
  ]);
  // The workload boundary, at the ARN aws-dev's roles name, with its statements known in full before apply.
  const boundary = after("aws_iam_policy").find((p: any) => p.name === "acme-dev-workload-boundary")!;
  expect([boundary.name, boundary.path]).toEqual(["acme-dev-workload-boundary", "/secrets-platform-ci/"]);
  expect(JSON.parse(boundary.policy as string).Statement.map((s: any) => s.Sid)).toEqual(expect.arrayContaining(["EnvironmentSecrets", "KmsThroughSecretsManager"]));
  expect(after("aws_s3_bucket_public_access_block")[0]).toEqual(expect.objectContaining({ block_public_acls: true, restrict_public_buckets: true }));
  expect(after("aws_s3_bucket_versioning")[0]).toEqual(expect.objectContaining({ versioning_configuration: [expect.objectContaining({ status: "Enabled" })] }));
});
