// What a guardrail rule is: an id, a one-line reason, a fix, the Terraform types it inspects and a check
// over their synthesized attributes. Rules know resource types and attributes, never a stack class.
import type { IConstruct } from "constructs";

// What rules read: the synthesized stack and its resources (readers/synthesized.ts holds the readers and their types).
import type { SynthesizedResource, SynthesizedStack } from "../readers/synthesized";
export type { SynthesizedResource, SynthesizedStack };

export interface RuleContext {
  /** Production stacks get the production-only rules (rotation required, two audit devices). */
  readonly production: boolean;
  readonly stack: SynthesizedStack;
}

/** One thing wrong, in words specific to the resource. Reported on the resource unless `at` says otherwise. */
export type Violation = string | { readonly message: string; readonly at?: IConstruct };

interface RuleBase {
  /** SP-<AREA>-<NNN>, stable: suppressions and documentation name it. */
  readonly id: string;
  /** Short title. */
  readonly name: string;
  /** Why it matters, one line. */
  readonly reason: string;
  /** What to change. */
  readonly fix: string;
}

export interface ResourceRule extends RuleBase {
  /** Terraform resource types (and data source types, prefixed "data.") the rule inspects. */
  readonly appliesTo: readonly string[];
  check(resource: SynthesizedResource, context: RuleContext): Violation[];
}

export interface StackRule extends RuleBase {
  readonly appliesTo: "stack";
  check(stack: SynthesizedStack, context: RuleContext): Violation[];
}

export type Rule = ResourceRule | StackRule;

/** Rules that belong together (one backend), applied as one unit. */
export interface RulePack {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** A rule that fired, before suppressions are considered. */
export interface Finding {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly reason: string;
  readonly fix: string;
  /** Construct path the finding is reported on. */
  readonly path: string;
  /** Terraform address, when the finding is about one resource. */
  readonly address?: string;
  readonly message: string;
}

export function isStackRule(rule: Rule): rule is StackRule {
  return rule.appliesTo === "stack";
}
