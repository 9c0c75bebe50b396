// Azure role-assignment facts that the constructs and the bootstrap stack build on and the guardrails check
// (guardrails/rules/alerts/azure-production-without-alerts.ts): the operations the role-assignment alerts watch and the deployer's ABAC condition
// constrains. This module imports nothing, so the guardrails read it without pulling in constructs or provider classes.

/** Role assignment operations in the Activity Log (Microsoft.Authorization resource provider operations), which the environment's role-assignment alerts watch. */
export const ROLE_ASSIGNMENT_OPERATIONS = { write: "Microsoft.Authorization/roleAssignments/write", delete: "Microsoft.Authorization/roleAssignments/delete" } as const;
