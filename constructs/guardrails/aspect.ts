// The guardrails as a cdktf Aspect: when a stack synthesizes, every finding becomes an error annotation on the
// construct that produced the resource. cdktf then refuses the stack: App.synth() throws, and the cdktf CLI
// (which synthesizes with CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS and reads the manifest) fails synth, diff
// and deploy. Suppressed findings become info annotations and unused suppressions warnings, so they show too.
import { Annotations, AnnotationMetadataEntryType, Aspects, IAspect, TerraformStack } from "cdktf";
import type { IConstruct } from "constructs";
import { evaluateStack, evaluateSynthesized, findingMessage, GuardrailOptions, GuardrailReport } from "./evaluate";
import { dropRendering, fromJson, renderForSynthesis } from "./synthesized";

export class GuardrailAspect implements IAspect {
  /** The verdict of the last synthesis, per stack (the review reads it instead of rendering again). */
  private readonly synthesized = new WeakMap<TerraformStack, GuardrailReport>();

  constructor(readonly options: GuardrailOptions) {}

  visit(node: IConstruct): void {
    // Rules look across a whole stack (a secret and its rotation, a function and its log group), so the
    // aspect acts once per stack, after the tree is complete, whatever scope it was added to.
    if (!TerraformStack.isStack(node)) return;
    // The rendering the rules read is the one cdktf then writes (see renderForSynthesis): one pass, not two.
    const report = evaluateSynthesized(node, fromJson(renderForSynthesis(node), node.node.path), this.options);
    this.synthesized.set(node, report);
    const all = node.node.findAll();
    const at = new Map(all.map((c) => [c.node.path, c] as const));
    const construct = (path: string) => at.get(path) ?? node;
    for (const f of report.findings) annotate(construct(f.path), AnnotationMetadataEntryType.ERROR, findingMessage(f));
    for (const f of report.suppressed) {
      annotate(construct(f.path), AnnotationMetadataEntryType.INFO, `[${f.ruleId}] suppressed at ${f.suppressedAt}: ${f.suppressionReason}`);
    }
    for (const s of report.suppressions) {
      if (!s.problem && s.matched === 0) {
        annotate(construct(s.path), AnnotationMetadataEntryType.WARN, `[${s.ruleId}] suppression matches no finding here; remove it`);
      }
    }
    // cdktf stops before writing a stack with an error annotation (unless told to continue): keep nothing then.
    if (all.some((c) => c.node.metadata.some((m) => m.type === AnnotationMetadataEntryType.ERROR))) dropRendering(node);
  }

  /** The verdict the last synthesis of this stack reached; undefined before one. */
  synthesisReport(stack: TerraformStack): GuardrailReport | undefined {
    return this.synthesized.get(stack);
  }

  /** The verdict on a stack now (the review calls this; it adds no annotation). */
  evaluate(stack: TerraformStack): GuardrailReport {
    return evaluateStack(stack, this.options);
  }
}

/** Adds an annotation unless the same one is there (a stack may be synthesized more than once, e.g. in tests). */
function annotate(construct: IConstruct, level: AnnotationMetadataEntryType, message: string): void {
  if (construct.node.metadata.some((m) => m.type === level && m.data === message)) return;
  const annotations = Annotations.of(construct);
  if (level === AnnotationMetadataEntryType.ERROR) annotations.addError(message);
  else if (level === AnnotationMetadataEntryType.WARN) annotations.addWarning(message);
  else annotations.addInfo(message);
}

/** The guardrail aspects added to a stack (normally one, by applyGuardrails). */
export function guardrailAspectsOf(stack: TerraformStack): GuardrailAspect[] {
  return Aspects.of(stack).all.filter((a): a is GuardrailAspect => a instanceof GuardrailAspect);
}
