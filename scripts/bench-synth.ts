// One measured synth, run in a fresh process by scripts/bench.ts: loads the description, builds and
// synthesizes every stack into a temporary folder, and prints its timings and peak memory as JSON.
const started = performance.now();
import { App } from "cdktf";
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";

const loaded = performance.now();
const outdir = mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
const app = new App({ outdir });
const stacks = buildPlatform(app, loadPlatform(process.argv[2]));
app.synth();
const done = performance.now();
rmSync(outdir, { recursive: true, force: true });
process.stdout.write(
  JSON.stringify({
    stacks: stacks.length,
    loadMs: loaded - started,
    synthMs: done - loaded,
    totalMs: done - started,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }) + "\n",
);
