// npm run bench: how synth time and memory grow with the description, how large stacks get with stack groups,
// what an offline plan of the largest AWS stack costs, how the synth compares with the AWS CDK equivalent, and
// what rotation costs. Each synth runs in a fresh Node process on the compiled app (node dist/bench-synth.js),
// as `npm run synth` does, without the cdktf CLI's own start-up. Figures are medians over several runs.
//
//   BENCH_RUNS=5          runs per small description (100 applications: half, at least 3)
//   BENCH_LARGE_RUNS=1    runs of the 1,000-application synth
//   BENCH_SKIP_AWSCDK=1   skip the AWS CDK comparison (it installs bench/awscdk on first use)
//   BENCH_SKIP_PLAN=1     skip the offline terraform plans
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
    console.log(`machine: node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "unknown cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GB; load average at start ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);

    // Today's table: one stack per backend and environment (no groups; the limit raised so that 100 fit).
    const rows = [benchSynth("example (config/platform.yaml)", DEFAULT_CONFIG, runs)];
    const keep100 = path.join(dir, "out-100");
    for (const n of [1, 10, 100]) {
      const file = write(`apps-${n}.yaml`, generatedDescription(n, { maxResources: 100_000 }));
      rows.push(benchSynth(`${n} application${n === 1 ? "" : "s"} x 3 environments x 3 backends`, file, n === 100 ? Math.max(3, Math.ceil(runs / 2)) : runs, n === 100 ? keep100 : undefined));
    }
    // 1,000 applications with stack groups of 45 (about 480 AWS resources each). The kubernetes-<env> stack does not
    // split yet (two resources per workload: 2,000 here), so the limit is raised for it; the AWS, Vault and Azure
    // stacks are checked against 500 below.
    const keep1000 = path.join(dir, "out-1000");
    const large = benchSynth("1000 applications x 3 x 3, groups of 45", write("apps-1000.yaml", generatedDescription(1000, { groupSize: 45, maxResources: 100_000 })), largeRuns, keep1000);
    rows.push(large);

    console.log("\nsynth, median of runs (fresh node process per run, compiled app)");
    console.table(
      rows.map((r) => ({
        description: r.label,
        stacks: r.stacks,
        runs: r.runs,
        "wall ms (spawn to exit)": ms(r.wallMs),
        "app ms (start to synth done)": ms(r.totalMs),
        "build+synth ms": ms(r.synthMs),
        "CPU ms": ms(r.cpuMs),
        "peak RSS MB": ms(r.peakRssMb),
        "largest aws / vault / azure stack": ["aws", "vault", "azure"].map((b) => r.largest[b]?.resources ?? "-").join(" / "),
      })),
    );
    const [example, , ten, hundred] = rows;
    const perApp100 = hundred.totalMs / 100;
    const perApp1000 = large.totalMs / 1000;
    console.log(`growth: 100 apps ${(hundred.totalMs / ten.totalMs).toFixed(2)}x the time of 10; 1,000 apps ${(large.totalMs / hundred.totalMs).toFixed(2)}x the time of 100 (linear: 10x)`);
    for (const b of ["aws", "vault", "azure"]) {
      const l = large.largest[b];
      if (l) console.log(`1,000 applications: largest ${b} stack ${l.stack} with ${l.resources} resources`);
    }

    let plans: { hundred?: number; thousand?: number } = {};
    if (process.env.BENCH_SKIP_PLAN !== "1" && terraformAvailable()) {
      plans = { hundred: await planTime(keep100, hundred.largest.aws.stack), thousand: await planTime(keep1000, large.largest.aws.stack) };
      console.log(`\noffline terraform plan (plan + show -json, shared init) of the largest AWS stack:`);
      console.table([
        { description: "100 applications, no groups", stack: hundred.largest.aws.stack, resources: hundred.largest.aws.resources, "plan ms": ms(plans.hundred!) },
        { description: "1,000 applications, groups of 45", stack: large.largest.aws.stack, resources: large.largest.aws.resources, "plan ms": ms(plans.thousand!) },
      ]);
    } else {
      console.log("\noffline terraform plan: skipped (BENCH_SKIP_PLAN=1 or no terraform on PATH)");
    }

    let cdk: ReturnType<typeof compareWithAwsCdk> | undefined;
    if (process.env.BENCH_SKIP_AWSCDK !== "1") {
      const file = write("apps-10-aws.yaml", generatedDescription(10, { awsOnly: true }));
      cdk = compareWithAwsCdk(file, 10, Math.max(runs, 5));
      console.log(`\n10 applications x 3 environments, AWS only, side by side (median of ${Math.max(runs, 5)} alternating runs, spawn to exit):`);
      const row = (app: string, c: Compared) => ({ app, "wall ms": ms(c.wallMs), "CPU ms": ms(c.cpuMs), "resources in aws-prod": c.resources, "wall ratio (this / it)": +(cdk!.ours.wallMs / c.wallMs).toFixed(2) });
      console.table([
        row("this platform (cdktf, node dist/bench-synth.js)", cdk.ours),
        row("AWS CDK 2.276 as it comes (built-in CloudFormation validation)", cdk.awscdk),
        row("AWS CDK 2.276, builtinCloudFormationValidation: false", cdk.awscdkNoValidation),
      ]);
    }

    const awsLargest = large.largest.aws?.resources ?? 0;
    const otherLargest = Math.max(large.largest.vault?.resources ?? 0, large.largest.azure?.resources ?? 0);
    const targets: Array<[string, boolean | undefined]> = [
      [`example under 1.5 s wall (${ms(example.wallMs)} ms)`, example.wallMs < 1500],
      [`100 applications x 3 backends under 8 s (${ms(hundred.wallMs)} ms wall)`, hundred.wallMs < 8000],
      [`100 applications under 600 MB (${ms(hundred.peakRssMb)} MB)`, hundred.peakRssMb < 600],
      [`1,000 applications under 80 s (${ms(large.wallMs)} ms wall)`, large.wallMs < 80_000],
      [`1,000 applications under 2 GB (${ms(large.peakRssMb)} MB)`, large.peakRssMb < 2048],
      [`1,000 applications linear from 100 (per application ${perApp1000.toFixed(1)} ms vs ${perApp100.toFixed(1)} ms, within 1.25x)`, perApp1000 <= 1.25 * perApp100],
      [`no AWS stack above 500 resources at 1,000 applications (largest ${awsLargest})`, awsLargest <= 500],
      [`no Vault or Azure stack above 500 resources at 1,000 applications (largest ${otherLargest})`, otherLargest <= 500],
      [`10-application AWS-only synth at most 0.4 of the AWS CDK's, as it comes (${cdk ? (cdk.ours.wallMs / cdk.awscdk.wallMs).toFixed(2) : "not measured"})`, cdk ? cdk.ours.wallMs <= 0.4 * cdk.awscdk.wallMs : undefined],
      [`... and of the AWS CDK without its built-in validation (${cdk ? (cdk.ours.wallMs / cdk.awscdkNoValidation.wallMs).toFixed(2) : "not measured"})`, cdk ? cdk.ours.wallMs <= 0.4 * cdk.awscdkNoValidation.wallMs : undefined],
    ];
    console.log("");
    for (const [what, ok] of targets) console.log(`${ok === undefined ? "n/a   " : ok ? "met   " : "MISSED"} ${what}`);

    try {
      const { benchLambdas } = require("./bench-lambdas") as { benchLambdas: () => Promise<Array<{ name: string; zipBytes: number; coldStartMedianMs: number }>> };
      const lambdas = await benchLambdas();
      console.log("\nrotation functions: zip size and cold start (fresh node process loading the bundle and building the handler, median)");
      console.table(lambdas.map((l) => ({ function: l.name, "zip KB": +(l.zipBytes / 1024).toFixed(1), "cold start ms": +l.coldStartMedianMs.toFixed(1), "under 200 ms": l.coldStartMedianMs < 200 })));
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
