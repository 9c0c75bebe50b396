// The aws-<env> stack: the environment key, one secret per path, IRSA roles for workloads, and
// rotation for the secrets that rotate.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Annotations, TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import * as path from "node:path";
import type { EnvironmentModel, SecretModel } from "../config/model";
import { alertRuleName, alertTopicName, awsNamePrefix, environmentKeyAlias, rotationFunctionName, workloadRoleName } from "../config/naming";
import { DEFAULTS, type AwsEnvironment } from "../config/schema";
import { environmentTags, MANAGED_BY, TAGS } from "../contracts/tags";
import { AccountRegion } from "../constructs/aws/arns";
import { ApplicationSecret } from "../constructs/aws/application-secret";
import { EnvironmentKey } from "../constructs/aws/environment-key";
import { RotationFunction } from "../constructs/aws/rotation-function";
import { SecretsManagerEndpoint } from "../constructs/aws/secrets-manager-endpoint";
import { WorkloadRole, type WorkloadRoleProps } from "../constructs/aws/workload-role";
import { ClusterOidcProvider } from "../constructs/aws/cluster-oidc-provider";
import { clusterOf, clustersOf, iamIssuerId, type ClusterModel } from "../config/clusters";
import { pipelineRoleArn, workloadBoundaryArn } from "../config/pipeline";
import { GLOBAL_EVENTS_REGION, SecretAlerts } from "../constructs/aws/secret-alerts";
import { PlatformStack } from "./platform-stack";
import { suppress } from "../guardrails";
import { awsImportIdOf, awsSecretNameOf } from "../config/adopt";
import { configureStateBackend } from "./backend";

/** Where `npm run build:lambda` leaves the rotation bundles; LAMBDA_BUNDLE_DIR overrides it. */
export function lambdaBundleDir(): string {
  return process.env.LAMBDA_BUNDLE_DIR ?? path.join(__dirname, "..", "dist", "lambda");
}

/**
 * Which function rotates a secret: one per type, per strategy for PostgreSQL, and per master secret
 * for alternating users, so that a function can reach only the one master it is meant to use.
 */
export function rotationKind(s: SecretModel): string | undefined {
  const spec = s.spec;
  if (spec.type === "api-key" || !spec.rotation) return undefined;
  if (spec.type !== "postgres") return spec.type;
  if (spec.rotation.strategy === "alternating-users" && spec.rotation.masterSecret) {
    return `postgres-alternating-users-${spec.rotation.masterSecret.replace(/[/_]/g, "-")}`;
  }
  return `postgres-${spec.rotation.strategy}`;
}

/** Secrets one rotation function rotates at most (its role lists each by ARN). */
export const SECRETS_PER_ROTATION_FUNCTION = 40;

export interface AwsStackOptions {
  /**
   * The stack group (applications.<app>.stackGroup) this stack holds. Names that must be unique in an account
   * (key alias, rotation functions) carry it. @default - the first group: the names without a group
   */
  readonly group?: string;
  /**
   * Whether any group of the environment rotates a secret: the first group's stack then holds the Secrets Manager
   * endpoint they all use. @default - whether this stack rotates one
   */
  readonly rotationInEnvironment?: boolean;
  /**
   * The environment's first stack, aws-<env>, when this stack is a stack group's: its IAM OIDC providers (one per
   * cluster of kubernetes.clusters without awsOidcProviderArn) are the ones this stack's roles trust.
   * @default - this is the first stack: it creates them
   */
  readonly environmentStack?: AwsSecretsStack;
  /**
   * The clusters whose IAM OIDC provider the first stack creates: those of every group's workloads on AWS.
   * @default - the clusters of this stack's workloads
   */
  readonly oidcProviderClusters?: readonly ClusterModel[];
}

/** Named clusters without an IAM OIDC provider that run a Kubernetes workload of an application placed on AWS. */
export function clustersNeedingOidcProvider(awsModel: EnvironmentModel): ClusterModel[] {
  const used = new Set(awsModel.workloads.filter((w) => w.spec.kubernetes).map((w) => clusterOf(awsModel.spec, w.spec.kubernetes)?.name));
  return clustersOf(awsModel.spec).filter((c) => c.createsAwsOidcProvider && c.oidcIssuerUrl && used.has(c.name));
}

export class AwsSecretsStack extends PlatformStack {
  readonly key: EnvironmentKey;
  /** By path, `<env>/<app>/<secret>`. */
  readonly secrets = new Map<string, ApplicationSecret>();
  /** By `<app>/<workload>`. */
  readonly workloadRoles = new Map<string, WorkloadRole>();
  /** By rotation kind: postgres-single-user, postgres-alternating-users-<master app>-<master secret>, jwt, token. */
  readonly rotationFunctions = new Map<string, RotationFunction>();
  /** IAM OIDC providers of the clusters that have none (kubernetes.clusters.<name> without awsOidcProviderArn), by cluster: in aws-<env>. */
  readonly oidcProviders = new Map<string, ClusterOidcProvider>();
  /** The Secrets Manager endpoint the stack creates (secretsManagerEndpoint: create), if any. */
  endpoint?: SecretsManagerEndpoint;
  /** The alerts (docs/alerts.md): in the environment's first stack, in production or with aws.alerts. */
  readonly alerts?: SecretAlerts;

  /** `<env>` for the first group, `<env>-<group>` for the others: where account-wide names need the group. */
  private readonly scopeName: string;
  /**
   * With a pipeline block, CI deploys this stack and may create roles only with bootstrap-<env>'s boundary
   * (constructs/aws/workload-boundary.ts): every role here carries it. Without one, no boundary.
   */
  readonly permissionsBoundary?: string;

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel, private readonly options: AwsStackOptions = {}) {
    super(scope, id);
    this.scopeName = options.group ? `${environment.name}-${options.group}` : environment.name;
    const aws = environment.spec.aws;
    if (!aws) throw new Error(`${id}: environment ${environment.name} has no aws block`);
    const account: AccountRegion = { accountId: aws.accountId, region: aws.region };
    const org = environment.organization;
    const env = environment.name;
    this.permissionsBoundary = environment.spec.pipeline ? workloadBoundaryArn(aws.accountId, org, env) : undefined;

    new AwsProvider(this, "aws", {
      region: aws.region,
      allowedAccountIds: [aws.accountId],
      defaultTags: [{ tags: environmentTags(org, env) }],
    });
    configureStateBackend(this, id, aws.backend, environment.production);

    this.key = new EnvironmentKey(this, "environment-key", {
      account,
      alias: environmentKeyAlias(org, this.scopeName),
      description: `Encrypts the ${env} secrets of ${org} and their rotation logs`,
    });

    this.alerts = this.addAlerts(aws, account);

    const recoveryWindowInDays = aws.recoveryWindowDays ?? DEFAULTS.recoveryWindowDays[environment.production ? "production" : "other"];
    for (const s of environment.secrets) {
      this.secrets.set(
        s.path,
        new ApplicationSecret(this, `${s.app}--${s.name}`, {
          account,
          // An adopted secret keeps its existing name, which is then the contract (docs/adopting.md).
          secretName: awsSecretNameOf(s),
          existingSecretId: awsImportIdOf(s),
          encryptionKey: this.key,
          description: s.spec.description ?? `${s.spec.type} secret of ${s.app} in ${env}`,
          recoveryWindowInDays,
          breakGlassRoleArns: aws.breakGlassRoleArns,
          tags: secretTags(env, s),
        }),
      );
    }

    this.addRotation(aws, account);
    if (!options.group) {
      for (const c of options.oidcProviderClusters ?? clustersNeedingOidcProvider(environment)) {
        this.oidcProviders.set(c.name, new ClusterOidcProvider(this, `oidc-provider-${c.name}`, { issuerUrl: c.oidcIssuerUrl!, tags: { cluster: c.name } }));
      }
    }
    this.addWorkloadRoles(aws);

    new TerraformOutput(this, "secret-arns", {
      description: "ARN of every secret, by <env>/<app>/<secret> path",
      value: Object.fromEntries([...this.secrets].map(([path, s]) => [path, s.arn])),
    });
    new TerraformOutput(this, "workload-role-arns", {
      description: "IAM role of every Kubernetes workload (annotate its service account with eks.amazonaws.com/role-arn)",
      value: Object.fromEntries([...this.workloadRoles].map(([name, r]) => [name, r.arn])),
    });
  }

  private addRotation(aws: AwsEnvironment, account: AccountRegion): void {
    const { organization: org, name: env } = this.environment;
    const network = aws.network && { subnetIds: aws.network.subnetIds, securityGroupIds: aws.network.securityGroupIds };
    const rotating = this.environment.secrets.filter((s) => rotationKind(s) !== undefined);
    this.checkDatabaseReach(aws, rotating);
    // Created before any function, so that functions and schedules can wait for it. One endpoint per VPC (its
    // private DNS name is the service's): the first group's stack makes it for every group of the environment,
    // whose stacks are deployed after it.
    const endpointNeeded = this.options.group ? false : (this.options.rotationInEnvironment ?? rotating.length > 0);
    this.endpoint = endpointNeeded ? this.addSecretsManagerEndpoint(aws) : undefined;
    const dependsOn = this.endpoint?.dependables;
    const rotated = new Map<string, number>();
    for (const s of this.environment.secrets) {
      const base = rotationKind(s);
      if (!base || s.spec.type === "api-key" || !s.spec.rotation) continue;
      // A function's role lists every secret it rotates; past a few dozen, IAM's 10,240-character
      // limit on a role's inline policy is near, so further secrets go to a second function.
      const shard = Math.floor((rotated.get(base) ?? 0) / SECRETS_PER_ROTATION_FUNCTION);
      rotated.set(base, (rotated.get(base) ?? 0) + 1);
      const kind = shard === 0 ? base : `${base}-${shard + 1}`;
      const master = s.spec.type === "postgres" && s.spec.rotation.masterSecret ? this.masterOf(s.path, s.spec.rotation.masterSecret) : undefined;
      let fn = this.rotationFunctions.get(kind);
      if (!fn) {
        const functionName = rotationFunctionName(org, this.scopeName, kind);
        fn = new RotationFunction(this, `rotation-${kind}`, {
          account,
          functionName,
          bundlePath: path.join(lambdaBundleDir(), `${s.spec.type}.zip`),
          encryptionKey: this.key,
          description: `Rotates the ${kind} secrets of ${env}`,
          environment:
            s.spec.type === "postgres"
              ? {
                  ROTATION_STRATEGY: s.spec.rotation.strategy,
                  // The only master this function may use, whatever a secret's value names.
                  ...(master ? { MASTER_SECRET_ARN: master.arn } : {}),
                  // Node 20+ runtimes do not trust the RDS CAs unless told to; TLS is verified by default.
                  NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
                }
              : undefined,
          logRetentionInDays: aws.logRetentionDays ?? DEFAULTS.logRetentionDays,
          // Every function runs in the VPC when the description has one: databases are reached
          // there, and Secrets Manager through the interface endpoint below.
          network,
          // The rotation error alarms join the alerts' topic, and the one aws.alarmTopicArn names.
          alarmTopicArn: aws.alarmTopicArn,
          alarmTopicArns: this.alerts ? [this.alerts.topicArn] : undefined,
          dependsOn,
          permissionsBoundary: this.permissionsBoundary,
          tags: { [TAGS.rotationKind]: base.startsWith("postgres-alternating-users") ? "postgres-alternating-users" : base },
        });
        // PostgreSQL passwords come from Secrets Manager's generator; keys and tokens from node:crypto.
        if (s.spec.type === "postgres") {
          fn.addToPolicy({ sid: "GeneratePasswords", actions: ["secretsmanager:GetRandomPassword"], resources: ["*"] });
        }
        master?.grantRead(fn);
        this.rotationFunctions.set(kind, fn);
      }
      const secret = this.secretAt(s.path);
      const rotation = s.spec.rotation;
      secret.addRotationSchedule("rotation", {
        rotationFunction: fn,
        everyDays: rotation.everyDays,
        scheduleExpression: rotation.scheduleExpression,
        // A database secret rotates once a person has put its connection details; keys and tokens
        // get their first value from the rotation that runs on creation.
        // An adopted secret has a value in use: its first rotation waits for the schedule instead of the apply.
        rotateImmediately: s.spec.type !== "postgres" && s.adopt?.aws === undefined,
        // A first apply must not rotate before the functions can reach Secrets Manager.
        dependsOn,
      });
    }
  }

  /**
   * Alerts on denied reads and on changes made outside the pipeline: on by default in production, elsewhere with
   * aws.alerts. The environment's first stack holds them: its patterns cover every secret of the environment (<env>/),
   * the roles of every group (<org>-<env>-); a group's own key is not watched (docs/alerts.md).
   */
  private addAlerts(aws: AwsEnvironment, account: AccountRegion): SecretAlerts | undefined {
    const enabled = aws.alerts ? aws.alerts.enabled : this.environment.production;
    if (enabled && this.options.group) {
      suppress(this, "SP-ALR-001", `the environment's first stack holds the alerts: its patterns cover every secret ${this.environment.name}/* and every role ${awsNamePrefix(this.environment.organization, this.environment.name)}*, this group's too; this group's own key is not watched (docs/alerts.md)`);
    }
    if (!enabled || this.options.group) return undefined;
    const { organization: org, name: env } = this.environment;
    const globalProvider = new AwsProvider(this, "aws-global-events", {
      alias: GLOBAL_EVENTS_REGION,
      region: GLOBAL_EVENTS_REGION,
      allowedAccountIds: [aws.accountId],
      defaultTags: [{ tags: environmentTags(org, env) }],
    });
    const alerts = new SecretAlerts(this, "alerts", {
      account,
      environment: env,
      scope: {
        secretPrefix: `${env}/`,
        keyArn: this.key.arn,
        rolePrefix: awsNamePrefix(org, env),
        // The name has one home (config/pipeline.ts), shared with bootstrap-<env> that creates the role.
        deployerRoleArn: this.environment.spec.pipeline ? pipelineRoleArn(aws.accountId, org, env, "deployer") : undefined,
      },
      ruleName: (kind) => alertRuleName(org, env, kind),
      topicArn: aws.alerts?.snsTopicArn,
      topicName: alertTopicName(org, env),
      encryptionKey: this.key,
      globalProvider,
      alarmNamePrefix: awsNamePrefix(org, env),
      forwarderRoleName: `${awsNamePrefix(org, env)}alerts_forwarder`,
      permissionsBoundary: this.permissionsBoundary,
    });
    new TerraformOutput(this, "alerts-topic-arn", { description: "SNS topic of the alerts and rotation alarms: subscribe the team to it", value: alerts.topicArn });
    return alerts;
  }

  /**
   * The endpoint when the description asks to create one (secretsManagerEndpoint: create). With `existing` the
   * VPC's own endpoint serves the functions; with `none` they go through a NAT to the public endpoint.
   */
  private addSecretsManagerEndpoint(aws: AwsEnvironment): SecretsManagerEndpoint | undefined {
    const net = aws.network;
    if (!net || net.secretsManagerEndpoint !== "create") return undefined;
    const { organization: org, name: env } = this.environment;
    // Validation requires both; a stack built from an unvalidated model stops here rather than guessing.
    if (!net.vpcId) throw new Error(`environment ${env}: secretsManagerEndpoint create needs aws.network.vpcId`);
    return new SecretsManagerEndpoint(this, "secretsmanager-endpoint", {
      // Security group names may not begin with "sg-", which an organization could.
      name: `secretsmanager-endpoint-${org}-${env}`,
      region: aws.region,
      vpcId: net.vpcId,
      subnetIds: net.subnetIds,
      functionSecurityGroupIds: net.securityGroupIds,
      clientCidrBlocks: net.vpcCidrBlocks,
      clientSecurityGroupIds: net.endpointClientSecurityGroupIds,
    });
  }

  /**
   * A PostgreSQL rotation function outside any VPC reaches only databases on public addresses. Production refuses
   * that (validation stops the description first); elsewhere it is a warning.
   */
  private checkDatabaseReach(aws: AwsEnvironment, rotating: readonly SecretModel[]): void {
    if (aws.network) return;
    const postgres = rotating.filter((s) => s.spec.type === "postgres").map((s) => s.path);
    if (postgres.length === 0) return;
    const message = `environment ${this.environment.name} rotates PostgreSQL secrets (${postgres.join(", ")}) but aws has no network: the rotation function runs outside any VPC and reaches only a database with a public address. Add aws.network (subnetIds, securityGroupIds) of the database's VPC.`;
    if (this.environment.production) Annotations.of(this).addError(message);
    else Annotations.of(this).addWarning(message);
  }

  private addWorkloadRoles(aws: AwsEnvironment): void {
    const { organization: org, name: env } = this.environment;
    for (const w of this.environment.workloads) {
      const k8s = w.spec.kubernetes;
      if (!k8s) continue; // AppRole workloads authenticate to Vault only
      // The role trusts the issuer of the workload's own cluster (config/clusters.ts): the single form's is aws.eks's.
      const trust = this.clusterTrust(clusterOf(this.environment.spec, k8s));
      // Without an OIDC provider there is no IRSA (the single form without aws.eks).
      if (!trust) continue;
      // A workload may share its name with a secret of its application, whose construct is <app>--<secret>: only then
      // does the role take the id <app>--<workload>--workload ("--" is in no name, so it meets no secret's id). An
      // existing role keeps its address: such a clash never synthesized before.
      const clashes = this.environment.secrets.some((s) => s.app === w.app && s.name === w.name);
      const role = new WorkloadRole(this, clashes ? `${w.app}--${w.name}--workload` : `${w.app}--${w.name}`, {
        roleName: workloadRoleName(org, env, w.app, w.name),
        ...trust,
        namespace: k8s.namespace,
        serviceAccount: k8s.serviceAccount,
        // IAM descriptions stop at 1000 characters; the policy itself lists every secret.
        description: `IRSA role of ${w.app}/${w.name} in ${env}: reads ${w.reads.map((r) => r.name).join(", ")}`.slice(0, 1000),
        tags: { [TAGS.application]: w.app, workload: w.name },
        permissionsBoundary: this.permissionsBoundary,
      });
      for (const s of w.reads) this.secretAt(s.path).grantRead(role);
      this.workloadRoles.set(`${w.app}/${w.name}`, role);
    }
  }

  /** The OIDC provider a cluster's IRSA roles trust: given, or created for its issuer in aws-<env>. */
  private clusterTrust(cluster: ClusterModel | undefined): Pick<WorkloadRoleProps, "oidcProviderArn" | "issuer" | "accountId" | "dependsOn"> | undefined {
    if (!cluster) return undefined; // validation refuses a workload without its cluster
    if (cluster.awsOidcProviderArn) return { oidcProviderArn: cluster.awsOidcProviderArn };
    if (!cluster.createsAwsOidcProvider || !cluster.oidcIssuerUrl) return undefined;
    const own = this.oidcProviders.get(cluster.name);
    // A group's stack refers to aws-<env>'s provider (a cdktf cross-stack reference, so it deploys after it).
    const provider = own ?? this.options.environmentStack?.oidcProviders.get(cluster.name);
    if (!provider) throw new Error(`${this.node.id}: no IAM OIDC provider for cluster ${cluster.name}`);
    return {
      oidcProviderArn: provider.arn,
      issuer: iamIssuerId(cluster.oidcIssuerUrl),
      accountId: this.environment.spec.aws!.accountId,
      dependsOn: own ? [own.provider] : undefined,
    };
  }

  private masterOf(path: string, ref: string): ApplicationSecret {
    const master = this.environment.secret(ref);
    if (!master) throw new Error(`${path}: master secret ${ref} is not defined`); // validation rules this out
    return this.secretAt(master.path);
  }

  secretAt(path: string): ApplicationSecret {
    const s = this.secrets.get(path);
    if (!s) throw new Error(`${this.node.id}: no secret at ${path}`);
    return s;
  }
}

/** Tags that say what a secret is and, for rotating types, how its rotation function shapes values. */
function secretTags(env: string, s: SecretModel): Record<string, string> {
  const tags: Record<string, string> = {
    [TAGS.environment]: env,
    [TAGS.application]: s.app,
    [TAGS.managedBy]: MANAGED_BY,
    [TAGS.secretType]: s.spec.type,
  };
  if (s.spec.type === "jwt") {
    tags[TAGS.jwtAlgorithm] = s.spec.algorithm;
    tags[TAGS.jwtExpiryHours] = String(s.spec.expiryHours);
  }
  if (s.spec.type === "token") tags[TAGS.tokenLength] = String(s.spec.length);
  return tags;
}
