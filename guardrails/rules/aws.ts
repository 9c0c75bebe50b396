// Guardrails for AWS Secrets Manager stacks: least-privilege IAM, IRSA trust, customer-managed keys,
// rotation, and rotation functions that log with retention and cannot be invoked on another account's behalf.
import type { ResourceRule, RulePack, StackRule, SynthesizedResource, SynthesizedStack, Violation } from "../rule";
import { hasWildcardPrincipal, IamStatement, readIamPolicy, statementLabel } from "../../readers/iam-policy";
import { asList, blocks, references, wholeReference } from "../../readers/synthesized";
import { TAGS } from "../../contracts/tags";
import { isRotatableType } from "../../contracts/secret-types";

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
    const type = r.attributes.tags?.[TAGS.secretType];
    if (!isRotatableType(type)) return [];
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

// ---------------------------------------------------------------- network: interface endpoints

const list = (v: unknown): string[] => asList(v as any).map(String);

/** Where a security group admits traffic from: CIDR blocks and prefix lists ("network"), or other security groups. */
function ingressSources(sg: SynthesizedResource, stack: SynthesizedStack): { networks: string[]; groups: string[] } {
  const networks: string[] = [];
  const groups: string[] = [];
  const isThisGroup = (v: unknown) => references(v).some((r) => r.address === sg.address);
  const take = (rule: Record<string, any>) => {
    for (const key of ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"]) if (typeof rule[key] === "string") networks.push(rule[key]);
    for (const key of ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"]) networks.push(...list(rule[key]));
    if (typeof rule.referenced_security_group_id === "string") groups.push(rule.referenced_security_group_id);
    if (typeof rule.source_security_group_id === "string") groups.push(rule.source_security_group_id);
    groups.push(...list(rule.security_groups));
    if (rule.self === true) groups.push(`${sg.address} (self)`);
  };
  blocks(sg.attributes.ingress).forEach(take);
  stack.ofType("aws_vpc_security_group_ingress_rule").filter((r) => isThisGroup(r.attributes.security_group_id)).forEach((r) => take(r.attributes));
  stack.ofType("aws_security_group_rule").filter((r) => r.attributes.type === "ingress" && isThisGroup(r.attributes.security_group_id)).forEach((r) => take(r.attributes));
  return { networks, groups };
}

/** The security groups of every Lambda function in a VPC, as written in the stack. */
function functionSecurityGroups(stack: SynthesizedStack): Set<string> {
  return new Set(stack.ofType("aws_lambda_function").flatMap((f) => blocks(f.attributes.vpc_config).flatMap((c) => list(c.security_group_ids))));
}

const isInterfaceWithPrivateDns = (ep: SynthesizedResource) => ep.attributes.vpc_endpoint_type === "Interface" && ep.attributes.private_dns_enabled === true;

export const privateDnsEndpointForFunctionsOnly: ResourceRule = {
  id: "SP-AWS-009",
  name: "Private-DNS interface endpoint that admits only the Lambda functions",
  reason: "With private DNS the service's regional name resolves to the endpoint for the whole VPC, so every other client (IRSA pods included) is sent to an endpoint its security group refuses, and times out.",
  fix: "Admit HTTPS from the VPC's CIDR blocks or the clients' security groups as well (aws.network.vpcCidrBlocks or endpointClientSecurityGroupIds with secretsManagerEndpoint: create), or use the VPC's existing endpoint (secretsManagerEndpoint: existing).",
  appliesTo: ["aws_vpc_endpoint"],
  check(ep, { stack }) {
    if (!isInterfaceWithPrivateDns(ep)) return [];
    const ownGroups = list(ep.attributes.security_group_ids)
      .map((id) => stack.referenced(id))
      .filter((g): g is SynthesizedResource => g?.type === "aws_security_group");
    // Groups made elsewhere cannot be read here; the rule speaks only about what the stack itself decides.
    if (ownGroups.length === 0 || ownGroups.length !== list(ep.attributes.security_group_ids).length) return [];
    const sources = ownGroups.map((g) => ingressSources(g, stack));
    const networks = sources.flatMap((s) => s.networks);
    const groups = sources.flatMap((s) => s.groups);
    if (networks.length > 0) return [];
    const functions = functionSecurityGroups(stack);
    const others = groups.filter((g) => !functions.has(g));
    if (others.length > 0) return [];
    return [
      groups.length === 0
        ? `private DNS is on for ${ep.attributes.service_name}, and the endpoint's security groups admit nobody`
        : `private DNS is on for ${ep.attributes.service_name}, and the endpoint admits only the Lambda functions' security groups (${[...new Set(groups)].join(", ")})`,
    ];
  },
};

/** Whether a resource lists the element at `address` in its depends_on. */
const dependsOn = (r: SynthesizedResource, address: string) => list(r.attributes.depends_on).includes(address);

export const rotationBeforeEndpoint: StackRule = {
  id: "SP-AWS-010",
  name: "Rotation that does not wait for the Secrets Manager endpoint the stack creates",
  reason: "Secrets Manager invokes a rotation function as soon as its rotation is set; on a first apply a function in the VPC would call an endpoint (or through ingress rules) that does not exist yet, and the first rotation fails.",
  fix: "Make every Lambda function in the VPC and every aws_secretsmanager_secret_rotation depend on the endpoint and its ingress rules (RotationFunctionProps.dependsOn and RotationScheduleOptions.dependsOn).",
  appliesTo: "stack",
  check(stack) {
    const endpoints = stack.ofType("aws_vpc_endpoint").filter((ep) => /\.secretsmanager$/.test(String(ep.attributes.service_name)) && ep.attributes.vpc_endpoint_type === "Interface");
    if (endpoints.length === 0) return [];
    const needed = endpoints.flatMap((ep) => [
      ep.address,
      ...list(ep.attributes.security_group_ids)
        .map((id) => stack.referenced(id))
        .filter((g): g is SynthesizedResource => g?.type === "aws_security_group")
        .flatMap((g) =>
          [...stack.ofType("aws_vpc_security_group_ingress_rule"), ...stack.ofType("aws_security_group_rule")]
            .filter((r) => references(r.attributes.security_group_id).some((ref) => ref.address === g.address))
            .map((r) => r.address),
        ),
    ]);
    const waiters = [
      ...stack.ofType("aws_lambda_function").filter((f) => blocks(f.attributes.vpc_config).length > 0),
      ...stack.ofType("aws_secretsmanager_secret_rotation"),
    ];
    return waiters.flatMap((w) => {
      const missing = needed.filter((a) => !dependsOn(w, a));
      return missing.length === 0 ? [] : [`${w.address} does not depend on ${missing.join(", ")}`];
    });
  },
};

// ---------------------------------------------------------------- who can read a secret

/** Negated operators that leave the listed principals out of a Deny. */
const EXCEPT_OPERATORS = ["ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals"];
const READ_ACTION = "secretsmanager:getsecretvalue";
/** Actions whose denial would lock the deployer out of managing the secret or its policy. */
const MANAGEMENT_ACTIONS = ["secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:GetResourcePolicy", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:DescribeSecret"];

const actionMatches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(action.toLowerCase());

const everyone = (s: IamStatement) => hasWildcardPrincipal(s.principals);

/** The statement's exceptions (aws:PrincipalArn under a negated operator), or undefined when its conditions are anything else. */
function readDenyExceptions(s: IamStatement): string[] | undefined {
  const out: string[] = [];
  for (const [op, byKey] of Object.entries(s.conditions)) {
    for (const [key, values] of Object.entries(byKey)) {
      if (!EXCEPT_OPERATORS.includes(op) || key.toLowerCase() !== "aws:principalarn") return undefined;
      out.push(...values);
    }
  }
  return out;
}

/**
 * Resources of one type indexed by an attribute: by the address of each element the attribute references, and by its
 * value as such. Built once per stack, type and attribute: the rules ask it for every secret and role, and scanning
 * every policy for each of them grew with their product (most of a large synth's guardrail time).
 */
interface AttachmentIndex {
  readonly byReference: Map<string, number[]>;
  readonly byValue: Map<unknown, number[]>;
  readonly resources: SynthesizedResource[];
}
const attachmentIndexes = new WeakMap<SynthesizedStack, Map<string, AttachmentIndex>>();
function attachmentIndex(stack: SynthesizedStack, type: string, attribute: string): AttachmentIndex {
  let byKey = attachmentIndexes.get(stack);
  if (!byKey) attachmentIndexes.set(stack, (byKey = new Map()));
  let index = byKey.get(`${type} ${attribute}`);
  if (!index) {
    index = { byReference: new Map(), byValue: new Map(), resources: stack.ofType(type) };
    const add = <K>(map: Map<K, number[]>, key: K, at: number) => {
      const list = map.get(key);
      if (!list) map.set(key, [at]);
      else if (list[list.length - 1] !== at) list.push(at);
    };
    index.resources.forEach((r, at) => {
      const value = r.attributes[attribute];
      for (const ref of references(value)) add(index!.byReference, ref.address, at);
      add(index!.byValue, value, at);
    });
    byKey.set(`${type} ${attribute}`, index);
  }
  return index;
}

/** The resources of a type whose attribute references `target` or equals `value`, in stack order. */
function attachedTo(stack: SynthesizedStack, type: string, attribute: string, target: SynthesizedResource, value: unknown): SynthesizedResource[] {
  const index = attachmentIndex(stack, type, attribute);
  const at = new Set([...(index.byReference.get(target.address) ?? []), ...(index.byValue.get(value) ?? [])]);
  return [...at].sort((x, y) => x - y).map((i) => index.resources[i]);
}

/** The resource policies attached to a secret in the stack. */
function policiesOf(secret: SynthesizedResource, stack: SynthesizedStack): SynthesizedResource[] {
  return attachedTo(stack, "aws_secretsmanager_secret_policy", "secret_arn", secret, secret.attributes.name);
}

export const secretWithoutReadDeny: ResourceRule = {
  id: "SP-AWS-011",
  name: "Secret whose resource policy does not deny reading to unlisted principals",
  reason: "Without it anyone the account's IAM policies allow (an administrator's secretsmanager:* on *) reads the secret, and who can read it is not answerable from the secret itself.",
  fix: "Attach a resource policy with a Deny of secretsmanager:GetSecretValue for Principal \"*\" except (ArnNotLike aws:PrincipalArn) the roles that use the secret and the break-glass roles; ApplicationSecret does.",
  appliesTo: ["aws_secretsmanager_secret"],
  check(secret, { stack }) {
    const policies = policiesOf(secret, stack);
    if (policies.length === 0) return [`secret ${secret.attributes.name ?? secret.name} has no aws_secretsmanager_secret_policy`];
    const out: string[] = [];
    for (const p of policies) {
      const read = readIamPolicy(p.attributes.policy, stack);
      if ("error" in read) {
        out.push(`the resource policy cannot be checked at synth: ${read.error}`);
        continue;
      }
      const denies = read.statements.filter(
        (s) => s.effect === "Deny" && everyone(s) && s.actions.some((a) => actionMatches(a, READ_ACTION)) && readDenyExceptions(s) !== undefined,
      );
      if (denies.length === 0) out.push(`the resource policy of ${secret.attributes.name ?? secret.name} has no Deny of secretsmanager:GetSecretValue for Principal "*" limited only by aws:PrincipalArn exceptions`);
    }
    return out;
  },
};

export const secretPolicyLocksOutDeployer: ResourceRule = {
  id: "SP-AWS-012",
  name: "Secret resource policy that denies managing the secret or its policy",
  reason: "A Deny for every principal on PutResourcePolicy, DeleteSecret or similar locks the deployer out: the policy can then only be changed by the account's root user.",
  fix: "Deny only secretsmanager:GetSecretValue to unlisted principals; keep management actions out of Deny statements for \"*\" (a Deny conditioned only on aws:SecureTransport = false is fine).",
  appliesTo: ["aws_secretsmanager_secret_policy"],
  check(p, { stack }) {
    const read = readIamPolicy(p.attributes.policy, stack);
    if ("error" in read) return []; // SP-AWS-011 reports an unreadable policy
    return read.statements.flatMap((s, i) => {
      if (s.effect !== "Deny" || !everyone(s)) return [];
      const keys = Object.entries(s.conditions).flatMap(([op, byKey]) => Object.keys(byKey).map((k) => `${op}:${k.toLowerCase()}`));
      if (keys.length > 0 && keys.every((k) => k === "Bool:aws:securetransport")) return [];
      const blocked = MANAGEMENT_ACTIONS.filter((m) => s.actions.some((a) => actionMatches(a, m)) || (s.notActions.length > 0 && !s.notActions.some((a) => actionMatches(a, m))));
      return blocked.length === 0 ? [] : [`${statementLabel(s, i)} denies ${blocked.join(", ")} to every principal${keys.length ? ` (conditions ${keys.join(", ")})` : ""}`];
    });
  },
};

/** Account of an exact secret ARN pattern or ARN. */
const secretAccount = (resource: string) => /^arn:([^:]+):secretsmanager:[^:]*:(\d{12}):secret:/.exec(resource);

export const readDenyShutsOutGrantee: ResourceRule = {
  id: "SP-AWS-013",
  name: "Secret read-deny that shuts out a role the stack grants reading",
  reason: "The role's identity policy allows GetSecretValue, but the secret's resource policy denies it: the workload or rotation function fails at run time, not at deploy.",
  fix: "List the role's ARN in the read-deny's aws:PrincipalArn exceptions (ApplicationSecret.grantRead and grantRotate do).",
  appliesTo: ["aws_secretsmanager_secret"],
  check(secret, { stack }) {
    const name = secret.attributes.name;
    if (typeof name !== "string" || name.includes("${")) return [];
    const exceptions: string[] = [];
    let enforced = false;
    for (const p of policiesOf(secret, stack)) {
      const read = readIamPolicy(p.attributes.policy, stack);
      if ("error" in read) return [];
      for (const s of read.statements) {
        if (s.effect !== "Deny" || !everyone(s) || !s.actions.some((a) => actionMatches(a, READ_ACTION))) continue;
        const except = readDenyExceptions(s);
        if (except === undefined) continue; // conditioned on something else (TLS): not about who reads
        enforced = true;
        exceptions.push(...except);
      }
    }
    if (!enforced) return [];
    const out: string[] = [];
    for (const { role, readResources } of roleReadGrants(stack)) {
      const roleName = role.attributes.name;
      if (typeof roleName !== "string" || roleName.includes("${")) continue;
      if (!readResources.some((r) => namesSecret(r, secret))) continue;
      const grantedArn = role.attributes.path && role.attributes.path !== "/" ? undefined : roleArnFor(secret, stack, roleName);
      if (grantedArn && !exceptions.some((e) => actionMatches(e, grantedArn))) out.push(`role ${roleName} may read ${name} by its IAM policy, but the secret's read-deny does not except ${grantedArn}`);
    }
    return out;
  },
};

/**
 * Each role of the stack with the resources its Allow statements grant reading, parsed once per stack: the rule
 * above asks this for every secret, and parsing every role's policies per secret grew with secrets x roles x
 * policies (most of a 100-application synth).
 */
const readGrantsByStack = new WeakMap<SynthesizedStack, { role: SynthesizedResource; readResources: string[] }[]>();
function roleReadGrants(stack: SynthesizedStack): { role: SynthesizedResource; readResources: string[] }[] {
  let grants = readGrantsByStack.get(stack);
  if (!grants) {
    grants = stack.ofType("aws_iam_role").map((role) => ({
      role,
      readResources: rolePolicyDocuments(role, stack).flatMap((doc) => {
        const read = readIamPolicy(doc, stack);
        if ("error" in read) return [];
        return read.statements.filter((st) => st.effect === "Allow" && st.actions.some((a) => actionMatches(a, READ_ACTION))).flatMap((st) => st.resources);
      }),
    }));
    readGrantsByStack.set(stack, grants);
  }
  return grants;
}

function rolePolicyDocuments(role: SynthesizedResource, stack: SynthesizedStack): unknown[] {
  return [
    ...blocks(role.attributes.inline_policy).map((b) => b.policy),
    ...attachedTo(stack, "aws_iam_role_policy", "role", role, role.attributes.name).map((p) => p.attributes.policy),
  ];
}

/** Whether an IAM Resource names this secret: its exact -?????? pattern or a reference to it. */
function namesSecret(resource: string, secret: SynthesizedResource): boolean {
  if (references(resource).some((r) => r.address === secret.address)) return true;
  const m = /^arn:[^:]+:secretsmanager:[^:]*:\d{12}:secret:(.+)-\?{6}$/.exec(resource);
  return m?.[1] === secret.attributes.name;
}

/** The ARN a role's requests carry, in the account of the ARNs that grant it the secret. */
function roleArnFor(secret: SynthesizedResource, stack: SynthesizedStack, roleName: string): string | undefined {
  for (const role of stack.ofType("aws_iam_role").filter((r) => r.attributes.name === roleName)) {
    for (const doc of rolePolicyDocuments(role, stack)) {
      const read = readIamPolicy(doc, stack);
      if ("error" in read) continue;
      for (const s of read.statements) for (const r of s.resources) {
        const m = secretAccount(r);
        if (m && namesSecret(r, secret)) return `arn:${m[1]}:iam::${m[2]}:role/${roleName}`;
      }
    }
  }
  return undefined;
}

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
    privateDnsEndpointForFunctionsOnly,
    rotationBeforeEndpoint,
    secretWithoutReadDeny,
    secretPolicyLocksOutDeployer,
    readDenyShutsOutGrantee,
  ],
};
