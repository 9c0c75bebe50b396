// .github/workflows/platform.yml: generated from the description and current, valid against GitHub's workflow schema,
// least-privilege, pinned, ordered, and every job presents the OIDC subject its identity's trust names.
import { validateWorkflow } from "@action-validator/core";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { GITHUB_OIDC_HOST } from "../config/pipeline";
import { checkWorkflow } from "../guardrails/rules/workflow";
import { pipelineWorkflow, PLAN_RETENTION_DAYS, WORKFLOW_FILE } from "../scripts/pipeline-workflow";
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
  expect(jobs["secret-scan"].permissions).toEqual({ contents: "read", "pull-requests": "read" });
  for (const [name, job] of Object.entries(jobs)) {
    if (name === "test" || name === "secret-scan") continue;
    expect(job.permissions).toEqual({ "id-token": "write", contents: "read" });
  }
  expect(checkWorkflow(workflow)).toEqual([]);
});

it("deploys on main in the description's order, each job in its GitHub environment, never two at once per environment", () => {
  const deploys = Object.keys(jobs).filter((n) => n.startsWith("deploy-"));
  expect(deploys).toEqual(["deploy-dev", "deploy-staging", "deploy-prod"]);
  expect(deploys.map((n) => jobs[n].needs)).toEqual([["plan-dev"], ["plan-staging", "deploy-dev"], ["plan-prod", "deploy-staging"]]);
  for (const n of deploys) {
    const env = n.slice("deploy-".length);
    expect(jobs[n].if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(jobs[n].environment).toBe(platform.environments[env].pipeline!.github.environment);
    expect(jobs[n].concurrency).toEqual({ group: `deploy-${env}`, "cancel-in-progress": false });
  }
});

// Issue 19, item 9: the deploy job applies exactly the plan the plan job saved and a person approved.
describe("plan -> artifact -> approval -> apply of that plan", () => {
  const ENVS = ["dev", "staging", "prod"];
  const STACKS = (env: string) => [`aws-${env}`, `vault-${env}`, `azure-${env}`];
  const runs = (job: any) => job.steps.map((s: any) => s.run ?? "").join("\n");

  it.each(ENVS)("plan-%s runs on pull requests and on main, as the planner, and saves terraform plan -out of each stack after init", (env) => {
    const job = jobs[`plan-${env}`];
    // No `if`: a pull request plans for review, a push plans what the deploy job applies. No environment: the token's
    // subject is the pull request's or main's, which the planner trusts.
    expect(job.if).toBeUndefined();
    expect(job.environment).toBeUndefined();
    expect(job.needs).toEqual(["secret-scan", "test"]);
    const names = job.steps.map((s: any) => s.name ?? s.uses ?? s.run);
    const login = names.indexOf("AWS: assume the planner");
    expect(login).toBeGreaterThan(names.indexOf("Synthesize"));
    for (const stack of STACKS(env)) {
      const step = job.steps.find((s: any) => s.name === `Plan ${stack}`);
      expect(job.steps.indexOf(step)).toBeGreaterThan(login);
      const lines: string[] = step.run.split("\n");
      const init = lines.indexOf(`terraform -chdir=cdktf.out/stacks/${stack} init -input=false`);
      const plan = lines.findIndex((l) => l.startsWith(`terraform -chdir=cdktf.out/stacks/${stack} plan `));
      expect(init).toBeGreaterThan(0);
      expect(plan).toBeGreaterThan(init);
      expect(lines[plan]).toMatch(/ -out=tfplan$/);
      expect(lines[plan]).toContain("-lock=false");
      expect(lines).toContain(`terraform -chdir=cdktf.out/stacks/${stack} show -json tfplan > cdktf.out/plans/${stack}.json`);
      expect(lines[0]).toBe("set -euo pipefail");
    }
    expect(runs(job)).not.toMatch(/cdktf (diff|deploy)|--auto-approve/);
  });

  it.each(ENVS)("plan-%s writes the review made from those plans to the job summary, even when guardrails fail", (env) => {
    const job = jobs[`plan-${env}`];
    const review = job.steps.find((s: any) => s.name === "Review");
    expect(review.if).toBe("always()");
    for (const stack of STACKS(env)) expect(review.run).toContain(`--plan-json ${stack}=cdktf.out/plans/${stack}.json`);
    const lines: string[] = review.run.split("\n");
    // The review's exit code is kept, the summary written, and only then the step fails with that code.
    expect(lines[0]).not.toMatch(/-e/);
    const call = lines.findIndex((l) => l.includes("npm run --silent review -- --env"));
    expect(lines[call + 1]).toBe("status=$?");
    expect(lines[call + 2]).toContain(`cat cdktf.out/review-run/review/${env}.md >> "$GITHUB_STEP_SUMMARY"`);
    expect(lines.at(-1)).toBe("exit $status");
    // --skip-plan only when a plan is missing (synth or a plan failed): the review still says what was synthesized.
    expect(lines[call]).toContain("${plans:---skip-plan}");
    const upload = job.steps.find((s: any) => s.with?.name === `review-${env}`);
    expect(upload.if).toBe("always()");
  });

  it.each(ENVS)("plan-%s uploads the saved plans with their synthesized stacks, without providers, kept 3 days", (env) => {
    const job = jobs[`plan-${env}`];
    const upload = job.steps.find((s: any) => s.with?.name === `plan-${env}`);
    expect(upload.uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/);
    expect(upload.if).toBeUndefined(); // only after every plan, the person-only check and the review passed
    expect(upload.with.path.split("\n")).toEqual([...STACKS(env).map((s) => `cdktf.out/stacks/${s}`), "!cdktf.out/stacks/*/.terraform/"]);
    // .terraform.lock.hcl is a hidden file, which upload-artifact leaves out unless told.
    expect(upload.with["include-hidden-files"]).toBe(true);
    expect(upload.with["retention-days"]).toBe(PLAN_RETENTION_DAYS);
    expect(PLAN_RETENTION_DAYS).toBeLessThanOrEqual(7);
    expect(upload.with["if-no-files-found"]).toBe("error");
    const names = job.steps.map((s: any) => s.name);
    expect(job.steps.indexOf(upload)).toBeGreaterThan(names.indexOf("Refuse changes only a person can apply"));
    expect(job.steps.indexOf(upload)).toBeGreaterThan(names.indexOf("Review"));
  });

  it.each(ENVS)("deploy-%s, after its environment's approval, downloads that artifact and applies each saved plan, never re-planning", (env) => {
    const job = jobs[`deploy-${env}`];
    expect(job.environment).toBe(env);
    expect(job.needs).toContain(`plan-${env}`);
    const download = job.steps.find((s: any) => String(s.uses).startsWith("actions/download-artifact@"));
    expect(download.uses).toMatch(/@[0-9a-f]{40}$/);
    expect(download.with).toEqual({ name: `plan-${env}`, path: "cdktf.out/stacks" });
    const login = job.steps.findIndex((s: any) => s.name === "AWS: assume the deployer");
    expect(job.steps.indexOf(download)).toBeLessThan(login);
    const applies = job.steps.filter((s: any) => /terraform .* apply /.test(s.run ?? ""));
    expect(applies.map((s: any) => s.run.split("\n").slice(1))).toEqual(
      STACKS(env).map((stack) => [`terraform -chdir=cdktf.out/stacks/${stack} init -input=false`, `terraform -chdir=cdktf.out/stacks/${stack} apply -input=false tfplan`]),
    );
    for (const a of applies) expect(job.steps.indexOf(a)).toBeGreaterThan(login);
    // Nothing of the repository runs here: no checkout, no npm, no plan, no cdktf.
    const text = runs(job);
    expect(text).not.toMatch(/terraform [^\n]*\bplan\b|npx|npm|cdktf (deploy|diff)|--auto-approve/);
    expect(job.steps.some((s: any) => String(s.uses).startsWith("actions/checkout@"))).toBe(false);
  });

  it("the artifact the deploy job downloads is the one its environment's plan job uploaded, in the same run", () => {
    for (const env of ENVS) {
      const up = jobs[`plan-${env}`].steps.find((s: any) => s.with?.name === `plan-${env}`);
      const down = jobs[`deploy-${env}`].steps.find((s: any) => String(s.uses).startsWith("actions/download-artifact@"));
      expect(down.with.name).toBe(up.with.name);
      // Uploaded from several folders, the artifact's root is their common ancestor, cdktf.out/stacks, where it lands.
      expect(down.with.path).toBe("cdktf.out/stacks");
      expect(down.with["run-id"]).toBeUndefined();
    }
  });
});

// Issue 19, item 8: the plan and deploy jobs run where the private data planes are reachable.
it("runs each environment's plan and deploy jobs on its runsOn labels, and the tests and the scan on GitHub's runner", () => {
  for (const env of ["dev", "staging", "prod"]) {
    const labels = platform.environments[env].pipeline!.github.runsOn;
    expect(labels).toEqual(["self-hosted", "linux", `${env}-private`]);
    expect(jobs[`plan-${env}`]["runs-on"]).toEqual(labels);
    expect(jobs[`deploy-${env}`]["runs-on"]).toEqual(labels);
  }
  expect(jobs.test["runs-on"]).toBe("ubuntu-latest");
  expect(jobs["secret-scan"]["runs-on"]).toBe("ubuntu-latest");
  // Without runsOn (an environment with neither Azure nor a private Vault), GitHub's hosted runner.
  const d: any = structuredClone(platform);
  for (const e of Object.values<any>(d.environments)) {
    delete e.azure;
    if (e.kubernetes) e.kubernetes.secretStoreBackend = "aws";
    delete e.pipeline.github.runsOn;
  }
  const plain = parse(pipelineWorkflow(parsePlatform(toYaml(d), "no-azure")));
  expect(plain.jobs["plan-dev"]["runs-on"]).toBe("ubuntu-latest");
  expect(plain.jobs["deploy-prod"]["runs-on"]).toBe("ubuntu-latest");
  d.environments.dev.pipeline.github.runsOn = "vault-runners";
  expect(parse(pipelineWorkflow(parsePlatform(toYaml(d), "one-label"))).jobs["deploy-dev"]["runs-on"]).toBe("vault-runners");
});

// Issue 19, item 10.
it("scans every pull request and push for secrets with gitleaks pinned by commit, and the plans wait for it", () => {
  expect(workflow.on).toEqual({ pull_request: { branches: ["main"] }, push: { branches: ["main"] } });
  const scan = jobs["secret-scan"];
  expect(scan.if).toBeUndefined();
  const checkout = scan.steps[0];
  expect(checkout.uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/);
  // The action scans the pushed or pull request commits, which needs their history.
  expect(checkout.with["fetch-depth"]).toBe(0);
  const step = scan.steps.find((s: any) => String(s.uses).startsWith("gitleaks/gitleaks-action@"));
  // v3.0.0 of github.com/gitleaks/gitleaks-action (its tag, resolved in a clone of the repository).
  expect(step.uses).toBe("gitleaks/gitleaks-action@e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e");
  expect(text).toContain("uses: gitleaks/gitleaks-action@e0c47f4f8be36e29cdc102c57e68cb5cbf0e8d1e # v3.0.0");
  expect(step.env.GITHUB_TOKEN).toBe("${{ secrets.GITHUB_TOKEN }}");
  expect(step.env.GITLEAKS_LICENSE).toBe("${{ secrets.GITLEAKS_LICENSE }}");
  expect(step["continue-on-error"]).toBeUndefined();
  for (const env of ["dev", "staging", "prod"]) expect(jobs[`plan-${env}`].needs).toContain("secret-scan");
});

it("on a pull request tests, then per environment plans and publishes the review (summary and artifact, JSON too) as the planner", () => {
  const testRuns = jobs.test.steps.map((s: any) => s.run).filter(Boolean);
  expect(testRuns[0]).toBe("npm ci");
  expect(testRuns.at(-1)).toBe("npm test");
  for (const env of ["dev", "staging", "prod"]) {
    const job = jobs[`plan-${env}`];
    const runs = job.steps.map((s: any) => s.run ?? "").join("\n");
    expect(runs).toContain(`npm run --silent review -- --env ${env} --json`);
    const upload = job.steps.find((s: any) => s.with?.name === `review-${env}`);
    expect(upload.with.path.split("\n")).toEqual([`cdktf.out/review-run/review/${env}.md`, `cdktf.out/review-run/review/${env}.json`]);
  }
});

/**
 * The subjects GitHub puts in a job's token: its environment when it has one; else, for a job that runs on pull
 * requests and pushes to main, the pull request's or main's ("Example subject claims" in GitHub's OIDC reference).
 */
function subjectsOf(repository: string, job: any): string[] {
  if (job.environment) return [`repo:${repository}:environment:${job.environment}`];
  expect(job.if).toBeUndefined();
  return [`repo:${repository}:pull_request`, `repo:${repository}:ref:refs/heads/main`];
}

/** Checks every identity a workflow's jobs use against the bootstrap stacks' trusts; returns how many it checked. */
function checkIdentities(wf: any, repository: string, bootstrap: Record<string, StackJson>): number {
  let checked = 0;
  for (const [name, job] of Object.entries<any>(wf.jobs)) {
    if (name === "test") continue;
    const env = name.replace(/^(plan|deploy)-/, "");
    const stack = bootstrap[`bootstrap-${env}`];
    if (name === "secret-scan") continue;
    const subjects = subjectsOf(repository, job);
    for (const step of job.steps) {
      if (String(step.uses).startsWith("aws-actions/configure-aws-credentials@")) {
        const arn: string = step.with["role-to-assume"];
        const [, path, roleName] = /^arn:aws:iam::\d{12}:role(\/.*\/)([^/]+)$/.exec(arn)!;
        const role = Object.values<any>(stack.resource!.aws_iam_role).find((r) => r.name === roleName && r.path === path);
        expect(role).toBeDefined();
        const trust = JSON.parse(role.assume_role_policy).Statement[0].Condition.StringEquals;
        expect([trust[`${GITHUB_OIDC_HOST}:sub`]].flat()).toEqual(subjects);
        checked++;
      }
      if (String(step.uses).startsWith("azure/login@")) {
        const variable = /^\$\{\{ vars\.([A-Z0-9_]+) \}\}$/.exec(step.with["client-id"])![1];
        const output = stack.output![variable];
        expect(output).toBeDefined();
        const identity = /^\$\{azurerm_user_assigned_identity\.([^.]+)\.client_id\}$/.exec(String(output.value))![1];
        const credentials = Object.values<any>(stack.resource!.azurerm_federated_identity_credential).filter((c) => c.parent_id === `\${azurerm_user_assigned_identity.${identity}.id}`);
        expect(credentials.map((c) => c.subject).sort()).toEqual([...subjects].sort());
        checked++;
      }
      if (step.env?.VAULT_ROLE) {
        const role = Object.values<any>(stack.resource!.vault_jwt_auth_backend_role).find((r) => r.role_name === step.env.VAULT_ROLE);
        expect(role.bound_subject ? [role.bound_subject] : String(role.bound_claims.sub).split(",")).toEqual(subjects);
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
  const runsOn = ["self-hosted", "private"];
  d.environments.dev.pipeline = { github: { repository: "globex/nonprod", environment: "development", runsOn } };
  d.environments.staging.pipeline = { github: { repository: "globex/nonprod", environment: "staging", runsOn } };
  d.environments.prod.pipeline = { github: { repository: "globex/prod", environment: "production", runsOn } };
  const heldOut = parsePlatform(toYaml(d), "held-out");
  expect(() => pipelineWorkflow(heldOut)).toThrow(/names 2 repositories .* pass --repository/);
  const bootstrap = synthPlatform(heldOut, { backends: ["bootstrap"] }).json;
  const nonprod = parse(pipelineWorkflow(heldOut, "globex/nonprod"));
  expect(Object.keys(nonprod.jobs)).toEqual(["secret-scan", "test", "plan-dev", "plan-staging", "deploy-dev", "deploy-staging"]);
  expect(checkIdentities(nonprod, "globex/nonprod", bootstrap)).toBe(12);
  const prod = parse(pipelineWorkflow(heldOut, "globex/prod"));
  expect(prod.jobs["deploy-prod"].needs).toEqual(["plan-prod"]);
  expect(checkIdentities(prod, "globex/prod", bootstrap)).toBe(6);
  // A job of one repository presenting its subject to another repository's trust would fail the check.
  expect(() => checkIdentities(prod, "globex/nonprod", bootstrap)).toThrow();
  expect(validateWorkflow(pipelineWorkflow(heldOut, "globex/prod")).errors).toEqual([]);
});

it("runs every job that sets up Node on Node 22, the Lambdas' and the Azure function's runtime", () => {
  const nodes = Object.values(jobs).flatMap((j) => j.steps.filter((s: any) => String(s.uses ?? "").startsWith("actions/setup-node@")));
  expect(nodes.length).toBeGreaterThan(0);
  for (const s of nodes) expect(s.with["node-version"]).toBe(22);
});

describe("on a pull request, the review opens with what the change does against its base branch", () => {
  const review = (env: string) => jobs[`plan-${env}`].steps.find((s: any) => s.name === "Review");

  it("fetches the base branch's history (npm run review -- --base builds that revision)", () => {
    for (const env of ["dev", "staging", "prod"]) {
      const checkout = jobs[`plan-${env}`].steps.find((s: any) => String(s.uses ?? "").startsWith("actions/checkout@"));
      expect(checkout.with).toEqual({ "fetch-depth": 0, "persist-credentials": false });
    }
  });

  it.each([
    ["a pull request into main", { GITHUB_BASE_REF: "main" }, "--base origin/main"],
    ["a push to main", {}, undefined],
  ])("passes --base on %s only", (_what, env, expected) => {
    // The step's own shell, with npm's review replaced by an echo of its arguments.
    const dir = mkdtempSync(path.join(os.tmpdir(), "review-step-"));
    const script = review("dev").run.replace("npm run --silent review --", "echo review");
    const run = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8", env: { PATH: process.env.PATH, GITHUB_STEP_SUMMARY: `${dir}/summary`, ...env } });
    const line: string = run.stdout.split("\n").find((l: string) => l.startsWith("review ")) ?? "";
    expect(line).toContain("--env dev --json --outdir cdktf.out/review-run --skip-plan");
    if (expected) expect(line.endsWith(expected)).toBe(true);
    else expect(line).not.toContain("--base");
  });
});
