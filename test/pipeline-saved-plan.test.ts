// Issue 19, items 9 and 11: what the workflow's plan and deploy jobs rely on, exercised with the real Terraform (1.11,
// the workflow's version) and the built-in terraform_data resource, which needs no provider download:
//   - a saved plan, copied to another folder without .terraform/ (the artifact), applies there after `terraform init`;
//   - a saved plan whose state changed after it was made is refused ("Saved plan is stale"), so a deploy never
//     applies a plan older than the state;
// and the plan job's refusal of changes only a person can apply, and the review made from the plans' JSON.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONFIG } from "../config/load";
import { personOnlyChanges } from "../scripts/review/person-applies";
import { runReview } from "../scripts/review/run";
import { terraformAvailable } from "../scripts/terraform-offline";

const tmp = mkdtempSync(path.join(os.tmpdir(), "saved-plan-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function terraform(dir: string, ...args: string[]) {
  const r = spawnSync("terraform", [`-chdir=${dir}`, ...args], {
    encoding: "utf8",
    env: { ...process.env, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_CLI_CONFIG_FILE: path.join(tmp, "none.tfrc") },
  });
  return { status: r.status, out: `${r.stdout}\n${r.stderr}` };
}

/** A stack folder whose state lives outside it, as remote state does for the workflow's jobs. */
function stackFolder(name: string, state: string, input: string): string {
  const dir = path.join(tmp, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    path.join(dir, "main.tf.json"),
    JSON.stringify({ terraform: { backend: { local: { path: state } } }, resource: { terraform_data: { marker: { input } } }, output: { marker: { value: "${terraform_data.marker.output}" } } }),
  );
  return dir;
}

const describeTf = terraformAvailable() ? describe : describe.skip;

describeTf("saved plans with the real Terraform", () => {
  const state = path.join(tmp, "shared.tfstate");
  const planned = stackFolder("plan-job", state, "v1");
  beforeAll(() => {
    // An existing state first: a plan made with no prior state at all carries no lineage to compare (terraform#24078).
    expect(terraform(planned, "init", "-input=false").status).toBe(0);
    expect(terraform(planned, "apply", "-input=false", "-auto-approve").status).toBe(0);
  });

  it("applies a saved plan in another folder that holds only the synthesized files and the plan, after init", () => {
    stackFolder("plan-job", state, "v2");
    expect(terraform(planned, "plan", "-input=false", "-lock=false", "-out=tfplan").status).toBe(0);
    // The artifact: the stack folder without .terraform/.
    const deploy = path.join(tmp, "deploy-job");
    cpSync(planned, deploy, { recursive: true, filter: (src) => !src.includes(`${path.sep}.terraform${path.sep}`) && !src.endsWith(`${path.sep}.terraform`) });
    expect(terraform(deploy, "init", "-input=false").status).toBe(0);
    const applied = terraform(deploy, "apply", "-input=false", "tfplan");
    expect(applied.status).toBe(0);
    expect(applied.out).toMatch(/Apply complete! Resources: 0 added, 1 changed, 0 destroyed/);
    expect(JSON.parse(readFileSync(state, "utf8")).outputs.marker.value).toBe("v2");
  });

  it("refuses a saved plan when the state changed after the plan was made, and changes nothing", () => {
    stackFolder("plan-job", state, "v3");
    expect(terraform(planned, "plan", "-input=false", "-lock=false", "-out=tfplan").status).toBe(0);
    const deploy = path.join(tmp, "deploy-job-2");
    cpSync(planned, deploy, { recursive: true, filter: (src) => !/[\\/]\.terraform([\\/]|$)/.test(src) });
    // Someone applies another change between the plan and the approval.
    const other = stackFolder("someone-else", state, "v4");
    expect(terraform(other, "init", "-input=false").status).toBe(0);
    expect(terraform(other, "apply", "-input=false", "-auto-approve").status).toBe(0);
    expect(terraform(deploy, "init", "-input=false").status).toBe(0);
    const stale = terraform(deploy, "apply", "-input=false", "tfplan");
    expect(stale.status).not.toBe(0);
    expect(stale.out).toMatch(/Saved plan is stale/);
    expect(JSON.parse(readFileSync(state, "utf8")).outputs.marker.value).toBe("v4");
  });
});

describe("changes only a person can apply (the plan job's check)", () => {
  const connection = (actions: string[], before?: number, after?: number) => ({
    resource_changes: [
      {
        address: "module.x.vault_database_secret_backend_connection.postgres",
        type: "vault_database_secret_backend_connection",
        name: "postgres",
        change: {
          actions,
          before: before === undefined ? null : { postgresql: [{ password_wo_version: before }] },
          after: after === undefined ? null : { postgresql: [{ password_wo_version: after }] },
        },
      },
    ],
  });

  it("refuses the connection's create and a raised password_wo_version, naming the stack and the variable", () => {
    expect(personOnlyChanges("vault-dev", connection(["create"], undefined, 1) as any)).toEqual([
      expect.stringMatching(/^vault-dev: module\.x\.vault_database_secret_backend_connection\.postgres is created, .*a person applies vault-dev first, with TF_VAR_vault_database_password set/),
    ]);
    expect(personOnlyChanges("vault-dev", connection(["update"], 1, 2) as any)).toEqual([expect.stringMatching(/raises password_wo_version \(1 -> 2\)/)]);
  });

  it("lets CI apply every later change of the connection (allowed roles, TLS), which sends no password", () => {
    expect(personOnlyChanges("vault-dev", connection(["update"], 1, 1) as any)).toEqual([]);
    expect(personOnlyChanges("vault-dev", connection(["no-op"], 1, 1) as any)).toEqual([]);
  });

  it("exits 1 from the built script with the reasons, 0 on a plan without them", () => {
    const bad = path.join(tmp, "bad.json");
    const good = path.join(tmp, "good.json");
    writeFileSync(bad, JSON.stringify(connection(["create"], undefined, 1)));
    writeFileSync(good, JSON.stringify(connection(["update"], 1, 1)));
    const script = path.join(__dirname, "..", "dist", "plan-check.js");
    const refused = spawnSync(process.execPath, [script, `vault-dev=${bad}`, `aws-dev=${good}`], { encoding: "utf8" });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^ERROR vault-dev: .* is created/);
    expect(spawnSync(process.execPath, [script, `vault-dev=${good}`], { encoding: "utf8" }).status).toBe(0);
  });
});

describe("the review made from the plan job's plans", () => {
  it("counts each stack's changes from its plan JSON, says so, and plans nothing itself", () => {
    const plans = path.join(tmp, "plans");
    mkdirSync(plans, { recursive: true });
    const plan = (actions: string[][]) => ({ resource_changes: actions.map((a, i) => ({ address: `x.r${i}`, type: "aws_secretsmanager_secret", name: `r${i}`, change: { actions: a } })) });
    writeFileSync(path.join(plans, "aws-dev.json"), JSON.stringify(plan([["update"], ["delete", "create"], ["no-op"]])));
    writeFileSync(path.join(plans, "vault-dev.json"), JSON.stringify(plan([["create"]])));
    const outdir = path.join(tmp, "review-out");
    const { review } = runReview({
      environment: "dev",
      configFile: DEFAULT_CONFIG,
      outdir,
      planJson: { "aws-dev": path.join(plans, "aws-dev.json"), "vault-dev": path.join(plans, "vault-dev.json") },
    });
    const byStack = Object.fromEntries(review.changes.map((c) => [c.stack, c]));
    expect(byStack["aws-dev"]).toMatchObject({ source: "terraform plan", counts: { create: 0, update: 1, replace: 1, delete: 0 } });
    expect(byStack["aws-dev"].risky).toEqual([expect.objectContaining({ address: "x.r1", action: "replace" })]);
    expect(byStack["vault-dev"]).toMatchObject({ source: "terraform plan", counts: { create: 1 } });
    expect(byStack["azure-dev"].source).toBe("synthesized JSON");
    expect(() => runReview({ environment: "dev", configFile: DEFAULT_CONFIG, outdir, planJson: { "aws-prod": path.join(plans, "aws-dev.json") } })).toThrow(/aws-prod is not a stack of environment dev/);
  });

  // Issue 19, item 12: the review covers bootstrap-<env>, the CI identities' rights.
  it("shows who may become each CI identity of bootstrap-dev and what it may do, and checks its guardrails", () => {
    const outdir = path.join(tmp, "review-out");
    const { review, markdownFile } = runReview({ environment: "dev", configFile: DEFAULT_CONFIG, outdir, plan: false });
    expect(review.pipeline?.stack).toBe("bootstrap-dev");
    const ids = review.pipeline!.identities;
    const find = (backend: string, kind: string) => ids.find((i) => i.backend === backend && i.kind === kind)!;
    expect(ids.map((i) => `${i.backend} ${i.kind}`).sort()).toEqual(["aws deployer", "aws planner", "azure deployer", "azure planner", "vault deployer", "vault planner"]);
    const deploy = ["repo:acme/secrets-platform:environment:dev"];
    const plan = ["repo:acme/secrets-platform:pull_request", "repo:acme/secrets-platform:ref:refs/heads/main"];
    for (const b of ["aws", "azure", "vault"]) {
      expect(find(b, "deployer").trusts).toEqual(deploy);
      expect([...find(b, "planner").trusts].sort()).toEqual(plan);
    }
    expect(find("aws", "deployer").identity).toBe("/secrets-platform-ci/acme-dev-ci_deployer");
    expect(find("aws", "planner").rights).toContainEqual(expect.stringMatching(/^Deny \(NeverReadSecretValues\): secretsmanager:GetSecretValue/));
    expect(find("aws", "deployer").rights.some((r) => /^Allow/.test(r))).toBe(true);
    expect(find("azure", "planner").rights).toContain("Reader on /subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-secrets-dev");
    expect(find("vault", "deployer").rights).toContainEqual(expect.stringMatching(/^sys\/mounts\/secret \[/));
    expect(find("vault", "planner").rights.some((r) => /\/data\/|\/creds\//.test(r))).toBe(false);
    expect(review.guardrails.map((g) => g.stack)).toContain("bootstrap-dev");
    const md = readFileSync(markdownFile, "utf8");
    expect(md).toContain("## CI identities (`bootstrap-dev`)");
    expect(md).toContain("`repo:acme/secrets-platform:ref:refs/heads/main`");
  });
});
