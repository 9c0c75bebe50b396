import type { ResourceRule, Violation } from "../../rule";
import { IamStatement, readIamPolicy, statementLabel } from "../../../readers/iam-policy";
import { blocks } from "../../../readers/synthesized";

/**
 * Actions that have no resource-level permissions, so IAM only accepts "*" as their Resource. A statement
 * may use Resource "*" when every one of its actions is listed here.
 */
export const STAR_ONLY_ACTIONS: Readonly<Record<string, string>> = {
  "secretsmanager:GetRandomPassword": "generates a password and touches no resource; IAM defines no resource type for it",
  "ec2:DescribeNetworkInterfaces": "EC2 Describe calls have no resource-level permissions; Lambda calls it to attach a function to its VPC",
  "ec2:DescribeSubnets": "EC2 Describe calls have no resource-level permissions; Lambda reads the subnets it attaches a function to",
};

/** Actions Lambda makes with a function's role on the network interfaces it creates for the function's VPC access. */
const ENI_ACTIONS = ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"];

/**
 * Resource patterns whose wildcard is bounded by something that cannot be named before it exists. Each names
 * the only wildcard it accepts; a wildcard anywhere else in the ARN still counts.
 */
export const BOUNDED_RESOURCE_PATTERNS: ReadonlyArray<{
  readonly name: string;
  readonly pattern: RegExp;
  readonly why: string;
  /** When set, the pattern is accepted only in statements whose actions are all in this list. */
  readonly onlyForActions?: readonly string[];
}> = [
  {
    name: "one secret's random suffix",
    pattern: /^arn:[a-z-]+:secretsmanager:[a-z0-9-]+:\d{12}:secret:[^*?]+-\?{6}$/,
    why: "Secrets Manager appends six random characters to every secret ARN; -?????? matches exactly them, so the pattern names one secret",
  },
  {
    name: "the log streams of one log group",
    pattern: /^arn:[a-z-]+:logs:[a-z0-9-]+:\d{12}:log-group:[^*?:]+:log-stream:\*$/,
    why: "Lambda names log streams at run time; the log group itself is named exactly",
  },
  {
    name: "network interfaces Lambda creates for the function",
    pattern: /^arn:[a-z-]+:ec2:[a-z0-9-]+:\d{12}:network-interface\/\*$/,
    why: "EC2 assigns interface ids when Lambda attaches the function; accepted only with the interface actions",
    onlyForActions: ENI_ACTIONS,
  },
];

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());
const STAR_ONLY = new Set(lower(Object.keys(STAR_ONLY_ACTIONS)));

/** Identity policies and where their document sits in the resource. */
const IDENTITY_POLICIES: Record<string, (attrs: Record<string, any>) => unknown[]> = {
  aws_iam_role_policy: (a) => [a.policy],
  aws_iam_policy: (a) => [a.policy],
  aws_iam_user_policy: (a) => [a.policy],
  aws_iam_group_policy: (a) => [a.policy],
  aws_iam_role: (a) => blocks(a.inline_policy).map((p) => p.policy),
};

function wildcardResourceProblems(s: IamStatement): string[] {
  const problems: string[] = [];
  const actions = lower(s.actions);
  for (const r of s.resources) {
    if (r === "*") {
      const notStarOnly = s.actions.filter((a) => !STAR_ONLY.has(a.toLowerCase()));
      if (notStarOnly.length > 0 || s.actions.length === 0) problems.push(`Resource "*" with ${notStarOnly.map((a) => `"${a}"`).join(", ") || "NotAction"}`);
      continue;
    }
    if (!/[*?]/.test(r)) continue;
    const bounded = BOUNDED_RESOURCE_PATTERNS.find(
      (p) => p.pattern.test(r) && (!p.onlyForActions || actions.every((a) => lower(p.onlyForActions!).includes(a))),
    );
    if (!bounded) problems.push(`wildcard resource "${r}"`);
  }
  if (s.notResources.length > 0) problems.push(`NotResource ${JSON.stringify(s.notResources)} (allows every other resource)`);
  return problems;
}

export const iamWildcard: ResourceRule = {
  id: "SP-AWS-001",
  name: "IAM identity policy with a wildcard action or resource",
  reason: "A wildcard grants today's and tomorrow's actions or resources, beyond what the workload reads.",
  fix: "Name exact actions and exact ARNs (secrets by their -?????? pattern, the environment key by ARN); Resource \"*\" only for the actions listed in docs/guardrails.md.",
  appliesTo: Object.keys(IDENTITY_POLICIES),
  check(r, { stack }) {
    const out: Violation[] = [];
    for (const policy of IDENTITY_POLICIES[r.type](r.attributes)) {
      const read = readIamPolicy(policy, stack);
      if ("error" in read) {
        out.push(`the policy cannot be checked at synth: ${read.error}`);
        continue;
      }
      read.statements.forEach((s, i) => {
        if (s.effect !== "Allow") return; // a Deny narrows, whatever it names
        const problems: string[] = [];
        const wildActions = s.actions.filter((a) => /[*?]/.test(a));
        if (wildActions.length > 0) problems.push(`wildcard action ${wildActions.map((a) => `"${a}"`).join(", ")}`);
        if (s.notActions.length > 0) problems.push(`NotAction ${JSON.stringify(s.notActions)} (allows every other action)`);
        problems.push(...wildcardResourceProblems(s));
        if (problems.length > 0) out.push(`${statementLabel(s, i)} allows ${problems.join("; ")}`);
      });
    }
    return out;
  },
};
