// Runs rule packs over a synthesized stack and applies suppressions: the guardrails' verdict on one stack,
// which the aspect turns into annotations and the review lists.
import type { TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import { DEFAULT_PACKS } from "./packs";
import { Finding, isStackRule, Rule, RuleContext, RulePack, SynthesizedStack, Violation } from "./rule";
import { SUPPRESSION_RULES, suppressionProblem, suppressionsOn } from "./suppressions";
import { synthesizedStack } from "../readers/synthesized";

export interface GuardrailOptions {
  /** Production stacks get the production-only rules. */
  readonly production: boolean;
  /** @default DEFAULT_PACKS - every rule of guardrails/rules */
  readonly packs?: readonly RulePack[];
}

export interface SuppressionRecord {
  readonly path: string;
  readonly ruleId: string;
  readonly reason: string;
  /** Why the suppression is rejected (then it suppresses nothing). */
  readonly problem?: string;
  /** How many findings it suppressed. */
  readonly matched: number;
}

export interface SuppressedFinding extends Finding {
  /** The construct path that carries the suppression, and its reason. */
  readonly suppressedAt: string;
  readonly suppressionReason: string;
}

export interface GuardrailReport {
  /** Stack construct path (its name). */
  readonly stack: string;
  readonly production: boolean;
  /** Findings no suppression accepts: each is an error that stops synth. */
  readonly findings: Finding[];
  readonly suppressed: SuppressedFinding[];
  readonly suppressions: SuppressionRecord[];
  /** Rule ids that were applied. */
  readonly ruleIds: string[];
}

function violationsOf(rule: Rule, target: unknown, context: RuleContext): Violation[] {
  try {
    return isStackRule(rule) ? rule.check(target as SynthesizedStack, context) : rule.check(target as any, context);
  } catch (e) {
    // A rule that cannot decide fails closed: the finding says so, and can be suppressed like any other.
    return [`the rule could not evaluate this resource: ${(e as Error).message}`];
  }
}

/** Every finding of the packs' rules on a synthesized stack, before suppressions. */
export function runRules(view: SynthesizedStack, packs: readonly RulePack[], production: boolean): Finding[] {
  const context: RuleContext = { production, stack: view };
  const findings: Finding[] = [];
  for (const rule of packs.flatMap((p) => p.rules)) {
    const targets = isStackRule(rule)
      ? [{ target: view, path: view.path, address: undefined }]
      : [...view.resources, ...view.dataSources]
          .filter((r) => rule.appliesTo.includes(r.kind === "data" ? `data.${r.type}` : r.type))
          .map((r) => ({ target: r, path: r.path, address: r.address }));
    for (const { target, path, address } of targets) {
      // One finding per rule and construct, its details joined: one annotation to read, one suppression to write.
      const byPath = new Map<string, string[]>();
      for (const v of violationsOf(rule, target, context)) {
        const at = typeof v === "string" || !v.at ? path : v.at.node.path;
        byPath.set(at, [...(byPath.get(at) ?? []), typeof v === "string" ? v : v.message]);
      }
      for (const [at, messages] of byPath) {
        findings.push({ ruleId: rule.id, ruleName: rule.name, reason: rule.reason, fix: rule.fix, path: at, address, message: messages.join("; ") });
      }
    }
  }
  return findings;
}

const covers = (suppressionPath: string, findingPath: string) =>
  findingPath === suppressionPath || findingPath.startsWith(`${suppressionPath}/`);

/** The guardrails' verdict on a stack: findings, suppressed findings and every suppression with its use. */
export function evaluateStack(stack: TerraformStack, options: GuardrailOptions): GuardrailReport {
  return evaluateSynthesized(stack, synthesizedStack(stack), options);
}

/** The verdict on a stack from a rendering of it already made (the aspect's, during synthesis). */
export function evaluateSynthesized(stack: TerraformStack, view: SynthesizedStack, options: GuardrailOptions): GuardrailReport {
  const packs = options.packs ?? DEFAULT_PACKS;
  const raw = runRules(view, packs, options.production);
  const ruleIds = packs.flatMap((p) => p.rules.map((r) => r.id));
  const known = new Set(ruleIds);

  const declared = stack.node
    .findAll()
    .flatMap((c: IConstruct) => suppressionsOn(c).map((s) => ({ ...s, path: c.node.path, problem: suppressionProblem(s, known) })));
  const findings: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  const matched = new Map<number, number>();
  for (const f of raw) {
    // The nearest accepted suppression wins, so that the review names the one a reader would look for.
    const candidates = declared
      .map((s, i) => ({ s, i }))
      .filter(({ s }) => !s.problem && s.ruleId === f.ruleId && covers(s.path, f.path))
      .sort((a, b) => b.s.path.length - a.s.path.length);
    if (candidates.length === 0) {
      findings.push(f);
      continue;
    }
    const { s, i } = candidates[0];
    matched.set(i, (matched.get(i) ?? 0) + 1);
    suppressed.push({ ...f, suppressedAt: s.path, suppressionReason: s.reason });
  }
  for (const s of declared) {
    if (!s.problem) continue;
    const rule = SUPPRESSION_RULES.find((r) => r.id === s.problem!.ruleId)!;
    findings.push({ ruleId: rule.id, ruleName: rule.name, reason: rule.reason, fix: rule.fix, path: s.path, message: s.problem.message });
  }
  return {
    stack: stack.node.path,
    production: options.production,
    findings,
    suppressed,
    suppressions: declared.map((s, i) => ({
      path: s.path,
      ruleId: s.ruleId,
      reason: s.reason,
      problem: s.problem?.message,
      matched: matched.get(i) ?? 0,
    })),
    ruleIds: [...ruleIds, ...SUPPRESSION_RULES.map((r) => r.id)],
  };
}

/** The text of an error annotation: rule id, what is wrong, why it matters and the fix. */
export function findingMessage(f: Finding): string {
  return `[${f.ruleId}] ${f.ruleName}: ${f.message}. ${f.reason} Fix: ${f.fix}`;
}
