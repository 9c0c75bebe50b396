// What each workload role of a generated production estate may read, decided by an IAM engine written by others
// (@cloud-copilot/iam-simulate, test/helpers/iam-simulate.ts): a seeded estate of test/helpers/arbitrary-estate.ts with
// two clusters and a stack group. Every Kubernetes workload placed on AWS gets GetSecretValue Allowed on each secret
// it reads, wherever (aws-<env> or aws-<env>-<group>) the secret and the role live, with the secret's own resource
// policy applied; and denied on every secret of another application. Expectations come from the description alone.
import fc from "fast-check";
import { parsePlatform } from "../config/load";
import { arbitraryEstate, type GeneratedEstate } from "./helpers/arbitrary-estate";
import { toYaml } from "./helpers/descriptions";
import { decide, statementsOf } from "./helpers/iam-simulate";
import { synthPlatform, type StackJson } from "./helpers/synth";

/** A production estate on AWS with a stack group and the first group, and Kubernetes workloads in both. */
function wanted(e: GeneratedEstate): boolean {
  const apps = e.description.applications;
  const kube = (app: string) => apps[app].backends.includes("aws") && Object.values<any>(apps[app].workloads ?? {}).some((w) => w.kubernetes);
  return e.backends.includes("aws") && e.apps.some((a, i) => e.groups[i] !== undefined && kube(a)) && e.apps.some((a, i) => e.groups[i] === undefined && kube(a));
}

const [estate] = fc.sample(arbitraryEstate().filter(wanted), { seed: 19, numRuns: 1 });
const { description } = estate;
const env = estate.production;
const org = description.organization;
const { accountId: account, region } = description.environments[env].aws;
const { json } = synthPlatform(parsePlatform(toYaml(description), "generated estate"));
const awsStacks = Object.entries(json).filter(([name]) => name === `aws-${env}` || name.startsWith(`aws-${env}-`) && estate.groups.some((g) => g && name === `aws-${env}-${g}`));

const concrete = (name: string) => `arn:aws:secretsmanager:${region}:${account}:secret:${name}-AbCdEf`;

/** Every secret of the environment: its name, its stack and its resource policy. */
const secrets = awsStacks.flatMap(([stack, j]) =>
  Object.entries<any>(j.resource?.aws_secretsmanager_secret ?? {}).map(([id, s]) => {
    const policy = Object.values<any>(j.resource?.aws_secretsmanager_secret_policy ?? {}).find((p) => p.secret_arn === `\${aws_secretsmanager_secret.${id}.arn}`);
    return { stack, id, name: s.name as string, policy: policy?.policy as string | undefined };
  }),
);

/** A stack's references resolved to concrete ARNs: its secrets, KMS keys and roles. */
function resolve(j: StackJson, text: string): string {
  const roles = j.resource?.aws_iam_role ?? {};
  return text
    .replace(/\$\{aws_secretsmanager_secret\.([^.}]+)\.arn\}/g, (_m, id: string) => concrete((j.resource as any).aws_secretsmanager_secret[id].name))
    .replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, `arn:aws:kms:${region}:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`)
    .replace(/\$\{aws_iam_role\.([^.}]+)\.arn\}/g, (_m, id: string) => `arn:aws:iam::${account}:role${roles[id].path ?? "/"}${roles[id].name}`);
}

/** The role of a workload: its ARN (with its path) and its inline policies' statements, resolved. */
function roleOf(roleName: string): { arn: string; statements: any[] } {
  for (const [, j] of awsStacks) {
    const entry = Object.entries<any>(j.resource?.aws_iam_role ?? {}).find(([, r]) => r.name === roleName);
    if (!entry) continue;
    const [id, role] = entry;
    const statements = Object.values<any>(j.resource?.aws_iam_role_policy ?? {})
      .filter((p) => p.role === `\${aws_iam_role.${id}.name}` || p.role === `\${aws_iam_role.${id}.id}`)
      .flatMap((p) => statementsOf(resolve(j, p.policy)));
    return { arn: `arn:aws:iam::${account}:role${role.path ?? "/"}${role.name}`, statements };
  }
  throw new Error(`no role ${roleName} in ${awsStacks.map(([n]) => n).join(", ")}`);
}

async function getSecretValue(roleName: string, secretName: string) {
  const role = roleOf(roleName);
  const secret = secrets.find((s) => s.name === secretName);
  if (!secret) throw new Error(`no secret ${secretName}`);
  const resource = secret.policy ? statementsOf(resolve(json[secret.stack], secret.policy)) : undefined;
  const text = JSON.stringify([role.statements, resource]);
  if (text.includes("${")) throw new Error(`an unresolved reference would hide what is granted: ${text.match(/\$\{[^}]+\}/)![0]}`);
  return decide({ identity: role.statements, resource }, {
    action: "secretsmanager:GetSecretValue",
    resource: concrete(secretName),
    principal: role.arn,
    // A role session's aws:PrincipalArn is the role's ARN, which the secrets' read-deny compares (ArnNotLike).
    context: { "aws:SecureTransport": "true", "aws:PrincipalArn": role.arn },
  });
}

const workloads = Object.entries<any>(description.applications).flatMap(([app, a]) =>
  a.backends.includes("aws") ? Object.entries<any>(a.workloads ?? {}).filter(([, w]) => w.kubernetes).map(([workload, w]) => ({ app, workload, reads: w.reads as string[] })) : [],
);

it("generates a production estate with two clusters, a stack group and workloads in both groups", () => {
  expect(description.environments[env].production).toBe(true);
  expect(Object.keys(description.environments[env].kubernetes.clusters)).toHaveLength(2);
  expect(awsStacks.map(([n]) => n).length).toBeGreaterThan(1);
  expect(workloads.length).toBeGreaterThan(1);
});

it("lets every workload role read exactly its own secrets: Allowed on each it reads, denied on another application's", async () => {
  const outcomes: string[] = [];
  for (const { app, workload, reads } of workloads) {
    const role = `${org}-${env}-${app}-${workload}`;
    for (const r of reads) outcomes.push(`${role} reads ${env}/${app}/${r}: ${await getSecretValue(role, `${env}/${app}/${r}`)}`);
    for (const other of secrets.filter((s) => s.name.split("/")[1] !== app)) {
      const d = await getSecretValue(role, other.name);
      if (d === "Allowed") outcomes.push(`${role} reads ${other.name}: Allowed`);
    }
  }
  const expected = workloads.flatMap(({ app, workload, reads }) => reads.map((r) => `${org}-${env}-${app}-${workload} reads ${env}/${app}/${r}: Allowed`));
  expect(outcomes).toEqual(expected);
  // The check is not vacuous: another application's secret exists in the environment.
  expect(secrets.some((s) => workloads.some((w) => s.name.split("/")[1] !== w.app))).toBe(true);
});
