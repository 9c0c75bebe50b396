// npm run bench: how synth time and memory grow with the description, how large stacks get with stack groups,
// what an offline plan of the largest AWS stack costs, how the synth compares with the AWS CDK equivalent, and
// what rotation costs. Each synth runs in a fresh Node process on the compiled app (node dist/bench-synth.js),
// as `npm run synth` does, without the cdktf CLI's own start-up. Figures are medians over several runs.
//
//   BENCH_RUNS=5          runs per small description (100 applications: half, at least 3)
//   BENCH_LARGE_RUNS=1    runs of the 1,000-application synth
//   BENCH_SKIP_AWSCDK=1   skip the AWS CDK comparison (it installs bench/awscdk on first use)
//   BENCH_SKIP_PLAN=1     skip the offline terraform plans
//   BENCH_SKIP_CLI=1      skip npm run synth against npm run cdktf -- synth
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { offlineWorkspace, stackAssets, terraformAvailable } from "./terraform-offline";

const ROOT = path.resolve(__dirname, "..");
const AWSCDK = path.join(ROOT, "bench", "awscdk");

export interface GeneratedOptions {
  /** Applications per stack group; undefined: no groups. The first group has no stackGroup (stacks <backend>-<env>). */
  readonly groupSize?: number;
  /** Keep only the environments' AWS blocks. */
  readonly awsOnly?: boolean;
  /** stacks.maxResources. @default - the schema's default */
  readonly maxResources?: number;
}

/**
 * N applications of 3 secrets and 1 workload each, in the example's 3 environments (all three backends, or AWS
 * only). With groups, each group has a PostgreSQL master of its own (one database server per group), since a
 * rotation function reaches only a master in its own stack.
 */
export function generatedDescription(applications: number, options: GeneratedOptions = {}): unknown {
  const example = loadPlatform(DEFAULT_CONFIG);
  const groupOf = (i: number) => (options.groupSize && i >= options.groupSize ? `g${String(Math.floor(i / options.groupSize)).padStart(3, "0")}` : undefined);
  const apps: Record<string, unknown> = {};
  const master = (group: string | undefined) => {
    const name = group ? `dbadmin-${group}` : "dbadmin";
    if (!apps[name]) {
      // On AWS and Azure only, as the example's dbadmin: Vault gives the apps dynamic logins and needs no master.
      apps[name] = { backends: ["aws", "azure"], secrets: { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } }, ...(group ? { stackGroup: group } : {}) };
    }
    return `${name}/master`;
  };
  master(undefined);
  for (let i = 0; i < applications; i++) {
    const name = `app${String(i).padStart(3, "0")}`;
    const group = groupOf(i);
    apps[name] = {
      secrets: {
        database: { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: master(group) } },
        jwt: { type: "jwt", algorithm: "ES256", rotation: { everyDays: 7 } },
        vendor: { type: "api-key", expiresAfterDays: 90 },
      },
      workloads: { api: { kubernetes: { namespace: name, serviceAccount: `${name}-api` }, reads: ["database", "jwt", "vendor"] } },
      ...(group ? { stackGroup: group } : {}),
    };
  }
  // The example's environments as written (defaults not expanded), so the file stays a valid input.
  const environments = parse(readFileSync(DEFAULT_CONFIG, "utf8")).environments as Record<string, Record<string, unknown>>;
  if (options.awsOnly) {
    for (const env of Object.values(environments) as any[]) {
      for (const b of ["vault", "azure"]) delete env[b];
      // External Secrets can then read from AWS only.
      if (env.kubernetes) env.kubernetes.secretStoreBackend = "aws";
    }
  }
  // File paths in the example are relative to config/; the generated file is written elsewhere.
  for (const env of Object.values(environments) as any[]) {
    if (env.vault?.kubernetes?.caCertFile) env.vault.kubernetes.caCertFile = path.resolve(path.dirname(DEFAULT_CONFIG), env.vault.kubernetes.caCertFile);
    if (env.vault?.database?.tlsCaFile) env.vault.database.tlsCaFile = path.resolve(path.dirname(DEFAULT_CONFIG), env.vault.database.tlsCaFile);
  }
  return {
    organization: example.organization,
    environments,
    applications: apps,
    ...(options.maxResources ? { stacks: { maxResources: options.maxResources } } : {}),
  };
}

interface Largest {
  readonly stack: string;
  readonly resources: number;
}

interface SynthRun {
  /** Spawn to exit, as the parent sees it: node start-up included. */
  wallMs: number;
  stacks: number;
  loadMs: number;
  synthMs: number;
  totalMs: number;
  peakRssMb: number;
  cpuMs: number;
  largest: Record<string, Largest>;
}

function synthOnce(file: string, keep?: string): SynthRun {
  const started = performance.now();
  const out = execFileSync(process.execPath, [path.join(ROOT, "dist", "bench-synth.js"), file, ...(keep ? [keep] : [])], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  return { ...JSON.parse(out.trim().split("\n").pop()!), wallMs };
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

interface Row {
  label: string;
  stacks: number;
  runs: number;
  wallMs: number;
  totalMs: number;
  synthMs: number;
  peakRssMb: number;
  cpuMs: number;
  largest: Record<string, Largest>;
}

function benchSynth(label: string, file: string, runs: number, keep?: string): Row {
  // The last run keeps its output when asked (the plans read it).
  const results = Array.from({ length: runs }, (_, i) => synthOnce(file, i === runs - 1 ? keep : undefined));
  return {
    label,
    stacks: results[0].stacks,
    runs,
    wallMs: median(results.map((r) => r.wallMs)),
    totalMs: median(results.map((r) => r.totalMs)),
    synthMs: median(results.map((r) => r.synthMs)),
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
    cpuMs: median(results.map((r) => r.cpuMs)),
    largest: results[0].largest,
  };
}

/** Offline `terraform plan` (plan and show -json) of one synthesized stack, wall ms. */
async function planTime(outdir: string, stack: string): Promise<number> {
  const dir = path.join(outdir, "stacks", stack);
  const ws = offlineWorkspace(JSON.parse(readFileSync(path.join(dir, "cdk.tf.json"), "utf8")), stackAssets(dir));
  try {
    const started = performance.now();
    await ws.planAsync();
    return performance.now() - started;
  } finally {
    ws.dispose();
  }
}

/** Installs the AWS CDK comparison app's packages on first use (never part of the project's npm ci). */
function ensureAwsCdk(): void {
  if (existsSync(path.join(AWSCDK, "node_modules", "aws-cdk-lib"))) return;
  console.log("installing bench/awscdk (aws-cdk-lib) for the comparison; this happens once");
  const r = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: AWSCDK, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci in bench/awscdk failed");
}

interface Compared {
  readonly wallMs: number;
  readonly cpuMs: number;
  /** Resources in the aws-prod stack or template. */
  readonly resources: number;
}

function runAwsCdk(applications: number, validation: boolean): { wallMs: number; cpuMs: number; resources: number } {
  const out = mkdtempSync(path.join(os.tmpdir(), "bench-awscdk-"));
  try {
    const started = performance.now();
    const args = [path.join(AWSCDK, "app.js"), String(applications), out, ...(validation ? [] : ["no-validation"])];
    const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
    const wallMs = performance.now() - started;
    if (r.status !== 0) throw new Error("bench/awscdk/app.js failed");
    const template = JSON.parse(readFileSync(path.join(out, "aws-prod.template.json"), "utf8"));
    return { wallMs, cpuMs: JSON.parse(r.stdout.trim().split("\n").pop()!).cpuMs, resources: Object.keys(template.Resources).length };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Side by side, alternating, so that all three see the same machine load: this platform, the AWS CDK as it comes
 * (built-in CloudFormation validation on), and the AWS CDK without that validation. Medians of each.
 */
function compareWithAwsCdk(ourFile: string, applications: number, runs: number): { ours: Compared; awscdk: Compared; awscdkNoValidation: Compared } {
  ensureAwsCdk();
  const seen = { ours: [] as SynthRun[], awscdk: [] as Compared[], awscdkNoValidation: [] as Compared[] };
  for (let i = 0; i < runs; i++) {
    seen.ours.push(synthOnce(ourFile));
    seen.awscdk.push(runAwsCdk(applications, true));
    seen.awscdkNoValidation.push(runAwsCdk(applications, false));
  }
  const summary = (xs: Array<{ wallMs: number; cpuMs: number }>, resources: number): Compared => ({
    wallMs: median(xs.map((x) => x.wallMs)),
    cpuMs: median(xs.map((x) => x.cpuMs)),
    resources,
  });
  return {
    ours: summary(seen.ours, seen.ours[0].largest.aws.resources),
    awscdk: summary(seen.awscdk, seen.awscdk[0].resources),
    awscdkNoValidation: summary(seen.awscdkNoValidation, seen.awscdkNoValidation[0].resources),
  };
}

const ms = (x: number) => Math.round(x);
const fmt = (x: number) => Math.round(x).toLocaleString("en-US");

/** Every kind of stack, in the order tables show their largest. */
const KINDS = ["aws", "vault", "azure", "kubernetes", "bootstrap"] as const;

/** A Markdown table (what docs/scaling.md and docs/testing.md carry), numbers with thousands separators. */
export function markdownTable(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cell = (v: string | number) => (typeof v === "number" ? v.toLocaleString("en-US") : v);
  return [header, header.map(() => "---"), ...rows.map((r) => r.map(cell))].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const largeRuns = Number(process.env.BENCH_LARGE_RUNS ?? 1);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-"));
  const write = (name: string, description: unknown) => {
    const file = path.join(dir, name);
    writeFileSync(file, stringify(description));
    return file;
  };
  try {
    console.log(`${new Date().toISOString()} machine: node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "unknown cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB; load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);

    // Today's table: one stack per backend and environment (no groups; the limit raised so that 100 fit).
    const rows = [benchSynth("example (config/platform.yaml)", DEFAULT_CONFIG, runs)];
    const keep100 = path.join(dir, "out-100");
    for (const n of [1, 10, 100]) {
      const file = write(`apps-${n}.yaml`, generatedDescription(n, { maxResources: 100_000 }));
      rows.push(benchSynth(`${n} application${n === 1 ? "" : "s"} x 3 environments x 3 backends`, file, n === 100 ? Math.max(3, Math.ceil(runs / 2)) : runs, n === 100 ? keep100 : undefined));
    }
    // 1,000 applications with stack groups of 30 (about 330 AWS and 450 Azure resources each), under the default stacks.maxResources
    // (500): the synth itself refuses a larger stack of any kind, and the largest of each kind is reported below.
    const keep1000 = path.join(dir, "out-1000");
    const large = benchSynth("1000 applications x 3 x 3, groups of 30", write("apps-1000.yaml", generatedDescription(1000, { groupSize: 30 })), largeRuns, keep1000);
    rows.push(large);

    console.log("\nsynth, median of runs (fresh node process per run, compiled app; wall from spawn to exit, CPU of every thread)\n");
    console.log(
      markdownTable(
        ["description", "stacks", "runs", "wall ms", "CPU ms", "peak RSS MB", `largest ${KINDS.join(" / ")} stack`],
        rows.map((r) => [r.label, r.stacks, r.runs, ms(r.wallMs), ms(r.cpuMs), ms(r.peakRssMb), KINDS.map((b) => r.largest[b]?.resources ?? "-").join(" / ")]),
      ),
    );
    const [example, , ten, hundred] = rows;
    // Linearity in CPU time: a busy machine inflates wall time unevenly between a 10-second and a 1-minute run.
    const perApp100 = hundred.cpuMs / 100;
    const perApp1000 = large.cpuMs / 1000;
    console.log(`growth in CPU time: 100 apps ${(hundred.cpuMs / ten.cpuMs).toFixed(2)}x that of 10; 1,000 apps ${(large.cpuMs / hundred.cpuMs).toFixed(2)}x that of 100 (linear: 10x)`);
    for (const b of KINDS) {
      const l = large.largest[b];
      if (l) console.log(`1,000 applications: largest ${b} stack ${l.stack} with ${l.resources} resources`);
    }

    if (process.env.BENCH_SKIP_CLI !== "1") {
      // The two ways to synthesize the example, as a person types them (docs: npm run cdktf -- is the one way to run
      // the CLI): the difference is the CLI's own start-up plus what cdktf.json's app command adds (the up-to-date build).
      const timed = (args: string[]) => {
        const started = process.hrtime.bigint();
        const run = spawnSync("npm", args, { cwd: ROOT, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: path.join(dir, "cli-out"), CI: "1" } });
        if (run.status !== 0) throw new Error(`npm ${args.join(" ")} failed: ${run.stderr}`);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const cliRuns = Math.max(3, Math.min(runs, 5));
      const app: number[] = [];
      const cli: number[] = [];
      for (let i = 0; i < cliRuns; i++) {
        app.push(timed(["run", "--silent", "synth"]));
        cli.push(timed(["run", "--silent", "cdktf", "--", "synth", "--output", path.join(dir, "cli-out")]));
      }
      console.log(`
the example, npm run synth against npm run cdktf -- synth (median of ${cliRuns} alternating runs, spawn to exit):
`);
      console.log(markdownTable(["command", "wall ms", "ratio"], [["npm run synth", ms(median(app)), "1.00"], ["npm run cdktf -- synth", ms(median(cli)), (median(cli) / median(app)).toFixed(2)]]));
    }

    let plans: { hundred?: number; thousand?: number } = {};
    if (process.env.BENCH_SKIP_PLAN !== "1" && terraformAvailable()) {
      plans = { hundred: await planTime(keep100, hundred.largest.aws.stack), thousand: await planTime(keep1000, large.largest.aws.stack) };
      console.log(`\noffline terraform plan (plan + show -json, shared init) of the largest AWS stack:\n`);
      console.log(
        markdownTable(
          ["description", "stack", "resources", "plan ms"],
          [
            ["100 applications, no groups", hundred.largest.aws.stack, hundred.largest.aws.resources, ms(plans.hundred!)],
            ["1,000 applications, groups of 30", large.largest.aws.stack, large.largest.aws.resources, ms(plans.thousand!)],
          ],
        ),
      );
    } else {
      console.log("\noffline terraform plan: skipped (BENCH_SKIP_PLAN=1 or no terraform on PATH)");
    }

    let cdk: ReturnType<typeof compareWithAwsCdk> | undefined;
    if (process.env.BENCH_SKIP_AWSCDK !== "1") {
      const file = write("apps-10-aws.yaml", generatedDescription(10, { awsOnly: true }));
      cdk = compareWithAwsCdk(file, 10, Math.max(runs, 5));
      console.log(`\n10 applications x 3 environments, AWS only, side by side (median of ${Math.max(runs, 5)} alternating runs, spawn to exit):\n`);
      const row = (app: string, c: Compared) => [app, ms(c.wallMs), ms(c.cpuMs), c.resources, c === cdk!.ours ? "" : (cdk!.ours.wallMs / c.wallMs).toFixed(2)];
      console.log(
        markdownTable(
          ["app", "wall ms", "CPU ms", "resources in aws-prod", "this platform's wall / its wall"],
          [
            row("this platform (cdktf 0.21, compiled)", cdk.ours),
            row("AWS CDK 2.276 as it comes (built-in CloudFormation validation)", cdk.awscdk),
            row("AWS CDK 2.276, builtinCloudFormationValidation: false", cdk.awscdkNoValidation),
          ],
        ),
      );
    }

    const largestStack = Math.max(...KINDS.map((b) => large.largest[b]?.resources ?? 0));
    const ratio = (other: Compared | undefined) => (cdk && other ? (cdk.ours.wallMs / other.wallMs).toFixed(2) : "not measured");
    // [target, figure, verdict]; undefined: not measured, "info": shown beside a verdict, not one.
    const targets: Array<[string, string, boolean | undefined | "info"]> = [
      ["example under 1.5 s wall", `${fmt(example.wallMs)} ms`, example.wallMs < 1500],
      ["100 applications x 3 backends under 8 s wall", `${fmt(hundred.wallMs)} ms`, hundred.wallMs < 8000],
      ["100 applications under 600 MB", `${fmt(hundred.peakRssMb)} MB`, hundred.peakRssMb < 600],
      ["1,000 applications under 80 s wall", `${fmt(large.wallMs)} ms`, large.wallMs < 80_000],
      ["1,000 applications under 2 GB", `${fmt(large.peakRssMb)} MB`, large.peakRssMb < 2048],
      ["1,000 applications linear from 100 (CPU per application within 1.25x)", `${perApp1000.toFixed(1)} ms vs ${perApp100.toFixed(1)} ms`, perApp1000 <= 1.25 * perApp100],
      ["no stack above 500 resources at 1,000 applications (every kind)", `${KINDS.map((b) => large.largest[b]?.resources ?? "-").join(" / ")} (${KINDS.join(" / ")})`, largestStack <= 500],
      // The AWS CDK as a user runs it validates every template: that is the equivalent the verdict uses.
      ["10-application AWS-only synth at most 0.4 of the AWS CDK's, as it comes (verdict)", ratio(cdk?.awscdk), cdk ? cdk.ours.wallMs <= 0.4 * cdk.awscdk.wallMs : undefined],
      ["... of the AWS CDK with builtinCloudFormationValidation: false (for information)", ratio(cdk?.awscdkNoValidation), cdk ? "info" : undefined],
    ];
    console.log(`\ntargets of issue 12 (load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(" ")})\n`);
    console.log(
      markdownTable(
        ["target", "figure", "verdict"],
        targets.map(([what, figure, ok]) => [what, figure, ok === undefined ? "not measured" : ok === "info" ? "-" : ok ? "met" : "MISSED"]),
      ),
    );

    try {
      const { benchLambdas } = require("./bench-lambdas") as { benchLambdas: () => Promise<Array<{ name: string; zipBytes: number; coldStartMedianMs: number }>> };
      const lambdas = await benchLambdas();
      console.log("\nrotation functions: zip size and cold start (fresh node process loading the bundle and building the handler, median)\n");
      console.log(markdownTable(["function", "zip KB", "cold start ms", "under 200 ms"], lambdas.map((l) => [l.name, (l.zipBytes / 1024).toFixed(1), l.coldStartMedianMs.toFixed(1), l.coldStartMedianMs < 200 ? "yes" : "no"])));
    } catch (err) {
      console.log(`\nrotation functions: not measured (${(err as Error).message.split("\n")[0]})`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
