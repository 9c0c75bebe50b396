// Guardrails for CI workflow files (GitHub Actions). They are not Terraform, so they are checked by the test suite and
// by the workflow generator rather than by the synth-time Aspect; the rule has an id, a reason and a fix all the same.
import type { Workflow, WorkflowRule } from "./workflow-rule";
import { workflowWriteAll } from "./workflow-write-all";

export type { Workflow, WorkflowRule } from "./workflow-rule";
export { workflowWriteAll } from "./workflow-write-all";

export const WORKFLOW_RULES: readonly WorkflowRule[] = [workflowWriteAll];

/** Every finding of the workflow rules, as "SP-CI-003: ..." lines. */
export function checkWorkflow(workflow: Workflow): string[] {
  return WORKFLOW_RULES.flatMap((rule) => rule.check(workflow).map((m) => `${rule.id}: ${m}`));
}
