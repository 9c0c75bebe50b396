// The workflow rule's shape, shared by the rule (workflow-write-all.ts) and the pack (index.ts).
/** A parsed workflow (YAML loaded as plain data). */
export type Workflow = { readonly permissions?: unknown; readonly jobs?: Readonly<Record<string, { readonly permissions?: unknown }>> };

export interface WorkflowRule {
  readonly id: string;
  readonly name: string;
  readonly reason: string;
  readonly fix: string;
  check(workflow: Workflow): string[];
}
