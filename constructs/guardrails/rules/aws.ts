// Guardrails for AWS Secrets Manager stacks: least-privilege IAM, IRSA trust, customer-managed keys,
// rotation, and rotation functions that log with retention and cannot be invoked on another account's behalf.
import type { ResourceRule, RulePack, SynthesizedResource, SynthesizedStack, Violation } from "../rule";
import { hasWildcardPrincipal, IamStatement, readIamPolicy, statementLabel } from "../iam-policy";
import { blocks, references, wholeReference } from "../synthesized";

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

/** The issuer prefix of the OIDC condition keys, when the Federated principal says it. */
function oidcIssuer(principal: string, stack: SynthesizedStack): string | undefined {
  const at = principal.indexOf(":oidc-provider/");
  if (at >= 0) return principal.slice(at + ":oidc-provider/".length);
  const provider = stack.referenced(principal);
  if (provider?.type === "aws_iam_openid_connect_provider" && typeof provider.attributes.url === "string" && !provider.attributes.url.includes("${")) {
    return provider.attributes.url.replace(/^https:\/\//, "");
  }
  return undefined;
}

function isOidcPrincipal(principal: string, stack: SynthesizedStack): boolean {
  if (principal.includes(":oidc-provider/")) return true;
  return stack.referenced(principal)?.type === "aws_iam_openid_connect_provider";
}

export const irsaTrust: ResourceRule = {
  id: "SP-AWS-002",
  name: "IRSA trust without StringEquals on sub and aud",
  reason: "Without an exact sub and aud any service account of the cluster, or a token minted for another audience, can assume the role.",
  fix: "In the trust policy put both <issuer>:sub = system:serviceaccount:<namespace>:<name> and <issuer>:aud = sts.amazonaws.com under StringEquals (never StringLike).",
  appliesTo: ["aws_iam_role"],
  check(r, { stack }) {
    const read = readIamPolicy(r.attributes.assume_role_policy, stack);
    if ("error" in read) return [`the trust policy cannot be checked at synth: ${read.error}`];
    const out: Violation[] = [];
    read.statements.forEach((s, i) => {
      if (s.effect !== "Allow") return;
      const federated = (s.principals?.Federated ?? []).filter((p) => isOidcPrincipal(p, stack));
      if (federated.length === 0) return;
      for (const principal of federated) {
        const issuer = oidcIssuer(principal, stack);
        const keyFor = (claim: string) => (key: string) => (issuer ? key === `${issuer}:${claim}` : key.endsWith(`:${claim}`));
        const problems: string[] = [];
        for (const claim of ["sub", "aud"]) {
          const matches = keyFor(claim);
          const exact = Object.keys(s.conditions.StringEquals ?? {}).some(matches);
          const loose = Object.entries(s.conditions)
            .filter(([op]) => op !== "StringEquals")
            .filter(([, byKey]) => Object.keys(byKey).some(matches))
            .map(([op]) => op);
          if (!exact) problems.push(`no StringEquals on ${claim}`);
          if (loose.length > 0) problems.push(`${claim} under ${loose.join(", ")}`);
        }
        if (problems.length > 0) out.push(`${statementLabel(s, i)} trusts ${principal} with ${problems.join(", ")}`);
      }
    });
    return out;
  },
};

export const secretWithoutCustomerKey: ResourceRule = {
  id: "SP-AWS-003",
  name: "Secret without the customer-managed key",
  reason: "With the AWS-managed key anyone the account lets use Secrets Manager can decrypt, and the key policy cannot be reviewed or narrowed.",
  fix: "Set kms_key_id to the environment's customer-managed key (ApplicationSecretProps.encryptionKey).",
  appliesTo: ["aws_secretsmanager_secret"],
  check(r) {
    const key = r.attributes.kms_key_id;
    if (typeof key !== "string" || key.trim() === "") return ["kms_key_id is not set: the secret is encrypted with the AWS-managed key aws/secretsmanager"];
    if (/alias\/aws\//.test(key)) return [`kms_key_id is the AWS-managed key ${key}`];
    return [];
  },
};

const keySpec = (a: Record<string, any>): string => a.customer_master_key_spec ?? a.key_spec ?? "SYMMETRIC_DEFAULT";

export const keyWithoutRotation: ResourceRule = {
  id: "SP-AWS-004",
  name: "KMS key without automatic rotation",
  reason: "A key that never rotates keeps encrypting with the same material for as long as the key lives.",
  fix: "Set enable_key_rotation = true on the key (EnvironmentKey does).",
  appliesTo: ["aws_kms_key"],
  check(r) {
    // Asymmetric and HMAC keys cannot rotate automatically; Secrets Manager only uses symmetric keys anyway.
    if (keySpec(r.attributes) !== "SYMMETRIC_DEFAULT") return [];
    return r.attributes.enable_key_rotation === true ? [] : [`enable_key_rotation is ${JSON.stringify(r.attributes.enable_key_rotation ?? "not set")}`];
  },
};

export const keyWildcardPrincipal: ResourceRule = {
  id: "SP-AWS-005",
  name: "KMS key policy with a wildcard principal",
  reason: "A key policy statement for Principal \"*\" lets principals of any account use or manage the key, whatever IAM says.",
  fix: "Name the account root (arn:aws:iam::<account>:root) or exact roles and services as principals, and narrow use with kms:ViaService.",
  appliesTo: ["aws_kms_key", "aws_kms_key_policy"],
  check(r, { stack }) {
    if (r.attributes.policy === undefined) return []; // KMS's default policy: the account root only
    const read = readIamPolicy(r.attributes.policy, stack);
    if ("error" in read) return [`the key policy cannot be checked at synth: ${read.error}`];
    return read.statements
      .map((s, i) => (s.effect === "Allow" && hasWildcardPrincipal(s.principals) ? `${statementLabel(s, i)} allows principal ${JSON.stringify(s.principals)}` : ""))
      .filter(Boolean);
  },
};

/** Secret types whose rotation function the platform provides. */
export const ROTATABLE_SECRET_TYPES = ["postgres", "jwt", "token"];

function rotatesSecret(rotation: SynthesizedResource, secret: SynthesizedResource): boolean {
  const id = rotation.attributes.secret_id;
  if (references(id).some((ref) => ref.address === secret.address)) return true;
  return typeof id === "string" && id !== "" && (id === secret.attributes.name || id === secret.attributes.arn);
}

export const rotatableSecretWithoutRotation: ResourceRule = {
  id: "SP-AWS-006",
  name: "Rotatable secret without rotation in production",
  reason: "A production credential that never rotates stays valid for as long as anyone who ever saw it keeps a copy.",
  fix: "Give the secret a rotation in the description (rotation: { everyDays: N }), which adds aws_secretsmanager_secret_rotation.",
  appliesTo: ["aws_secretsmanager_secret"],
  check(r, { production, stack }) {
    if (!production) return [];
    const type = r.attributes.tags?.["secret-type"];
    if (!ROTATABLE_SECRET_TYPES.includes(type)) return [];
    if (stack.ofType("aws_secretsmanager_secret_rotation").some((rot) => rotatesSecret(rot, r))) return [];
    return [`secret ${r.attributes.name ?? r.name} (secret-type ${type}) has no aws_secretsmanager_secret_rotation`];
  },
};

/** The log group a function writes to: its logging_config's group, else /aws/lambda/<function_name>. */
function functionLogGroup(fn: SynthesizedResource, stack: SynthesizedStack): { group?: SynthesizedResource; name: string } {
  const configured = blocks(fn.attributes.logging_config)[0]?.log_group;
  const groups = stack.ofType("aws_cloudwatch_log_group");
  if (typeof configured === "string" && configured !== "") {
    const ref = wholeReference(configured);
    const group = ref ? groups.find((g) => g.address === ref.address) : groups.find((g) => g.attributes.name === configured);
    return { group, name: group?.attributes.name ?? configured };
  }
  const name = `/aws/lambda/${fn.attributes.function_name}`;
  return { group: groups.find((g) => g.attributes.name === name), name };
}

export const functionWithoutLogRetention: ResourceRule = {
  id: "SP-AWS-007",
  name: "Lambda (rotation) function without a log group with retention",
  reason: "Without its own log group Lambda creates one on first run that keeps logs forever, unencrypted by the environment key and outside review.",
  fix: "Create the function's log group in the stack with retention_in_days (RotationFunction does, logRetentionInDays) and point logging_config.log_group at it.",
  appliesTo: ["aws_lambda_function"],
  check(fn, { stack }) {
    const { group, name } = functionLogGroup(fn, stack);
    if (!group) return [`no aws_cloudwatch_log_group ${name} in the stack`];
    const days = group.attributes.retention_in_days;
    if (typeof days !== "number" || days <= 0) return [`log group ${name} keeps logs forever (retention_in_days ${JSON.stringify(days ?? "not set")})`];
    return [];
  },
};

export const permissionWithoutSourceAccount: ResourceRule = {
  id: "SP-AWS-008",
  name: "Lambda permission for a service without source_account",
  reason: "A service principal without source_account can invoke the function on behalf of any AWS account (confused deputy).",
  fix: "Set source_account to the environment's account id on the aws_lambda_permission (RotationFunction does).",
  appliesTo: ["aws_lambda_permission"],
  check(p) {
    const principal = String(p.attributes.principal ?? "");
    if (principal === "*") return ["principal is \"*\": anyone can invoke the function"];
    if (principal.endsWith(".amazonaws.com") && !p.attributes.source_account) return [`principal ${principal} without source_account`];
    return [];
  },
};

export const AWS_RULES: RulePack = {
  name: "aws",
  rules: [
    iamWildcard,
    irsaTrust,
    secretWithoutCustomerKey,
    keyWithoutRotation,
    keyWildcardPrincipal,
    rotatableSecretWithoutRotation,
    functionWithoutLogRetention,
    permissionWithoutSourceAccount,
  ],
};
