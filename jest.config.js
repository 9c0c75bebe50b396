/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Types are stripped, not checked, here: `npm test` and `npm run typecheck` run tsc --noEmit.
  transform: {
    "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js",
    // jose ships ES modules only; jest loads CommonJS, so the same transform turns its files into CommonJS.
    "/node_modules/jose/.+\\.js$": "<rootDir>/scripts/jest-esbuild-transform.js",
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testTimeout: 60000,
  // Clears the project's inputs (PLATFORM_CONFIG, ...) that the caller's shell may have exported.
  globalSetup: "<rootDir>/test/global-setup.ts",
  // Short creation traces for cdktf's tokens, as the app has them (stacks/token-traces.ts).
  // After the test framework, which installs its own source-map hook; this one wraps it.
  setupFilesAfterEnv: ["<rootDir>/test/setup-token-traces.ts"],
  // Stacks load large provider modules; two workers fit the 2-core machines.
  maxWorkers: 2,
};
