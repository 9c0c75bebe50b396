// Size and cold start of each rotation bundle. Cold start: a fresh `node` process loads the
// bundle's index.js and gets its handler; the time from process start (performance.timeOrigin) to
// that moment is measured inside the process. Median of several runs.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildLambdas, readZip } from "./build-lambdas";

export interface LambdaBench {
  readonly name: string;
  readonly zipBytes: number;
  /** Process start to handler ready, median, ms. */
  readonly coldStartMedianMs: number;
  /** The part spent in require() of the bundle, median, ms. */
  readonly requireMedianMs: number;
}

const PROBE = `
const { performance } = require("node:perf_hooks");
const before = performance.now();
const bundle = require(process.argv[2]);
if (typeof bundle.handler !== "function") { console.error("no handler export"); process.exit(2); }
const ready = performance.now();
process.stdout.write(JSON.stringify({ ready, load: ready - before }));
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function benchLambdas(options: { runs?: number; outDir?: string } = {}): Promise<LambdaBench[]> {
  const runs = options.runs ?? 7;
  const zips = await buildLambdas(options.outDir);
  const results: LambdaBench[] = [];
  for (const [name, zipPath] of Object.entries(zips)) {
    const zip = fs.readFileSync(zipPath);
    // Outside the repository, so the bundle cannot lean on node_modules.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${name}-`));
    try {
      for (const [file, data] of readZip(zip)) fs.writeFileSync(path.join(dir, file), data);
      fs.writeFileSync(path.join(dir, "probe.js"), PROBE);
      const ready: number[] = [];
      const load: number[] = [];
      for (let i = 0; i < runs; i++) {
        const out = spawnSync(process.execPath, [path.join(dir, "probe.js"), path.join(dir, "index.js")], {
          cwd: dir,
          encoding: "utf8",
          env: { PATH: process.env.PATH ?? "", AWS_REGION: "us-east-1", ROTATION_STRATEGY: "single-user" },
        });
        if (out.status !== 0) throw new Error(`cold start probe of ${name} failed: ${out.stderr}`);
        const m = JSON.parse(out.stdout) as { ready: number; load: number };
        ready.push(m.ready);
        load.push(m.load);
      }
      results.push({ name, zipBytes: zip.length, coldStartMedianMs: round(median(ready)), requireMedianMs: round(median(load)) });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  return results;
}

if (require.main === module) {
  benchLambdas()
    .then((results) => {
      for (const r of results) {
        console.log(`${r.name.padEnd(9)} zip ${String(r.zipBytes).padStart(8)} B   cold start ${r.coldStartMedianMs} ms (require ${r.requireMedianMs} ms)`);
      }
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
