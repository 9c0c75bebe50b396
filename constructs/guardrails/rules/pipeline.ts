// Guardrails for CI identities (bootstrap-<env>): every trust names exact token subjects, a planner, which
// runs for any pull request, can neither change anything nor read a secret, and a deployer creates or changes IAM
// roles only under the environment's permissions boundary.
import type { ResourceRule, RulePack, StackRule, SynthesizedResource, SynthesizedStack, Violation } from "../rule";
import { IamStatement, readIamPolicy, statementLabel } from "../iam-policy";
import { readVaultPolicy } from "../vault-policy";
import { asList, blocks, references } from "../synthesized";
import { TAGS } from "../../../config/tags";

/** Vault pipeline roles and policies are named <env>_ci_<role>. */
const VAULT_PLANNER_NAME = /_ci_planner$/;

const hasWildcard = (v: string) => /[*?]/.test(v);

/** A CI trust: a role marked as a pipeline role, or one federated with GitHub's issuer (IRSA trusts are SP-AWS-002's). */
function isCiRole(r: SynthesizedResource, stack: SynthesizedStack): boolean {
  if ((r.attributes.tags ?? {})[TAGS.awsPipelineRole] !== undefined) return true;
  const text = String(r.attributes.assume_role_policy ?? "");
  if (text.includes(":oidc-provider/token.actions.githubusercontent.com")) return true;
  return references(text).some((ref) => {
    const provider = stack.referenced(`\${${ref.address}.${ref.attribute}}`);
    return provider?.type === "aws_iam_openid_connect_provider" && String(provider.attributes.url).includes("token.actions.githubusercontent.com");
  });
}

function awsTrustProblems(r: SynthesizedResource, stack: SynthesizedStack): Violation[] {
  if (!isCiRole(r, stack)) return [];
  const read = readIamPolicy(r.attributes.assume_role_policy, stack);
  if ("error" in read) return []; // SP-AWS-002 reports a trust it cannot read
  const out: Violation[] = [];
  read.statements.forEach((s, i) => {
    if (s.effect !== "Allow" || !s.actions.some((a) => /AssumeRoleWithWebIdentity|^sts:\*$|^\*$/.test(a))) return;
    if ((s.principals?.Federated ?? []).length === 0) return;
    const subjects = Object.entries(s.conditions).flatMap(([op, byKey]) =>
      Object.entries(byKey)
        .filter(([key]) => key.endsWith(":sub"))
        .map(([, values]) => ({ op, values })),
    );
    if (subjects.length === 0) out.push(`${statementLabel(s, i)} trusts ${s.principals!.Federated.join(", ")} with no condition on the subject: any token of the issuer may assume the role`);
    for (const { op, values } of subjects) {
      const wild = values.filter(hasWildcard);
      if (wild.length > 0 || /Like/.test(op)) out.push(`${statementLabel(s, i)} trusts subject ${JSON.stringify(values)} under ${op}`);
    }
  });
  return out;
}

export const ciTrustWildcardSubject: ResourceRule = {
  id: "SP-CI-001",
  name: "OIDC trust with a wildcard or missing subject",
  reason: "A wildcard subject (repo:acme/*, environment:*) lets every matching repository, branch or pull request become the deployer.",
  fix: "Trust exact subjects only, repo:<owner>/<name>:environment:<env> for a deployer, repo:<owner>/<name>:pull_request and repo:<owner>/<name>:ref:refs/heads/main for a planner, under StringEquals (Vault: bound_subject, or bound_claims with bound_claims_type string).",
  appliesTo: ["aws_iam_role", "azurerm_federated_identity_credential", "vault_jwt_auth_backend_role"],
  check(r, { stack }) {
    if (r.type === "aws_iam_role") return awsTrustProblems(r, stack);
    if (r.type === "azurerm_federated_identity_credential") {
      const subject = r.attributes.subject;
      return typeof subject === "string" && !hasWildcard(subject) && subject !== "" ? [] : [`subject ${JSON.stringify(subject ?? null)}`];
    }
    const a = r.attributes;
    const claims = Object.values<unknown>(a.bound_claims ?? {}).flatMap((v) => asList(v as any)).map(String);
    const out: string[] = [];
    if (!a.bound_subject && claims.length === 0) out.push("no bound_subject and no bound_claims: any token of the issuer may log in");
    if (a.bound_claims_type === "glob") out.push("bound_claims_type glob makes * in a claim match anything");
    for (const v of [a.bound_subject, ...claims].filter((x): x is string => typeof x === "string")) {
      if (hasWildcard(v)) out.push(`binds ${JSON.stringify(v)}`);
    }
    return out;
  },
};

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

/** A role's inline policies (inline_policy blocks and aws_iam_role_policy resources) and its managed policy attachments. */
function policiesOf(role: SynthesizedResource, stack: SynthesizedStack): { policies: unknown[]; attachments: SynthesizedResource[] } {
  const names = [role.attributes.name].filter(Boolean);
  const mine = (value: unknown) => references(value).some((ref) => ref.address === role.address) || (typeof value === "string" && names.includes(value));
  return {
    policies: [
      ...blocks(role.attributes.inline_policy).map((p) => p.policy),
      ...stack.ofType("aws_iam_role_policy").filter((p) => mine(p.attributes.role)).map((p) => p.attributes.policy),
    ],
    attachments: stack.ofType("aws_iam_role_policy_attachment").filter((p) => mine(p.attributes.role)),
  };
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
  for (const p of stack.ofType("vault_policy").filter((p) => VAULT_PLANNER_NAME.test(String(p.attributes.name)))) {
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

/**
 * Role actions that change what a role may do and for which IAM offers the iam:PermissionsBoundary condition key
 * (constructs/aws/deployer-permissions.ts, BOUNDED_ROLE_ACTIONS, says where that is documented).
 */
const ROLE_CHANGING_ACTIONS = ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy", "iam:AttachRolePolicy", "iam:DetachRolePolicy"];

/** IAM's action matching: case-insensitive, * any run of characters, ? one. */
const actionMatches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i").test(action);

/** The boundary ARN a statement requires, if it requires exactly one with StringEquals or ArnEquals. */
function requiredBoundary(s: IamStatement): string | undefined {
  for (const op of ["StringEquals", "ArnEquals"]) {
    const values = s.conditions[op]?.["iam:PermissionsBoundary"] ?? Object.entries(s.conditions[op] ?? {}).find(([k]) => k.toLowerCase() === "iam:permissionsboundary")?.[1];
    if (values && values.length === 1 && !hasWildcard(values[0])) return values[0];
  }
  return undefined;
}

function awsDeployerBoundaryProblems(stack: SynthesizedStack): Violation[] {
  const out: Violation[] = [];
  const deployers = stack.ofType("aws_iam_role").filter((r) => {
    const kind = (r.attributes.tags ?? {})[TAGS.awsPipelineRole];
    return kind === "deployer" || (kind === undefined && isCiRole(r, stack));
  });
  for (const role of deployers) {
    const { policies, attachments } = policiesOf(role, stack);
    for (const att of attachments) {
      out.push(`deployer ${role.attributes.name} has managed policy ${att.attributes.policy_arn} attached, whose role rights cannot be checked here`);
    }
    policies.forEach((p) => {
      const read = readIamPolicy(p, stack);
      if ("error" in read) {
        out.push(`deployer ${role.attributes.name}: policy cannot be checked at synth: ${read.error}`);
        return;
      }
      read.statements.forEach((s, i) => {
        if (s.effect !== "Allow") return;
        const changing =
          s.notActions.length > 0
            ? ROLE_CHANGING_ACTIONS.filter((a) => !s.notActions.some((n) => actionMatches(n, a)))
            : ROLE_CHANGING_ACTIONS.filter((a) => s.actions.some((pattern) => actionMatches(pattern, a)));
        if (changing.length === 0 || requiredBoundary(s) !== undefined) return;
        out.push(`deployer ${role.attributes.name}: ${statementLabel(s, i)} allows ${changing.join(", ")} without a StringEquals condition on iam:PermissionsBoundary`);
      });
    });
  }
  return out;
}

export const ciDeployerWithoutBoundary: StackRule = {
  id: "SP-CI-004",
  name: "CI deployer that may create or change IAM roles without a permissions boundary condition",
  reason:
    "A deployer that may create roles or write their policies freely can create a role with any rights and pass it to a function or assume it: it grants itself more than the environment needs.",
  fix:
    "Allow iam:CreateRole, PutRolePermissionsBoundary, PutRolePolicy, DeleteRolePolicy, AttachRolePolicy and DetachRolePolicy only with StringEquals iam:PermissionsBoundary = the environment's workload boundary ARN (bootstrap-<env> builds it), and deny removing or changing that boundary.",
  appliesTo: "stack",
  check(stack) {
    return awsDeployerBoundaryProblems(stack);
  },
};

export const PIPELINE_RULES: RulePack = {
  name: "pipeline",
  rules: [ciTrustWildcardSubject, ciPlannerWritesOrReadsSecrets, ciDeployerWithoutBoundary],
};
