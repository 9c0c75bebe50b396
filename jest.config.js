/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { diagnostics: false }],
    // jose ships ES modules only; jest loads CommonJS, so ts-jest turns its files into CommonJS.
    "/node_modules/jose/.+\\.js$": ["ts-jest", { diagnostics: false, tsconfig: { allowJs: true } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!jose/)"],
  testTimeout: 60000,
  // Clears the project's inputs (PLATFORM_CONFIG, ...) that the caller's shell may have exported.
  globalSetup: "<rootDir>/test/global-setup.ts",
  // Stacks load large provider modules; two workers fit the 2-core machines.
  maxWorkers: 2,
};
