// The Vault side: dynamic secrets, policy and role names that must not meet, token lifetimes, the blocks a Vault
// environment needs for what the applications ask, and mount or auth paths that would collide.
import { DEFAULTS } from "../schema";
import { isProduction, workloadPolicyName } from "../naming";
import { placement, vaultMechanism } from "../placement";
import { Add, Check, entries, isMap, Loose, workloadsOf } from "./shared";
import { rawConnections } from "../vault-databases";

export const checkVault: Check = ({ raw, apps, envs }, add) => {
  const onVault = (app: string) => envs.some(([env]) => placement(raw, env, app).includes("vault"));
  for (const [app, spec] of apps) {
    // Marked dynamic, or alternating-users placed on Vault (whose answer is dynamic credentials, docs/vault.md).
    const dynamicSecrets = entries(spec.secrets).filter(([, s]) => s.type === "postgres" && (s.dynamic === true || (onVault(app) && vaultMechanism(s) === "dynamic-role")));
    if (dynamicSecrets.length > 1) {
      const [second, s] = dynamicSecrets[1];
      const field = s.dynamic === true ? "dynamic" : "rotation.strategy";
      add(`applications.${app}.secrets.${second}.${field}`, `application ${app} already has a dynamic postgres secret on Vault (${dynamicSecrets[0][0]}; alternating-users rotation becomes dynamic credentials there); Vault issues one database role per application, so keep only one such secret`);
    }
    for (const [secret, s] of entries(spec.secrets)) {
      if (s.dynamic === true && s.type !== "postgres") add(`applications.${app}.secrets.${secret}.dynamic`, `only postgres secrets can be dynamic (Vault database engine); remove dynamic from this ${s.type} secret`);
    }
  }
  // The database engine serves dynamic logins and static roles of applications placed on Vault in that environment.
  const needsDatabase = (env: string) =>
    apps.some(([app, spec]) => placement(raw, env, app).includes("vault") && entries(spec.secrets).some(([, s]) => s.type === "postgres" && vaultMechanism(s) !== "kv"));

  const hasVault = envs.some(([, e]) => isMap(e.vault));
  const vaultNames = new Map<string, string>();
  let hasKubernetesWorkload = false;
  for (const [app, workload, w] of workloadsOf(apps)) {
    const at = `applications.${app}.workloads.${workload}`;
    if (w.kubernetes !== undefined) hasKubernetesWorkload = true;
    if (isMap(w.approle)) checkTtls(`${at}.approle`, w.approle.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds, w.approle.tokenMaxTtlSeconds ?? DEFAULTS.tokenMaxTtlSeconds, add);
    if (!hasVault) continue;
    // Vault policy and role names are <env>-<app>-<workload>: dashes could make two workloads meet.
    const vaultName = workloadPolicyName("<env>", app, workload);
    const twin = vaultNames.get(vaultName);
    if (twin) add(at, `its Vault policy and role name "${vaultName}" is the same as that of ${twin}; rename one of them`);
    else vaultNames.set(vaultName, at);
  }

  for (const [env, e] of envs) {
    if (!isMap(e.vault)) continue;
    const at = `environments.${env}.vault`;
    const production = isProduction(env, typeof e.production === "boolean" ? e.production : undefined);
    if (production && Array.isArray(e.vault.audit) && e.vault.audit.length < 2) {
      add(`${at}.audit`, `lists ${e.vault.audit.length} audit device; production needs at least two so Vault keeps serving when one blocks (guardrail SP-VLT-006); add a syslog or socket device, or remove audit to get the defaults`);
    }
    const connections = rawConnections(env, e.vault);
    if (e.vault.database !== undefined && e.vault.databases !== undefined) {
      add(`${at}.databases`, "is given together with database: give one connection as database (it is the connection named default) or every connection under databases (name one of them default to keep database's Terraform addresses)");
    }
    if (needsDatabase(env) && connections.length === 0) {
      add(`${at}.database`, `is required: a postgres secret placed on Vault in ${env} is dynamic (dynamic: true or alternating-users) or rotated by a static role (single-user), so Vault needs the database connection (host, dbname, username); give it as database, or several as databases.<name>`);
    }
    const transitMount = e.vault.transitMount ?? DEFAULTS.vault.transitMount;
    const others: [string, unknown][] = [["kvMount", e.vault.kvMount ?? DEFAULTS.vault.kvMount], ...connections.map((c): [string, unknown] => [`${c.at.slice(at.length + 1)}.mount`, c.mount])];
    for (const [field, path] of others) {
      if (path === transitMount) add(`${at}.transitMount`, `is the same path as ${field} (${transitMount}); give the transit secrets engine its own mount`);
    }
    if (hasKubernetesWorkload && e.vault.kubernetes === undefined) {
      add(`${at}.kubernetes`, "is required: some workloads authenticate with Kubernetes, so Vault needs the Kubernetes auth host");
    }
    checkVaultEnvironment(at, e.vault, add);
  }
};

export function checkTtls(at: string, ttl: unknown, maxTtl: unknown, add: Add, names = ["tokenTtlSeconds", "tokenMaxTtlSeconds"]): void {
  if (typeof ttl === "number" && typeof maxTtl === "number" && ttl > maxTtl) {
    add(`${at}.${names[0]}`, `${ttl} is more than ${names[1]} (${maxTtl}); make it at most the maximum`);
  }
}

/** Vault-specific combinations: TTL bounds, and mount or auth paths that would collide. */
function checkVaultEnvironment(at: string, v: Loose, add: Add): void {
  if (isMap(v.kubernetes)) checkTtls(`${at}.kubernetes`, v.kubernetes.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds, v.kubernetes.tokenMaxTtlSeconds ?? DEFAULTS.tokenMaxTtlSeconds, add);
  if (isMap(v.kubernetes) && v.kubernetes.caCertFile === undefined) {
    add(`${at}.kubernetes.caCertFile`, "is required: the path of the cluster's CA certificate (PEM), relative to the description file; with no CA Vault checks the API server against its system trust store, which does not hold a cluster's CA, and every Kubernetes login fails");
  }
  if (isMap(v.kubernetes) && v.kubernetes.caCert !== undefined) {
    add(`${at}.kubernetes.caCert`, "was replaced by caCertFile: put the PEM certificate in a file and give its path, relative to the description file");
  }
  const approlePath = v.approlePath ?? DEFAULTS.vault.approlePath;
  if (isMap(v.kubernetes) && (v.kubernetes.authPath ?? DEFAULTS.vault.kubernetesAuthPath) === approlePath) {
    add(`${at}.approlePath`, `is the same path as kubernetes.authPath (${approlePath}); give each auth method its own path`);
  }
}
