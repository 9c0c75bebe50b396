import type { WorkflowRule } from "./workflow-rule";

export const workflowWriteAll: WorkflowRule = {
  id: "SP-CI-003",
  name: "Workflow job with permissions write-all",
  reason: "write-all (or no permissions block, where the repository's default may be write-all) hands every step a token that can push code, change releases and approve its own changes.",
  fix: "Give every job an explicit permissions block with what it needs, for a deploy job { id-token: write, contents: read } and nothing more.",
  check(workflow) {
    const out: string[] = [];
    if (workflow.permissions === "write-all") out.push("the workflow sets permissions: write-all for every job");
    for (const [name, job] of Object.entries(workflow.jobs ?? {})) {
      if (job?.permissions === "write-all") out.push(`job ${name} has permissions: write-all`);
      else if (job?.permissions === undefined && workflow.permissions === undefined) {
        out.push(`job ${name} has no permissions block, so the repository's default token permissions apply`);
      }
    }
    return out;
  },
};
