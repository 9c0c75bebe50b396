import type { StackRule, SynthesizedStack, Violation } from "../../rule";
import { IamStatement, readIamPolicy, statementLabel } from "../../../readers/iam-policy";
import { TAGS } from "../../../contracts/tags";
import { hasWildcard, isCiRole, policiesOf } from "./ci-roles";

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
