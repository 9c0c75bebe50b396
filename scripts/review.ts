// npm run review -- --env <env> [--json] [--skip-plan] [--outdir <dir>]
//                   [--base <git-ref> | --base-out <cdktf.out dir> | --base-config <file>] [--plan-json <stack>=<file>]...
// Writes cdktf.out/review/<env>.md (and .json with --json); exits 1 when a guardrail fails. With a base, the review
// opens with what the change does against it. --plan-json: count each named stack's changes from `terraform show -json
// <planfile>` of the real stack (the CI plan job's saved plans) instead of planning offline.
import { PlatformConfigError } from "../config/load";
import { shortenTokenTraces } from "../stacks/token-traces";
import { CompareError } from "./review/compare";
import { ReviewBase, ReviewUsageError, runReview } from "./review/run";

const USAGE =
  "usage: npm run review -- --env <env> [--json] [--skip-plan] [--outdir <dir>] [--base <git-ref> | --base-out <cdktf.out dir> | --base-config <file>] [--plan-json <stack>=<file>]...";

interface Args {
  env?: string;
  json: boolean;
  plan: boolean;
  outdir?: string;
  base?: ReviewBase;
  planJson: Record<string, string>;
}

function parseArgs(argv: string[]): Args {
  const out: Args = { json: false, plan: true, planJson: {} };
  const setBase = (base: ReviewBase) => {
    if (out.base) throw new ReviewUsageError(`give one of --base, --base-out and --base-config\n${USAGE}`);
    out.base = base;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new ReviewUsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--env") out.env = value();
    else if (a.startsWith("--env=")) out.env = a.slice("--env=".length);
    else if (a === "--json") out.json = true;
    else if (a === "--skip-plan") out.plan = false;
    else if (a === "--outdir") out.outdir = value();
    else if (a === "--base") setBase({ ref: value() });
    else if (a === "--base-out") setBase({ outdir: value() });
    else if (a === "--base-config") setBase({ configFile: value() });
    else if (a === "--plan-json") {
      const v = value();
      const m = /^([a-z0-9-]+)=(.+)$/.exec(v);
      if (!m) throw new ReviewUsageError(`--plan-json takes <stack>=<file>, got ${v}\n${USAGE}`);
      out.planJson[m[1]] = m[2];
    } else throw new ReviewUsageError(`unknown argument ${a}\n${USAGE}`);
  }
  return out;
}

function main(): number {
  try {
    const args = parseArgs(process.argv.slice(2));
    if (!args.env) throw new ReviewUsageError(USAGE);
    const { review, markdownFile, jsonFile, change } = runReview({ environment: args.env, json: args.json, plan: args.plan, outdir: args.outdir, base: args.base, planJson: args.planJson });
    if (change) {
      if (change.noChange) process.stdout.write(`${args.env}: no change since ${change.base}\n`);
      for (const l of change.lines) process.stdout.write(`${args.env}: ${l.kind}: ${l.text}\n`);
    }
    for (const c of review.changes) {
      process.stdout.write(
        `${c.stack}: ${c.counts.create} to create, ${c.counts.update} to update, ${c.counts.replace} to replace, ${c.counts.delete} to delete` +
          `${c.risky.length ? `, ${c.risky.length} RISKY` : ""} (${c.source})\n`,
      );
    }
    for (const m of review.moves ?? []) {
      process.stdout.write(`MOVE ${m.addresses.length} resource(s) from ${m.from} to ${m.to}: move their state before deploying (commands in the review)\n`);
    }
    process.stdout.write(`review written to ${markdownFile}${jsonFile ? ` and ${jsonFile}` : ""}\n`);
    const findings = review.guardrails.flatMap((g) => g.findings);
    if (findings.length > 0) {
      for (const f of findings) process.stderr.write(`ERROR [${f.path}] ${f.ruleId}: ${f.message}. Fix: ${f.fix}\n`);
      process.stderr.write(`guardrails failed: ${findings.length} finding(s)\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof PlatformConfigError || err instanceof ReviewUsageError || err instanceof CompareError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

shortenTokenTraces();
process.exitCode = main();
