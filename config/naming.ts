// Every name the platform builds from the description: the logical path <env>/<app>/<secret> on each backend
// (DESIGN.md section 3), stacks, state keys, identities, functions, policies and Kubernetes objects. Validation,
// the stacks and the review all take names from here (pipeline names from ./pipeline), so a name that validates is
// the name that is built. Nothing else assembles one of these names.
import { createHash } from "node:crypto";
import { fitAzureName } from "./azure-names";

/** Write-only arguments fed from ephemeral variables need Terraform 1.11 (every stack that uses them requires it). */
export const MIN_TERRAFORM_VERSION = ">= 1.11";

/**
 * A backend stack; the kubernetes-<env> stack that points a cluster at them; or the bootstrap-<env> stack of an
 * environment with a pipeline block (CI identities, state storage).
 */
export type StackKind = "aws" | "vault" | "azure" | "kubernetes" | "bootstrap";

/** <kind>-<env>, and aws-<env>-<group> for an application stack group (applications.<app>.stackGroup). */
export function stackName(kind: StackKind, env: string, group?: string): string {
  return group ? `${kind}-${env}-${group}` : `${kind}-${env}`;
}

/**
 * The kubernetes stack of a cluster: kubernetes-<env> (and -<group>) for the single-cluster form, whose name stays;
 * kubernetes-<env>-<cluster> (and -<cluster>-<group>) for each cluster of kubernetes.clusters. A cluster named like a
 * stack group or an environment <env>-<cluster> is refused (config/checks/clusters.ts), not renamed.
 */
export function kubernetesStackName(env: string, cluster: string | undefined, group?: string): string {
  if (cluster === undefined) return stackName("kubernetes", env, group);
  return stackName("kubernetes", env, group ? `${cluster}-${group}` : cluster);
}

/** The SecretProviderClass of one csi workload in its namespace. */
export function secretProviderClassName(app: string, workload: string): string {
  return `${app}-${workload}`;
}

/** The object key (S3) or blob name (azurerm) of a stack's remote state: the description's key, else one per stack. */
export function stateKey(stackName: string, key: string | undefined): string {
  return key ?? `secrets-platform/${stackName}.tfstate`;
}

/**
 * The prefix of every account-unique AWS name of an environment (workload roles, rotation functions, their log groups
 * and alarms); the CI deployer may manage names under it.
 */
export function awsNamePrefix(organization: string, env: string): string {
  return `${organization}-${env}-`;
}

/** The KMS alias of the environment key of aws-<scope> (scope: <env>, or <env>-<group> for a stack group). */
export function environmentKeyAlias(organization: string, scope: string): string {
  return `${organization}-${scope}-secrets`;
}

/** The logical path, also the AWS secret name and the Vault KV path under the environment's mount. */
export function secretPath(env: string, app: string, secret: string): string {
  return `${env}/${app}/${secret}`;
}

/** Key Vault secret names allow only letters, digits and dashes. */
export function keyVaultSecretName(app: string, secret: string): string {
  return `${app}--${secret.replace(/_/g, "-")}`;
}

/** Key Vault names: 3-24 characters, letters, digits and dashes, starting with a letter, no "--". */
export const KEY_VAULT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

export function keyVaultName(organization: string, env: string, override?: string): string {
  return override ?? `${organization}-${env}-kv`;
}

/** IAM role names are limited to 64 characters. */
export const IAM_ROLE_NAME_MAX = 64;

export function workloadRoleName(organization: string, env: string, app: string, workload: string): string {
  return `${awsNamePrefix(organization, env)}${app}-${workload}`;
}

/** Lambda function names are limited to 64 characters. */
const LAMBDA_NAME_MAX = 64;

/** `<org>-<scope>-rotate-<kind>`, shortened with a stable hash where Lambda's 64 characters do not suffice. */
export function rotationFunctionName(organization: string, scope: string, kind: string): string {
  const name = `${awsNamePrefix(organization, scope)}rotate-${kind}`;
  if (name.length <= LAMBDA_NAME_MAX) return name;
  return `${name.slice(0, 55)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** Azure user-assigned identity names: 3 to 128 characters. */
export const AZURE_IDENTITY_NAME_MAX = 128;

/** The managed identity of a Kubernetes workload on Azure; shortened with a hash past Azure's 128 characters. */
export function azureIdentityName(organization: string, env: string, app: string, workload: string): string {
  return fitAzureName(`${organization}-${env}-${app}-${workload}`, AZURE_IDENTITY_NAME_MAX);
}

/** Vault policy and role names for a workload. */
export function workloadPolicyName(env: string, app: string, workload: string): string {
  return `${env}-${app}-${workload}`;
}

/** The Vault database role of an application: credentials at <mount>/creds/<env>-<app>. */
export function databaseRoleName(env: string, app: string): string {
  return `${env}-${app}`;
}

/** Kubernetes object names allow lowercase letters, digits, dashes and dots: secret names' underscores become dashes. */
export function kubernetesSecretName(app: string, secret: string): string {
  return `${app}-${secret.replace(/_/g, "-")}`;
}

/** The SecretStore of one workload in its namespace. */
export function secretStoreName(app: string, workload: string): string {
  return `${app}-${workload}`;
}

/** Output name of a workload's Vault Agent annotations (kubernetes-<env>; the review reads it back). */
export function vaultAgentOutputName(app: string, workload: string): string {
  return `vault-agent-annotations-${app}-${workload}`;
}

/** Environments called prod or production get production defaults unless `production` says otherwise. */
export function isProduction(envName: string, flag: boolean | undefined): boolean {
  return flag ?? (envName === "prod" || envName === "production");
}

/**
 * The existing PostgreSQL user a Vault static role rotates for a single-user postgres secret placed on Vault:
 * <app>_<secret>, dashes as underscores (a database administrator creates it before the first apply; docs/vault.md).
 */
export function vaultStaticRoleUsername(app: string, secret: string): string {
  return `${app}_${secret}`.replace(/-/g, "_");
}

/**
 * Vault names of a secret's static role and transit key, <env>-<app>--<secret>: "--" occurs in no application or secret
 * name, so the guardrails can tell which application a path is for (guardrails/rules/vault/policy-outside-application.ts).
 */
export function vaultSecretRoleName(env: string, app: string, secret: string): string {
  return `${env}-${app}--${secret}`;
}

/** The SNS topic aws-<scope> creates for its alerts when the description names none (docs/alerts.md). */
export function alertTopicName(organization: string, scope: string): string {
  return `${awsNamePrefix(organization, scope)}secrets-alerts`;
}

/** EventBridge rule names: 64 characters of letters, digits, ".", "-", "_"; one per alert kind. */
export function alertRuleName(organization: string, scope: string, kind: string): string {
  const name = `${awsNamePrefix(organization, scope)}alert-${kind}`;
  if (name.length <= 64) return name;
  return `${name.slice(0, 55)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** Azure Monitor alert names of azure-<env> (docs/alerts.md). */
export function azureAlertName(organization: string, env: string, kind: "refused-reads" | "secret-changes" | "role-assignment-writes" | "role-assignment-deletes"): string {
  return `${organization}-${env}-alert-${kind}`;
}
