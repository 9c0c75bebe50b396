// The review of a change: pairs of descriptions that differ by one thing, each of which must produce exactly the lines
// a reviewer needs for it, and nothing else. Both sides are synthesized as `npm run review -- --base-config` does.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parsePlatform } from "../config/load";
import { sideFromOutput, synthesizeDescription } from "../scripts/review/compare";
import { ChangeReview, diffEnvironment, ReviewSide } from "../scripts/review/diff";
import { renderChange } from "../scripts/review/markdown";
import { exampleDescription, toYaml } from "./helpers/descriptions";

const tmp = mkdtempSync(path.join(os.tmpdir(), "review-diff-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The example's dev environment alone: every backend, the Kubernetes stack and the CI identities. */
function base(): any {
  const d = exampleDescription();
  d.environments = { dev: d.environments.dev };
  d.environments.dev.aws.breakGlassRoleArns = ["arn:aws:iam::111111111111:role/secrets-break-glass"];
  // An application with nothing to rotate, which a stack group can take without new rotation functions.
  d.applications.billing = {
    secrets: { stripe: { type: "api-key", expiresAfterDays: 90 } },
    workloads: { worker: { kubernetes: { namespace: "billing", serviceAccount: "billing-worker" }, reads: ["stripe"] } },
  };
  return d;
}

let count = 0;
function side(description: unknown): ReviewSide {
  const dir = path.join(tmp, `out-${count++}`);
  const platform = parsePlatform(toYaml(description), "test description");
  synthesizeDescription(platform, dir);
  return sideFromOutput(dir, "dev", Object.keys(platform.environments));
}

let baseSide: ReviewSide;
beforeAll(() => {
  baseSide = side(base());
});

function change(mutate: (d: any) => void): ChangeReview {
  const d = base();
  mutate(d);
  return diffEnvironment(baseSide, side(d), { environment: "dev", base: "main" });
}

const texts = (c: ChangeReview) => c.lines.map((l) => `${l.kind}: ${l.text}`);
const app = (d: any) => d.applications.myapp;

describe("one difference, its lines and nothing else", () => {
  it("no difference: no line, and the review says so in one line", () => {
    const c = change(() => undefined);
    expect(c.lines).toEqual([]);
    expect(c.noChange).toBe(true);
    expect(c.resources).toEqual([]);
    expect(renderChange(c)).toContain("No change in secrets, access, trust, rotation, exposure or guardrails of dev since main.");
  });

  it("a read added", () => {
    const c = change((d) => app(d).workloads.web.reads.push("openai"));
    expect(texts(c)).toEqual([
      "access-gained: k8s myapp/myapp-web (as acme-dev-myapp-web) can now read dev/myapp/openai on aws (GetSecretValue, DescribeSecret)",
      "access-gained: k8s myapp/myapp-web (as vault role auth/kubernetes/dev-myapp-web) can now read dev/myapp/openai on vault (data: read; metadata: read)",
      "access-gained: k8s myapp/myapp-web (as acme-dev-myapp-web) can now read dev/myapp/openai on azure (Key Vault Secrets User)",
    ]);
    expect(c.edges.every((e) => e.change === "added")).toBe(true);
    expect(c.mermaid).toMatch(/==>\|"\+ aws: read"\|/);
  });

  it("a read removed", () => {
    const c = change((d) => (app(d).workloads.api.reads = ["database", "jwt"]));
    expect(texts(c)).toEqual([
      "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/openai on aws",
      "access-lost: k8s myapp/myapp-api (as vault role auth/kubernetes/dev-myapp-api) can no longer read dev/myapp/openai on vault",
      "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/openai on azure",
    ]);
    expect(c.mermaid).toMatch(/-\.->\|"- aws: read"\|/);
  });

  it("a namespace changed: the trust of each identity, not access", () => {
    const c = change((d) => (app(d).workloads.web.kubernetes.namespace = "checkout"));
    expect(texts(c)).toEqual([
      "trust: the trust of aws role acme-dev-myapp-web now admits subject system:serviceaccount:checkout:myapp-web instead of subject system:serviceaccount:myapp:myapp-web",
      "trust: the trust of azure identity acme-dev-myapp-web now admits subject system:serviceaccount:checkout:myapp-web instead of subject system:serviceaccount:myapp:myapp-web",
      "trust: the trust of vault role auth/kubernetes/dev-myapp-web now admits service account checkout/myapp-web instead of service account myapp/myapp-web",
    ]);
  });

  it("a cadence changed", () => {
    const c = change((d) => (app(d).secrets.jwt.rotation = { everyDays: 14 }));
    expect(texts(c)).toEqual(CADENCE_LINES);
  });

  it("an application moved between backends", () => {
    const c = change((d) => (app(d).backends = ["aws", "vault"]));
    expect(texts(c)).toEqual(MOVED_LINES);
  });

  it("a secret removed", () => {
    const c = change((d) => {
      delete app(d).secrets.openai;
      app(d).workloads.api.reads = ["database", "jwt"];
    });
    expect(texts(c)).toEqual(REMOVED_LINES);
  });

  it("a break-glass role added", () => {
    const c = change((d) => d.environments.dev.aws.breakGlassRoleArns.push("arn:aws:iam::111111111111:role/incident-response"));
    expect(texts(c)).toEqual(["trust: break-glass role arn:aws:iam::111111111111:role/incident-response can now read every secret of the environment on aws"]);
  });

  it("a stack group split", () => {
    const c = change((d) => (d.applications.billing.stackGroup = "billing"));
    expect(texts(c)).toEqual(SPLIT_LINES);
  });
});

// Each on every backend the secret is on; Vault's is the transit key's period.
const CADENCE_LINES = [
  "rotation: dev/myapp/jwt on aws now rotates every 14 days instead of every 7 days",
  "rotation: dev/myapp/jwt on azure now rotates every 14 days instead of every 7 days",
  "rotation: transit/keys/dev-myapp--jwt on vault now rotates every 14 days instead of every 7 days",
];

// myapp leaves Azure: its secrets there (with the rotation function's pending companions) are deleted, recoverably,
// and every grant and workload identity on Azure goes; nothing changes on AWS or Vault.
const MOVED_LINES = [
  "delete: secret myapp--database--rotation in acme-dev-kv (azure) will be deleted (soft-deleted in acme-dev-kv: recoverable for 90 days, purge protection on)",
  "delete: secret myapp--database in acme-dev-kv (azure) will be deleted (soft-deleted in acme-dev-kv: recoverable for 90 days, purge protection on)",
  "delete: secret myapp--jwt--rotation in acme-dev-kv (azure) will be deleted (soft-deleted in acme-dev-kv: recoverable for 90 days, purge protection on)",
  "delete: secret myapp--jwt in acme-dev-kv (azure) will be deleted (soft-deleted in acme-dev-kv: recoverable for 90 days, purge protection on)",
  "delete: secret myapp--openai in acme-dev-kv (azure) will be deleted (soft-deleted in acme-dev-kv: recoverable for 90 days, purge protection on)",
  "access-lost: function acme-dev-rotation (as acme-dev-rotation) can no longer manage dev/myapp/database on azure",
  "access-lost: function acme-dev-rotation (as acme-dev-rotation) can no longer manage dev/myapp/database (pending value) on azure",
  "access-lost: function acme-dev-rotation (as acme-dev-rotation) can no longer manage dev/myapp/jwt on azure",
  "access-lost: function acme-dev-rotation (as acme-dev-rotation) can no longer manage dev/myapp/jwt (pending value) on azure",
  "access-lost: k8s myapp-jobs/myapp-worker (as acme-dev-myapp-worker) can no longer read dev/myapp/database on azure",
  "access-lost: k8s myapp-jobs/myapp-worker (as acme-dev-myapp-worker) can no longer read dev/myapp/jwt on azure",
  "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/database on azure",
  "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/jwt on azure",
  "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/openai on azure",
  "access-lost: k8s myapp/myapp-web (as acme-dev-myapp-web) can no longer read dev/myapp/jwt on azure",
  "trust: identity azure identity acme-dev-myapp-api is removed (it admitted subject system:serviceaccount:myapp:myapp-api)",
  "trust: identity azure identity acme-dev-myapp-web is removed (it admitted subject system:serviceaccount:myapp:myapp-web)",
  "trust: identity azure identity acme-dev-myapp-worker is removed (it admitted subject system:serviceaccount:myapp-jobs:myapp-worker)",
];

// The value is deleted where Terraform holds the secret (on Vault a person's KV value stays: Terraform never held it).
const REMOVED_LINES = [
  "delete: secret dev/myapp/openai (aws) will be deleted (recoverable for 7 days, its recovery window)",
  "delete: secret myapp--openai in acme-dev-kv (azure) will be deleted (soft-deleted in acme-dev-kv: recoverable for 90 days, purge protection on)",
  "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/openai on aws",
  "access-lost: k8s myapp/myapp-api (as vault role auth/kubernetes/dev-myapp-api) can no longer read dev/myapp/openai on vault",
  "access-lost: k8s myapp/myapp-api (as acme-dev-myapp-api) can no longer read dev/myapp/openai on azure",
];

// The application's resources change stacks, not identities: only the state moves (on AWS the secret, its policy, the
// workload's role, its policy and the role's trust record).
const SPLIT_LINES = [
  "move: 5 resources move from aws-dev to aws-dev-billing: move their state before deploying (npm run review shows the commands)",
  "move: 4 resources move from azure-dev to azure-dev-billing: move their state before deploying (npm run review shows the commands)",
  "move: 1 resource moves from kubernetes-dev to kubernetes-dev-billing: move their state before deploying (npm run review shows the commands)",
  "move: 2 resources move from vault-dev to vault-dev-billing: move their state before deploying (npm run review shows the commands)",
];

describe("npm run review -- --base <git-ref>", () => {
  it("builds the base revision from a clean clone without touching the working tree", () => {
    const root = path.join(__dirname, "..");
    const clone = path.join(tmp, "clone");
    const git = (...args: string[]) => execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd: clone, encoding: "utf8" });
    execFileSync("git", ["clone", "--quiet", "--local", "--no-hardlinks", root, clone]);
    symlinkSync(path.join(root, "node_modules"), path.join(clone, "node_modules"), "dir");
    // A change on top of the clone's HEAD: the web workload reads one more secret.
    const config = path.join(clone, "config", "platform.yaml");
    writeFileSync(config, readFileSync(config, "utf8").replace("reads: [jwt]\n", "reads: [jwt, openai]\n"));
    git("commit", "--quiet", "-am", "web reads openai");
    const before = git("status", "--porcelain");
    // The description and output of the clone itself, whatever the caller exported.
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.PLATFORM_CONFIG;
    delete env.CDKTF_OUTDIR;
    const run = (args: string[]) => spawnSync(process.execPath, args, { cwd: clone, encoding: "utf8", env });
    expect(run(["scripts/build.js"]).status).toBe(0);
    const review = run(["dist/review.js", "--env", "dev", "--skip-plan", "--base", "HEAD~1"]);
    expect(review.stderr).toBe("");
    expect(review.status).toBe(0);
    expect(review.stdout.split("\n").filter((l) => l.startsWith("dev: "))).toEqual([
      "dev: access-gained: k8s myapp/myapp-web (as acme-dev-myapp-web) can now read dev/myapp/openai on aws (GetSecretValue, DescribeSecret)",
      "dev: access-gained: k8s myapp/myapp-web (as vault role auth/kubernetes/dev-myapp-web) can now read dev/myapp/openai on vault (data: read; metadata: read)",
      "dev: access-gained: k8s myapp/myapp-web (as acme-dev-myapp-web) can now read dev/myapp/openai on azure (Key Vault Secrets User)",
    ]);
    // The working tree and the list of worktrees are as they were.
    expect(git("status", "--porcelain")).toBe(before);
    expect(git("worktree", "list").trim().split("\n")).toHaveLength(1);
    // Against itself: no change.
    const same = run(["dist/review.js", "--env", "dev", "--skip-plan", "--base", "HEAD"]);
    expect(same.stdout).toContain("dev: no change since HEAD\n");
  }, 180_000);
});
