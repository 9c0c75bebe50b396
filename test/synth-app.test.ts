// The app as `npm run synth` and `cdktf synth` run it (the compiled dist/main.js under plain node; jest's
// global setup builds it): every stack of the description lands in cdktf.out/stacks/<backend>-<env>/cdk.tf.json,
// and no secret the deployer holds leaks into it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { minimalDescription, toYaml } from "./helpers/descriptions";

const ROOT = path.resolve(__dirname, "..");
const CANARY = "canary-Zq7vX2pL9sN4wR8tY1uK";
const tmp = mkdtempSync(path.join(os.tmpdir(), "synth-app-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function synth(outdir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [path.join(ROOT, "dist", "main.js")], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      CDKTF_OUTDIR: outdir,
      // Secrets a deployer's shell may hold while synthesizing: none may reach cdktf.out/.
      TF_VAR_vault_database_password: CANARY,
      VAULT_TOKEN: CANARY,
      AWS_SECRET_ACCESS_KEY: CANARY,
      ARM_CLIENT_SECRET: CANARY,
      ...env,
    },
  });
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe("synthesizing the example", () => {
  const outdir = path.join(tmp, "example");
  const run = synth(outdir);

  it("exits 0 and names every stack", () => {
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("synthesized 15 stacks into");
  });

  it("writes cdktf.out/stacks/<backend>-<env>/cdk.tf.json for every environment and backend", () => {
    const stacks = readdirSync(path.join(outdir, "stacks")).sort();
    expect(stacks).toEqual([
      "aws-dev", "aws-prod", "aws-staging", "azure-dev", "azure-prod", "azure-staging", "bootstrap-dev", "bootstrap-prod",
      "bootstrap-staging", "kubernetes-dev", "kubernetes-prod", "kubernetes-staging", "vault-dev", "vault-prod", "vault-staging",
    ]);
    for (const s of stacks) expect(JSON.parse(readFileSync(path.join(outdir, "stacks", s, "cdk.tf.json"), "utf8")).resource).toBeDefined();
    const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    expect(Object.keys(manifest.stacks).sort()).toEqual(stacks);
  });

  it("keeps the previous output whole when a later synth fails, and says why without a stack trace", () => {
    const before = readFileSync(path.join(outdir, "manifest.json"), "utf8");
    // A file the synth would not write: still there afterwards means the output was not replaced.
    const marker = path.join(outdir, "stacks", "aws-dev", "marker");
    writeFileSync(marker, "previous output");
    const failed = synth(outdir, { LAMBDA_BUNDLE_DIR: path.join(tmp, "no-bundles") });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toContain("no-bundles/postgres.zip is missing: run `npm run build:lambda` first");
    expect(failed.stderr).not.toMatch(/^\s+at /m);
    expect(readFileSync(path.join(outdir, "manifest.json"), "utf8")).toBe(before);
    expect(readdirSync(path.join(outdir, "stacks"))).toHaveLength(15);
    expect(readFileSync(marker, "utf8")).toBe("previous output");
    expect(readdirSync(tmp).filter((f) => f.includes("staging"))).toEqual([]);
  });

  it("leaks none of the deployer's secrets into any synthesized file", () => {
    for (const f of filesUnder(outdir)) {
      if (f.endsWith(".zip")) continue;
      expect(readFileSync(f, "utf8")).not.toContain(CANARY);
    }
  });
});

it("builds only the backends an environment names (PLATFORM_CONFIG selects the file)", () => {
  const file = path.join(tmp, "aws-only.yaml");
  writeFileSync(file, toYaml(minimalDescription()));
  const outdir = path.join(tmp, "aws-only");
  const run = synth(outdir, { PLATFORM_CONFIG: file });
  expect(run.status).toBe(0);
  expect(readdirSync(path.join(outdir, "stacks"))).toEqual(["aws-dev"]);
});
