// docs/guardrails.md lists every rule with the reason and fix the code reports, and the star-only actions.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_PACKS, SUPPRESSION_RULES } from "../guardrails";
import { STAR_ONLY_ACTIONS } from "../guardrails/rules/aws";

const doc = readFileSync(path.join(__dirname, "..", "docs", "guardrails.md"), "utf8");
const rules = [...DEFAULT_PACKS.flatMap((p) => p.rules), ...SUPPRESSION_RULES];

it("has unique rule ids", () => {
  expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
});

it.each(rules.map((r) => [r.id, r] as const))("documents %s with its name, reason and fix", (id, rule) => {
  const line = doc.split("\n").find((l) => l.startsWith(`| ${id} |`));
  expect(line).toBeDefined();
  for (const text of [rule.name, rule.reason, rule.fix]) expect(line).toContain(text);
});

it.each(Object.entries(STAR_ONLY_ACTIONS))("documents why %s accepts only \"*\"", (action, why) => {
  expect(doc).toContain(`| \`${action}\` | ${why} |`);
});
