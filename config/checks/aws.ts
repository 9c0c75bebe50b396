// The AWS side: workload role names that IAM must accept and that must not meet, the network the rotation functions
// run in, and the EKS OIDC provider of the right account.
import { ACCOUNT, DEFAULTS } from "../schema";
import { awsNamePrefix, IAM_ROLE_NAME_MAX, isProduction, workloadRoleName } from "../naming";
import { clusterNames } from "./clusters";
import { Add, Check, entries, isMap, Loose, workloadsOf } from "./shared";

export const checkAws: Check = ({ apps, envs, org }, add) => {
  const iamRoles = new Map<string, string>();
  for (const [app, workload, w] of workloadsOf(apps)) {
    const at = `applications.${app}.workloads.${workload}`;
    // Only Kubernetes workloads in environments with EKS, or with kubernetes.clusters (each cluster's issuer gets an
    // IAM OIDC provider, config/clusters.ts), get an IAM role (IRSA).
    for (const [env, e] of w.kubernetes === undefined ? [] : envs) {
      if (!isMap(e.aws) || !(isMap(e.aws.eks) || clusterNames(e).length > 0) || !org) continue;
      const role = workloadRoleName(org, env, app, workload);
      if (role.length > IAM_ROLE_NAME_MAX) {
        add(at, `its IAM role name "${role}" in environment ${env} is ${role.length} characters; IAM allows ${IAM_ROLE_NAME_MAX}: shorten the application or workload name`);
      }
      // Role names are unique per account, and dashes can make two workloads (or environments) meet.
      const key = `${String(e.aws.accountId)}/${role}`;
      const twin = iamRoles.get(key);
      if (twin) add(at, `its IAM role name "${role}" is the same as that of ${twin} in account ${String(e.aws.accountId)}; rename one of them`);
      else iamRoles.set(key, `${at} in environment ${env}`);
      // A rotation function's role is named like the function, <org>-<env>[-<group>]-rotate-<kind> (config/naming.ts),
      // and IAM role names are unique per account (CreateRole fails with EntityAlreadyExists).
      const rotation = rotationRoleMeeting(org, role, String(e.aws.accountId), envs, apps);
      if (rotation) add(at, `its IAM role name "${role}" in environment ${env} is the name of ${rotation}; rename the application or workload`);
    }
  }

  for (const [env, e] of envs) {
    if (!isMap(e.aws)) continue;
    const at = `environments.${env}`;
    const production = isProduction(env, typeof e.production === "boolean" ? e.production : undefined);
    checkAwsNetwork(`${at}.aws`, env, production, e.aws, apps, add);
    // Only a well-formed account id can be compared: a mistyped one is reported on accountId itself, not here.
    if (isMap(e.aws.eks) && typeof e.aws.eks.oidcProviderArn === "string" && typeof e.aws.accountId === "string" && ACCOUNT.test(e.aws.accountId)) {
      const acct = e.aws.eks.oidcProviderArn.split(":")[4];
      if (acct && acct !== e.aws.accountId) add(`${at}.aws.eks.oidcProviderArn`, `belongs to account ${acct}, not to this environment's account ${e.aws.accountId}`);
    }
    // EventBridge rules publish to a topic of their own account and region (docs/alerts.md).
    if (isMap(e.aws.alerts) && typeof e.aws.alerts.snsTopicArn === "string" && typeof e.aws.accountId === "string") {
      const [, , , region, acct] = e.aws.alerts.snsTopicArn.split(":");
      if (acct && ACCOUNT.test(e.aws.accountId) && acct !== e.aws.accountId) add(`${at}.aws.alerts.snsTopicArn`, `belongs to account ${acct}, not to this environment's account ${e.aws.accountId}: EventBridge rules here publish to a topic of their own account`);
      else if (region && typeof e.aws.region === "string" && region !== e.aws.region) add(`${at}.aws.alerts.snsTopicArn`, `is in region ${region}, not in this environment's region ${e.aws.region}: the alert rules run in ${e.aws.region} and publish to a topic there`);
    }
  }
};

/** The kinds a rotation function's name ends in (stacks/aws-stack.ts rotationKind), with a shard's -<n> after it. */
const ROTATION_KIND = /^(jwt|token|postgres-single-user|postgres-alternating-users-.+)(-\d+)?$/;

/**
 * The rotation function whose role a workload role name would be: <org>-<scope>-rotate-<kind> with scope an
 * environment of the same account or one of its stack groups. Undefined when it meets none.
 */
function rotationRoleMeeting(org: string, role: string, account: string, envs: [string, Loose][], apps: [string, Loose][]): string | undefined {
  const groups = [...new Set(apps.map(([, a]) => a.stackGroup).filter((g): g is string => typeof g === "string"))];
  for (const [env, e] of envs) {
    if (!isMap(e.aws) || String(e.aws.accountId) !== account) continue;
    for (const scope of [env, ...groups.map((g) => `${env}-${g}`)]) {
      const prefix = `${awsNamePrefix(org, scope)}rotate-`;
      if (role.startsWith(prefix) && ROTATION_KIND.test(role.slice(prefix.length))) {
        return `the role of the rotation function of environment ${env}${scope === env ? "" : ` (stack group ${scope.slice(env.length + 1)})`} for ${role.slice(prefix.length)} secrets`;
      }
    }
  }
  return undefined;
}

/** How rotation functions reach Secrets Manager and their databases: combinations the field formats cannot see. */
function checkAwsNetwork(at: string, env: string, production: boolean, aws: Loose, apps: [string, Loose][], add: Add): void {
  const network = isMap(aws.network) ? aws.network : undefined;
  if (!network) {
    // A PostgreSQL rotation function outside any VPC cannot reach a private database. The stack warns elsewhere.
    const rotating = apps.flatMap(([app, spec]) =>
      entries(spec.secrets)
        .filter(([, s]) => s.type === "postgres" && s.rotation !== undefined)
        .map(([secret]) => `${app}/${secret}`),
    );
    if (production && rotating.length > 0) {
      add(`${at}.network`, `is required: environment ${env} is production and rotates PostgreSQL secrets (${rotating.join(", ")}), whose rotation function must run in the database's VPC to reach it; add network: { subnetIds: [...], securityGroupIds: [...] }`);
    }
    return;
  }
  const mode = network.secretsManagerEndpoint ?? DEFAULTS.secretsManagerEndpoint;
  const hasClients = Array.isArray(network.vpcCidrBlocks) || Array.isArray(network.endpointClientSecurityGroupIds);
  if (mode === "create") {
    if (network.vpcId === undefined) add(`${at}.network.vpcId`, "is required with secretsManagerEndpoint: create (the endpoint is created in this VPC); add it, or use existing");
    if (!hasClients) {
      add(
        `${at}.network.secretsManagerEndpoint`,
        "is create, which turns on private DNS: Secrets Manager's name then resolves to this endpoint for every client in the VPC, so it must admit them all; list the VPC's CIDR blocks under vpcCidrBlocks or the clients' security groups under endpointClientSecurityGroupIds, or use existing",
      );
    }
  } else {
    for (const field of ["vpcCidrBlocks", "endpointClientSecurityGroupIds"]) {
      if (network[field] !== undefined) add(`${at}.network.${field}`, `is used only with secretsManagerEndpoint: create (it is ${mode}); remove it or set secretsManagerEndpoint: create`);
    }
  }
}
