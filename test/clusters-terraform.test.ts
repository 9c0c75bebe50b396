// The AWS side of several clusters, planned offline by Terraform with the AWS provider 5.100.0 of the mirror: the IAM
// OIDC provider aws-<env> creates for a cluster without one (url and client_id_list; thumbprint_list left to IAM),
// and the roles that trust it waiting for it (scripts/terraform-offline.ts; docs/testing.md).
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parsePlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";
import { offlineWorkspace, OfflineWorkspace, TerraformPlan } from "../scripts/terraform-offline";
import { toYaml } from "./helpers/descriptions";
import { AKS_ISSUER, twoClusterDescription } from "./helpers/clusters";

const outdir = mkdtempSync(path.join(os.tmpdir(), "clusters-terraform-"));
let ws: OfflineWorkspace;
let plan: TerraformPlan;

beforeAll(async () => {
  const app = new App({ outdir });
  buildPlatform(app, parsePlatform(toYaml(twoClusterDescription()), "test"), { backends: ["aws"] });
  app.synth();
  ws = offlineWorkspace(JSON.parse(readFileSync(path.join(outdir, "stacks", "aws-prod-eu", "cdk.tf.json"), "utf8")));
  plan = await ws.planAsync();
}, 180_000);
afterAll(() => {
  ws?.dispose();
  rmSync(outdir, { recursive: true, force: true });
});

it("plans the AKS issuer's IAM OIDC provider with its URL and the sts.amazonaws.com audience, no thumbprint pinned", () => {
  const providers = (plan.resource_changes ?? []).filter((r) => r.type === "aws_iam_openid_connect_provider");
  expect(providers.map((p) => p.change.actions)).toEqual([["create"]]);
  expect(providers[0].change.after).toMatchObject({ url: AKS_ISSUER, client_id_list: ["sts.amazonaws.com"] });
  // Optional in 5.100.0 and computed: IAM fills it in (or verifies against its trusted CAs).
  expect(providers[0].change.after!.thumbprint_list).toBeUndefined();
});

it("plans a role for every workload, trusting a provider of its cluster", () => {
  const roles = (plan.resource_changes ?? []).filter((r) => r.type === "aws_iam_role");
  expect(roles).toHaveLength(6);
  for (const r of roles) expect(r.change.actions).toEqual(["create"]);
});
