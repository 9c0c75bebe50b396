// The suite checks what its tests describe, whatever the developer's shell exported: the README invites
// `export PLATFORM_CONFIG=...`, which used to make the tests that load the example read another file.
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { PROJECT_INPUTS } from "./global-setup";

const ROOT = path.resolve(__dirname, "..");

it("runs with none of the project's inputs from the caller's environment", () => {
  for (const name of PROJECT_INPUTS) expect(process.env[name]).toBeUndefined();
});

it("passes a test that loads the example while PLATFORM_CONFIG names a file that does not exist", () => {
  const run = spawnSync(process.execPath, [require.resolve("jest/bin/jest"), "test/config.test.ts", "-t", "accepts the example and applies defaults"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PLATFORM_CONFIG: "/nonexistent/platform.yaml", SECRETS_PLATFORM_DEBUG: "1" },
  });
  expect(run.stderr).toMatch(/Tests:\s+\d+ skipped, 1 passed/);
  expect(run.status).toBe(0);
});
