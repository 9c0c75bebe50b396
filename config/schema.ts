// The schema of the platform description (config/platform.yaml). It is the public interface of the
// project: DESIGN.md section 2 fixes the names; fields may be added, never renamed.
import { z } from "zod";
import { cronProblem } from "./cron";
import { parseRate } from "../contracts/cadence";

/** The JSON Schema keyword that marks a field refused where it stands (see refusedHere). */
export const REFUSED_HERE = "x-refused-here";

/**
 * A field accepted only so that a cross-check can say what to write instead (a field of another type, one that moved):
 * the check refuses any value, editors flag it at once, and the reference does not list it where it does not apply.
 */
const refusedHere = (why: string) => z.unknown().optional().meta({ description: why, [REFUSED_HERE]: true });

/** The in-cluster API server audience of EKS and most distributions (kubeadm: ...svc.cluster.local). */
export const KUBERNETES_API_AUDIENCE = "https://kubernetes.default.svc";

/**
 * Defaults of the description's fields. The schema fills them in; the cross-checks in config/checks (which read the
 * raw input, so that one run reports every problem) and the stacks (for defaults that depend on production) take the
 * same values from here instead of restating them.
 */
export const DEFAULTS = {
  delivery: "sdk",
  secretsManagerEndpoint: "existing",
  /** CloudWatch retention of the rotation functions' logs. */
  logRetentionDays: 365,
  /** Secrets Manager recovery window of a deleted secret. */
  recoveryWindowDays: { production: 30, other: 7 },
  /** Expiry Key Vault sets on api-key secrets that give no expiresAfterDays. */
  apiKeyExpiryDays: 365,
  /** Vault tokens of Kubernetes and AppRole logins. */
  tokenTtlSeconds: 3600,
  tokenMaxTtlSeconds: 14_400,
  vault: {
    kvMount: "secret",
    approlePath: "approle",
    kubernetesAuthPath: "kubernetes",
    databaseMount: "database",
    transitMount: "transit",
    databaseSslmode: "verify-full",
    databaseDefaultTtlSeconds: 3600,
    databaseMaxTtlSeconds: 86_400,
  },
} as const;

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
 * rate(N hours) from AWS's 4-hour minimum, or a six-field cron(...) checked field by field (config/cron.ts).
 */
export function scheduleExpressionProblem(expression: string): string | undefined {
  const rate = parseRate(expression);
  if (rate) {
    const n = rate.count;
    if (rate.unit === "days" && (n < 1 || n > 365)) return "rotation must happen at least every 365 days and at most daily: use rate(1 days) to rate(365 days)";
    if (rate.unit === "hours" && (n < 4 || n > 23)) return "Secrets Manager rotates at most every 4 hours: use rate(4 hours) to rate(23 hours), or days";
    return undefined;
  }
  const cron = /^cron\(([^()]+)\)$/.exec(expression);
  if (cron) {
    return cronProblem(cron[1]);
  }
  return "must be rate(N days), rate(N hours) or cron(...)";
}

/** Either a day cadence or a Secrets Manager schedule expression (rate() or cron()). */
const cadence = {
  everyDays: everyDays.optional().describe("Rotate every this many days (1 to 365). Give this or scheduleExpression."),
  scheduleExpression: z
    .string()
    .superRefine((v, ctx) => {
      const problem = scheduleExpressionProblem(v);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .optional()
    .describe("A schedule instead of everyDays: rate(N days), rate(N hours) from 4 hours, or a six-field cron(...) as Secrets Manager reads them (minutes 0; hours 0-23, at least 4 hours apart; day-of-month 1-31 or L; month 1-12 or JAN-DEC; day-of-week 1-7 or SUN-SAT, L or #; year *; ? in exactly one of the two day fields), checked field by field."),
};

const rotationSimple = z.strictObject({ ...cadence });

const rotationPostgres = z.strictObject({
  strategy: z.enum(["single-user", "alternating-users"], {
    error: "must be single-user or alternating-users",
  }).describe("single-user: the secret's user changes its own password. alternating-users: the masterSecret's user keeps two users and rotation alternates between them, so one always works."),
  ...cadence,
  masterSecret: z
    .string()
    .regex(/^[a-z][a-z0-9-]*\/[a-z][a-z0-9_-]*$/, "must be <app>/<secret>, e.g. dbadmin/master")
    .optional()
    .describe("alternating-users only: <app>/<secret> of the postgres secret whose user may create and alter users."),
});

/**
 * Adoption of secrets that exist already (docs/adopting.md): per backend, the existing secret's name, which then
 * replaces the <env>/<app>/<secret> convention there. The formats are checked in config/checks/adopt.ts, which also
 * sees environments.<env>.applications.<app>.secrets.<secret>.adopt.
 */
const adoptSpec = z
  .strictObject({
    aws: z.string().min(1).optional().describe("The existing Secrets Manager secret: its name or full ARN; imported into aws-<env>."),
    azure: z.string().min(1).optional().describe("The existing secret's name in the environment's Key Vault; workloads are granted on it, Terraform never manages or reads it."),
    vault: z.string().min(1).optional().describe("The existing secret's path under the environment's KV v2 mount (no mount, no data/); policies and agents use it."),
  })
  .describe("Existing secrets taken over, per backend.");

const postgresSecret = z.strictObject({
  type: z.literal("postgres").describe("postgres: PostgreSQL credentials (username, password, host, port, dbname, engine), rotated by the platform."),
  description: z.string().max(200).optional().describe("Free text for people reading the description and the review (at most 200 characters)."),
  rotation: rotationPostgres.optional().describe("How and how often the platform rotates the value. Required in production on every backend the application is placed on (on Vault: a static role, a transit key or dynamic credentials; a token cannot rotate there)."),
  /** Vault only: issue short-lived credentials from Vault's database engine instead of a stored value. */
  dynamic: z.boolean().optional().describe("postgres on Vault only: issue short-lived credentials from Vault's database engine instead of keeping a stored value."),
  vaultDatabase: name(24)
    .optional()
    .describe("postgres on Vault only: the connection (environments.<env>.vault.databases.<name>) its dynamic role or static role uses; required where an environment has more than one, and it must exist in every environment the application is placed on Vault."),
  adopt: adoptSpec.optional().describe("Existing secrets this one takes over instead of creating new ones (docs/adopting.md): their names stay, their values are never read or written by Terraform."),
});

const jwtSecret = z.strictObject({
  type: z.literal("jwt").describe("jwt: a JWT signing key (secret_key, algorithm, expiry_hours, kid), rotated by the platform."),
  description: z.string().max(200).optional().describe("Free text for people reading the description and the review (at most 200 characters)."),
  algorithm: z
    .enum(["HS256", "RS256", "ES256"], { error: "must be HS256, RS256 or ES256" })
    .default("HS256")
    .describe("Signing algorithm: HS256 (a shared secret), RS256 or ES256 (a key pair; the public key is kept with it)."),
  expiryHours: z.number().int().min(1).max(720).default(24).describe("Lifetime of the tokens the application signs, kept in the value as expiry_hours (1 to 720)."),
  rotation: rotationSimple.optional().describe("How often the platform rotates the value. Required in production on every backend the application is placed on (on Vault: a static role, a transit key or dynamic credentials; a token cannot rotate there)."),
  dynamic: refusedHere("postgres on Vault only: only postgres secrets can be dynamic."),
  adopt: adoptSpec.optional().describe("Existing secrets this one takes over instead of creating new ones (docs/adopting.md): their names stay, their values are never read or written by Terraform."),
});

const tokenSecret = z.strictObject({
  type: z.literal("token").describe("token: an opaque random value the platform generates and rotates."),
  description: z.string().max(200).optional().describe("Free text for people reading the description and the review (at most 200 characters)."),
  length: z.number().int().min(16, "at least 16 characters").max(256).default(48).describe("Length of the generated value in characters (16 to 256)."),
  rotation: rotationSimple.optional().describe("How often the platform rotates the value. Required in production on every backend the application is placed on (on Vault: a static role, a transit key or dynamic credentials; a token cannot rotate there)."),
  dynamic: refusedHere("postgres on Vault only: only postgres secrets can be dynamic."),
  adopt: adoptSpec.optional().describe("Existing secrets this one takes over instead of creating new ones (docs/adopting.md): their names stay, their values are never read or written by Terraform."),
});

const apiKeySecret = z.strictObject({
  type: z.literal("api-key").describe("api-key: a value a person puts (e.g. a vendor's API key); never rotated by the platform."),
  description: z.string().max(200).optional().describe("Free text for people reading the description and the review (at most 200 characters)."),
  /** Azure Key Vault sets the secret's expiration this many days after creation. @default 365 on Azure */
  expiresAfterDays: z.number().int().min(1).max(3650).optional().describe(`Azure Key Vault marks the secret expired this many days after it is created (default ${DEFAULTS.apiKeyExpiryDays} on Azure): renew the value before then.`),
  rotation: refusedHere("Not allowed: a person sets api-key values. Use type token for a value the platform generates and rotates."),
  dynamic: refusedHere("postgres on Vault only: only postgres secrets can be dynamic."),
  adopt: adoptSpec.optional().describe("Existing secrets this one takes over instead of creating new ones (docs/adopting.md): their names stay, their values are never read or written by Terraform."),
});

const secret = z.discriminatedUnion("type", [postgresSecret, jwtSecret, tokenSecret, apiKeySecret], {
  error: (issue) =>
    issue.code === "invalid_union" ? "type must be one of postgres, jwt, api-key, token" : undefined,
}).describe("A secret; its type decides what the value holds and how it rotates.");

/** How a Kubernetes workload's pods get their secrets (docs/kubernetes.md). */
export const KUBERNETES_DELIVERIES = ["sdk", "external-secrets", "vault-agent", "csi"] as const;
export const SECRET_BACKENDS = ["aws", "vault", "azure"] as const;
const secretBackend = z.enum(SECRET_BACKENDS, { error: "must be aws, vault or azure" });

/**
 * Where an application's secrets live (DESIGN.md section 3): a non-empty list of backends without repeats. Intersected
 * with the backends each environment has (config/placement.ts), so naming one an environment lacks is not an error.
 */
const placementList = z
  .array(secretBackend)
  .min(1, "place the application on at least one backend, or leave backends out for every backend the environment has")
  .refine((l) => new Set(l).size === l.length, "lists a backend twice");

/** How one secret a workload reads is delivered by External Secrets (kubernetes.secrets.<secret>). */
const deliveredSecret = z.strictObject({
  secretName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes Secret name (lowercase letters, digits, dashes, dots)")
    .max(253)
    .optional()
    .describe("Name of the Secret (and ExternalSecret); default <app>-<secret>."),
  template: z
    .record(
      z.string().regex(/^[-._a-zA-Z0-9]+$/, "must be a Secret key (letters, digits, -, _ and .)"),
      z.string().min(1).describe("A Go template (ESO template v2) over the value's fields, e.g. {{ .password }}."),
    )
    .refine((t) => Object.keys(t).length > 0, "give at least one key, or leave template out for one key per field of the value")
    .optional()
    .describe("Keys of the Secret built from the value's fields with External Secrets' template v2 syntax, e.g. DATABASE_URL: postgresql://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .dbname }}; default one key per field."),
  refreshInterval: z
    .string()
    .regex(/^(\d+h)?(\d+m)?(\d+s)?$/, "must be a duration such as 1h, 30m or 1h30m")
    .refine((d) => d !== "" && !/^(0+[hms])+$/.test(d), "must be longer than 0: a Secret that is never refreshed keeps a rotated value forever")
    .optional()
    .describe("How often External Secrets reads the value again; at most a tenth of the rotation period (and 1h); default that bound."),
}).describe("How External Secrets delivers this secret: the Secret's name, its keys, its refresh.");

const kubernetesBinding = z.strictObject({
  /**
   * sdk: the application calls the secrets manager itself; external-secrets: the External Secrets Operator syncs each
   * secret into a Secret <app>-<secret>; vault-agent: the Vault Agent Injector renders each secret into a file.
   */
  delivery: z
    .enum(KUBERNETES_DELIVERIES, { error: "must be sdk, external-secrets, vault-agent or csi" })
    .default(DEFAULTS.delivery)
    .describe("How the pods get their secrets: sdk (the application calls the secrets manager), external-secrets (synced into a Secret <app>-<secret>), vault-agent (rendered into a file by the Vault Agent Injector), csi (mounted by the Secrets Store CSI driver through a SecretProviderClass <app>-<workload>)."),
  /** The backend this workload reads from. @default - the environment's kubernetes.secretStoreBackend */
  backend: secretBackend.optional().describe("The backend this workload's External Secrets or agent read from; default the environment's kubernetes.secretStoreBackend."),
  namespace: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "must be a Kubernetes namespace name (lowercase, digits, dashes)")
    .max(63)
    .describe("Namespace of the workload's pods."),
  serviceAccount: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "must be a Kubernetes service account name (lowercase, digits, dashes, dots)")
    .max(253)
    .describe("Service account the pods run as; each workload needs its own."),
  /** The cluster the pods run in (environments.<env>.kubernetes.clusters). @default - the environment's only cluster */
  cluster: z.string().optional().describe("The cluster the pods run in, a name of environments.<env>.kubernetes.clusters; required where an environment has more than one."),
  /** external-secrets only: per secret read, how the synced Secret looks. */
  secrets: z
    .record(secretName, deliveredSecret)
    .optional()
    .describe("external-secrets only: per secret it reads, the Secret's name, keys built from the value's fields (template) and how often it is refreshed."),
});

const cidr = z
  .string()
  .regex(/^(\d{1,3}\.){3}\d{1,3}\/(\d|[12]\d|3[0-2])$/, "must be an IPv4 CIDR such as 10.0.0.0/16");

const approleBinding = z.strictObject({
  /** Lifetime of a secret id: short, since it is delivered just before the workload logs in with it. */
  secretIdTtlSeconds: z.number().int().min(60).max(2_592_000).default(600).describe("Lifetime of an AppRole secret id, in seconds; short, since it is delivered just before the workload logs in."),
  /**
   * Logins one secret id allows (Vault's secret_id_num_uses; 0 there means unlimited, which is refused here).
   * @default 1 - each start of the workload gets a fresh secret id
   */
  secretIdNumUses: z
    .number()
    .int()
    .min(1, "a secret id must be usable a limited number of times: use 1 (the default) or more; unlimited (0) is refused")
    .max(100)
    .default(1)
    .describe("Logins one secret id allows; 1 means each start of the workload gets a fresh secret id. Unlimited (0) is refused."),
  tokenTtlSeconds: z.number().int().min(60).max(86_400).default(DEFAULTS.tokenTtlSeconds).describe("Lifetime of the Vault token a login returns, in seconds (at most tokenMaxTtlSeconds)."),
  tokenMaxTtlSeconds: z.number().int().min(60).max(86_400).default(DEFAULTS.tokenMaxTtlSeconds).describe("Longest a renewed token lives, in seconds."),
  boundCidrs: z.array(cidr).optional().describe("IPv4 networks the AppRole may log in from and use its token from (secret id and token CIDR bindings); default anywhere."),
});

const workload = z.strictObject({
  description: z.string().max(200).optional().describe("Free text for people reading the description and the review (at most 200 characters)."),
  kubernetes: kubernetesBinding.optional().describe("The pods authenticate as this Kubernetes service account (IRSA on EKS, Vault Kubernetes auth, AKS workload identity). Give this or approle."),
  approle: approleBinding.optional().describe("The workload authenticates to Vault with AppRole (Vault only). Give this or kubernetes."),
  delivery: refusedHere("Belongs under kubernetes: kubernetes.delivery."),
  reads: z.array(secretName).min(1, "a workload must read at least one secret").describe("Secrets of its own application that the workload reads; it gets exactly these, on every backend."),
}).describe("Something that reads secrets at run time: a deployment, a job.");

/** A stack group's name: it ends the names of its stacks, <backend>-<env>-<group>. */
export const STACK_GROUP = /^[a-z][a-z0-9-]{0,19}$/;

const application = z.strictObject({
  description: z.string().max(200).optional().describe("Free text for people reading the description and the review (at most 200 characters)."),
  secrets: z
    .record(secretName, secret)
    .refine((s) => Object.keys(s).length > 0, "an application needs at least one secret")
    .describe("The application's secrets by name (lowercase letters, digits, single _ or -; at most 40 characters)."),
  workloads: z.record(name(40), workload).optional().describe("Who reads the secrets, by name (lowercase letters, digits, single dashes; at most 40 characters)."),
  /**
   * The stack group whose stacks (aws-, vault- and azure-<env>-<group>) hold this application, so that no stack grows
   * past stacks.maxResources. @default - the first group, in <backend>-<env>
   */
  backends: placementList
    .optional()
    .describe("The backends that hold this application's secrets and give its workloads access (aws, vault, azure), intersected with each environment's; default every backend the environment has. environments.<env>.applications.<app>.backends overrides it per environment."),
  stackGroup: z
    .string()
    .regex(STACK_GROUP, "must be a stack group name: a lowercase letter, then up to 19 lowercase letters, digits or dashes, e.g. team-a")
    .optional()
    .describe("The stack group whose stacks (aws-, vault- and azure-<env>-<group>) hold this application, so that no stack grows past stacks.maxResources; default the first group, in <backend>-<env>."),
}).describe("An application: its secrets and the workloads that read them.");

/** Limits on every stack the description builds. */
export const DEFAULT_MAX_RESOURCES = 500;
const stacksLimits = z
  .strictObject({
    /** Resources one stack may hold: every plan refreshes them all. @default 500 */
    maxResources: z
      .number()
      .int()
      .min(10)
      .max(100_000)
      .default(DEFAULT_MAX_RESOURCES)
      .describe("Resources one stack may hold (every plan refreshes them all); a larger stack is refused."),
  })
  .describe("Limits on every stack the description builds.");

/** An AWS account id: exactly 12 digits. */
export const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
/** ARNs and service endpoints are built for the commercial partition (arn:aws, amazonaws.com). */
const awsRegion = z
  .string()
  .regex(REGION, "must be an AWS region such as us-east-1")
  .refine((r) => !/^(cn-|us-gov-|us-iso)/.test(r), "is outside the aws partition (China, GovCloud and ISO regions use other ARNs and endpoints), which this platform does not build for yet");
const OIDC_ARN = /^arn:aws(-[a-z]+)?:iam::(\d{12}):oidc-provider\/[A-Za-z0-9.\-_/]+$/;

const awsBackend = z.strictObject({
  type: z.literal("s3", { error: "must be s3 for an AWS stack's state (azurerm state is for Vault and Azure stacks)" }).describe("s3: state in an S3 bucket, encrypted, with S3's lock file."),
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "must be an S3 bucket name").describe("The state bucket."),
  key: z.string().min(1).optional().describe("Object key of the state; default secrets-platform/<stack>.tfstate. Each stack needs its own."),
  region: z.string().regex(REGION, "must be an AWS region such as us-east-1").describe("Region of the state bucket."),
  kmsKeyId: z.string().optional().describe("KMS key that encrypts the state object; default the bucket's S3-managed key."),
});

const azurermBackend = z.strictObject({
  type: z.literal("azurerm").describe("azurerm: state in an Azure storage blob, with Microsoft Entra authentication."),
  resourceGroupName: z.string().min(1).describe("Resource group of the storage account."),
  storageAccountName: z.string().regex(/^[a-z0-9]{3,24}$/, "must be a storage account name (3-24 lowercase letters and digits)").describe("Storage account of the state."),
  containerName: z.string().regex(/^[a-z0-9](-?[a-z0-9])*$/, "must be a blob container name").min(3).max(63).describe("Blob container of the state."),
  key: z.string().min(1).optional().describe("Blob name of the state; default secrets-platform/<stack>.tfstate. Each stack needs its own."),
});

const backend = z.discriminatedUnion("type", [awsBackend, azurermBackend], {
  error: (issue) => (issue.code === "invalid_union" ? "type must be s3 or azurerm" : undefined),
});

const awsEnvironment = z.strictObject({
  accountId: z.string({ error: "must be a 12-digit AWS account id in quotes" }).regex(ACCOUNT, "must be a 12-digit AWS account id in quotes, e.g. \"111111111111\"")
    .describe("The environment's AWS account, 12 digits in quotes."),
  region: awsRegion.describe("AWS region of the secrets (the aws partition; not China, GovCloud or ISO)."),
  eks: z
    .strictObject({
      oidcProviderArn: z
        .string()
        .regex(OIDC_ARN, "must be an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer host and path>")
        .describe("The cluster's IAM OIDC provider, in this environment's account."),
    })
    .optional()
    .describe("An EKS cluster whose pods get IAM roles (IRSA) for the Kubernetes workloads."),
  network: z
    .strictObject({
      subnetIds: z
        .array(z.string().regex(/^subnet-[0-9a-f]{4,17}$/, "must be a subnet id such as subnet-0abc"))
        .min(1, "list at least one subnet (one per Availability Zone) for the rotation functions")
        .describe("Subnets of the rotation functions, one per Availability Zone."),
      securityGroupIds: z
        .array(z.string().regex(/^sg-[0-9a-f]{4,17}$/, "must be a security group id such as sg-0abc"))
        .min(1, "list at least one security group that may reach the database")
        .describe("Security groups of the rotation functions; they must reach the database."),
      /** The VPC of these subnets; needed to create the Secrets Manager endpoint. */
      vpcId: z
        .string()
        .regex(/^vpc-[0-9a-f]{4,17}$/, "must be a VPC id such as vpc-0abc")
        .optional()
        .describe("The VPC of the subnets; needed with secretsManagerEndpoint: create."),
      /**
       * How the functions in the VPC reach Secrets Manager: `existing`, the VPC's own interface endpoint (most VPCs
       * that run EKS have one); `create`, a new endpoint with private DNS, which then answers for every client of the
       * VPC; `none`, the public endpoint through a NAT.
       */
      secretsManagerEndpoint: z
        .enum(["create", "existing", "none"], {
          error: "must be create, existing or none (the former true is create, false is none)",
        })
        .default(DEFAULTS.secretsManagerEndpoint)
        .describe("How the functions reach Secrets Manager: existing (the VPC's own interface endpoint), create (a new endpoint with private DNS, which answers for every client of the VPC), none (the public endpoint through a NAT)."),
      /** With create: the VPC's CIDR blocks, admitted to the endpoint on 443 (no AWS lookup runs at synth). */
      vpcCidrBlocks: z
        .array(cidr)
        .min(1, "list at least one CIDR block, or leave vpcCidrBlocks out")
        .optional()
        .describe("With create: the VPC's CIDR blocks, admitted to the endpoint on port 443."),
      /** With create: security groups of the other clients (EKS nodes, pods) admitted to the endpoint on 443. */
      endpointClientSecurityGroupIds: z
        .array(z.string().regex(/^sg-[0-9a-f]{4,17}$/, "must be a security group id such as sg-0abc"))
        .min(1, "list at least one security group, or leave endpointClientSecurityGroupIds out")
        .optional()
        .describe("With create: security groups of the other clients of the endpoint (EKS nodes, pods), admitted on port 443."),
    })
    .optional()
    .describe("The VPC the rotation functions run in, e.g. to reach a private database."),
  /**
   * Roles that may read every secret of the environment in an emergency, besides the workloads and functions
   * that use them: each secret's resource policy denies reading to everyone else.
   */
  breakGlassRoleArns: z
    .array(z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, "must be an IAM role ARN, arn:aws:iam::<account>:role/<path and name>"))
    .optional()
    .describe("Roles that may read every secret of the environment in an emergency; each secret's policy denies reading to everyone but these, its readers and its rotation."),
  recoveryWindowDays: z
    .number()
    .int()
    .min(7, "Secrets Manager allows 7 to 30 days")
    .max(30, "Secrets Manager allows 7 to 30 days")
    .optional()
    .describe(`Days a deleted secret can still be restored (7 to 30); default ${DEFAULTS.recoveryWindowDays.production} in production, ${DEFAULTS.recoveryWindowDays.other} elsewhere.`),
  logRetentionDays: z
    .number()
    .int()
    .refine((d) => LOG_RETENTION_DAYS.includes(d), `must be one of CloudWatch's retention values: ${"1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"}`)
    .optional()
    .describe(`Days CloudWatch keeps the rotation functions' logs, one of CloudWatch's retention values; default ${DEFAULTS.logRetentionDays}.`),
  /** SNS topic the rotation error alarms notify. */
  alarmTopicArn: z.string().regex(/^arn:aws(-[a-z]+)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN").optional().describe("SNS topic that the rotation error alarms notify."),
  /**
   * Alerts on what policy cannot prevent (issue 22, docs/alerts.md): denied reads, and policy, key or role changes by
   * anyone but the pipeline's deployer. @default - on in production (to a topic the stack creates), off elsewhere
   */
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Turn the alerts off (false); production without them is a guardrail finding (SP-ALR-001)."),
      snsTopicArn: z
        .string()
        .regex(/^arn:aws(-[a-z]+)?:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, "must be an SNS topic ARN, arn:aws:sns:<region>:<account>:<name>")
        .optional()
        .describe("SNS topic the alerts (and the rotation error alarms) go to; it must let events.amazonaws.com publish. Default: a topic the stack creates, encrypted with the environment key."),
    })
    .optional()
    .describe("Alerts on denied reads and on secret, key and role changes made outside the pipeline (docs/alerts.md); default on in production, off elsewhere unless present."),
  backend: awsBackend.optional().describe("Where Terraform keeps this stack's state; default a local file, terraform.<stack>.tfstate."),
});

export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** The facilities Vault's syslog audit device accepts (go-syslog, case-insensitive); others fail when the device is enabled. */
export const SYSLOG_FACILITIES = ["KERN", "USER", "MAIL", "DAEMON", "AUTH", "SYSLOG", "LPR", "NEWS", "UUCP", "CRON", "AUTHPRIV", "FTP", "LOCAL0", "LOCAL1", "LOCAL2", "LOCAL3", "LOCAL4", "LOCAL5", "LOCAL6", "LOCAL7"];

const vaultAudit = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("file").describe("file: audit log lines appended to a file on the Vault servers, or written to their standard output."),
    // "stdout" is Vault's keyword for the server's standard output (docs: vault/docs/audit/file).
    path: z
      .string()
      .refine((p) => p.startsWith("/") || p === "stdout", "must be an absolute file path, or stdout")
      .describe("Absolute path of the log file on the Vault servers, or stdout (collected by the platform's log pipeline)."),
  }),
  z.strictObject({
    type: z.literal("syslog").describe("syslog: audit log lines sent to the Vault servers' syslog."),
    tag: z.string().default("vault").describe("Program tag of the syslog lines."),
    facility: z
      .string()
      .refine((f) => SYSLOG_FACILITIES.includes(f.toUpperCase()), `must be a syslog facility Vault accepts: ${SYSLOG_FACILITIES.join(", ")}`)
      .default("AUTH")
      .describe("Syslog facility of the lines."),
  }),
  z.strictObject({
    type: z.literal("socket").describe("socket: audit log lines sent to a log collector over the network."),
    address: z.string().regex(/^[^\s:]+:\d+$/, "must be host:port").describe("host:port of the collector."),
    socketType: z.enum(["tcp", "udp"]).default("tcp").describe("Protocol to the collector."),
  }),
]).describe("An audit device.");

/**
 * One PostgreSQL connection of Vault's database secrets engine, on its own mount. `vault.database` is the connection
 * named default; `vault.databases.<name>` names several. Loading normalizes both to `databases` (see vaultEnvironment).
 */
const databaseConnection = z.strictObject({
  mount: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*$/, "must be a mount path such as database (lowercase letters, digits, _ and -, starting with a letter)")
    .optional()
    .describe(`Path of this connection's database secrets engine; default ${DEFAULTS.vault.databaseMount} for the connection named default (vault.database), ${DEFAULTS.vault.databaseMount}-<name> for the others.`),
  // The same rule as constructs/vault/postgres-connection.ts, so that a host it refuses is reported here with its field.
  host: z.string().regex(/^[A-Za-z0-9.-]+$/, "must be a host name or IPv4 address (letters, digits, dots and dashes), e.g. pg.dev.example.com").describe("PostgreSQL host that Vault connects to."),
  port: z.number().int().min(1).max(65535).default(5432).describe("PostgreSQL port."),
  dbname: z.string().min(1).describe("Database name."),
  username: z.string().min(1).describe("Admin user Vault connects as; its password is given as TF_VAR_vault_database_password (TF_VAR_vault_database_password_<name> for a connection other than default, dashes as _), never in this file."),
  sslmode: z.enum(["require", "verify-ca", "verify-full", "disable"]).default(DEFAULTS.vault.databaseSslmode).describe("TLS mode of Vault's connection (libpq sslmode)."),
  /** PEM file of the CA that signed the database's certificate (RDS's CA bundle, a private CA), relative to the description file. */
  tlsCaFile: z.string().min(1).optional().describe("PEM file of the CA that signed the database's certificate (RDS's CA bundle, a private CA), relative to the description file; required with verify-full or verify-ca."),
  defaultTtlSeconds: z.number().int().min(60).default(DEFAULTS.vault.databaseDefaultTtlSeconds).describe("Lifetime of issued credentials, in seconds."),
  maxTtlSeconds: z.number().int().min(60).default(DEFAULTS.vault.databaseMaxTtlSeconds).describe("Longest issued credentials live after renewal, in seconds."),
  /** Raise it to send a new admin password to Vault's connection. */
  passwordVersion: z.number().int().min(1).default(1).describe("Raise it to send a new admin password (its TF_VAR_vault_database_password variable) to Vault's connection."),
});

/** The mount of a connection that names none: database for the connection named default, database-<name> for others. */
export function defaultDatabaseMount(connection: string): string {
  return connection === DEFAULT_DATABASE ? DEFAULTS.vault.databaseMount : `${DEFAULTS.vault.databaseMount}-${connection}`;
}

/** The name of the one connection `vault.database` gives. */
export const DEFAULT_DATABASE = "default";

const vaultEnvironment = z.strictObject({
  address: httpsUrl("Vault server").describe("URL of the Vault server (https)."),
  namespace: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, "must be a Vault Enterprise namespace path such as team-a or team-a/dev, without leading or trailing slash")
    .optional()
    .describe("Vault Enterprise namespace of everything the stack creates, e.g. team-a/dev."),
  kvMount: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be a mount path such as secret").default(DEFAULTS.vault.kvMount).describe("Path of the KV version 2 secrets engine the stack mounts."),
  transitMount: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be a mount path such as transit").default(DEFAULTS.vault.transitMount).describe("Path of the transit secrets engine that holds the signing keys of jwt secrets placed on Vault; mounted only when there is one."),
  kvMaxVersions: z.number().int().min(1).max(100).default(10).describe("Versions KV keeps of each secret."),
  kubernetes: z
    .strictObject({
      host: httpsUrl("Kubernetes API server").describe("URL of the Kubernetes API server that Vault asks to review login tokens."),
      /**
       * PEM file of the cluster's CA, relative to the description file: Vault verifies the API server with it when
       * it reviews a login token. Read when the stacks are built.
       */
      caCertFile: z.string().min(1).describe("PEM file of the cluster's CA, relative to the description file; Vault verifies the API server with it when it reviews a login token."),
      caCert: refusedHere("Replaced by caCertFile."),
      authPath: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be an auth mount path such as kubernetes").default(DEFAULTS.vault.kubernetesAuthPath).describe("Path of the Kubernetes auth method."),
      /**
       * The audience Vault requires in a login token. With the client's own token as reviewer, the same
       * token authenticates Vault's TokenReview call, so it must be an audience the API server accepts.
       */
      audience: z.string().min(1).default(KUBERNETES_API_AUDIENCE).describe("Audience Vault requires in login tokens; one the API server accepts, since the same token authenticates Vault's review of it."),
      tokenTtlSeconds: z.number().int().min(60).max(86_400).default(DEFAULTS.tokenTtlSeconds).describe("Lifetime of the Vault token a login returns, in seconds (at most tokenMaxTtlSeconds)."),
      tokenMaxTtlSeconds: z.number().int().min(60).max(86_400).default(DEFAULTS.tokenMaxTtlSeconds).describe("Longest a renewed token lives, in seconds."),
    })
    .optional()
    .describe("Vault's Kubernetes auth method; needed when a workload uses kubernetes."),
  approlePath: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be an auth mount path such as approle (lowercase letters, digits, _ and -, starting with a letter)").default(DEFAULTS.vault.approlePath).describe("Path of the AppRole auth method."),
  /** Audit devices; when absent, a file device and a file device on stdout (two, so Vault keeps serving if one blocks). */
  audit: z
    .array(vaultAudit)
    .min(1, "Vault needs at least one audit device; omit audit for the default file and stdout devices")
    .optional()
    .describe("Audit devices; default a file device and a file device on stdout (two, so Vault keeps serving when one blocks). Production needs two."),
  database: databaseConnection
    .optional()
    .describe("Vault's database secrets engine and its one PostgreSQL connection, the connection named default; give this or databases."),
  databases: z
    .record(name(24), databaseConnection.describe("One PostgreSQL connection on its own database secrets engine mount."))
    .refine((d) => Object.keys(d).length > 0, "list at least one connection, or leave databases out")
    .optional()
    .describe("Several PostgreSQL connections by name (lowercase letters, digits, single dashes; at most 24 characters), each on its own database secrets engine mount; a postgres secret placed on Vault names its connection with vaultDatabase when there is more than one. Give this or database."),
  backend: backend.optional().describe("Where Terraform keeps this stack's state (s3 or azurerm); default a local file, terraform.<stack>.tfstate."),
})
  // Downstream code sees one form: vault.database becomes the connection named default, and every connection has its mount.
  .transform(({ database, databases, ...vault }) => ({
    ...vault,
    databases: Object.fromEntries(
      Object.entries(database ? { [DEFAULT_DATABASE]: database } : (databases ?? {})).map(([n, c]) => [n, { ...c, mount: c.mount ?? defaultDatabaseMount(n) }]),
    ),
  }));

const SUBNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const VNET_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+$/i;
const DNS_ZONE_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/privateDnsZones\/privatelink\.vaultcore\.azure\.net$/i;
const ACTION_GROUP_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.Insights\/actionGroups\/[^/]+$/i;
const WORKSPACE_ID = /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;

const azureEnvironment = z.strictObject({
  subscriptionId: uuid("subscription").describe("Azure subscription of the stack's resources."),
  tenantId: uuid("tenant").describe("Microsoft Entra tenant of the subscription."),
  location: z.string().regex(/^[a-z][a-z0-9]+$/, "must be an Azure region name such as eastus").describe("Azure region, e.g. eastus."),
  resourceGroupName: z.string().regex(/^[-\w.()]{1,89}[-\w()]$/, "must be a resource group name (letters, digits, -_.(), not ending in a dot)")
    .describe("Resource group of the stack; created and owned by the stack unless existingResourceGroup is true. One per environment."),
  keyVaultName: z.string().optional().describe("Name of the Key Vault, globally unique (3-24 letters, digits, dashes); default <organization>-<env>-kv."),
  /** The resource group named above exists already (created by another team): read it, do not create or own it. */
  existingResourceGroup: z.boolean().default(false).describe("The resource group exists already (created by another team): the stack reads it instead of creating and owning it."),
  privateEndpoint: z.strictObject({
    subnetId: z.string().regex(SUBNET_ID, "must be a subnet resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>")
      .describe("Subnet of the vault's private endpoint."),
    virtualNetworkId: z
      .string()
      .regex(VNET_ID, "must be a virtual network resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>")
      .describe("Virtual network linked to the privatelink.vaultcore.azure.net zone the stack creates; one per environment."),
    /**
     * An existing privatelink.vaultcore.azure.net zone, already linked to the networks that resolve the vault
     * (hub and spoke: it lives in the hub subscription). The stack then creates no zone and no link.
     */
    privateDnsZoneId: z
      .string()
      .regex(DNS_ZONE_ID, "must be the resource id of a privatelink.vaultcore.azure.net zone, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net")
      .optional()
      .describe("An existing privatelink.vaultcore.azure.net zone already linked to the networks that resolve the vault (hub and spoke); the stack then creates no zone and no link."),
  }).describe("The vault is reached only through a private endpoint; its public network access is off."),
  aksOidcIssuerUrl: httpsUrl("AKS OIDC issuer").describe("OIDC issuer URL of the AKS cluster, with its final /, for workload identity."),
  logAnalyticsWorkspaceId: z.string().regex(WORKSPACE_ID, "must be a Log Analytics workspace resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>")
    .describe("Log Analytics workspace that receives the vault's audit logs."),
  /**
   * The object id of the principal that deploys (a pipeline identity): it gets Key Vault Secrets Officer.
   * @default - whoever runs Terraform
   */
  deployerObjectId: uuid("deployer object id").optional().describe("Object id of the principal that deploys (a pipeline identity); it gets Key Vault Secrets Officer. Default: whoever runs Terraform."),
  /** A CanNotDelete lock on the vault. @default - on in production environments, off elsewhere */
  managementLock: z.boolean().optional().describe("A CanNotDelete lock on the vault; default on in production, off elsewhere."),
  softDeleteRetentionDays: z.number().int().min(7).max(90).default(90).describe("Days a deleted vault or secret can be recovered (7 to 90)."),
  /**
   * Seconds to wait after granting the deployer its data-plane role before creating secrets, for Azure RBAC to
   * propagate (0: no wait). Needs `sleep` on the deploying machine.
   */
  rbacPropagationSeconds: z
    .number()
    .int()
    .min(0, "use 0 (no wait) to 600")
    .max(600, "use 0 (no wait) to 600")
    .default(60)
    .describe("Seconds to wait after granting the deployer its role before creating secrets, for Azure RBAC to propagate (0: no wait); needs sleep on the deploying machine."),
  /**
   * Rotation of this environment's rotating secrets by an Azure Function (docs/azure.md#rotation). The network team
   * owns the subnet: it must be delegated to Microsoft.App/environments, which Flex Consumption's virtual network
   * integration requires, and route to the vault's private endpoint.
   */
  rotation: z
    .strictObject({
      subnetId: z
        .string()
        .regex(SUBNET_ID, "must be a subnet resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>")
        .describe("Subnet the rotation function app integrates with (outbound to the vault's private endpoint and the databases); owned by the network team, delegated to Microsoft.App/environments, used by no other app."),
      /** Notified when a rotation fails. @default - the alert fires without notifying anyone */
      actionGroupId: z
        .string()
        .regex(ACTION_GROUP_ID, "must be an action group resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Insights/actionGroups/<name>")
        .optional()
        .describe("Azure Monitor action group that the rotation failure alert notifies (azure.alerts.actionGroupId takes its place when given); default: the alert fires without notifying anyone."),
    })
    .optional()
    .describe("Present: rotating secrets on Azure are rotated by an Azure Function on Key Vault's events; required where a postgres, jwt or token secret rotates (in production; elsewhere they do not rotate on Azure without it)."),
  /**
   * Alerts on refused reads and on secret or access changes by others than the deployer and the rotation function
   * (issue 22, docs/alerts.md). @default - on in production, off elsewhere unless present
   */
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true).describe("Turn the alerts off (false); production without them is a guardrail finding (SP-ALR-002)."),
      actionGroupId: z
        .string()
        .regex(ACTION_GROUP_ID, "must be an action group resource id, /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Insights/actionGroups/<name>")
        .optional()
        .describe("Azure Monitor action group the alerts and the rotation failure alert notify; default azure.rotation.actionGroupId."),
    })
    .optional()
    .describe("Alerts on refused secret reads, secret changes and role assignments at the vault made outside the pipeline (docs/alerts.md); default on in production, off elsewhere unless present."),
  backend: backend.optional().describe("Where Terraform keeps this stack's state (s3 or azurerm); default a local file, terraform.<stack>.tfstate."),
});

/**
 * Deploying from CI (issue 15): the GitHub repository and GitHub environment whose workflow jobs may assume this
 * environment's deployer identities, through GitHub's OIDC tokens. Names are matched exactly: no wildcard.
 */
/** A runs-on label: letters, digits, ".", "_", "-", no expression. */
const runnerLabel = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, "must be a runner label (letters, digits, '.', '_', '-'), e.g. self-hosted");

const pipeline = z.strictObject({
  github: z.strictObject({
    // GitHub: owner 1-39 letters, digits, dashes; repository name letters, digits, ".", "_", "-".
    repository: z
      .string()
      .regex(/^[A-Za-z0-9](-?[A-Za-z0-9])*\/[A-Za-z0-9._-]{1,100}$/, "must be owner/name, e.g. acme/secrets-platform (no wildcard)")
      .refine((r) => r.split("/")[0].length <= 39 && !/\/\.\.?$/.test(r), "must be owner/name, e.g. acme/secrets-platform (no wildcard)")
      .describe("The GitHub repository whose workflow deploys this environment, owner/name; matched exactly."),
    /** The GitHub environment the deploy job runs in; it becomes the token's subject repo:<owner>/<name>:environment:<this>. */
    environment: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,255}$/, "must be a GitHub environment name (letters, digits, '.', '_', '-'; no wildcard, colon or space)")
      .describe("The GitHub environment the deploy job runs in; the token subject is repo:<owner>/<name>:environment:<this>."),
    /**
     * The runner labels of this environment's plan and deploy jobs. An environment with Azure (a private Key Vault)
     * or a private Vault address needs a runner inside that network (config/checks/pipeline-ci.ts).
     * @default "ubuntu-latest"
     */
    runsOn: z
      .union([runnerLabel, z.array(runnerLabel).min(1, "list at least one runner label")])
      .optional()
      .describe("Runner label or labels of this environment's plan and deploy jobs (runs-on); default ubuntu-latest. Required, and not a GitHub-hosted label, when the environment has azure or a private vault.address (docs/pipeline.md#runners)."),
  }).describe("The GitHub repository and environment trusted to deploy."),
  /** The environment's endpoints are reachable only from a private network, whatever their names say. @default false */
  privateNetwork: z
    .boolean()
    .optional()
    .describe("The environment's Vault (or other endpoints) answer only inside a private network even though their names look public (split-horizon DNS): CI must then run on runsOn labels of a runner in that network."),
  /** An existing IAM OIDC provider for https://token.actions.githubusercontent.com. @default - bootstrap creates one */
  awsOidcProviderArn: z
    .string()
    .regex(/^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/, "must be the ARN of the account's GitHub OIDC provider, arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com")
    .optional()
    .describe("An existing IAM OIDC provider for GitHub's tokens; default: bootstrap creates one."),
  /** Create the S3 bucket and the azurerm container that this environment's backend blocks name. @default false */
  createStateStorage: z.boolean().default(false).describe("Create the S3 bucket and azurerm container that this environment's backend blocks name."),
});

/** present => stack kubernetes-<env>: service accounts, the Vault token-review binding, External Secrets objects. */
/** One cluster of kubernetes.clusters: its kubeconfig context, its OIDC issuer, and what Vault needs to review its tokens. */
const kubernetesCluster = z.strictObject({
  kubeconfigContext: z.string().min(1, "name the kubeconfig context of this cluster").describe("The kubeconfig context Terraform uses for this cluster."),
  kubeconfigPath: z.string().min(1).optional().describe("The kubeconfig file; default the environment's kubeconfigPath."),
  oidcIssuerUrl: httpsUrl("cluster's OIDC issuer").describe("The cluster's service account token issuer (iss), e.g. https://oidc.eks.<region>.amazonaws.com/id/<id> or AKS's https://<region>.oic.prod-aks.azure.com/<tenant>/<id>/; every identity of its workloads trusts it."),
  awsOidcProviderArn: z
    .string()
    .regex(OIDC_ARN, "must be an IAM OIDC provider ARN, arn:aws:iam::<account>:oidc-provider/<issuer host and path>")
    .optional()
    .describe("The IAM OIDC provider of this issuer in the environment's account (EKS creates one); without it aws-<env> creates one for the issuer."),
  host: httpsUrl("cluster's Kubernetes API server").optional().describe("URL of the cluster's API server that Vault asks to review login tokens; needed when a workload of the cluster logs in to Vault."),
  caCertFile: z.string().min(1).optional().describe("PEM file of the cluster's CA, relative to the description file; needed with host."),
  vaultAuthPath: z.string().regex(/^[a-z][a-z0-9_-]*$/, "must be an auth mount path such as kubernetes-eks").optional().describe("Path of this cluster's Vault Kubernetes auth mount; default kubernetes-<cluster>."),
  backend: backend.optional().describe("Where Terraform keeps this cluster's stack state; default a local file, terraform.<stack>.tfstate."),
}).describe("A cluster: its kubeconfig context, its OIDC issuer, and what Vault needs to review its tokens; its stack is kubernetes-<env>-<cluster>.");

const kubernetesEnvironment = z.strictObject({
  /** The kubeconfig context Terraform uses; the credential stays in the kubeconfig, never in the description. */
  kubeconfigContext: z
    .string()
    .min(1, "name the kubeconfig context of this environment's cluster")
    .optional()
    .describe("The kubeconfig context Terraform uses for this environment's cluster (the single-cluster form; give this or clusters); the credential stays in the kubeconfig."),
  /** Several clusters, each with its own issuer and stack kubernetes-<env>-<cluster>. */
  clusters: z
    .record(name(20), kubernetesCluster)
    .refine((c) => Object.keys(c).length > 0, "name at least one cluster, or use kubeconfigContext for the single cluster")
    .optional()
    .describe("Several clusters by name (lowercase letters, digits, single dashes; at most 20 characters), each with its own OIDC issuer and stack kubernetes-<env>-<cluster>; instead of kubeconfigContext."),
  /** @default "~/.kube/config" */
  kubeconfigPath: z.string().min(1).default("~/.kube/config").describe("The kubeconfig file."),
  /** Where External Secrets read from by default. @default - the first of aws, vault, azure the environment has */
  secretStoreBackend: secretBackend.optional().describe("Where External Secrets read from unless a workload says otherwise; default the first of aws, vault, azure the environment has."),
  backend: backend.optional().describe("Where Terraform keeps this stack's state (s3 or azurerm); default a local file, terraform.<stack>.tfstate."),
});

const environment = z
  .strictObject({
    /** Production gets the stricter defaults (recovery window, log retention, locks, rotation required). */
    production: z
      .boolean()
      .optional()
      .describe("Stricter defaults: a 30-day recovery window, a lock on the vault, rotation required, two Vault audit devices. Default: true for environments named prod or production."),
    aws: awsEnvironment.optional().describe("Present: the stack aws-<env> keeps the secrets in AWS Secrets Manager."),
    vault: vaultEnvironment.optional().describe("Present: the stack vault-<env> keeps the secrets in HashiCorp Vault."),
    azure: azureEnvironment.optional().describe("Present: the stack azure-<env> keeps the secrets in Azure Key Vault."),
    pipeline: pipeline.optional().describe("Present: the stack bootstrap-<env> creates the CI deployer and planner identities that a GitHub workflow assumes through OIDC (docs/pipeline.md)."),
    applications: z
      .record(
        z.string(),
        z.strictObject({
          backends: placementList.optional().describe("The backends that hold this application's secrets in this environment, instead of applications.<app>.backends; intersected with the backends the environment has."),
          secrets: z
            .record(secretName, z.strictObject({ adopt: adoptSpec.describe("Existing secrets this secret takes over in this environment; overrides the application's adopt per backend.") }).describe("A secret of the application, as this environment adopts it."))
            .optional()
            .describe("Per-secret settings of this application in this environment: adopt."),
        }).describe("This application's placement and adopted secrets in this environment."),
      )
      .optional()
      .describe("Per-application placement in this environment, overriding applications.<app>.backends; every name must be an application of the description."),
    kubernetes: kubernetesEnvironment.optional().describe("Present: the stack kubernetes-<env> creates service accounts, External Secrets objects and Vault Agent annotations in the cluster (docs/kubernetes.md)."),
  })
  .refine((e) => e.aws || e.vault || e.azure, "an environment needs at least one of aws, vault, azure")
  .describe("An environment: at least one of aws, vault, azure.");

export const platformSchema = z.strictObject({
  organization: name(32).describe("Prefix of names and tags (lowercase letters, digits, single dashes; at most 32 characters)."),
  environments: z
    .record(name(24), environment)
    .refine((e) => Object.keys(e).length > 0, "at least one environment is needed")
    .describe("Environments by name (lowercase letters, digits, single dashes; at most 24 characters)."),
  applications: z
    .record(name(40), application)
    .refine((a) => Object.keys(a).length > 0, "at least one application is needed")
    .describe("Applications by name (lowercase letters, digits, single dashes; at most 40 characters)."),
  stacks: stacksLimits.prefault({}),
}).describe("The secrets platform description: environments, applications, their secrets and who reads them.");

export type PlatformInput = z.input<typeof platformSchema>;
export type Platform = z.output<typeof platformSchema>;
export type Environment = Platform["environments"][string];
export type AwsEnvironment = NonNullable<Environment["aws"]>;
export type VaultEnvironment = NonNullable<Environment["vault"]>;
export type VaultDatabase = VaultEnvironment["databases"][string];
export type AzureEnvironment = NonNullable<Environment["azure"]>;
export type PipelineSpec = NonNullable<Environment["pipeline"]>;
export type KubernetesEnvironment = NonNullable<Environment["kubernetes"]>;
export type KubernetesClusterSpec = NonNullable<KubernetesEnvironment["clusters"]>[string];
export type Application = Platform["applications"][string];
export type SecretSpec = Application["secrets"][string];
export type WorkloadSpec = NonNullable<Application["workloads"]>[string];
export type StateBackend = z.output<typeof backend>;
export type SecretBackendName = (typeof SECRET_BACKENDS)[number];
