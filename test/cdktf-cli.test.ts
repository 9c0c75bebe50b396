// The app as the cdktf CLI runs it (cdktf.json). The CLI lists cdktf.out/stacks before it runs the app and removes
// the folders of stacks that vanished afterwards; `npx cdktf synth` used to fail once with ENOENT (lstat
// cdktf.out/stacks/aws-<old env>) after an environment was renamed, because the app had removed them already.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { minimalDescription, toYaml } from "./helpers/descriptions";

const ROOT = path.resolve(__dirname, "..");
const tmp = mkdtempSync(path.join(os.tmpdir(), "cdktf-cli-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const outdir = path.join(tmp, "cdktf.out");

function description(env: string): string {
  const d = minimalDescription();
  d.environments = { [env]: d.environments.dev };
  const file = path.join(tmp, `${env}.yaml`);
  writeFileSync(file, toYaml(d));
  return file;
}

/** `npm run synth`: the app on its own. */
function synthApp(config: string) {
  return spawnSync(process.execPath, [path.join(ROOT, "dist", "main.js")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PLATFORM_CONFIG: config, CDKTF_OUTDIR: outdir },
  });
}

/** `npm run cdktf -- synth`: the CLI, as the project runs it, runs cdktf.json's app command. */
function synthCli(config: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, PLATFORM_CONFIG: config, CI: "1" };
  delete env.CHECKPOINT_DISABLE; // the npm script sets it
  return spawnSync("npm", ["run", "--silent", "cdktf", "--", "synth", "--output", outdir], { cwd: ROOT, encoding: "utf8", env });
}

const stacks = () => readdirSync(path.join(outdir, "stacks")).sort();

it("renaming an environment: the CLI synthesizes at the first attempt, and npm run synth removes the old stack too", () => {
  expect(synthApp(description("dev")).status).toBe(0);
  expect(stacks()).toEqual(["aws-dev"]);

  const cli = synthCli(description("qa"));
  expect(cli.stdout + cli.stderr).not.toMatch(/ENOENT|lstat/);
  expect(cli.status).toBe(0);
  expect(stacks()).toEqual(["aws-qa"]); // the CLI removed aws-dev, which the app left for it
  // No call to HashiCorp's checkpoint service, whose failure the CLI prints on a machine without internet.
  expect(cli.stdout + cli.stderr).not.toMatch(/checkpoint/i);

  expect(synthApp(description("dev")).status).toBe(0);
  expect(stacks()).toEqual(["aws-dev"]); // the app alone removes the stack that vanished
});

it("the CLI prints one line about the example's suppressed findings, not one per finding", () => {
  const cli = synthCli(path.join(ROOT, "config", "platform.yaml"));
  expect(cli.status).toBe(0);
  const lines = (cli.stdout + cli.stderr).split("\n").filter((l) => /suppress/i.test(l));
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/INFO \[bootstrap-prod\]: guardrails: \d+ findings suppressed with a written reason in bootstrap-dev/);
});
