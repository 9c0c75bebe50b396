/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  // Types are stripped, not checked, here: `npm test` and `npm run typecheck` run tsc --noEmit.
  transform: {
    "^.+\\.ts$": "<rootDir>/scripts/jest-esbuild-transform.js",
  },
  globalSetup: "<rootDir>/test/global-setup.js",
  testTimeout: 60000,
  // Stacks load large provider modules; two workers fit the 2-core machines.
  maxWorkers: 2,
};
