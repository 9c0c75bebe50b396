// Guardrails: rule packs checked at synth, in the manner of cdk-nag (see docs/guardrails.md for every rule).
//
//   applyGuardrails(stack, { production: true });           // every stack gets this in stacks/platform.ts
//   suppress(construct, "SP-AWS-001", "why this is acceptable here, in words");
import { Aspects, TerraformStack } from "cdktf";
import { GuardrailAspect, guardrailAspectsOf } from "./aspect";
import type { GuardrailOptions, GuardrailReport } from "./evaluate";

export { GuardrailAspect, guardrailAspectsOf } from "./aspect";
export { evaluateStack, evaluateSynthesized, findingMessage, runRules } from "./evaluate";
export { takeRendering } from "../readers/synthesized";
export type { GuardrailOptions, GuardrailReport, SuppressedFinding, SuppressionRecord } from "./evaluate";
export { AWS_RULES, AZURE_RULES, DEFAULT_PACKS, KUBERNETES_RULES, PIPELINE_RULES, VAULT_RULES } from "./packs";
export type { Finding, ResourceRule, Rule, RuleContext, RulePack, StackRule, SynthesizedResource, SynthesizedStack, Violation } from "./rule";
export { MIN_REASON_LENGTH, suppress, SUPPRESSION_RULES } from "./suppressions";

/** Applies the rule packs to a stack as an Aspect; errors then stop its synthesis. */
export function applyGuardrails(stack: TerraformStack, options: GuardrailOptions): GuardrailAspect {
  const aspect = new GuardrailAspect(options);
  Aspects.of(stack).add(aspect);
  return aspect;
}

/** The guardrails' verdict on a stack, from the aspect applied to it; undefined when none is. */
export function guardrailReport(stack: TerraformStack): GuardrailReport | undefined {
  const [aspect] = guardrailAspectsOf(stack);
  return aspect?.evaluate(stack);
}

/** The verdict the last synthesis reached on a stack, without rendering it again; undefined before one. */
export function guardrailSynthesisReport(stack: TerraformStack): GuardrailReport | undefined {
  const [aspect] = guardrailAspectsOf(stack);
  return aspect?.synthesisReport(stack);
}
