// Independent checks of the AWS security claims (issue 2 item 6, issue 5 item 3, README "AWS Secrets
// Manager"), written from the claims and the description file, not from the constructs: expected
// access is computed here from the YAML, and the synthesized Terraform JSON is read as a reviewer
// would read it.
import { parse } from "yaml";
import { exampleDescription } from "./helpers/descriptions";
import { decide } from "./helpers/iam-simulate";
import { StackJson, Synthesized, synthExample, synthYaml } from "./helpers/synth";

/** The only actions whose resource may be "*": AWS accepts no narrower resource for them. */
const STAR_RESOURCE_ACTIONS = new Set(["secretsmanager:GetRandomPassword", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]);

// A description of our own: names that are prefixes of one another (pay / payments, db / db-ro),
// masters across applications, two workloads per application, an AppRole workload (no IAM role),
// an environment without EKS (no IRSA roles) and one with a VPC.
const OWN_DESCRIPTION = `
organization: indep
environments:
  dev:
    aws:
      accountId: "444444444444"
      region: eu-west-1
      eks: { oidcProviderArn: "arn:aws:iam::444444444444:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/DEV" }
      network: { subnetIds: [subnet-0aa1], securityGroupIds: [sg-0aa1], vpcId: vpc-0aa1 }
  qa:
    aws:
      accountId: "555555555555"
      region: eu-central-1
      eks: { oidcProviderArn: "arn:aws:iam::555555555555:oidc-provider/oidc.eks.eu-central-1.amazonaws.com/id/QA" }
  sandbox:
    aws: { accountId: "666666666666", region: us-west-2 }
applications:
  dbadmin:
    secrets:
      master: { type: postgres, rotation: { strategy: single-user, everyDays: 30 } }
      other-master: { type: postgres }
  pay:
    secrets:
      db: { type: postgres, rotation: { strategy: alternating-users, everyDays: 30, masterSecret: dbadmin/master } }
      db-ro: { type: postgres, rotation: { strategy: single-user, everyDays: 14 } }
      jwt: { type: jwt, algorithm: ES256, rotation: { everyDays: 7 } }
      session: { type: token, rotation: { scheduleExpression: "rate(10 days)" } }
      vendor: { type: api-key }
    workloads:
      api:
        kubernetes: { namespace: pay, serviceAccount: pay-api }
        reads: [db, jwt, vendor]
      reporting:
        kubernetes: { namespace: pay, serviceAccount: pay-reporting }
        reads: [db-ro]
      batch:
        approle: {}
        reads: [session]
  payments:
    secrets:
      db: { type: postgres, rotation: { strategy: alternating-users, everyDays: 30, masterSecret: dbadmin/other-master } }
      db_backup: { type: token, rotation: { everyDays: 1 } }
    workloads:
      api:
        kubernetes: { namespace: payments, serviceAccount: api }
        reads: [db]
`;

interface Case {
  readonly label: string;
  readonly description: any;
  readonly synth: () => Synthesized;
}

let ownSynth: Synthesized | undefined;
const CASES: Case[] = [
  { label: "example (config/platform.yaml)", description: exampleDescription(), synth: () => synthExample(["aws"]) },
  { label: "own description", description: parse(OWN_DESCRIPTION), synth: () => (ownSynth ??= synthYaml(OWN_DESCRIPTION, { backends: ["aws"] })) },
];

// ---------------------------------------------------------------------------------------------
// Reading synthesized JSON

type Statement = Record<string, any>;
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const resourcesOf = (stack: StackJson, type: string): Record<string, any> => stack.resource?.[type] ?? {};
const statementsOf = (policyJson: string): Statement[] => list(JSON.parse(policyJson).Statement);
const isAllow = (s: Statement) => (s.Effect ?? "Allow") === "Allow";

/** `${aws_iam_role.ID.arn}` -> ID when the reference is to that type, else undefined. */
function refId(value: unknown, type: string): string | undefined {
  const m = typeof value === "string" ? /^\$\{([a-z0-9_]+)\.([^.}]+)\.[a-z_]+\}$/.exec(value) : null;
  return m && m[1] === type ? m[2] : undefined;
}

function account(stack: StackJson): { accountId: string; region: string } {
  // The default provider; an aliased one (the alerts' us-east-1, docs/alerts.md) holds only EventBridge rules.
  const providers = list(stack.provider?.aws).filter((p: any) => p.alias === undefined);
  expect(providers).toHaveLength(1);
  const ids = list(providers[0].allowed_account_ids);
  expect(ids).toHaveLength(1);
  return { accountId: String(ids[0]), region: String(providers[0].region) };
}

/** The ARN pattern a single secret must be granted by: its name and Secrets Manager's 6-character suffix. */
const secretArn = (region: string, accountId: string, name: string) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-??????`;

/** Every inline policy with the name of the role it is attached to. */
function rolePolicies(stack: StackJson): Array<{ roleId: string; roleName: string; statements: Statement[] }> {
  const roles = resourcesOf(stack, "aws_iam_role");
  return Object.values(resourcesOf(stack, "aws_iam_role_policy")).map((p: any) => {
    const roleId = refId(p.role, "aws_iam_role");
    expect(roleId && roles[roleId]).toBeTruthy();
    return { roleId: roleId!, roleName: roles[roleId!].name, statements: statementsOf(p.policy) };
  });
}

/**
 * The secrets of the stack on which a role's policies allow `action`, as their ARN patterns, decided by iam-simulate
 * (test/helpers/iam-simulate.ts) on each secret's concrete ARN (name and a 6-character suffix). A probe secret of
 * the same environment that no description names stands for every other secret: if it is allowed, the result says so.
 */
async function allowedResources(stack: StackJson, roleId: string, action: string): Promise<Set<string>> {
  const { accountId, region } = account(stack);
  const secrets = resourcesOf(stack, "aws_secretsmanager_secret");
  const concrete = (name: string) => `arn:aws:secretsmanager:${region}:${accountId}:secret:${name}-AbCdEf`;
  const statements = rolePolicies(stack)
    .filter((p) => p.roleId === roleId)
    .flatMap((p) => p.statements)
    .map((st) => {
      const text = JSON.stringify(st)
        .replace(/\$\{aws_secretsmanager_secret\.([^.}]+)\.arn\}/g, (_m, id: string) => concrete(secrets[id].name))
        .replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, `arn:aws:kms:${region}:${accountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab`);
      expect(text).not.toMatch(/\$\{/); // any other reference would hide what the role is granted
      return JSON.parse(text);
    });
  const out = new Set<string>();
  if (statements.length === 0) return out;
  const env = String(Object.values<any>(secrets)[0]?.name ?? "x/").split("/")[0];
  const candidates = [...Object.values<any>(secrets).map((s) => s.name as string), `${env}/zz-probe/not-described`];
  for (const name of candidates) {
    const d = await decide({ identity: statements }, { action, resource: concrete(name), principal: `arn:aws:iam::${accountId}:role/probe` });
    if (d === "Allowed") out.add(candidates.indexOf(name) === candidates.length - 1 ? `ANY OTHER SECRET (${name})` : secretArn(region, accountId, name));
  }
  return out;
}

const sorted = (xs: Iterable<string>) => [...xs].sort();

/** The AWS stacks of a synthesized description. */
const awsStacks = (synth: Synthesized) => Object.entries(synth.json).filter(([name]) => name.startsWith("aws-"));

// ---------------------------------------------------------------------------------------------
// Expectations computed from the description alone (DESIGN.md sections 2-3, README's AWS table)

interface ExpectedRole {
  readonly roleName: string;
  readonly subject: string;
  readonly reads: string[];
}

/** Each Kubernetes workload of an environment with EKS gets a role named <org>-<env>-<app>-<workload> reading exactly its secrets. */
function expectedWorkloadRoles(description: any, env: string): ExpectedRole[] {
  const aws = description.environments[env].aws;
  if (!aws?.eks) return [];
  const out: ExpectedRole[] = [];
  for (const [app, spec] of Object.entries<any>(description.applications)) {
    for (const [workload, w] of Object.entries<any>(spec.workloads ?? {})) {
      if (!w.kubernetes) continue;
      out.push({
        roleName: `${description.organization}-${env}-${app}-${workload}`,
        subject: `system:serviceaccount:${w.kubernetes.namespace}:${w.kubernetes.serviceAccount}`,
        reads: (w.reads as string[]).map((secret) => secretArn(aws.region, aws.accountId, `${env}/${app}/${secret}`)),
      });
    }
  }
  return out;
}

describe.each(CASES)("$label", ({ description, synth }) => {
  const stacks = () => awsStacks(synth());

  it("builds one AWS stack per environment with aws", () => {
    const expected = Object.entries<any>(description.environments).filter(([, e]) => e.aws).map(([env]) => `aws-${env}`);
    expect(sorted(stacks().map(([name]) => name))).toEqual(sorted(expected));
  });

  it("(1) identity policies: no wildcard action, and a '*' resource only for the documented actions", () => {
    const offenders: string[] = [];
    for (const [name, stack] of stacks()) {
      for (const p of rolePolicies(stack)) {
        for (const s of p.statements) {
          const where = `${name} role ${p.roleName} statement ${s.Sid ?? JSON.stringify(s.Action)}`;
          if (s.NotAction !== undefined || s.NotResource !== undefined) offenders.push(`${where}: NotAction/NotResource`);
          if (!isAllow(s)) continue;
          const actions = list<string>(s.Action);
          for (const a of actions) if (a.includes("*")) offenders.push(`${where}: wildcard action ${a}`);
          if (list<string>(s.Resource).includes("*")) {
            for (const a of actions) if (!STAR_RESOURCE_ACTIONS.has(a)) offenders.push(`${where}: ${a} on "*"`);
          }
          if (list(s.Resource).length === 0) offenders.push(`${where}: no Resource`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it("(2) each workload role reads exactly the secrets listed in its reads, and only its service account assumes it", async () => {
    for (const [name, stack] of stacks()) {
      const env = name.slice("aws-".length);
      const expected = expectedWorkloadRoles(description, env);
      const roles = resourcesOf(stack, "aws_iam_role");
      // Workload roles are the ones assumed with a web identity (IRSA).
      const irsa = Object.entries<any>(roles).filter(([, r]) =>
        statementsOf(r.assume_role_policy).some((s) => list(s.Action).includes("sts:AssumeRoleWithWebIdentity")),
      );
      expect(sorted(irsa.map(([, r]) => r.name))).toEqual(sorted(expected.map((e) => e.roleName)));
      for (const e of expected) {
        const [roleId, role] = irsa.find(([, r]) => r.name === e.roleName)!;
        expect({ role: e.roleName, reads: sorted(await allowedResources(stack, roleId, "secretsmanager:GetSecretValue")) }).toEqual({
          role: e.roleName,
          reads: sorted(e.reads),
        });
        const trust = statementsOf(role.assume_role_policy).filter(isAllow);
        expect(trust).toHaveLength(1);
        const subs = Object.entries<string>(trust[0].Condition?.StringEquals ?? {}).filter(([k]) => k.endsWith(":sub"));
        expect(subs.map(([, v]) => v)).toEqual([e.subject]);
      }
    }
  });

  it("(3) no KMS key policy statement has a wildcard principal", () => {
    for (const [name, stack] of stacks()) {
      const keys = Object.values<any>(resourcesOf(stack, "aws_kms_key"));
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        for (const s of statementsOf(key.policy)) {
          const where = `${name} key policy statement ${s.Sid ?? JSON.stringify(s.Action)}`;
          expect({ where, NotPrincipal: s.NotPrincipal, hasPrincipal: s.Principal !== undefined }).toEqual({ where, NotPrincipal: undefined, hasPrincipal: true });
          const values: string[] = typeof s.Principal === "string" ? [s.Principal] : Object.values<any>(s.Principal).flatMap((v) => list<string>(v));
          expect({ where, wildcards: values.filter((v) => v.includes("*")) }).toEqual({ where, wildcards: [] });
        }
      }
    }
  });

  it("(4) every secret is encrypted with a KMS key of its own stack", () => {
    for (const [name, stack] of stacks()) {
      const keys = resourcesOf(stack, "aws_kms_key");
      const secrets = Object.values<any>(resourcesOf(stack, "aws_secretsmanager_secret"));
      expect(secrets.length).toBeGreaterThan(0);
      for (const s of secrets) {
        const keyId = refId(s.kms_key_id, "aws_kms_key");
        expect({ stack: name, secret: s.name, key: keyId !== undefined && keyId in keys }).toEqual({ stack: name, secret: s.name, key: true });
      }
    }
  });

  it("(5) a rotation function role may write only the secrets whose rotation points at that function", async () => {
    for (const [name, stack] of stacks()) {
      const { accountId, region } = account(stack);
      const functions = resourcesOf(stack, "aws_lambda_function");
      const secrets = resourcesOf(stack, "aws_secretsmanager_secret");
      const rotations = Object.values<any>(resourcesOf(stack, "aws_secretsmanager_secret_rotation"));
      // role id -> secrets it rotates, derived from the rotation resources only.
      const expected = new Map<string, Set<string>>();
      for (const r of rotations) {
        const fnId = refId(r.rotation_lambda_arn, "aws_lambda_function");
        const secretId = refId(r.secret_id, "aws_secretsmanager_secret");
        expect(fnId && functions[fnId] && secretId && secrets[secretId]).toBeTruthy();
        const roleId = refId(functions[fnId!].role, "aws_iam_role")!;
        expect(roleId).toBeDefined();
        if (!expected.has(roleId)) expected.set(roleId, new Set());
        expected.get(roleId)!.add(secretArn(region, accountId, secrets[secretId!].name));
      }
      // Rotation is declared exactly where the description asks for it, so the check above covers every writer.
      const env = name.slice("aws-".length);
      const wanted = Object.entries<any>(description.applications).flatMap(([app, spec]) =>
        Object.entries<any>(spec.secrets).filter(([, s]) => s.rotation).map(([secret]) => `${env}/${app}/${secret}`),
      );
      expect(sorted(rotations.map((r) => secrets[refId(r.secret_id, "aws_secretsmanager_secret")!].name))).toEqual(sorted(wanted));
      for (const roleId of Object.keys(resourcesOf(stack, "aws_iam_role"))) {
        for (const action of ["secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"]) {
          const got = sorted(await allowedResources(stack, roleId, action));
          expect({ stack: name, roleId, action, resources: got }).toEqual({
            stack: name,
            roleId,
            action,
            resources: sorted(expected.get(roleId) ?? []),
          });
        }
      }
    }
  });

  it("(6) every Lambda permission names the provider's allowed account as source_account, and every rotation function has one", () => {
    for (const [name, stack] of stacks()) {
      const { accountId } = account(stack);
      const permissions = Object.values<any>(resourcesOf(stack, "aws_lambda_permission"));
      for (const p of permissions) {
        expect({ stack: name, fn: p.function_name, source_account: p.source_account }).toEqual({ stack: name, fn: p.function_name, source_account: accountId });
      }
      const functions = resourcesOf(stack, "aws_lambda_function");
      for (const r of Object.values<any>(resourcesOf(stack, "aws_secretsmanager_secret_rotation"))) {
        const fnId = refId(r.rotation_lambda_arn, "aws_lambda_function")!;
        const invokers = permissions.filter(
          (p) =>
            [refId(p.function_name, "aws_lambda_function"), p.function_name].some((f) => f === fnId || f === functions[fnId].function_name) &&
            p.action === "lambda:InvokeFunction" &&
            p.principal === "secretsmanager.amazonaws.com",
        );
        expect({ stack: name, fn: functions[fnId].function_name, invokers: invokers.length }).toEqual({ stack: name, fn: functions[fnId].function_name, invokers: 1 });
      }
    }
  });
});
