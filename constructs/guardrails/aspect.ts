// The guardrails as a cdktf Aspect: when a stack synthesizes, every finding becomes an error annotation on the
// construct that produced the resource. cdktf then refuses the stack: App.synth() throws, and the cdktf CLI
// (which synthesizes with CDKTF_CONTINUE_SYNTH_ON_ERROR_ANNOTATIONS and reads the manifest) fails synth, diff
// and deploy. Suppressed findings are counted in one info annotation for the app (each one with SECRETS_PLATFORM_VERBOSE=1), and unused
// suppressions become warnings.
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
    // Suppressed findings were decided on, with a written reason, when the suppression was added: one line for the whole
    // app says how many there are; the review lists them, and SECRETS_PLATFORM_VERBOSE=1 prints each here.
    if (process.env.SECRETS_PLATFORM_VERBOSE) {
      for (const f of report.suppressed) {
        annotate(construct(f.path), AnnotationMetadataEntryType.INFO, `[${f.ruleId}] suppressed at ${f.suppressedAt}: ${f.suppressionReason}`);
      }
    } else {
      const summary = this.suppressionSummary(node);
      if (summary) annotate(node, AnnotationMetadataEntryType.INFO, summary);
    }
    for (const s of report.suppressions) {
      if (!s.problem && s.matched === 0) {
        annotate(construct(s.path), AnnotationMetadataEntryType.WARN, `[${s.ruleId}] suppression matches no finding here; remove it`);
      }
    }
    // cdktf stops before writing a stack with an error annotation (unless told to continue): keep nothing then.
    if (all.some((c) => c.node.metadata.some((m) => m.type === AnnotationMetadataEntryType.ERROR))) dropRendering(node);
  }

  /**
   * At the app's last guarded stack (cdktf synthesizes stacks in the order they were added, so every other stack's
   * verdict is in by then), one line that counts the app's suppressed findings; undefined elsewhere or when none is.
   */
  private suppressionSummary(stack: TerraformStack): string | undefined {
    const guarded = stack.node.scope?.node.children.filter((c): c is TerraformStack => TerraformStack.isStack(c) && guardrailAspectsOf(c).length > 0) ?? [stack];
    if (guarded.at(-1) !== stack) return undefined;
    const counts = guarded
      .map((s) => [s.node.id, guardrailAspectsOf(s).reduce((n, a) => n + (a.synthesisReport(s)?.suppressed.length ?? 0), 0)] as const)
      .filter(([, n]) => n > 0);
    const total = counts.reduce((n, [, c]) => n + c, 0);
    if (total === 0) return undefined;
    return `guardrails: ${total} finding${total === 1 ? "" : "s"} suppressed with a written reason in ${counts.map(([s, n]) => `${s} (${n})`).join(", ")}; npm run review lists them, SECRETS_PLATFORM_VERBOSE=1 prints each here`;
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
