// .github/workflows/platform.yml: generated from the description and current, valid against GitHub's workflow schema,
// least-privilege, pinned, ordered, and every job presents the OIDC subject its identity's trust names.
import { validateWorkflow } from "@action-validator/core";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { GITHUB_OIDC_HOST } from "../config/pipeline";
import { checkWorkflow } from "../constructs/guardrails/rules/workflow";
import { pipelineWorkflow, WORKFLOW_FILE } from "../scripts/pipeline-workflow";
import { StackJson, synthPlatform } from "./helpers/synth";
import { toYaml } from "./helpers/descriptions";

const platform = loadPlatform(DEFAULT_CONFIG);
const text = readFileSync(WORKFLOW_FILE, "utf8");
const workflow = parse(text);
const jobs: Record<string, any> = workflow.jobs;

it("is what the description gives (regenerate with npm run pipeline:workflow)", () => {
  expect(text).toBe(pipelineWorkflow(platform));
});

it("validates against GitHub's workflow schema, and the validator does reject a broken workflow", () => {
  expect(validateWorkflow(text).errors).toEqual([]);
  const broken = text.replace("runs-on: ubuntu-latest", "runz-on: ubuntu-latest");
  expect(validateWorkflow(broken).errors.length).toBeGreaterThan(0);
});

it("pins every action by a full commit SHA", () => {
  const uses = Object.values(jobs).flatMap((j) => j.steps.filter((s: any) => s.uses).map((s: any) => s.uses as string));
  expect(uses.length).toBeGreaterThan(10);
  for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
});

it("grants nothing at the top, and each job only what it needs: id-token write and contents read, nothing more", () => {
  expect(workflow.permissions).toEqual({});
  expect(jobs.test.permissions).toEqual({ contents: "read" });
  for (const [name, job] of Object.entries(jobs)) {
    if (name === "test") continue;
    expect(job.permissions).toEqual({ "id-token": "write", contents: "read" });
  }
  expect(checkWorkflow(workflow)).toEqual([]);
});

it("deploys on main in the description's order, each job in its GitHub environment, never two at once per environment", () => {
  const deploys = Object.keys(jobs).filter((n) => n.startsWith("deploy-"));
  expect(deploys).toEqual(["deploy-dev", "deploy-staging", "deploy-prod"]);
  expect(deploys.map((n) => jobs[n].needs)).toEqual(["test", "deploy-dev", "deploy-staging"]);
  for (const n of deploys) {
    const env = n.slice("deploy-".length);
    expect(jobs[n].if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(jobs[n].environment).toBe(platform.environments[env].pipeline!.github.environment);
    expect(jobs[n].concurrency).toEqual({ group: `deploy-${env}`, "cancel-in-progress": false });
    expect(jobs[n].steps.at(-1).run).toBe(`npx cdktf deploy aws-${env} vault-${env} azure-${env} --auto-approve`);
  }
});

it("on a pull request tests, then per environment publishes the review (summary and artifact, JSON too) and diffs with the planner", () => {
  expect(workflow.on).toEqual({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
  const testRuns = jobs.test.steps.map((s: any) => s.run).filter(Boolean);
  expect(testRuns[0]).toBe("npm ci");
  expect(testRuns.at(-1)).toBe("npm test");
  for (const env of ["dev", "staging", "prod"]) {
    const job = jobs[`plan-${env}`];
    expect(job.needs).toBe("test");
    expect(job.environment).toBeUndefined();
    const runs = job.steps.map((s: any) => s.run ?? "").join("\n");
    expect(runs).toContain(`npm run --silent review -- --env ${env} --json`);
    expect(runs).toContain(`cat cdktf.out/review/${env}.md >> "$GITHUB_STEP_SUMMARY"`);
    const upload = job.steps.find((s: any) => String(s.uses).startsWith("actions/upload-artifact@"));
    expect(upload.with.path.split("\n")).toEqual([`cdktf.out/review/${env}.md`, `cdktf.out/review/${env}.json`]);
    const diffs = job.steps.filter((s: any) => /^npx cdktf diff /.test(s.run ?? ""));
    expect(diffs.map((s: any) => s.run)).toEqual([`npx cdktf diff aws-${env} --skip-synth`, `npx cdktf diff vault-${env} --skip-synth`, `npx cdktf diff azure-${env} --skip-synth`]);
    for (const d of diffs) expect(d.env.TF_CLI_ARGS_plan).toMatch(/^-lock=false/);
    // Logged in as the planner before the first diff.
    const firstDiff = job.steps.indexOf(diffs[0]);
    expect(job.steps.slice(0, firstDiff).some((s: any) => /planner/.test(s.name ?? ""))).toBe(true);
  }
});

/** The subject GitHub puts in a job's token: its environment when it has one, else the triggering pull request. */
function subjectOf(repository: string, job: any): string {
  if (job.environment) return `repo:${repository}:environment:${job.environment}`;
  expect(job.if).toBe("github.event_name == 'pull_request'");
  return `repo:${repository}:pull_request`;
}

/** Checks every identity a workflow's jobs use against the bootstrap stacks' trusts; returns how many it checked. */
function checkIdentities(wf: any, repository: string, bootstrap: Record<string, StackJson>): number {
  let checked = 0;
  for (const [name, job] of Object.entries<any>(wf.jobs)) {
    if (name === "test") continue;
    const env = name.replace(/^(plan|deploy)-/, "");
    const stack = bootstrap[`bootstrap-${env}`];
    const subject = subjectOf(repository, job);
    for (const step of job.steps) {
      if (String(step.uses).startsWith("aws-actions/configure-aws-credentials@")) {
        const arn: string = step.with["role-to-assume"];
        const [, path, roleName] = /^arn:aws:iam::\d{12}:role(\/.*\/)([^/]+)$/.exec(arn)!;
        const role = Object.values<any>(stack.resource!.aws_iam_role).find((r) => r.name === roleName && r.path === path);
        expect(role).toBeDefined();
        const trust = JSON.parse(role.assume_role_policy).Statement[0].Condition.StringEquals;
        expect(trust[`${GITHUB_OIDC_HOST}:sub`]).toBe(subject);
        checked++;
      }
      if (String(step.uses).startsWith("azure/login@")) {
        const variable = /^\$\{\{ vars\.([A-Z0-9_]+) \}\}$/.exec(step.with["client-id"])![1];
        const output = stack.output![variable];
        expect(output).toBeDefined();
        const identity = /^\$\{azurerm_user_assigned_identity\.([^.]+)\.client_id\}$/.exec(String(output.value))![1];
        const credential = Object.values<any>(stack.resource!.azurerm_federated_identity_credential).find((c) => c.parent_id === `\${azurerm_user_assigned_identity.${identity}.id}`);
        expect(credential.subject).toBe(subject);
        checked++;
      }
      if (step.env?.VAULT_ROLE) {
        const role = Object.values<any>(stack.resource!.vault_jwt_auth_backend_role).find((r) => r.role_name === step.env.VAULT_ROLE);
        expect(role.bound_subject).toBe(subject);
        expect(role.bound_audiences).toEqual([step.env.VAULT_ADDR]);
        expect(step.run).toContain("audience=$audience");
        checked++;
      }
    }
  }
  return checked;
}

it("gives every job the identity whose trust names the subject that job presents", () => {
  const bootstrap = synthPlatform(platform, { backends: ["bootstrap"] }).json;
  // 3 environments x (plan, deploy) x (AWS, Azure, Vault)
  expect(checkIdentities(workflow, "acme/secrets-platform", bootstrap)).toBe(18);
});

it("generates one workflow per repository of a description with two, each matching its own environments' trusts", () => {
  const d: any = structuredClone(platform);
  d.environments.dev.pipeline = { github: { repository: "globex/nonprod", environment: "development" } };
  d.environments.staging.pipeline = { github: { repository: "globex/nonprod", environment: "staging" } };
  d.environments.prod.pipeline = { github: { repository: "globex/prod", environment: "production" } };
  const heldOut = parsePlatform(toYaml(d), "held-out");
  expect(() => pipelineWorkflow(heldOut)).toThrow(/names 2 repositories .* pass --repository/);
  const bootstrap = synthPlatform(heldOut, { backends: ["bootstrap"] }).json;
  const nonprod = parse(pipelineWorkflow(heldOut, "globex/nonprod"));
  expect(Object.keys(nonprod.jobs)).toEqual(["test", "plan-dev", "plan-staging", "deploy-dev", "deploy-staging"]);
  expect(checkIdentities(nonprod, "globex/nonprod", bootstrap)).toBe(12);
  const prod = parse(pipelineWorkflow(heldOut, "globex/prod"));
  expect(prod.jobs["deploy-prod"].needs).toBe("test");
  expect(checkIdentities(prod, "globex/prod", bootstrap)).toBe(6);
  // A job of one repository presenting its subject to another repository's trust would fail the check.
  expect(() => checkIdentities(prod, "globex/nonprod", bootstrap)).toThrow();
  expect(validateWorkflow(pipelineWorkflow(heldOut, "globex/prod")).errors).toEqual([]);
});
