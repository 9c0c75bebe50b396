// npm run bench: how synth time and memory grow with the description, and what rotation costs.
// Each synth runs in a fresh Node process (ts-node, transpile only), as `npm run synth` does,
// without the cdktf CLI's own start-up. Figures are medians over several runs.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";

const ROOT = path.resolve(__dirname, "..");

/** N applications of 3 secrets and 1 workload each, in 3 environments with all three backends. */
export function generatedDescription(applications: number): unknown {
  const example = loadPlatform(DEFAULT_CONFIG);
  const apps: Record<string, unknown> = {
    dbadmin: { secrets: { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } } },
  };
  for (let i = 0; i < applications; i++) {
    const name = `app${String(i).padStart(3, "0")}`;
    apps[name] = {
      secrets: {
        database: { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "dbadmin/master" } },
        jwt: { type: "jwt", algorithm: "ES256", rotation: { everyDays: 7 } },
        vendor: { type: "api-key", expiresAfterDays: 90 },
      },
      workloads: { api: { kubernetes: { namespace: name, serviceAccount: `${name}-api` }, reads: ["database", "jwt", "vendor"] } },
    };
  }
  return { organization: example.organization, environments: rawEnvironments(), applications: apps };
}

function rawEnvironments(): unknown {
  // The example's environments as written (defaults not expanded), so the file stays a valid input.
  const { parse } = require("yaml") as typeof import("yaml");
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  return parse(readFileSync(DEFAULT_CONFIG, "utf8")).environments;
}

interface SynthRun {
  /** Spawn to exit, as the parent sees it: node and ts-node start-up included. */
  wallMs: number;
  stacks: number;
  loadMs: number;
  synthMs: number;
  totalMs: number;
  peakRssMb: number;
}

function synthOnce(file: string): SynthRun {
  const started = performance.now();
  const out = execFileSync(process.execPath, [require.resolve("ts-node/dist/bin.js"), "--transpile-only", path.join(ROOT, "scripts", "bench-synth.ts"), file], {
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

function benchSynth(label: string, file: string, runs: number) {
  const results = Array.from({ length: runs }, () => synthOnce(file));
  return {
    label,
    stacks: results[0].stacks,
    runs,
    wallMs: median(results.map((r) => r.wallMs)),
    totalMs: median(results.map((r) => r.totalMs)),
    synthMs: median(results.map((r) => r.synthMs)),
    peakRssMb: Math.max(...results.map((r) => r.peakRssMb)),
  };
}

async function main(): Promise<void> {
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-"));
  try {
    const rows = [benchSynth("example (config/platform.yaml)", DEFAULT_CONFIG, runs)];
    for (const n of [1, 10, 100]) {
      const file = path.join(dir, `apps-${n}.yaml`);
      writeFileSync(file, stringify(generatedDescription(n)));
      rows.push(benchSynth(`${n} application${n === 1 ? "" : "s"} x 3 environments`, file, n === 100 ? Math.max(3, Math.ceil(runs / 2)) : runs));
    }
    console.log(`synth, median of runs (node ${process.version}, ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? "unknown cpu"})`);
    console.table(
      rows.map((r) => ({
        description: r.label,
        stacks: r.stacks,
        runs: r.runs,
        "wall ms (node start to exit)": Math.round(r.wallMs),
        "app ms (load+build+synth)": Math.round(r.totalMs),
        "build+synth ms": Math.round(r.synthMs),
        "peak RSS MB": Math.round(r.peakRssMb),
      })),
    );
    const [, , ten, hundred] = rows;
    console.log(`growth: 100 apps take ${(hundred.totalMs / ten.totalMs).toFixed(2)}x the time of 10 (target <= 12x; build+synth alone ${(hundred.synthMs / ten.synthMs).toFixed(2)}x)`);
    const targets = [
      ["example under 3 s (wall, node start-up included)", rows[0].wallMs < 3000],
      ["100 applications under 20 s", hundred.totalMs < 20_000],
      ["100 applications under 1.5 GB", hundred.peakRssMb < 1536],
      ["100 applications at most 12x the time of 10", hundred.totalMs <= 12 * ten.totalMs],
    ] as const;
    for (const [what, ok] of targets) console.log(`${ok ? "met   " : "MISSED"} ${what}`);

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
