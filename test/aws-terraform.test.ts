// Terraform itself checks the synthesized AWS stacks: `validate`, then an offline `plan` with the
// AWS provider from the machine's mirror and mock credentials. The plan must create exactly what
// was synthesized and carry no secret value.
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";
import { offlineWorkspace, OfflineWorkspace, stackAssets, TerraformPlan } from "../scripts/terraform-offline";

const outdir = mkdtempSync(path.join(os.tmpdir(), "aws-terraform-"));
const app = new App({ outdir });
const refs = buildPlatform(app, loadPlatform(), { backends: ["aws"] });
app.synth();
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe.each(refs.map((r) => r.name))("%s", (stackName) => {
  const stackDir = path.join(outdir, "stacks", stackName);
  const synthesized = JSON.parse(readFileSync(path.join(stackDir, "cdk.tf.json"), "utf8"));
  let ws: OfflineWorkspace;
  let plan: TerraformPlan;
  let planText: string;

  beforeAll(() => {
    ws = offlineWorkspace(synthesized, stackAssets(stackDir));
  });
  afterAll(() => ws?.dispose());

  it("passes terraform validate", () => {
    expect(ws.run(["validate", "-no-color"])).toContain("Success! The configuration is valid.");
  });

  it("plans offline to create every synthesized resource and nothing else", () => {
    plan = ws.plan();
    planText = JSON.stringify(plan);
    const planned = (plan.resource_changes ?? []).map((r) => r.address).sort();
    const expected = Object.entries(synthesized.resource as Record<string, object>)
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
      .sort();
    expect(planned).toEqual(expected);
    for (const r of plan.resource_changes ?? []) expect(r.change.actions).toEqual(["create"]);
  });

  it("plans secrets by path without a value, and the workload's trust bound to its service account", () => {
    const env = stackName.replace(/^aws-/, "");
    const changes = plan.resource_changes ?? [];
    const secrets = changes.filter((r) => r.type === "aws_secretsmanager_secret").map((r) => r.change.after!.name).sort();
    expect(secrets).toEqual([`${env}/dbadmin/master`, `${env}/myapp/database`, `${env}/myapp/jwt`, `${env}/myapp/openai`]);
    expect(planText).not.toMatch(/"secret_string"|"secret_binary"/);
    const role = changes.find((r) => r.type === "aws_iam_role" && r.change.after!.name === `acme-${env}-myapp-api`);
    const [trust] = JSON.parse(role!.change.after!.assume_role_policy as string).Statement;
    expect(Object.values(trust.Condition.StringEquals).sort()).toEqual(["sts.amazonaws.com", "system:serviceaccount:myapp:myapp-api"]);
  });
});
