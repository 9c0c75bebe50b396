// @ts-check
// jest's TypeScript transform: esbuild strips the types of one file at a time (no type checking, which
// `tsc --noEmit` does in `npm test`), an order of magnitude faster than ts-jest. The project's files are
// isolatedModules-clean (tsconfig.json), which is what a per-file transform needs. No jest.mock() hoisting:
// the tests do not use it.
"use strict";
const { createHash } = require("node:crypto");
const { readFileSync } = require("node:fs");
const esbuild = require("esbuild");

const SELF = createHash("sha256")
  .update(readFileSync(__filename))
  .update(esbuild.version)
  .digest("hex");

/** @type {import("@jest/transform").SyncTransformer} */
module.exports = {
  canInstrument: false,
  getCacheKey(sourceText, sourcePath) {
    return createHash("sha256").update(SELF).update("\0").update(sourcePath).update("\0").update(sourceText).digest("hex");
  },
  process(sourceText, sourcePath) {
    const result = esbuild.transformSync(sourceText, {
      loader: sourcePath.endsWith(".tsx") ? "tsx" : sourcePath.endsWith(".js") ? "js" : "ts",
      format: "cjs",
      target: "node20",
      platform: "node",
      sourcemap: "external",
      sourcefile: sourcePath,
      // import() becomes require(), as tsc's CommonJS output does: jest's module system has no ESM loader here.
      supported: { "dynamic-import": false },
      // Class fields as TypeScript emits them for this tsconfig (useDefineForClassFields follows ES2022).
      tsconfigRaw: { compilerOptions: { target: "ES2022", esModuleInterop: true } },
    });
    return { code: result.code, map: result.map };
  },
};
