// One measured synth, run in a fresh process by scripts/bench.ts (compiled: node dist/bench-synth.js): loads the
// description, builds and synthesizes every stack into a folder, and prints its timings, peak memory and the
// largest stack per backend as JSON. The folder is removed unless a second argument names it (bench plans from it).
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";
import { shortenTokenTraces } from "../stacks/token-traces";

// performance.now() counts from process start: module loading is included, as `npm run synth` pays it.
const loaded = performance.now();
const keep = process.argv[3];
const outdir = keep ? path.resolve(keep) : mkdtempSync(path.join(os.tmpdir(), "bench-synth-"));
// As the app (main.ts) does.
shortenTokenTraces();
const app = new App({ outdir });
const refs = buildPlatform(app, loadPlatform(process.argv[2]));
app.synth();
const done = performance.now();

const largest: Record<string, { stack: string; resources: number }> = {};
for (const ref of refs) {
  const json = JSON.parse(readFileSync(path.join(outdir, "stacks", ref.name, "cdk.tf.json"), "utf8"));
  const resources = Object.values<object>(json.resource ?? {}).reduce((n, byName) => n + Object.keys(byName).length, 0);
  if (!largest[ref.backend] || largest[ref.backend].resources < resources) largest[ref.backend] = { stack: ref.name, resources };
}
if (!keep) rmSync(outdir, { recursive: true, force: true });
process.stdout.write(
  JSON.stringify({
    stacks: refs.length,
    loadMs: loaded,
    synthMs: done - loaded,
    totalMs: done,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    // CPU time is what a busy machine does not inflate: beside wall time, it tells load from cost.
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
    largest,
  }) + "\n",
);
