// How one logical secret path <env>/<app>/<secret> is named on each backend (DESIGN.md section 3).
// Both validation and the stacks use these, so a name that validates is the name that is built.

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
  return `${organization}-${env}-${app}-${workload}`;
}

/** Vault policy and role names for a workload. */
export function workloadPolicyName(env: string, app: string, workload: string): string {
  return `${env}-${app}-${workload}`;
}

/** Environments called prod or production get production defaults unless `production` says otherwise. */
export function isProduction(envName: string, flag: boolean | undefined): boolean {
  return flag ?? (envName === "prod" || envName === "production");
}
