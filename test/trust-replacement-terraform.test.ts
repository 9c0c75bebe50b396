// A role's trust is set at creation: Terraform replaces the role (and puts its inline policy again) when the trust
// changes, so a deploy never calls iam:UpdateAssumeRolePolicy, which the CI deployer is denied
// (constructs/aws/trust-replaces-role.ts). Checked with Terraform itself, offline: a state as the previous deploy left
// it (written here, no cloud), the new configuration, and `terraform plan -refresh=false`.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { WorkloadRole } from "../constructs/aws/workload-role";
import { offlineWorkspace, TerraformPlan } from "../scripts/terraform-offline";

const OIDC = "arn:aws:iam::111111111111:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE";

function synth(serviceAccount: string, description = "reads dev/app/x"): any {
  const s = new TerraformStack(Testing.app(), "trust");
  new AwsProvider(s, "aws", { region: "us-east-1" });
  const role = new WorkloadRole(s, "api", { roleName: "acme-dev-app-api", oidcProviderArn: OIDC, namespace: "app", serviceAccount, description });
  role.addToPolicy({ actions: ["secretsmanager:GetSecretValue"], resources: ["arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/app/x-??????"] });
  return JSON.parse(Testing.synth(s, true));
}

/** The state a deploy of `deployed` leaves (the attributes Terraform compares; ids as AWS would give them). */
function stateOf(deployed: any): unknown {
  const only = (type: string) => Object.entries<any>(deployed.resource[type])[0];
  const [roleName, role] = only("aws_iam_role");
  const [policyName, policy] = only("aws_iam_role_policy");
  const [dataName, data] = only("terraform_data");
  const dynamic = { value: data.input, type: ["object", { assume_role_policy: "string" }] };
  const aws = 'provider["registry.terraform.io/hashicorp/aws"]';
  const { lifecycle: _l, ...roleAttributes } = role;
  return {
    version: 4,
    terraform_version: "1.11.0",
    serial: 1,
    lineage: "6d7c3b5e-0000-4000-8000-000000000001",
    outputs: {},
    resources: [
      {
        mode: "managed", type: "aws_iam_role", name: roleName, provider: aws,
        instances: [{ schema_version: 0, attributes: { ...roleAttributes, id: role.name, arn: `arn:aws:iam::111111111111:role/${role.name}`, unique_id: "AROAEXAMPLEOLDROLE", path: "/", force_detach_policies: false, tags: {}, tags_all: {} } }],
      },
      {
        mode: "managed", type: "aws_iam_role_policy", name: policyName, provider: aws,
        instances: [{ schema_version: 0, attributes: { id: `${role.name}:${policy.name}`, name: policy.name, role: role.name, policy: policy.policy }, dependencies: [`aws_iam_role.${roleName}`] }],
      },
      {
        mode: "managed", type: "terraform_data", name: dataName, provider: 'provider["terraform.io/builtin/terraform"]',
        instances: [{ schema_version: 0, attributes: { id: "6d7c3b5e-0000-4000-8000-000000000002", input: dynamic, output: dynamic, triggers_replace: null } }],
      },
    ],
  };
}

function planFrom(deployed: any, next: any): Record<string, string[]> {
  const ws = offlineWorkspace(next);
  try {
    writeFileSync(path.join(ws.dir, "terraform.tfstate"), JSON.stringify(stateOf(deployed)));
    ws.run(["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=next.tfplan"]);
    const plan = JSON.parse(ws.run(["show", "-json", "next.tfplan"])) as TerraformPlan;
    return Object.fromEntries((plan.resource_changes ?? []).map((c) => [c.type, c.change.actions]));
  } finally {
    ws.dispose();
  }
}

// Each plan loads the AWS provider's schema: about 30 s on a shared 2-core machine.
describe("a workload role whose trust changes", () => {
  it("is replaced with its inline policy, not updated in place (no UpdateAssumeRolePolicy)", () => {
    expect(planFrom(synth("app-api"), synth("app-api-v2"))).toEqual({
      aws_iam_role: ["delete", "create"],
      aws_iam_role_policy: ["delete", "create"],
      terraform_data: ["update"],
    });
  }, 240_000);

  it("is updated in place when something else changes, and its inline policy is left alone", () => {
    expect(planFrom(synth("app-api"), synth("app-api", "reads dev/app/x, reviewed"))).toEqual({
      aws_iam_role: ["update"],
      aws_iam_role_policy: ["no-op"],
      terraform_data: ["no-op"],
    });
  }, 240_000);
});
