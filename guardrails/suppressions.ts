// Suppressions, in the manner of cdk-nag: a rule id and a written reason on a construct, applying to findings on
// that construct and everything below it. They live in construct metadata, so anyone's stack can add them.
import type { IConstruct } from "constructs";

export const SUPPRESSION_METADATA = "secrets-platform/guardrail-suppression";

/** A reason must say why, in words a reviewer can check: at least this many characters. */
export const MIN_REASON_LENGTH = 20;

export interface Suppression {
  readonly ruleId: string;
  readonly reason: string;
}

/**
 * Accepts the findings of `ruleId` on `construct` and below it, for the written `reason`. Every suppression is
 * listed in the review. An empty or short reason, or an unknown rule id, is itself a guardrail error (SP-GR-001,
 * SP-GR-002) and suppresses nothing.
 */
export function suppress(construct: IConstruct, ruleId: string, reason: string): void {
  construct.node.addMetadata(SUPPRESSION_METADATA, { ruleId: String(ruleId ?? ""), reason: String(reason ?? "") });
}

/** The suppressions added directly on a construct. */
export function suppressionsOn(construct: IConstruct): Suppression[] {
  return construct.node.metadata
    .filter((m) => m.type === SUPPRESSION_METADATA)
    .map((m) => ({ ruleId: (m.data as Suppression).ruleId, reason: (m.data as Suppression).reason }));
}

/** Why a suppression is not accepted, or undefined when it is. */
export function suppressionProblem(s: Suppression, knownRuleIds: ReadonlySet<string>): { ruleId: string; message: string } | undefined {
  if (!knownRuleIds.has(s.ruleId)) return { ruleId: "SP-GR-002", message: `suppression names rule "${s.ruleId}", which no applied rule pack has` };
  if (s.reason.trim().length < MIN_REASON_LENGTH) {
    return {
      ruleId: "SP-GR-001",
      message: `suppression of ${s.ruleId} has ${s.reason.trim() === "" ? "no reason" : `the reason "${s.reason.trim()}", shorter than ${MIN_REASON_LENGTH} characters`}`,
    };
  }
  return undefined;
}

/** Rules about suppressions themselves; they cannot be suppressed. */
export const SUPPRESSION_RULES = [
  {
    id: "SP-GR-001",
    name: "Suppression without a written reason",
    reason: "A suppression accepts a risk on everyone's behalf; the review must say why, in words.",
    fix: `Give suppress(construct, ruleId, reason) a reason of at least ${MIN_REASON_LENGTH} characters saying why the finding is acceptable here.`,
  },
  {
    id: "SP-GR-002",
    name: "Suppression of an unknown rule",
    reason: "A mistyped rule id suppresses nothing while looking as if it did.",
    fix: "Use a rule id listed in docs/guardrails.md, or remove the suppression.",
  },
] as const;
