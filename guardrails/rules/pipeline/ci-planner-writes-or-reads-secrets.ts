import type { StackRule, SynthesizedStack, Violation } from "../../rule";
import { IamStatement, readIamPolicy, statementLabel } from "../../../readers/iam-policy";
import { readVaultPolicy } from "../../../readers/vault-policy";
import { references } from "../../../readers/synthesized";
import { TAGS } from "../../../contracts/tags";
import { vaultPipelineRoleOf } from "../../../contracts/pipeline";
import { policiesOf } from "./ci-roles";

/** Vault pipeline roles and policies are named by contracts/pipeline.ts's vaultPipelineName. */
const isVaultPlannerName = (name: string) => vaultPipelineRoleOf(name) === "planner";

/** AWS: a planner may call Get/List/Describe, and decrypt only through S3 (its state). */
function awsPlannerProblems(s: IamStatement, i: number): string[] {
  if (s.effect !== "Allow") return [];
  const problems: string[] = [];
  if (s.notActions.length > 0) problems.push(`NotAction ${JSON.stringify(s.notActions)}`);
  for (const a of s.actions) {
    const lower = a.toLowerCase();
    if (lower === "*" || /^secretsmanager:(\*|get\*|getsecret|batchgetsecret)/.test(lower)) problems.push(`"${a}" reads secret values`);
    else if (lower === "kms:decrypt") {
      const via = Object.values(s.conditions.StringEquals ?? {}).flat();
      if (!Object.keys(s.conditions.StringEquals ?? {}).includes("kms:ViaService") || !via.every((v) => v.startsWith("s3."))) problems.push(`"${a}" other than through S3 can decrypt secrets`);
    } else if (!/^[a-z0-9-]+:(get|list|describe)[a-z]*$/.test(lower)) problems.push(`"${a}" is not read-only`);
  }
  return problems.length > 0 ? [`${statementLabel(s, i)} allows ${problems.join(", ")}`] : [];
}

function awsPlanners(stack: SynthesizedStack): Violation[] {
  const out: Violation[] = [];
  for (const role of stack.ofType("aws_iam_role").filter((r) => (r.attributes.tags ?? {})[TAGS.awsPipelineRole] === "planner")) {
    const { policies, attachments } = policiesOf(role, stack);
    for (const att of attachments) {
      out.push({ message: `planner ${role.attributes.name} has managed policy ${att.attributes.policy_arn} attached, whose rights cannot be checked here` });
    }
    const statements = policies.flatMap((p) => {
      const read = readIamPolicy(p, stack);
      return "error" in read ? [] : read.statements;
    });
    statements.forEach((s, i) => awsPlannerProblems(s, i).forEach((m) => out.push(`planner ${role.attributes.name}: ${m}`)));
    const denied = statements.some((s) => s.effect === "Deny" && s.actions.some((a) => a === "secretsmanager:GetSecretValue" || a === "secretsmanager:*"));
    if (!denied) out.push(`planner ${role.attributes.name} has no explicit Deny of secretsmanager:GetSecretValue`);
  }
  return out;
}

const AZURE_PLANNER_ROLES = ["Reader", "Storage Blob Data Reader"];

function azurePlanners(stack: SynthesizedStack): Violation[] {
  const planners = new Set(
    stack.ofType("azurerm_user_assigned_identity").filter((r) => (r.attributes.tags ?? {})[TAGS.azurePipelineRole] === "planner").map((r) => r.address),
  );
  return stack
    .ofType("azurerm_role_assignment")
    .filter((a) => references(a.attributes.principal_id).some((ref) => planners.has(ref.address)))
    .filter((a) => !AZURE_PLANNER_ROLES.includes(a.attributes.role_definition_name))
    .map((a) => `planner role assignment ${a.address} grants ${JSON.stringify(a.attributes.role_definition_name ?? a.attributes.role_definition_id)}; a planner holds only ${AZURE_PLANNER_ROLES.join(" or ")}`);
}

function vaultPlanners(stack: SynthesizedStack): Violation[] {
  const out: Violation[] = [];
  for (const p of stack.ofType("vault_policy").filter((p) => isVaultPlannerName(String(p.attributes.name)))) {
    const read = readVaultPolicy(p.attributes.policy, stack);
    if ("error" in read) {
      out.push(`planner policy ${p.attributes.name} cannot be checked at synth: ${read.error}`);
      continue;
    }
    for (const rule of read.rules) {
      const writes = rule.capabilities.filter((c) => !["read", "list", "sudo"].includes(c));
      if (writes.length > 0) out.push(`planner policy ${p.attributes.name}: "${rule.path}" allows ${writes.join(", ")}`);
      const segments = rule.path.split("/");
      if (segments.includes("data") || segments.includes("creds") || rule.path.includes("*")) out.push(`planner policy ${p.attributes.name}: "${rule.path}" can read secrets`);
    }
  }
  return out;
}

export const ciPlannerWritesOrReadsSecrets: StackRule = {
  id: "SP-CI-002",
  name: "CI planner with write rights or secret reads",
  reason: "The planner runs for every pull request, whose code anyone who can open one controls; it must not change anything or read a secret.",
  fix: "Give the planner Get/List/Describe actions only with an explicit Deny of secretsmanager:GetSecretValue (AWS), Reader (Azure), read/list on configuration paths without data/ or creds/ (Vault).",
  appliesTo: "stack",
  check(stack) {
    return [...awsPlanners(stack), ...azurePlanners(stack), ...vaultPlanners(stack)];
  },
};
