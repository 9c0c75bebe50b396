// @ts-check
// npm run build: compiles the app to JavaScript that plain `node` runs (dist/main.js, dist/review.js,
// dist/bench.js, ...), then the rotation bundles (scripts/build-lambdas.ts, dist/lambda/*.zip).
// Plain JavaScript so that it runs before anything is compiled; type checking is `npm run typecheck`.
//
// Why compiled: under ts-node every stack trace cdktf captures (one per token) goes through source-map
// support, about a quarter of a large synth. esbuild bundles the project's own files only; packages
// stay `require`s resolved from node_modules. Incremental: an entry whose input files (by content),
// esbuild version and this script are unchanged is not rebuilt, so an up-to-date build costs a few ms.
"use strict";
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const OUT_DIR = path.join(ROOT, "dist");
const CACHE_FILE = path.join(OUT_DIR, ".app-build.json");

/** Output name (dist/<name>.js) -> entry point. */
const ENTRIES = {
  main: "main.ts",
  review: "review/main.ts",
  bench: "scripts/bench.ts",
  "bench-synth": "scripts/bench-synth.ts",
  "build-lambdas": "scripts/build-lambdas.ts",
  "pipeline-workflow": "scripts/pipeline-workflow.ts",
  "plan-check": "scripts/plan-check.ts",
  migrate: "scripts/migrate.ts",
};

const sha256 = (/** @type {string | Buffer} */ data) => createHash("sha256").update(data).digest("hex");

/**
 * A bundle runs from dist/, but the sources use __dirname and __filename to find files next to them
 * (config/platform.yaml, dist/lambda). Each use becomes the source file's own location, computed from the
 * bundle's, so that paths mean the same under jest (sources) and node (bundles).
 * @returns {import("esbuild").Plugin}
 */
function sourceLocations() {
  return {
    name: "source-locations",
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
        const text = await fs.promises.readFile(args.path, "utf8");
        if (!/\b__(dirname|filename)\b/.test(text)) return { contents: text, loader: "ts" };
        const fromOut = (/** @type {string} */ p) => JSON.stringify(path.relative(OUT_DIR, p));
        const contents = text
          .replace(/\b__dirname\b/g, `require("node:path").resolve(__dirname, ${fromOut(path.dirname(args.path))})`)
          .replace(/\b__filename\b/g, `require("node:path").resolve(__dirname, ${fromOut(args.path)})`);
        return { contents, loader: "ts" };
      });
    },
  };
}

/** @param {string[]} inputs @returns {string | undefined} one hash over the inputs' paths and contents */
function inputsHash(inputs) {
  const hash = createHash("sha256");
  for (const file of inputs) {
    let content;
    try {
      content = fs.readFileSync(path.join(ROOT, file));
    } catch {
      return undefined;
    }
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}

function readCache() {
  try {
    return JSON.parse(fs.readFileSync(CACHE_FILE, "utf8"));
  } catch {
    return undefined;
  }
}

/**
 * Builds the app bundles that are out of date and returns the names it rebuilt.
 * @param {{ entries?: string[] }} [options]
 */
async function buildApp(options = {}) {
  const names = options.entries ?? Object.keys(ENTRIES);
  const esbuildPackage = JSON.parse(fs.readFileSync(require.resolve("esbuild/package.json"), "utf8"));
  const key = sha256(`1\n${esbuildPackage.version}\n${fs.readFileSync(__filename, "utf8")}\n${fs.readFileSync(path.join(ROOT, "tsconfig.json"), "utf8")}`);
  const previous = readCache();
  const entries = previous?.key === key ? { ...previous.entries } : {};
  const stale = names.filter((name) => {
    const e = entries[name];
    return !e || !fs.existsSync(path.join(OUT_DIR, `${name}.js`)) || inputsHash(e.inputs) !== e.inputsHash;
  });
  if (stale.length === 0) return [];

  // Loaded only when something is stale: starting esbuild's service is most of a build's cost.
  const esbuild = require("esbuild");
  fs.mkdirSync(OUT_DIR, { recursive: true });
  await Promise.all(
    stale.map(async (name) => {
      const result = await esbuild.build({
        absWorkingDir: ROOT,
        entryPoints: [ENTRIES[name]],
        outfile: path.join(OUT_DIR, `${name}.js`),
        bundle: true,
        packages: "external",
        platform: "node",
        target: "node20",
        format: "cjs",
        // Files for a debugger or `node --enable-source-maps`; plain node does not read them, which is the point.
        sourcemap: "linked",
        metafile: true,
        logLevel: "warning",
        plugins: [sourceLocations()],
      });
      const inputs = Object.keys(result.metafile.inputs)
        .filter((f) => fs.existsSync(path.join(ROOT, f)))
        .sort();
      entries[name] = { inputs, inputsHash: inputsHash(inputs) };
    }),
  );
  fs.writeFileSync(CACHE_FILE, JSON.stringify({ key, entries }) + "\n");
  return stale;
}

/** The app bundles, then the rotation bundles (incremental too). */
async function build() {
  const started = Date.now();
  const rebuilt = await buildApp();
  /** @type {{ buildLambdas: () => Promise<Record<string, string>> }} */
  const lambdas = require(path.join(OUT_DIR, "build-lambdas.js"));
  await lambdas.buildLambdas();
  if (rebuilt.length > 0) process.stderr.write(`built dist/{${rebuilt.join(",")}}.js and the rotation bundles in ${Date.now() - started} ms\n`);
}

module.exports = { buildApp, build, ENTRIES, OUT_DIR };

if (require.main === module) {
  build().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : err}\n`);
    process.exit(1);
  });
}
