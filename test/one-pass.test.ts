// One rendering per stack and synthesis: the guardrails read the Terraform form that cdktf then writes,
// instead of resolving every token a second time (issue 12). The behaviour stays the same: what is
// written is exactly a fresh rendering, and a stack with findings is still refused.
import { App, TerraformStack } from "cdktf";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { buildPlatform } from "../stacks/platform";
import { exampleChangedAfterValidation } from "./guardrails-helpers";

const tmp = mkdtempSync(path.join(os.tmpdir(), "one-pass-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Counts cdktf's own renderings (TerraformStack.prototype.toTerraform, which the platform's stacks call). */
function countRenderings<T>(fn: () => T): { result: T; byStack: Map<string, number> } {
  const byStack = new Map<string, number>();
  const render = TerraformStack.prototype.toTerraform;
  const counting = jest.spyOn(TerraformStack.prototype, "toTerraform").mockImplementation(function (this: TerraformStack) {
    byStack.set(this.node.id, (byStack.get(this.node.id) ?? 0) + 1);
    return render.call(this);
  });
  try {
    return { result: fn(), byStack };
  } finally {
    counting.mockRestore();
  }
}

it("renders each stack once in App.synth(), and writes exactly that rendering", () => {
  const outdir = path.join(tmp, "example");
  const app = new App({ outdir });
  const refs = buildPlatform(app, loadPlatform(DEFAULT_CONFIG));
  const { byStack } = countRenderings(() => app.synth());
  expect(byStack.size).toBe(refs.length);
  for (const ref of refs) expect(byStack.get(ref.name)).toBe(1);
  // The written JSON is what a fresh rendering gives (nothing stale, nothing lost).
  for (const ref of refs) {
    const written = JSON.parse(readFileSync(path.join(outdir, "stacks", ref.name, "cdk.tf.json"), "utf8"));
    const fresh = JSON.parse(JSON.stringify((app.node.findChild(ref.name) as TerraformStack).toTerraform()));
    expect(written).toEqual(fresh);
  }
});

it("still refuses a stack with a finding, and renders it anew afterwards", () => {
  const platform = exampleChangedAfterValidation((p) => {
    p.environments.prod.vault!.audit = [{ type: "file", path: "/vault/logs/audit.log" }];
  });
  const app = new App({ outdir: path.join(tmp, "broken") });
  buildPlatform(app, platform, { environments: ["prod"], backends: ["vault"] });
  expect(() => app.synth()).toThrow(/\[SP-VLT-006\]/);
  // Nothing of the refused synthesis is kept: a later rendering sees a change made now.
  const stack = app.node.findChild("vault-prod") as TerraformStack;
  stack.addOverride("locals.changed_after_refusal", true);
  expect((stack.toTerraform() as any).locals).toEqual({ changed_after_refusal: true });
});
