// npm run build (scripts/build.js): the compiled app that synth, review, bench and cdktf.json run with plain node.
// It is incremental, and paths built from __dirname mean the source file's folder inside the bundles too.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
// Plain JavaScript, loaded as jest's global setup loads it.
const { buildApp, ENTRIES } = require("../scripts/build.js") as { buildApp: () => Promise<string[]>; ENTRIES: Record<string, string> };

it("rebuilds nothing when no input changed, well under a second", async () => {
  await buildApp(); // up to date after jest's global setup; this makes sure
  const started = performance.now();
  expect(await buildApp()).toEqual([]);
  expect(performance.now() - started).toBeLessThan(1000);
});

it("bundles only the project's files; packages stay require()s from node_modules", () => {
  const main = readFileSync(path.join(ROOT, "dist", "main.js"), "utf8");
  expect(main).toMatch(/require\("cdktf"\)/);
  expect(main).not.toMatch(/node_modules\/cdktf\/lib/);
  expect(Object.keys(ENTRIES)).toEqual(expect.arrayContaining(["main", "review", "bench"]));
});

it("keeps __dirname meaning the source folder: the bundle finds config/platform.yaml and dist/lambda", () => {
  const probe = `
    const b = require(${JSON.stringify(path.join(ROOT, "dist", "bench.js"))});
    const d = b.generatedDescription(1);
    process.stdout.write(JSON.stringify(Object.keys(d.environments)));`;
  const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8", cwd: "/" });
  expect(r.stderr).toBe("");
  expect(JSON.parse(r.stdout)).toEqual(["dev", "staging", "prod"]);
  // The rotation bundles' folder as the AWS stack computes it, from dist/main.js.
  expect(readFileSync(path.join(ROOT, "dist", "main.js"), "utf8")).toContain(`require("node:path").resolve(__dirname, "../stacks")`);
});
