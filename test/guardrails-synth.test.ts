// Guardrail errors really stop synthesis, in both ways the app is synthesized:
// - `npm run synth` (App.synth() in main.ts): cdktf 0.21 throws on error annotations, naming path and message;
// - `cdktf synth` / `cdktf deploy`: the CLI runs the app with CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS, then reads
//   the annotations from manifest.json and fails. The test checks the manifest and runs the CLI's own check on it.
// cdktf reads that variable when a stack is constructed, hence withEnv around buildPlatform.
import { App } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";
import { exampleChangedAfterValidation } from "./guardrails-helpers";

const tmp: string[] = [];
const outdir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "guardrails-synth-"));
  tmp.push(dir);
  return dir;
};
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));

/**
 * The example with one audit device in prod, changed after validation (which refuses it, as anyone's
 * own stacks need not): SP-VLT-006 on vault-prod.
 */
function brokenPlatform() {
  return exampleChangedAfterValidation((p) => {
    p.environments.prod.vault!.audit = [{ type: "file", path: "/vault/logs/audit.log" }];
  });
}

function withEnv<T>(name: string, value: string | undefined, fn: () => T): T {
  const previous = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return fn();
  } finally {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  }
}

const CONTINUE = "CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS";

/** The stack cdktf synthesized last: the one added last (the manifest's keys are in another order). */
function lastSynthesized(manifest: { stacks: Record<string, unknown> }): string {
  const names = Object.keys(manifest.stacks);
  expect(names).toContain("bootstrap-prod");
  return "bootstrap-prod";
}

/**
 * No stack has an annotation but the last, which has one info line counting the written suppressions (all of them in
 * bootstrap-<env> stacks) instead of a line each.
 */
function expectOnlyBootstrapSuppressions(stack: string, annotations: { level: string; message: string }[], last: string): void {
  if (stack !== last) return expect(annotations).toEqual([]);
  expect(annotations).toEqual([
    expect.objectContaining({ level: "@cdktf/info", message: expect.stringMatching(/^guardrails: \d+ findings suppressed with a written reason in bootstrap-dev \(\d+\), bootstrap-staging \(\d+\), bootstrap-prod \(\d+\); /) }),
  ]);
}

it("App.synth() of the example passes every guardrail", () => {
  const dir = outdir();
  const app = new App({ outdir: dir });
  withEnv(CONTINUE, undefined, () => buildPlatform(app, loadPlatform(DEFAULT_CONFIG)));
  expect(() => app.synth()).not.toThrow();
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  // Three backend stacks, one kubernetes-<env> and one bootstrap-<env> stack (the CI identities) per environment.
  expect(Object.keys(manifest.stacks)).toHaveLength(15);
  const last = lastSynthesized(manifest);
  for (const [name, stack] of Object.entries<any>(manifest.stacks)) expectOnlyBootstrapSuppressions(name, stack.annotations, last);
});

it("App.synth() throws on a guardrail error, with the construct path, rule id and fix", () => {
  const app = new App({ outdir: outdir() });
  withEnv(CONTINUE, undefined, () => buildPlatform(app, brokenPlatform()));
  expect(() => app.synth()).toThrow(
    /\[vault-prod\] \[SP-VLT-006\] Fewer than two Vault audit devices in production: 1 vault_audit device in the stack\..* Fix: Keep two audit devices/,
  );
});

it("under the cdktf CLI, the error lands in manifest.json and the CLI's annotation check fails", () => {
  const dir = outdir();
  const app = new App({ outdir: dir });
  withEnv(CONTINUE, "true", () => buildPlatform(app, brokenPlatform()));
  expect(() => app.synth()).not.toThrow();
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  expect(manifest.stacks["vault-prod"].annotations).toEqual([
    expect.objectContaining({ constructPath: "vault-prod", level: "@cdktf/error", message: expect.stringMatching(/^\[SP-VLT-006\] /) }),
  ]);
  const last = lastSynthesized(manifest);
  for (const [name, stack] of Object.entries<any>(manifest.stacks)) if (name !== "vault-prod") expectOnlyBootstrapSuppressions(name, stack.annotations, last);

  // What `cdktf synth`, `diff` and `deploy` (also with --skip-synth) call on the synthesized stacks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { printAnnotations } = require("@cdktf/cli-core/src/lib/synth");
  const log = jest.spyOn(console, "log").mockImplementation(() => undefined);
  try {
    expect(() => printAnnotations(Object.values(manifest.stacks))).toThrow(/error annotations have been encountered/);
    expect(log.mock.calls.flat().join("\n")).toContain("ERROR [vault-prod]: [SP-VLT-006]");
  } finally {
    log.mockRestore();
  }
});
