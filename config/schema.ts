// The schema of the platform description (config/platform.yaml). It is the public interface of the
// project: DESIGN.md section 2 fixes the names; fields may be added, never renamed.
import { z } from "zod";

/** The in-cluster API server audience of EKS and most distributions (kubeadm: ...svc.cluster.local). */
export const KUBERNETES_API_AUDIENCE = "https://kubernetes.default.svc";

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const nameMessage = "use lowercase letters, digits and single dashes, starting with a letter (e.g. my-app)";
const name = (max: number) =>
  z.string().regex(NAME, nameMessage).max(max, `at most ${max} characters`);

/** Secret names may also use underscores; in Key Vault they become dashes. */
const SECRET_NAME = /^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/;
const secretName = z
  .string()
  .regex(SECRET_NAME, "use lowercase letters, digits, single dashes or underscores, starting with a letter")
  .max(40, "at most 40 characters");

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const uuid = (what: string) => z.string().regex(UUID, `must be a ${what} GUID like 00000000-0000-0000-0000-000000000000`);

const httpsUrl = (what: string) =>
  z
    .string()
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === "https:" && u.hostname.length > 0;
      } catch {
        return false;
      }
    }, `must be an https:// URL of the ${what}`);

const everyDays = z
  .number()
  .int("must be a whole number of days")
  .min(1, "rotation must happen at least every 365 days and at most daily: use 1 to 365")
  .max(365, "rotation must happen at least every 365 days and at most daily: use 1 to 365");

/**
 * Secrets Manager's schedule expressions: rate(N days) within the platform's 1 to 365 days,
 * rate(N hours) from AWS's 4-hour minimum, or a six-field cron(...).
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(expression);
  if (rate) {
    const n = Number(rate[1]);
    if (rate[2].startsWith("day") && (n < 1 || n > 365)) return "rotation must happen at least every 365 days and at most daily: use rate(1 days) to rate(365 days)";
    if (rate[2].startsWith("hour") && (n < 4 || n > 23)) return "Secrets Manager rotates at most every 4 hours: use rate(4 hours) to rate(23 hours), or days";
    return undefined;
  }
  const cron = /^cron\(([^()]+)\)$/.exec(expression);
  if (cron) {
    return cron[1].trim().split(/\s+/).length === 6 ? undefined : "a cron() schedule has six fields: minutes hours day-of-month month day-of-week year";
  }
  return "must be rate(N days), rate(N hours) or cron(...)";
}

/** Either a day cadence or a Secrets Manager schedule expression (rate() or cron()). */
const cadence = {
  everyDays: everyDays.optional(),
  scheduleExpression: z
    .string()
    .superRefine((v, ctx) => {
      const problem = scheduleExpressionProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional(),
};

const rotationSimple = z.strictObject({ ...cadence });

const rotationPostgres = z.strictObject({
  strategy: z.enum(["single-user", "alternating-users"], {
    error: "must be single-user or alternating-users",
  }),
  ...cadence,
  masterSecret: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9_-]*$/, "must be <app>/<secret>, e.g. dbadmin/master")
    .optional(),
});

const postgresSecret = z.strictObject({
  type: z.literal("postgres"),
  description: z.string().max(200).optional(),
  rotation: rotationPostgres.optional(),
  /** Vault only: issue short-lived credentials from Vault's database engine instead of a stored value. */
  dynamic: z.boolean().optional(),
});

const jwtSecret = z.strictObject({
  type: z.literal("jwt"),
  description: z.string().max(200).optional(),
  algorithm: z.enum(["HS256", "RS256", "ES256"], { error: "must be HS256, RS256 or ES256" }).default("HS256"),
  expiryHours: z.number().int().min(1).max(720).default(24),
  rotation: rotationSimple.optional(),
  dynamic: z.boolean().optional(),
});

const tokenSecret = z.strictObject({
  type: z.literal("token"),
  description: z.string().max(200).optional(),
  length: z.number().int().min(16, "at least 16 characters").max(256).default(48),
  rotation: rotationSimple.optional(),
  dynamic: z.boolean().optional(),
});

const apiKeySecret = z.strictObject({
  type: z.literal("api-key"),
  description: z.string().max(200).optional(),
  /** Azure Key Vault sets the secret's expiration this many days after creation. @default 365 on Azure */
  expiresAfterDays: z.number().int().min(1).max(3650).optional(),
  // Accepted here only so that the cross-field check can explain why it is wrong.
  rotation: z.unknown().optional(),
  dynamic: z.boolean().optional(),
});

const secret = z.discriminatedUnion("type", [postgresSecret, jwtSecret, tokenSecret, apiKeySecret], {
  error: (issue) =>
    issue.code === "invalid_union" ? "type must be one of postgres, jwt, api-key, token" : undefined,
});

const kubernetesBinding = z.strictObject({
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name (lowercase, digits, dashes)")
    .max(63),
  serviceAccount: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes service account name (lowercase, digits, dashes, dots)")
    .max(253),
});

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "must be an IPv4 CIDR such as 10.0.0.0/16");

const approleBinding = z.strictObject({
  secretIdTtlSeconds: z.number().int().min(60).max(2_592_000).default(86_400),
  tokenTtlSeconds: z.number().int().min(60).max(86_400).default(3600),
  tokenMaxTtlSeconds: z.number().int().min(60).max(86_400).default(14_400),
  boundCidrs: z.array(cidr).optional(),
});

const workload = z.strictObject({
  description: z.string().max(200).optional(),
  kubernetes: kubernetesBinding.optional(),
  approle: approleBinding.optional(),
  reads: z.array(secretName).min(1, "a workload must read at least one secret"),
});

/** A stack group's name: it ends the names of its stacks, aws-<env>-<group>. */
export const STACK_GROUP = /^[a-z][a-z0-9-]{0,19}$/;

const application = z.strictObject({
  description: z.string().max(200).optional(),
  secrets: z.record(secretName, secret).refine((s) => Object.keys(s).length > 0, "an application needs at least one secret"),
  workloads: z.record(name(40), workload).optional(),
  /**
   * The stack group whose AWS stacks (aws-<env>-<group>) hold this application, so that no stack grows past
   * stacks.maxResources. @default - the first group, in aws-<env>
   */
  stackGroup: z
    .string()
    .regex(STACK_GROUP, "must be a stack group name: a lowercase letter, then up to 19 lowercase letters, digits or dashes, e.g. team-a")
    .optional(),
});

/** Limits on every stack the description builds. */
export const DEFAULT_MAX_RESOURCES = 500;
const stacksLimits = z.strictObject({
  /** Resources one stack may hold: every plan refreshes them all. @default 500 */
  maxResources: z.number().int().min(10).max(100_000).default(DEFAULT_MAX_RESOURCES),
});

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
/** ARNs and service endpoints are built for the commercial partition (arn:aws, amazonaws.com). */
const awsRegion = z
  .string()
  .regex(REGION, "must be an AWS region such as us-east-1")
  .refine((r) => !/^(cn-|us-gov-|us-iso)/.test(r), "is outside the aws partition (China, GovCloud and ISO regions use other ARNs and endpoints), which this platform does not build for yet");
const OIDC_ARN = /^arn:aws(-[a-z]+)?:iam::(\d{12}):oidc-provider\/[A-Za-z0-9.\-_/]+$/;

const awsBackend = z.strictObject({
  type: z.literal("s3", { error: "must be s3 for an AWS stack's state (azurerm state is for Vault and Azure stacks)" }),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name"),
  key: z.string().min(1).optional(),
  region: z.string().regex(REGION, "must be an AWS region such as us-east-1"),
  kmsKeyId: z.string().optional(),
});

const azurermBackend = z.strictObject({
  type: z.literal("azurerm"),
  resourceGroupName: z.string().min(1),
  storageAccountName: z.string().regex(/^[a-z0-9]{3,24}$/, "must be a storage account name (3-24 lowercase letters and digits)"),
  containerName: z.string().regex(/^[a-z0-9](-?[a-z0-9])*$/, "must be a blob container name").min(3).max(63),
  key: z.string().min(1).optional(),
});

const backend = z.discriminatedUnion("type", [awsBackend, azurermBackend], {
  error: (issue) => (issue.code === "invalid_union" ? "type must be s3 or azurerm" : undefined),
});

const awsEnvironment = z.strictObject({
  accountId: z.string({ error: "must be a 12-digit AWS account id in quotes" }).regex(ACCOUNT, "must be a 12-digit AWS account id in quotes, e.g. \"111111111111\""),
  region: awsRegion,
  eks: z
    .strictObject({
      oidcProviderArn: z
        .string()
        .regex(OIDC_ARN, "must be an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer host and path>"),
    })
    .optional(),
  network: z
    .strictObject({
      subnetIds: z
        .array(z.string().regex(/^subnet-[0-9a-f]{4,17}$/, "must be a subnet id such as subnet-0abc"))
        .min(1, "list at least one subnet (one per Availability Zone) for the rotation functions"),
      securityGroupIds: z
        .array(z.string().regex(/^sg-[0-9a-f]{4,17}$/, "must be a security group id such as sg-0abc"))
        .min(1, "list at least one security group that may reach the database"),
      /** Create a Secrets Manager interface endpoint in the VPC of these subnets. */
      vpcId: z.string().regex(/^vpc-[0-9a-f]{4,17}$/, "must be a VPC id such as vpc-0abc").optional(),
      secretsManagerEndpoint: z.boolean().default(true),
    })
    .optional(),
  recoveryWindowDays: z.number().int().min(7, "Secrets Manager allows 7 to 30 days").max(30, "Secrets Manager allows 7 to 30 days").optional(),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => LOG_RETENTION_DAYS.includes(d), `must be one of CloudWatch's retention values: ${"1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"}`)
    .optional(),
  /** SNS topic the rotation error alarms notify. */
  alarmTopicArn: z.string().regex(/^arn:aws(-[a-z]+)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN").optional(),
  backend: awsBackend.optional(),
});

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The facilities Vault's syslog audit device accepts (go-syslog, case-insensitive); others fail when the device is enabled. */
export const SYSLOG_FACILITIES = ["KERN", "USER", "MAIL", "DAEMON", "AUTH", "SYSLOG", "LPR", "NEWS", "UUCP", "CRON", "AUTHPRIV", "FTP", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6", "LOCAL7"];

const vaultAudit = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("file"), path: z.string().startsWith("/", "must be an absolute file path") }),
  z.strictObject({
    type: z.literal("syslog"),
    tag: z.string().default("vault"),
    facility: z
      .string()
      .refine((f) => SYSLOG_FACILITIES.includes(f.toUpperCase()), `must be a syslog facility Vault accepts: ${SYSLOG_FACILITIES.join(", ")}`)
      .default("AUTH"),
  }),
  z.strictObject({ type: z.literal("socket"), address: z.string().regex(/^[^\s:]+:\d+$/, "must be host:port"), socketType: z.enum(["tcp", "udp"]).default("tcp") }),
]);

const vaultEnvironment = z.strictObject({
  address: httpsUrl("Vault server"),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "must be a Vault Enterprise namespace path such as team-a or team-a/dev, without leading or trailing slash")
    .optional(),
  kvMount: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be a mount path such as secret").default("secret"),
  kvMaxVersions: z.number().int().min(1).max(100).default(10),
  kubernetes: z
    .strictObject({
      host: httpsUrl("Kubernetes API server"),
      caCert: z.string().includes("BEGIN CERTIFICATE", { message: "must be a PEM certificate" }).optional(),
      authPath: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be an auth mount path such as kubernetes").default("kubernetes"),
      /**
       * The audience Vault requires in a login token. With the client's own token as reviewer, the same
       * token authenticates Vault's TokenReview call, so it must be an audience the API server accepts.
       */
      audience: z.string().min(1).default(KUBERNETES_API_AUDIENCE),
      tokenTtlSeconds: z.number().int().min(60).max(86_400).default(3600),
      tokenMaxTtlSeconds: z.number().int().min(60).max(86_400).default(14_400),
    })
    .optional(),
  approlePath: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be an auth mount path such as approle (lowercase letters, digits, _ and -, starting with a letter)").default("approle"),
  /** Audit devices; when absent, a file device and a syslog device (two, so Vault keeps serving if one blocks). */
  audit: z.array(vaultAudit).min(1, "Vault needs at least one audit device; omit audit for the default file and syslog devices").optional(),
  database: z
    .strictObject({
      mount: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be a mount path such as database (lowercase letters, digits, _ and -, starting with a letter)").default("database"),
      // The same rule as constructs/vault/postgres-connection.ts, so that a host it refuses is reported here with its field.
      host: z.string().regex(/^[A-Za-z0-9.-]+$/, "must be a host name or IPv4 address (letters, digits, dots and dashes), e.g. pg.dev.example.com"),
      port: z.number().int().min(1).max(65535).default(5432),
      dbname: z.string().min(1),
      username: z.string().min(1),
      sslmode: z.enum(["require", "verify-ca", "verify-full", "disable"]).default("verify-full"),
      defaultTtlSeconds: z.number().int().min(60).default(3600),
      maxTtlSeconds: z.number().int().min(60).default(86_400),
      /** Raise it to send a new admin password (TF_VAR_vault_database_password) to Vault's connection. */
      passwordVersion: z.number().int().min(1).default(1),
    })
    .optional(),
  backend: backend.optional(),
});

const SUBNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const VNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i;
const WORKSPACE_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;

const azureEnvironment = z.strictObject({
  subscriptionId: uuid("subscription"),
  tenantId: uuid("tenant"),
  location: z.string().regex(/^[a-z][a-z0-9]+$/, "must be an Azure region name such as eastus"),
  resourceGroupName: z.string().regex(/^[-\w.()]{1,89}[-\w()]$/, "must be a resource group name (letters, digits, -_.(), not ending in a dot)"),
  keyVaultName: z.string().optional(),
  privateEndpoint: z.strictObject({
    subnetId: z.string().regex(SUBNET_ID, "must be a subnet resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>"),
    virtualNetworkId: z.string().regex(VNET_ID, "must be a virtual network resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>"),
  }),
  aksOidcIssuerUrl: httpsUrl("AKS OIDC issuer"),
  logAnalyticsWorkspaceId: z.string().regex(WORKSPACE_ID, "must be a Log Analytics workspace resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>"),
  /**
   * The object id of the principal that deploys (a pipeline identity): it gets Key Vault Secrets Officer.
   * @default - whoever runs Terraform
   */
  deployerObjectId: uuid("deployer object id").optional(),
  /** A CanNotDelete lock on the vault. @default - on in production environments, off elsewhere */
  managementLock: z.boolean().optional(),
  softDeleteRetentionDays: z.number().int().min(7).max(90).default(90),
  /**
   * Seconds to wait after granting the deployer its data-plane role before creating secrets, for Azure RBAC to
   * propagate (0: no wait). Needs `sleep` on the deploying machine.
   */
  rbacPropagationSeconds: z.number().int().min(0, "use 0 (no wait) to 600").max(600, "use 0 (no wait) to 600").default(60),
  backend: backend.optional(),
});

const environment = z
  .strictObject({
    /** Production gets the stricter defaults (recovery window, log retention, locks, rotation required). */
    production: z.boolean().optional(),
    aws: awsEnvironment.optional(),
    vault: vaultEnvironment.optional(),
    azure: azureEnvironment.optional(),
  })
  .refine((e) => e.aws || e.vault || e.azure, "an environment needs at least one of aws, vault, azure");

export const platformSchema = z.strictObject({
  organization: name(32),
  environments: z
    .record(name(24), environment)
    .refine((e) => Object.keys(e).length > 0, "at least one environment is needed"),
  applications: z
    .record(name(40), application)
    .refine((a) => Object.keys(a).length > 0, "at least one application is needed"),
  stacks: stacksLimits.prefault({}),
});

export type PlatformInput = z.input<typeof platformSchema>;
export type Platform = z.output<typeof platformSchema>;
export type Environment = Platform["environments"][string];
export type AwsEnvironment = NonNullable<Environment["aws"]>;
export type VaultEnvironment = NonNullable<Environment["vault"]>;
export type AzureEnvironment = NonNullable<Environment["azure"]>;
export type Application = Platform["applications"][string];
export type SecretSpec = Application["secrets"][string];
export type WorkloadSpec = NonNullable<Application["workloads"]>[string];
export type StateBackend = z.output<typeof backend>;
