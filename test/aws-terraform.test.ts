// Terraform itself checks the synthesized AWS stacks: an offline `plan` with the AWS provider from the
// machine's mirror and mock credentials. The plan must create exactly what was synthesized and carry no
// secret value. `terraform plan` includes the validation `terraform validate` does ("use the terraform plan
// command instead, which includes an implied validation check",
// https://developer.hashicorp.com/terraform/cli/commands/validate), so a plan that succeeds is a valid
// configuration. The three environments plan at once, sharing one `terraform init` (scripts/terraform-offline.ts).
import { App } from "cdktf";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";
import { offlineWorkspace, OfflineWorkspace, stackAssets, TerraformPlan } from "../scripts/terraform-offline";

const outdir = mkdtempSync(path.join(os.tmpdir(), "aws-terraform-"));
const app = new App({ outdir });
const refs = buildPlatform(app, loadPlatform(), { backends: ["aws"] });
app.synth();

const synthesized = new Map(refs.map((r) => [r.name, JSON.parse(readFileSync(path.join(outdir, "stacks", r.name, "cdk.tf.json"), "utf8"))]));
const workspaces: OfflineWorkspace[] = [];
const plans = new Map<string, TerraformPlan>();
/** The plan of a configuration with an argument the provider does not have: how it fails. */
let invalidPlan: Promise<unknown>;

beforeAll(async () => {
  const broken = structuredClone(synthesized.get(refs[0].name));
  broken.resource.aws_kms_key[Object.keys(broken.resource.aws_kms_key)[0]].not_an_argument = true;
  const brokenWs = offlineWorkspace(broken);
  workspaces.push(brokenWs);
  // Every plan at once, the broken one too: they share the two cores instead of queuing.
  invalidPlan = brokenWs.planAsync().then(
    () => undefined,
    (err: unknown) => err,
  );
  const planned = await Promise.all(
    refs.map(async (r) => {
      const ws = offlineWorkspace(synthesized.get(r.name), stackAssets(path.join(outdir, "stacks", r.name)));
      workspaces.push(ws);
      return [r.name, await ws.planAsync()] as const;
    }),
  );
  for (const [name, plan] of planned) plans.set(name, plan);
  await invalidPlan;
}, 180_000);
afterAll(() => {
  for (const ws of workspaces) ws.dispose();
  rmSync(outdir, { recursive: true, force: true });
});

it("shares one terraform init: no workspace has a provider copy of its own", () => {
  expect(workspaces).toHaveLength(refs.length + 1);
  for (const ws of workspaces) {
    expect(existsSync(path.join(ws.dir, ".terraform"))).toBe(false);
    expect(existsSync(path.join(ws.dir, ".terraform.lock.hcl"))).toBe(true);
  }
});

describe.each(refs.map((r) => r.name))("%s", (stackName) => {
  it("plans offline to create every synthesized resource and nothing else", () => {
    const plan = plans.get(stackName)!;
    const planned = (plan.resource_changes ?? []).map((r) => r.address).sort();
    const expected = Object.entries(synthesized.get(stackName).resource as Record<string, object>)
      .flatMap(([type, byName]) => Object.keys(byName).map((name) => `${type}.${name}`))
      .sort();
    expect(planned).toEqual(expected);
    for (const r of plan.resource_changes ?? []) expect(r.change.actions).toEqual(["create"]);
  });

  it("plans secrets by path without a value, and the workload's trust bound to its service account", () => {
    const env = stackName.replace(/^aws-/, "");
    const plan = plans.get(stackName)!;
    const changes = plan.resource_changes ?? [];
    const secrets = changes.filter((r) => r.type === "aws_secretsmanager_secret").map((r) => r.change.after!.name).sort();
    expect(secrets).toEqual([`${env}/dbadmin/master`, `${env}/myapp/database`, `${env}/myapp/jwt`, `${env}/myapp/openai`]);
    expect(JSON.stringify(plan)).not.toMatch(/"secret_string"|"secret_binary"/);
    const role = changes.find((r) => r.type === "aws_iam_role" && r.change.after!.name === `acme-${env}-myapp-api`);
    const [trust] = JSON.parse(role!.change.after!.assume_role_policy as string).Statement;
    expect(Object.values(trust.Condition.StringEquals).sort()).toEqual(["sts.amazonaws.com", "system:serviceaccount:myapp:myapp-api"]);
  });

  it("plans every role with the environment's workload boundary (its environment has a pipeline block)", () => {
    const env = stackName.replace(/^aws-/, "");
    const roles = (plans.get(stackName)!.resource_changes ?? []).filter((r) => r.type === "aws_iam_role");
    expect(roles.length).toBeGreaterThan(0);
    for (const r of roles) expect(r.change.after!.permissions_boundary).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:policy/secrets-platform-ci/acme-${env}-workload-boundary$`));
  });

  it("plans every secret's resource policy with the read-deny, known in full before apply", () => {
    const env = stackName.replace(/^aws-/, "");
    const plan = plans.get(stackName)!;
    const policies = (plan.resource_changes ?? []).filter((r) => r.type === "aws_secretsmanager_secret_policy");
    expect(policies).toHaveLength(4);
    for (const p of policies) {
      // A literal policy: the plan shows exactly who may read, instead of "(known after apply)".
      expect(typeof p.change.after!.policy).toBe("string");
      const statements = JSON.parse(p.change.after!.policy as string).Statement;
      const deny = statements.find((x: any) => x.Action === "secretsmanager:GetSecretValue");
      expect(deny).toMatchObject({ Effect: "Deny", Principal: "*", Resource: "*" });
      const readers: string[] = deny.Condition.ArnNotLike["aws:PrincipalArn"];
      expect(readers.every((a) => a.startsWith(`arn:aws:iam::${synthesized.get(stackName).provider.aws[0].allowed_account_ids[0]}:role/`))).toBe(true);
      expect(readers.includes("arn:aws:iam::333333333333:role/secrets-break-glass")).toBe(env === "prod");
      // Only reading is denied: nothing here stops the deployer replacing this policy.
      expect(statements.filter((x: any) => x.Effect === "Deny" && !x.Condition?.Bool).map((x: any) => x.Action)).toEqual(["secretsmanager:GetSecretValue"]);
    }
  });

  it("plans the Secrets Manager endpoint the description asks for, open to the VPC's clients, before any rotation", () => {
    const env = stackName.replace(/^aws-/, "");
    const plan = plans.get(stackName)!;
    const changes = plan.resource_changes ?? [];
    const endpoints = changes.filter((r) => r.type === "aws_vpc_endpoint");
    if (env === "staging") {
      // secretsManagerEndpoint: existing (the default): the VPC's own endpoint serves the functions.
      expect(endpoints).toEqual([]);
      return;
    }
    expect(endpoints.map((e) => e.change.after)).toEqual([expect.objectContaining({ private_dns_enabled: true, vpc_endpoint_type: "Interface", service_name: "com.amazonaws.us-east-1.secretsmanager" })]);
    const sources = changes
      .filter((r) => r.type === "aws_vpc_security_group_ingress_rule")
      .map((r) => r.change.after!.cidr_ipv4 ?? r.change.after!.referenced_security_group_id)
      .sort();
    expect(sources).toEqual(env === "dev" ? ["10.10.0.0/16", "sg-0a1b2c3d4e5f60001"] : ["sg-0c1b2c3d4e5f60001", "sg-0c1b2c3d4e5f60002"]);
    // Terraform orders what the configuration says: every function and rotation waits for the endpoint and its rules.
    const config = (plan.configuration as any).root_module.resources as { address: string; depends_on?: string[] }[];
    const endpoint = endpoints[0].address;
    const rules = changes.filter((r) => r.type === "aws_vpc_security_group_ingress_rule").map((r) => r.address);
    const waiters = config.filter((r) => /^aws_(lambda_function|secretsmanager_secret_rotation)\./.test(r.address));
    expect(waiters).toHaveLength(6);
    for (const w of waiters) expect(w.depends_on).toEqual(expect.arrayContaining([endpoint, ...rules]));
  });
});

it("refuses an invalid configuration: a plan is also a validation", async () => {
  const err = await invalidPlan;
  expect(err).toBeInstanceOf(Error);
  expect((err as Error).message).toMatch(/No argument or block type is named "not_an_argument"/);
});
