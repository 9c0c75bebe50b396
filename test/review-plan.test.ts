// The whole review of the example's dev environment, as `npm run review -- --env dev --json` runs it: synth to an
// output folder, an offline terraform plan of aws-dev, and the files it writes. The one test file that runs
// Terraform; plus the command's exit code when a guardrail fails.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { DEFAULT_CONFIG } from "../config/load";
import { runReview, RunReviewResult } from "../scripts/review/run";
import { exampleChangedAfterValidation } from "./guardrails-helpers";

const outdir = mkdtempSync(path.join(os.tmpdir(), "review-plan-"));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

let result: RunReviewResult;
beforeAll(() => {
  result = runReview({ environment: "dev", outdir, json: true, configFile: DEFAULT_CONFIG });
}, 120_000);

it("synthesizes every stack of the app into the output folder", () => {
  const manifest = JSON.parse(readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  expect(Object.keys(manifest.stacks).sort()).toEqual(
    [
      "aws-dev", "aws-prod", "aws-staging", "azure-dev", "azure-prod", "azure-staging", "bootstrap-dev", "bootstrap-prod",
      "bootstrap-staging", "kubernetes-dev", "kubernetes-prod", "kubernetes-staging", "vault-dev", "vault-prod", "vault-staging",
    ],
  );
});

it("counts AWS changes from terraform's plan: everything is created, nothing risky", () => {
  const aws = result.review.changes.find((c) => c.stack === "aws-dev")!;
  const synthesized = JSON.parse(readFileSync(path.join(outdir, "stacks", "aws-dev", "cdk.tf.json"), "utf8"));
  const resources = Object.values<object>(synthesized.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
  expect(aws).toEqual({ stack: "aws-dev", backend: "aws", source: "terraform plan", counts: { create: resources, update: 0, replace: 0, delete: 0 }, risky: [] });
  for (const stack of ["vault-dev", "azure-dev"]) {
    expect(result.review.changes.find((c) => c.stack === stack)).toMatchObject({ source: "synthesized JSON", note: expect.stringContaining("No state is available offline") });
  }
});

it("writes the Markdown and the JSON review, and passes", () => {
  expect(result.markdownFile).toBe(path.join(outdir, "review", "dev.md"));
  expect(result.jsonFile).toBe(path.join(outdir, "review", "dev.json"));
  const markdown = readFileSync(result.markdownFile, "utf8");
  expect(markdown).toContain("| aws-dev | terraform plan |");
  expect(markdown).toContain("**Guardrails: passed.**");
  const json = JSON.parse(readFileSync(result.jsonFile!, "utf8"));
  expect(json).toEqual(JSON.parse(JSON.stringify(result.review)));
  // 23 grants, and the Azure rotation function's Secrets Officer on the three secrets it rotates and on their pending companions.
  expect(json.access).toHaveLength(29);
  const fn = json.access.filter((r: { workload: string }) => r.workload === "function acme-dev-rotation");
  expect(fn.map((r: { authentication: string }) => r.authentication)).toEqual(Array(6).fill("Azure Function app acme-dev-rotation runs as managed identity acme-dev-rotation"));
  expect(fn.map((r: { secret: string }) => r.secret).sort()).toEqual(
    ["dev/dbadmin/master", "dev/myapp/database", "dev/myapp/jwt"].flatMap((s) => [s, `${s} (pending value)`]).sort(),
  );
  expect(json.guardrails.map((g: { stack: string }) => g.stack)).toEqual(["aws-dev", "vault-dev", "azure-dev", "kubernetes-dev", "bootstrap-dev"]);
});

it("npm run review exits 1 on a description that validation refuses, naming the field", () => {
  const d = parse(readFileSync(DEFAULT_CONFIG, "utf8"));
  d.environments.prod.vault.audit = [{ type: "file", path: "/vault/logs/audit.log" }];
  const config = path.join(outdir, "broken.yaml");
  writeFileSync(config, stringify(d));
  const out = path.join(outdir, "broken-out");
  const run = spawnSync(process.execPath, ["dist/review.js", "--env", "prod", "--skip-plan", "--outdir", out], {
    cwd: path.join(__dirname, ".."),
    env: { ...process.env, PLATFORM_CONFIG: config },
    encoding: "utf8",
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("environments.prod.vault.audit: lists 1 audit device; production needs at least two");
  expect(run.stderr).not.toMatch(/^\s+at /m);
}, 60_000);

it("a review of stacks that fail a guardrail lists every finding and says FAILED", () => {
  // Validation refuses this description; stacks built another way may still get here.
  const broken = exampleChangedAfterValidation((p) => {
    p.environments.prod.vault!.audit = [{ type: "file", path: "/vault/logs/audit.log" }];
  });
  const out = path.join(outdir, "broken-stacks");
  const result = runReview({ environment: "prod", platform: broken, plan: false, outdir: out });
  const findings = result.review.guardrails.flatMap((g) => g.findings);
  expect(findings.map((f) => [f.ruleId, f.path])).toEqual([["SP-VLT-006", "vault-prod"]]);
  expect(readFileSync(result.markdownFile, "utf8")).toContain("**Guardrails: FAILED** with 1 finding;");
});
