// `npm run review -- --env <env>`: synthesizes the whole app to cdktf.out (as `npm run synth` does), plans the
// environment's AWS stack offline, and writes cdktf.out/review/<env>.md (and .json).
import { App, TerraformStack } from "cdktf";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configPath, loadPlatform } from "../config/load";
import { isProduction } from "../config/naming";
import type { Platform } from "../config/schema";
import { guardrailSynthesisReport, GuardrailReport } from "../guardrails";
import { buildPlatform } from "../stacks/platform";
import { offlineWorkspace, stackAssets, terraformAvailable, TerraformPlan } from "../scripts/terraform-offline";
import { importBlocks } from "./adoption";
import { backendOf, buildReview } from "./build";
import { renderMarkdown } from "./markdown";
import { sideFromOutput, synthesizeDescription, synthesizeRevision, withEnv } from "./compare";
import { ChangeReview, diffEnvironment, ReviewSide } from "./diff";
import { moveGuidance, stackMoves } from "./moves";
import type { Backend, Review, ReviewedStack } from "./model";
import type { StackJson } from "../readers/synthesized";

/** A mistake in how the review was asked for (unknown environment, missing Terraform). */
export class ReviewUsageError extends Error {}

export interface RunReviewOptions {
  readonly environment: string;
  /** @default "cdktf.out" next to package.json */
  readonly outdir?: string;
  /** @default - PLATFORM_CONFIG or config/platform.yaml */
  readonly configFile?: string;
  /** An already loaded description (tests, other tools). @default - loaded from configFile */
  readonly platform?: Platform;
  /** Run `terraform plan` on the AWS stack. @default true */
  readonly plan?: boolean;
  /**
   * Plans Terraform made of the real stacks (`terraform show -json <planfile>` per stack, by stack name), as the CI
   * plan job makes them with read credentials: their changes are what the review counts, and no offline plan runs.
   * @default - none: the AWS stacks are planned offline (unless plan is false)
   */
  readonly planJson?: Readonly<Record<string, string>>;
  /** Also write <env>.json. @default false */
  readonly json?: boolean;
  /**
   * What to compare with: a git revision, an earlier cdktf output folder, or another description. With planJson, the
   * resource actions of those stacks in the comparison come from their plans too. @default - no comparison
   */
  readonly base?: ReviewBase;
}

export type ReviewBase = { readonly ref: string } | { readonly outdir: string } | { readonly configFile: string };

export interface RunReviewResult {
  readonly review: Review;
  readonly markdownFile: string;
  readonly jsonFile?: string;
  /** What changes against the base, when one was given. */
  readonly change?: ChangeReview;
}

const CONTINUE_ON_ERRORS = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";

export function runReview(options: RunReviewOptions): RunReviewResult {
  const env = options.environment;
  const outdir = path.resolve(options.outdir ?? path.join(__dirname, "..", "cdktf.out"));
  const platform = options.platform ?? loadPlatform(options.configFile ?? configPath());
  const spec = platform.environments[env];
  if (!spec) throw new ReviewUsageError(`environment "${env}" is not in the description; it has ${Object.keys(platform.environments).join(", ")}`);
  const given = options.planJson ?? {};
  const fromFiles = Object.keys(given).length > 0;
  // A review from the plans of the real stacks does not plan anything itself.
  const plan = !fromFiles && (options.plan ?? true);
  if (plan && !terraformAvailable()) throw new ReviewUsageError("terraform is not on PATH; install it, or pass --skip-plan to count AWS changes from the synthesized JSON");

  // Stacks with guardrail errors are still written (and marked in manifest.json, which makes `cdktf deploy`
  // refuse them), so that the review can show every finding instead of the first stack's.
  // What the previous synth wrote for this environment, to see resources that move between its stacks.
  const before = previousStacks(outdir, env, Object.keys(platform.environments));
  const previous = process.env[CONTINUE_ON_ERRORS];
  process.env[CONTINUE_ON_ERRORS] = "true";
  const app = new App({ outdir });
  let refs;
  try {
    refs = buildPlatform(app, platform);
  } finally {
    if (previous === undefined) delete process.env[CONTINUE_ON_ERRORS];
    else process.env[CONTINUE_ON_ERRORS] = previous;
  }
  // With a base, each suppression is written into manifest.json too, so the two sides compare the same way.
  if (options.base) withEnv({ SECRETS_PLATFORM_VERBOSE: "1" }, () => app.synth());
  else app.synth();

  const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks: ReviewedStack[] = [];
  const plans: Record<string, TerraformPlan> = {};
  const stackNotes: Record<string, string> = {};
  for (const [stack, file] of Object.entries(given)) {
    if (!refs.some((r) => r.name === stack && r.environment === env)) throw new ReviewUsageError(`--plan-json ${stack}=${file}: ${stack} is not a stack of environment ${env}`);
    try {
      plans[stack] = JSON.parse(readFileSync(file, "utf8")) as TerraformPlan;
    } catch (err) {
      throw new ReviewUsageError(`--plan-json ${stack}=${file}: cannot read a plan from it (${(err as Error).message}); write it with terraform show -json <planfile> > ${file}`);
    }
  }
  const guardrails: GuardrailReport[] = [];
  // bootstrap-<env> is applied once by a person, not by CI: its changes are not counted with the CI stacks', but its
  // identities (who may deploy and plan what) and its guardrails are part of the review.
  let bootstrap: { name: string; json: StackJson } | undefined;
  for (const ref of refs.filter((r) => r.environment === env && r.backend === "bootstrap")) {
    const entry = manifest.stacks[ref.name];
    bootstrap = { name: ref.name, json: JSON.parse(readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8")) };
  }
  for (const ref of refs.filter((r): r is typeof r & { backend: Backend } => r.environment === env && r.backend !== "bootstrap")) {
    const entry = manifest.stacks[ref.name];
    const json = JSON.parse(readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8"));
    stacks.push({ name: ref.name, backend: backendOf(json) ?? ref.backend, json });
    const report = guardrailSynthesisReport(app.node.findChild(ref.name) as TerraformStack);
    if (report) guardrails.push(report);
    if (plan && ref.backend === "aws") {
      const ws = offlineWorkspace(json, stackAssets(path.join(outdir, entry.workingDirectory)));
      try {
        // An import block makes plan read the existing secret from AWS, which mock credentials cannot (docs/adopting.md):
        // such a stack is validated offline, and counted from its JSON.
        if (importBlocks(json).size > 0) {
          ws.run(["validate", "-no-color"]);
          stackNotes[ref.name] = "Has import blocks, which plan can only run against the real account: validated offline with terraform validate, counted from the synthesized JSON (no state: every other resource counts as a create).";
        } else plans[ref.name] = ws.plan();
      } finally {
        ws.dispose();
      }
    }
  }

  if (bootstrap) {
    const report = guardrailSynthesisReport(app.node.findChild(bootstrap.name) as TerraformStack);
    if (report) guardrails.push(report);
  }

  const after = Object.fromEntries(stacks.map((s) => [s.name, s.json]));
  const moves = moveGuidance(stackMoves(before, after), after);
  const review = buildReview({
    environment: env,
    production: isProduction(env, spec.production),
    stacks,
    plans,
    stackNotes,
    planNote: fromFiles ? undefined : plan ? undefined : "Planned with --skip-plan: no terraform plan ran.",
    guardrails,
    moves,
    bootstrap,
  });
  const change = options.base ? compareWithBase(options.base, options.configFile ?? configPath(), outdir, platform, env, review.production, plans) : undefined;
  const dir = path.join(outdir, "review");
  mkdirSync(dir, { recursive: true });
  const markdownFile = path.join(dir, `${env}.md`);
  writeFileSync(markdownFile, renderMarkdown(review, change) + "\n");
  let jsonFile: string | undefined;
  if (options.json) {
    jsonFile = path.join(dir, `${env}.json`);
    writeFileSync(jsonFile, JSON.stringify(change ? { ...review, change } : review, null, 2) + "\n");
  }
  return { review, markdownFile, jsonFile, change };
}

/** The change review: this synth's stacks of the environment against the base's. */
function compareWithBase(
  base: ReviewBase,
  configFile: string,
  outdir: string,
  platform: Platform,
  env: string,
  production: boolean,
  plans: Readonly<Record<string, TerraformPlan>>,
): ChangeReview {
  const environments = Object.keys(platform.environments);
  const after = sideFromOutput(outdir, env, environments, production);
  const diff = (before: ReviewSide, label: string) => diffEnvironment(before, after, { environment: env, base: label, plans });
  if ("outdir" in base) return diff(sideFromOutput(path.resolve(base.outdir), env, environments, production), base.outdir);
  if ("configFile" in base) {
    const other = loadPlatform(path.resolve(base.configFile));
    const tmp = mkdtempSync(path.join(os.tmpdir(), "review-base-config-"));
    try {
      synthesizeDescription(other, tmp);
      return diff(sideFromOutput(tmp, env, Object.keys(other.environments), production), base.configFile);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const built = synthesizeRevision(base.ref, configFile, path.join(__dirname, ".."));
  try {
    return diff(sideFromOutput(built.outdir, env, environments, production), base.ref);
  } finally {
    built.dispose();
  }
}

/** The environment's stacks as the previous synth left them in outdir (none before a first synth). */
function previousStacks(outdir: string, env: string, environments: readonly string[]): Record<string, StackJson> {
  // Environments whose names start with <env>- have stack names that look like <env>'s groups.
  const others = environments.filter((e) => e.startsWith(`${env}-`));
  try {
    const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    const out: Record<string, StackJson> = {};
    for (const [name, entry] of Object.entries<{ synthesizedStackPath: string }>(manifest.stacks ?? {})) {
      // <backend>-<env> and <backend>-<env>-<group>: the environment's stacks, whatever groups there were.
      if (!new RegExp(`^(aws|vault|azure|kubernetes)-${env}(-[a-z][a-z0-9-]*)?$`).test(name)) continue;
      if (others.some((e) => /^[a-z]+-/.test(name) && (name.replace(/^[a-z]+-/, "") === e || name.replace(/^[a-z]+-/, "").startsWith(`${e}-`)))) continue;
      out[name] = JSON.parse(readFileSync(path.join(outdir, entry.synthesizedStackPath), "utf8"));
    }
    return out;
  } catch {
    return {};
  }
}
