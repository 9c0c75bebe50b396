// The two sides of a change review: an environment's synthesized stacks as a git revision, an earlier output folder
// or another description makes them, and as the working tree makes them now. The base revision is built with its own
// code and description in a temporary worktree, so the working tree is never touched.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { App } from "cdktf";
import { isProduction } from "../../config/naming";
import type { Platform } from "../../config/schema";
import { buildPlatform } from "../../stacks/platform";
import type { StackJson } from "../../constructs/guardrails/synthesized";
import { backendOf, buildReview } from "./build";
import type { GuardrailState, ReviewSide } from "./diff";
import type { Backend, ReviewedStack } from "./model";

/** A mistake in how the comparison was asked for: an unknown ref, a folder without a synthesized output. */
export class CompareError extends Error {}

const STACK_KINDS = ["aws", "vault", "azure", "kubernetes", "bootstrap"] as const;

interface ManifestStack {
  readonly synthesizedStackPath: string;
  readonly annotations?: readonly { level: string; constructPath: string; message: string }[];
}

/** The environment's stacks in a cdktf output folder: <kind>-<env> and <kind>-<env>-<group or cluster>. */
export function sideFromOutput(outdir: string, env: string, environments: readonly string[], production?: boolean): ReviewSide {
  const manifestFile = path.join(outdir, "manifest.json");
  if (!existsSync(manifestFile)) throw new CompareError(`${outdir} holds no synthesized output (no manifest.json): give the cdktf.out folder of a synth`);
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as { stacks?: Record<string, ManifestStack> };
  // Environments whose names start with <env>- have stack names that look like <env>'s groups.
  const longer = environments.filter((e) => e.startsWith(`${env}-`));
  const mine = new RegExp(`^(${STACK_KINDS.join("|")})-${env}(-[a-z0-9][a-z0-9-]*)?$`);
  const stacks: ReviewedStack[] = [];
  const findings: string[] = [];
  const suppressions = new Set<string>();
  for (const [name, entry] of Object.entries(manifest.stacks ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (!mine.test(name)) continue;
    const rest = name.replace(/^[a-z]+-/, "");
    if (longer.some((e) => rest === e || rest.startsWith(`${e}-`))) continue;
    const json = JSON.parse(readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8")) as StackJson;
    stacks.push(...reviewedStacks(name, json));
    for (const a of entry.annotations ?? []) {
      const rule = /^\[(SP-[A-Z]+-\d{3})\] (?:suppressed at (\S+): (.*))?/.exec(a.message);
      if (!rule) continue;
      if (a.level === "@cdktf/error") findings.push(`${rule[1]} at ${a.constructPath}`);
      else if (rule[2]) suppressions.add(`${rule[1]} at ${rule[2]}: ${rule[3]}`);
    }
  }
  const guardrails: GuardrailState = { findings: findings.sort(), suppressions: [...suppressions].sort() };
  const review = buildReview({ environment: env, production: production ?? isProduction(env, undefined), stacks: stacks.filter((s) => !s.name.startsWith("bootstrap-")), guardrails: [] });
  // The CI identities of bootstrap-<env> count in access and trust: the review's access matrix of them is added.
  const withBootstrap = buildReview({ environment: env, production: review.production, stacks, guardrails: [] });
  return { stacks, review: { ...review, access: withBootstrap.access }, guardrails };
}

/** A stack as the review reads it; bootstrap-<env> holds identities of several backends, so once per backend. */
function reviewedStacks(name: string, json: StackJson): ReviewedStack[] {
  if (!name.startsWith("bootstrap-")) return [{ name, backend: backendOf(json) ?? kindOf(name), json }];
  const providers = Object.keys(json.provider ?? {});
  const backends: Backend[] = [];
  if (providers.includes("aws")) backends.push("aws");
  if (providers.includes("vault")) backends.push("vault");
  if (providers.includes("azurerm")) backends.push("azure");
  return backends.map((backend) => ({ name, backend, json }));
}

function kindOf(name: string): Backend {
  const kind = name.split("-")[0];
  return (["aws", "vault", "azure"].includes(kind) ? kind : "kubernetes") as Backend;
}

/** The environment variables under which a synth writes every stack (findings included) and each suppression. */
export const COMPARABLE_SYNTH_ENV = { CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS: "true", SECRETS_PLATFORM_VERBOSE: "1" } as const;

function git(cwd: string, args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * Builds a git revision of the project in a temporary worktree (its own code and its own description, at the path the
 * current description has in the working tree) and returns the folder it synthesized into. The caller removes it.
 */
export function synthesizeRevision(ref: string, configFile: string, projectRoot: string): { outdir: string; dispose: () => void } {
  let top: string;
  try {
    top = git(projectRoot, ["rev-parse", "--show-toplevel"]);
    git(projectRoot, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
  } catch {
    throw new CompareError(`--base ${ref}: not a commit of the repository at ${projectRoot}`);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), "review-base-"));
  const tree = path.join(tmp, "tree");
  const outdir = path.join(tmp, "cdktf.out");
  const dispose = () => {
    spawnSync("git", ["worktree", "remove", "--force", tree], { cwd: top, stdio: "ignore" });
    rmSync(tmp, { recursive: true, force: true });
    spawnSync("git", ["worktree", "prune"], { cwd: top, stdio: "ignore" });
  };
  try {
    git(top, ["worktree", "add", "--detach", "--quiet", tree, ref]);
    // The revision's own code, with the installed packages (a lockfile change between the two is not reinstalled).
    symlinkSync(path.join(projectRoot, "node_modules"), path.join(tree, "node_modules"), "dir");
    const relative = path.relative(top, path.resolve(configFile));
    const config = relative.startsWith("..") || path.isAbsolute(relative) ? path.resolve(configFile) : path.join(tree, relative);
    if (!existsSync(config)) throw new CompareError(`--base ${ref}: the revision has no ${relative}`);
    const env = { ...process.env, ...COMPARABLE_SYNTH_ENV, PLATFORM_CONFIG: config, CDKTF_OUTDIR: outdir };
    for (const step of [["scripts/build.js"], ["dist/main.js"]]) {
      const run = spawnSync(process.execPath, step, { cwd: tree, env, encoding: "utf8" });
      if (run.status !== 0) throw new CompareError(`--base ${ref}: node ${step[0]} failed in the revision:\n${(run.stderr || run.stdout).trim()}`);
    }
    return { outdir, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

/** Synthesizes a description with the current code into outdir, as a review does (every stack, each suppression). */
export function synthesizeDescription(platform: Platform, outdir: string): void {
  withEnv(COMPARABLE_SYNTH_ENV, () => {
    const app = new App({ outdir });
    buildPlatform(app, platform);
    app.synth();
  });
}

/** Runs fn with the variables set, then restores them as they were. */
export function withEnv<T>(vars: Readonly<Record<string, string>>, fn: () => T): T {
  const previous = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return fn();
  } finally {
    for (const [k, v] of Object.entries(previous)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
