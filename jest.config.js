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
  // Three workers on the 2-core machines: much of a worker's time is waiting on PostgreSQL and terraform processes,
  // and a third fills it (101 s instead of 114 s for the suite, back to back at a load average of 5 to 8).
  maxWorkers: 3,
};
