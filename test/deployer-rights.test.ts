// The CI deployer's and planner's AWS rights, derived from PROVIDER_CALLS (constructs/aws/deployer-permissions.ts),
// checked against the synthesized stacks with an IAM evaluation engine (test/helpers/iam-simulate.ts):
// - every aws_* type of every synthesized stack has a row in the table (a new type without one fails here);
// - for every (action, resource) a deploy of aws-<env> (and its stack groups) calls, with the concrete ARNs and
//   condition keys of the synthesized resources, the deployer is Allowed;
// - the planner is Allowed every read-phase Get/List/Describe and Denied every other action of the table;
// - the escalations stay denied (secret values, users and keys, its own role, trust, other boundaries, other services).
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import type { Platform } from "../config/schema";
import { PROVIDER_CALLS, ProviderCall, READ_ONLY_ACTION, Target } from "../constructs/aws/deployer-permissions";
import { decide, Decision, statementsOf } from "./helpers/iam-simulate";
import { StackJson, Synthesized, synthExample, synthPlatform } from "./helpers/synth";
import { roleStatements } from "./helpers/role-policies";

/** The example with every application in a stack group (aws-<env>-team holds the secrets, roles and functions) and state storage. */
function groupedWithState(): Platform {
  const p = structuredClone(loadPlatform(DEFAULT_CONFIG)) as any;
  for (const app of Object.values<any>(p.applications)) app.stackGroup = "team";
  for (const env of Object.values<any>(p.environments)) {
    if (env.pipeline) env.pipeline.createStateStorage = true;
    if (env.aws && !env.aws.backend) env.aws.backend = { type: "s3", bucket: `acme-state-${env.aws.accountId}`, region: env.aws.region };
  }
  return p;
}

// Two full syntheses and some thousand simulations: generous on a shared 2-core machine.
jest.setTimeout(180_000);

const VARIANTS: Array<[string, () => Synthesized]> = [
  ["example", () => synthExample()],
  ["example in a stack group, with state storage", () => synthPlatform(groupedWithState())],
];
const built = new Map<string, Synthesized>();
const synth = (label: string) => {
  if (!built.has(label)) built.set(label, VARIANTS.find(([l]) => l === label)![1]());
  return built.get(label)!;
};

const awsTypes = (json: StackJson) => Object.keys(json.resource ?? {}).filter((t) => t.startsWith("aws_"));
const values = (json: StackJson, type: string): any[] => Object.values(json.resource?.[type] ?? {});
const refId = (value: unknown): string | undefined => (typeof value === "string" ? /^\$\{[a-z0-9_]+\.([^.}]+)\.[a-z_]+\}$/.exec(value)?.[1] : undefined);

/** The role's identity policy as IAM evaluates it: its inline policy and the managed policies attached to it. */
function rolePolicy(bootstrap: StackJson, kind: "deployer" | "planner"): any[] {
  const [address] = Object.entries<any>(bootstrap.resource!.aws_iam_role).find(([, r]) => r.tags?.["secrets-platform:pipeline-role"] === kind || r.name.endsWith(`ci_${kind}`))!;
  return roleStatements(bootstrap, { address });
}

interface Env {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly tags: Record<string, string>;
  readonly principal: string;
}

function envOf(stack: StackJson, name: string): Env {
  const provider = [stack.provider!.aws].flat()[0];
  const account = String(provider.allowed_account_ids[0]);
  return {
    name,
    account,
    region: provider.region,
    tags: provider.default_tags[0].tags,
    principal: `arn:aws:iam::${account}:role/secrets-platform-ci/acme-${name}-ci_deployer`,
  };
}

interface Req {
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  /** The resource's own policy where the service requires one: a KMS key is used only as its key policy allows. */
  readonly resourcePolicy?: any[];
}

/** The stack's key policy: KMS authorizes a key's calls only when its key policy allows (or delegates to IAM). */
const keyPolicyOf = (stack: StackJson): any[] => statementsOf(values(stack, "aws_kms_key")[0].policy);

/** The concrete requests a target stands for in a stack: its synthesized names, ids AWS would assign, its tags. */
function requestsFor(target: Target, action: string, stack: StackJson, env: Env): Req[] {
  const arn = (service: string, resource: string, regional = true) => `arn:aws:${service}:${regional ? env.region : ""}:${env.account}:${resource}`;
  const tagKey = "environment";
  const ours = { [`aws:ResourceTag/${tagKey}`]: env.tags[tagKey] };
  const creating = { [`aws:RequestTag/${tagKey}`]: env.tags[tagKey], "aws:TagKeys": Object.keys(env.tags) };
  const roles = values(stack, "aws_iam_role");
  const endpoints = values(stack, "aws_vpc_endpoint");
  const groups = values(stack, "aws_security_group");
  switch (target) {
    case "secret":
      return values(stack, "aws_secretsmanager_secret").map((s) => ({ resource: arn("secretsmanager", `secret:${s.name}-AbCdEf`), context: {} }));
    case "role":
      return roles.map((r) => ({ resource: arn("iam", `role/${r.name}`, false), context: {} }));
    case "boundedRole":
      // The boundary the synthesized role carries: what the deployer's condition must accept.
      return roles.map((r) => ({ resource: arn("iam", `role/${r.name}`, false), context: { "iam:PermissionsBoundary": r.permissions_boundary } }));
    case "passRole": {
      const passed = values(stack, "aws_lambda_function").map((f) => roles.find((r) => f.role.includes(`.${Object.entries<any>(stack.resource!.aws_iam_role).find(([, x]) => x === r)![0]}.`)));
      return passed.map((r) => ({ resource: arn("iam", `role/${r.name}`, false), context: { "iam:PassedToService": "lambda.amazonaws.com" } }));
    }
    case "passRoleToEvents": {
      // The alerts' forwarding role (an environment outside us-east-1), passed to EventBridge by its target.
      const passed = values(stack, "aws_cloudwatch_event_target").filter((t) => typeof t.role_arn === "string");
      return passed.map((t) => roles.find((r) => t.role_arn.includes(`.${Object.entries<any>(stack.resource!.aws_iam_role).find(([, x]) => x === r)![0]}.`))).map((r) => ({
        resource: arn("iam", `role/${r.name}`, false),
        context: { "iam:PassedToService": "events.amazonaws.com" },
      }));
    }
    case "newOidcProvider":
    case "oidcProvider": {
      // A cluster's provider (kubernetes.clusters without awsOidcProviderArn): its ARN names the issuer's host and path.
      const providers = values(stack, "aws_iam_openid_connect_provider").map((p) => arn("iam", `oidc-provider/${String(p.url).replace(/^https:\/\//, "")}`, false));
      return providers.map((resource) => ({ resource, context: target === "newOidcProvider" ? creating : ours }));
    }
    case "topic":
      return values(stack, "aws_sns_topic").map((t) => ({ resource: arn("sns", t.name), context: {} }));
    case "eventRule":
      // The role-change rule is on the us-east-1 provider alias, whatever the environment's region.
      return values(stack, "aws_cloudwatch_event_rule").map((r) => ({
        resource: `arn:aws:events:${r.provider === "aws.us-east-1" ? "us-east-1" : env.region}:${env.account}:rule/${r.name}`,
        context: {},
      }));
    case "function":
      return values(stack, "aws_lambda_function").map((f) => ({ resource: arn("lambda", `function:${f.function_name}`), context: {} }));
    case "logGroup":
      return values(stack, "aws_cloudwatch_log_group").map((g) => ({ resource: arn("logs", `log-group:${g.name}`), context: {} }));
    case "alarm":
      return values(stack, "aws_cloudwatch_metric_alarm").map((a) => ({ resource: arn("cloudwatch", `alarm:${a.alarm_name}`), context: {} }));
    case "alias":
      return values(stack, "aws_kms_alias").map((a) => ({ resource: arn("kms", a.name), context: {} }));
    case "anyAlias":
    case "any":
      return [{ resource: "*", context: {} }];
    case "newKey":
      // CreateKey has no resource; the tags it carries are authorized as kms:TagResource on the new key.
      return action === "kms:CreateKey"
        ? [{ resource: "*", context: creating }]
        : [{ resource: arn("kms", "key/0000abcd-12ab-34cd-56ef-1234567890ab"), context: creating, resourcePolicy: keyPolicyOf(stack) }];
    case "key":
      return [{ resource: arn("kms", "key/1234abcd-12ab-34cd-56ef-1234567890ab"), context: ours, resourcePolicy: keyPolicyOf(stack) }];
    case "newSecurityGroup":
      return [{ resource: arn("ec2", "security-group/sg-0new"), context: { ...creating, ...(action === "ec2:CreateTags" ? { "ec2:CreateAction": "CreateSecurityGroup" } : {}) } }];
    case "securityGroup":
      return [{ resource: arn("ec2", "security-group/sg-0ours"), context: ours }];
    case "newSecurityGroupRule":
      return [{ resource: arn("ec2", "security-group-rule/sgr-0new"), context: { ...creating, ...(action === "ec2:CreateTags" ? { "ec2:CreateAction": "AuthorizeSecurityGroupIngress" } : {}) } }];
    case "securityGroupRule":
      return [{ resource: arn("ec2", "security-group-rule/sgr-0ours"), context: ours }];
    case "newVpcEndpoint":
      return [{ resource: arn("ec2", "vpc-endpoint/vpce-0new"), context: { ...creating, ...(action === "ec2:CreateTags" ? { "ec2:CreateAction": "CreateVpcEndpoint" } : {}) } }];
    case "vpcEndpoint":
      return [{ resource: arn("ec2", "vpc-endpoint/vpce-0ours"), context: ours }];
    case "network": {
      // ModifyVpcEndpoint is authorized on the endpoint, its subnets and security groups, not on the VPC (SAR).
      const vpcs = action === "ec2:ModifyVpcEndpoint" ? [] : [...endpoints, ...groups].map((x) => x.vpc_id);
      const subnets = action === "ec2:CreateSecurityGroup" ? [] : endpoints.flatMap((e) => e.subnet_ids);
      return [...new Set(vpcs)].map((v) => ({ resource: arn("ec2", `vpc/${v}`), context: {} })).concat(subnets.map((s: string) => ({ resource: arn("ec2", `subnet/${s}`), context: {} })));
    }
    case "bootstrap":
      throw new Error(`${action}: a bootstrap row has no deployer request`);
  }
}

interface Row {
  readonly stack: string;
  readonly type: string;
  readonly call: ProviderCall;
  readonly resource: string;
  readonly context: Record<string, string | string[]>;
  readonly resourcePolicy?: any[];
}

/** Every (type, action, concrete resource) a deploy of the environment's AWS stacks calls. */
function rowsOf(synth: Synthesized, env: string): Row[] {
  const out: Row[] = [];
  for (const [name, json] of Object.entries(synth.json).filter(([n]) => n === `aws-${env}` || n.startsWith(`aws-${env}-`))) {
    const e = envOf(json, env);
    for (const type of awsTypes(json)) {
      for (const call of PROVIDER_CALLS[type].calls) {
        for (const r of requestsFor(call.on, call.action, json, e)) out.push({ stack: name, type, call, ...r });
      }
    }
  }
  return out;
}

const ENVS = ["dev", "staging", "prod"];

describe("the table of provider calls", () => {
  it.each(VARIANTS.map(([l]) => l))("has a row for every aws_* type of every aws-, kubernetes- and bootstrap- stack (%s)", (label) => {
    const { json } = synth(label);
    const stacks = Object.entries(json).filter(([n]) => /^(aws|kubernetes|bootstrap)-/.test(n));
    const types = new Set(stacks.flatMap(([, j]) => awsTypes(j)));
    // Sanity: the variants cover the deployer's types and bootstrap's, state storage included.
    expect(types.size).toBeGreaterThanOrEqual(label === "example" ? 9 : 20);
    expect([...types].filter((t) => !PROVIDER_CALLS[t]).sort()).toEqual([]);
    // Types only bootstrap-<env> has are applied by a person, never by the deployer.
    const deployed = new Set(stacks.filter(([n]) => n.startsWith("aws-")).flatMap(([, j]) => awsTypes(j)));
    for (const t of deployed) expect([t, PROVIDER_CALLS[t].appliedBy]).toEqual([t, "deployer"]);
  });

  it("cites the Service Authorization Reference and the provider's source for every type, and every phase has a call", () => {
    for (const [type, entry] of Object.entries(PROVIDER_CALLS)) {
      expect(entry.reference.length).toBeGreaterThan(0);
      for (const r of entry.reference) expect(r).toMatch(/^https:\/\/docs\.aws\.amazon\.com\/service-authorization\/latest\/reference\/list_[a-z0-9]+\.html$/);
      expect(entry.source).toMatch(/^https:\/\/github\.com\/hashicorp\/terraform-provider-aws\/blob\/v5\.100\.0\/internal\/service\/[a-z0-9]+\/[a-z0-9_]+\.go$/);
      const phases = new Set(entry.calls.flatMap((c) => c.phases));
      // aws_lambda_permission and aws_iam_role_policy_attachment have no update: every argument forces a new resource.
      const noUpdate = ["aws_lambda_permission", "aws_iam_role_policy_attachment"].includes(type);
      expect([type, [...phases].sort()]).toEqual([type, noUpdate ? ["create", "delete", "read"] : ["create", "delete", "read", "update"]]);
    }
  });

  it("has the calls the first apply needs and that were missing: InvokeFunction for RotateSecret, VPC lookups for a function in a VPC, tags on create", () => {
    const has = (type: string, action: string, phase: string) => PROVIDER_CALLS[type].calls.some((c) => c.action === action && c.phases.includes(phase as any));
    expect(has("aws_secretsmanager_secret_rotation", "lambda:InvokeFunction", "create")).toBe(true);
    for (const a of ["ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs"]) expect(has("aws_lambda_function", a, "create")).toBe(true);
    for (const [type, a] of [["aws_lambda_function", "lambda:TagResource"], ["aws_secretsmanager_secret", "secretsmanager:TagResource"], ["aws_iam_role", "iam:TagRole"], ["aws_kms_key", "kms:TagResource"], ["aws_cloudwatch_log_group", "logs:TagResource"], ["aws_cloudwatch_metric_alarm", "cloudwatch:TagResource"], ["aws_security_group", "ec2:CreateTags"], ["aws_vpc_endpoint", "ec2:CreateTags"]]) {
      expect([type, a, has(type, a, "create")]).toEqual([type, a, true]);
    }
    expect(has("aws_vpc_endpoint", "ec2:DescribeNetworkInterfaces", "read")).toBe(true);
  });
});

describe.each(VARIANTS.map(([l]) => l))("%s", (label) => {
  describe.each(ENVS)("bootstrap-%s", (env) => {
    const deployer = () => rolePolicy(synth(label).json[`bootstrap-${env}`], "deployer");
    const planner = () => rolePolicy(synth(label).json[`bootstrap-${env}`], "planner");

    it("allows the deployer every action the provider calls, on every resource of the environment's AWS stacks", async () => {
      const rows = rowsOf(synth(label), env);
      expect(rows.length).toBeGreaterThan(20);
      const principal = envOf(synth(label).json[`aws-${env}`], env).principal;
      const denied: string[] = [];
      for (const row of rows) {
        const d = await decide({ identity: deployer(), resource: row.resourcePolicy }, { action: row.call.action, resource: row.resource, context: row.context, principal });
        if (d !== "Allowed") denied.push(`${row.stack} ${row.type} ${row.call.action} on ${row.resource}: ${d}`);
      }
      expect(denied).toEqual([]);
    });

    it("allows the planner every read-phase Get/List/Describe, and denies it every other action of the table", async () => {
      const principal = `arn:aws:iam::${envOf(synth(label).json[`aws-${env}`], env).account}:role/secrets-platform-ci/acme-${env}-ci_planner`;
      const wrong: string[] = [];
      let writes = 0;
      for (const row of rowsOf(synth(label), env)) {
        const readOnly = READ_ONLY_ACTION.test(row.call.action);
        const d: Decision = await decide({ identity: planner(), resource: row.resourcePolicy }, { action: row.call.action, resource: row.resource, context: row.context, principal });
        // A refresh's calls are allowed; every action that is not a Get/List/Describe is denied, whatever its phase.
        if (row.call.phases.includes("read") && readOnly && d !== "Allowed") wrong.push(`read ${row.call.action} on ${row.resource}: ${d}`);
        if (!readOnly && d === "Allowed") wrong.push(`write ${row.call.action} on ${row.resource}: ${d}`);
        if (!readOnly) writes++;
      }
      expect(wrong).toEqual([]);
      expect(writes).toBeGreaterThan(10);
    });
  });
});

describe("escalations a stolen deployer session might try", () => {
  const json = () => synth("example").json;
  const account = "111111111111";
  const principal = `arn:aws:iam::${account}:role/secrets-platform-ci/acme-dev-ci_deployer`;
  const boundary = `arn:aws:iam::${account}:policy/secrets-platform-ci/acme-dev-workload-boundary`;
  const workloadRole = `arn:aws:iam::${account}:role/acme-dev-myapp-api`;
  const secret = `arn:aws:secretsmanager:us-east-1:${account}:secret:dev/myapp/openai-AbCdEf`;
  const decideFor = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    decide({ identity: rolePolicy(json()["bootstrap-dev"], "deployer") }, { action, resource, context, principal });

  it.each([
    ["reads a secret value", "secretsmanager:GetSecretValue", secret, {}, "ExplicitlyDenied"],
    ["writes a secret value of its choosing", "secretsmanager:PutSecretValue", secret, {}, "ExplicitlyDenied"],
    ["moves a secret's AWSCURRENT label", "secretsmanager:UpdateSecretVersionStage", secret, {}, "ExplicitlyDenied"],
    ["decrypts through Secrets Manager", "kms:Decrypt", `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`, { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "aws:ResourceTag/environment": "dev" }, "ExplicitlyDenied"],
    ["rewrites a reader role's trust", "iam:UpdateAssumeRolePolicy", workloadRole, { "iam:PermissionsBoundary": boundary }, "ExplicitlyDenied"],
    ["rewrites its own trust", "iam:UpdateAssumeRolePolicy", principal, {}, "ExplicitlyDenied"],
    ["grants its own role more", "iam:PutRolePolicy", principal, {}, "ExplicitlyDenied"],
    ["attaches a managed policy to its own role", "iam:AttachRolePolicy", principal, {}, "ExplicitlyDenied"],
    ["creates a role without the boundary", "iam:CreateRole", `arn:aws:iam::${account}:role/acme-dev-escape`, {}, "ExplicitlyDenied"],
    ["creates a role with another boundary", "iam:CreateRole", `arn:aws:iam::${account}:role/acme-dev-escape`, { "iam:PermissionsBoundary": `arn:aws:iam::${account}:policy/wide-open` }, "ExplicitlyDenied"],
    ["swaps a role's boundary for another", "iam:PutRolePermissionsBoundary", workloadRole, { "iam:PermissionsBoundary": `arn:aws:iam::${account}:policy/wide-open` }, "ExplicitlyDenied"],
    ["removes a role's boundary", "iam:DeleteRolePermissionsBoundary", workloadRole, {}, "ExplicitlyDenied"],
    ["rewrites the boundary", "iam:CreatePolicyVersion", boundary, {}, "ExplicitlyDenied"],
    ["attaches a managed policy to a bounded role", "iam:AttachRolePolicy", workloadRole, { "iam:PermissionsBoundary": boundary }, "ImplicitlyDenied"],
    ["passes a role to EC2", "iam:PassRole", workloadRole, { "iam:PassedToService": "ec2.amazonaws.com" }, "ExplicitlyDenied"],
    ["creates a user", "iam:CreateUser", `arn:aws:iam::${account}:user/acme-dev-backdoor`, {}, "ImplicitlyDenied"],
    ["creates an access key", "iam:CreateAccessKey", `arn:aws:iam::${account}:user/admin`, {}, "ImplicitlyDenied"],
    ["assumes a workload role", "sts:AssumeRole", workloadRole, {}, "ImplicitlyDenied"],
    ["manages another environment's secret", "secretsmanager:PutResourcePolicy", `arn:aws:secretsmanager:us-east-1:${account}:secret:prod/myapp/openai-AbCdEf`, {}, "ImplicitlyDenied"],
    ["manages an untagged key", "kms:PutKeyPolicy", `arn:aws:kms:us-east-1:${account}:key/9999abcd-12ab-34cd-56ef-1234567890ab`, { "aws:ResourceTag/environment": "prod" }, "ImplicitlyDenied"],
    ["tags another team's security group into the environment", "ec2:CreateTags", `arn:aws:ec2:us-east-1:${account}:security-group/sg-0theirs`, { "aws:RequestTag/environment": "dev", "aws:TagKeys": ["environment"] }, "ImplicitlyDenied"],
    ["tags another environment's key into this one (then manages it)", "kms:TagResource", `arn:aws:kms:us-east-1:${account}:key/9999abcd-12ab-34cd-56ef-1234567890ab`, { "aws:ResourceTag/environment": "prod", "aws:RequestTag/environment": "dev", "aws:TagKeys": ["environment"] }, "ExplicitlyDenied"],
    ["untags another environment's key", "kms:UntagResource", `arn:aws:kms:us-east-1:${account}:key/9999abcd-12ab-34cd-56ef-1234567890ab`, { "aws:ResourceTag/environment": "prod", "aws:TagKeys": ["environment"] }, "ExplicitlyDenied"],
    ["adds an audience to CI's own GitHub OIDC provider", "iam:AddClientIDToOpenIDConnectProvider", `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`, { "aws:ResourceTag/environment": "dev" }, "ExplicitlyDenied"],
    ["deletes CI's own GitHub OIDC provider", "iam:DeleteOpenIDConnectProvider", `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`, { "aws:ResourceTag/environment": "dev" }, "ExplicitlyDenied"],
    ["detaches its own denies", "iam:DetachRolePolicy", principal, {}, "ImplicitlyDenied"],
    ["rewrites its own denies", "iam:CreatePolicyVersion", `arn:aws:iam::${account}:policy/secrets-platform-ci/acme-dev-ci_deployer-denies`, {}, "ImplicitlyDenied"],
    ["invokes a function outside the environment", "lambda:InvokeFunction", `arn:aws:lambda:us-east-1:${account}:function:payroll`, {}, "ImplicitlyDenied"],
  ] as const)("%s: %s is %s", async (_what, action, resource, context, expected) => {
    expect(await decideFor(action, resource, context as any)).toBe(expected);
  });

  it("keeps every closure compatible with a deploy: the same role is created, bounded, given its policy and passed to Lambda", async () => {
    for (const [action, context] of [
      ["iam:CreateRole", { "iam:PermissionsBoundary": boundary }],
      ["iam:PutRolePermissionsBoundary", { "iam:PermissionsBoundary": boundary }],
      ["iam:PutRolePolicy", { "iam:PermissionsBoundary": boundary }],
      ["iam:PassRole", { "iam:PassedToService": "lambda.amazonaws.com" }],
      ["iam:DeleteRole", {}],
    ] as const) {
      expect([action, await decideFor(action, `arn:aws:iam::${account}:role/acme-dev-rotate-jwt`, context)]).toEqual([action, "Allowed"]);
    }
    for (const action of ["secretsmanager:PutResourcePolicy", "secretsmanager:RotateSecret", "secretsmanager:DeleteSecret"]) {
      expect([action, await decideFor(action, secret)]).toEqual([action, "Allowed"]);
    }
  });

  // UpdateSecret (and CreateSecret) with SecretString write a value and move AWSCURRENT; Secrets Manager encrypts it
  // with kms:GenerateDataKey in the caller's name (https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html).
  // The deployer may UpdateSecret and PutKeyPolicy on the environment key, so a key policy naming it must not open that path.
  it("writes a secret value through UpdateSecret after granting itself the key in the key policy: kms:GenerateDataKey through Secrets Manager is denied", async () => {
    const key = `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    const rewrittenKeyPolicy = [{ Effect: "Allow", Principal: { AWS: principal }, Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: "*" }];
    const d = await decide(
      { identity: rolePolicy(json()["bootstrap-dev"], "deployer"), resource: rewrittenKeyPolicy },
      { action: "kms:GenerateDataKey", resource: key, context: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "aws:ResourceTag/environment": "dev" }, principal },
    );
    expect(d).toBe("ExplicitlyDenied");
  });

  it("the planner is denied secret values explicitly", async () => {
    const planner = rolePolicy(json()["bootstrap-dev"], "planner");
    const p = `arn:aws:iam::${account}:role/secrets-platform-ci/acme-dev-ci_planner`;
    expect(await decide({ identity: planner }, { action: "secretsmanager:GetSecretValue", resource: secret, principal: p })).toBe("ExplicitlyDenied");
    expect(await decide({ identity: planner }, { action: "secretsmanager:DescribeSecret", resource: secret, principal: p })).toBe("Allowed");
  });
});

describe("trust is set at creation: a change replaces the role", () => {
  it.each(["aws-dev", "aws-prod"])("%s: every role is replaced when a terraform_data holding exactly its trust changes, and its inline policy is put again", (name) => {
    const json = synth("example").json[name];
    const roles = Object.entries<any>(json.resource!.aws_iam_role);
    expect(roles.length).toBeGreaterThan(3);
    const data = json.resource!.terraform_data ?? {};
    for (const [address, role] of roles) {
      const triggers: string[] = role.lifecycle?.replace_triggered_by ?? [];
      expect([role.name, triggers.length]).toEqual([role.name, 1]);
      const [, dataAddress] = /^terraform_data\.(.+)$/.exec(triggers[0])!;
      expect(data[dataAddress].input).toEqual({ assume_role_policy: role.assume_role_policy });
      const policies = values(json, "aws_iam_role_policy").filter((p) => refId(p.role) === address);
      expect(policies.length).toBe(1);
      for (const p of policies) expect(p.lifecycle?.replace_triggered_by).toEqual([`aws_iam_role.${address}.unique_id`]);
    }
  });
});
