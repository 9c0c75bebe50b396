// The Vault side: dynamic secrets, policy and role names that must not meet, token lifetimes, the blocks a Vault
// environment needs for what the applications ask, and mount or auth paths that would collide.
import { DEFAULTS } from "../schema";
import { isProduction, vaultStaticRoleUsername, workloadPolicyName } from "../naming";
import { placement, vaultMechanism } from "../placement";
import { Add, Check, entries, isMap, Loose, workloadsOf } from "./shared";
import { connectionNameOf, rawConnections } from "../vault-databases";

/** PostgreSQL identifiers: NAMEDATALEN - 1 bytes; longer names are truncated, so two users could meet. */
const PG_IDENTIFIER_MAX = 63;

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
    checkSecretConnections(raw, env, apps, connections.map((c) => c.name), add);
    checkStaticRoleUsers(raw, env, apps, connections.map((c) => c.name), add);
    const transitMount = e.vault.transitMount ?? DEFAULTS.vault.transitMount;
    const others: [string, unknown][] = [["kvMount", e.vault.kvMount ?? DEFAULTS.vault.kvMount], ...connections.map((c): [string, unknown] => [`${c.at.slice(at.length + 1)}.mount`, c.mount])];
    for (const [field, path] of others) {
      if (path === transitMount) add(`${at}.transitMount`, `is the same path as ${field} (${transitMount}); give the transit secrets engine its own mount`);
    }
    if (hasKubernetesWorkload && e.vault.kubernetes === undefined) {
      add(`${at}.kubernetes`, "is required: some workloads authenticate with Kubernetes, so Vault needs the Kubernetes auth host");
    }
    checkVaultEnvironment(at, e.vault, add);
    checkConnections(env, e.vault, add);
  }
};

/**
 * Each postgres secret of an application placed on Vault here that Vault serves through a connection (a dynamic or a
 * static role) uses one that exists: the one it names with vaultDatabase, or the environment's only one.
 */
function checkSecretConnections(raw: Loose, env: string, apps: [string, Loose][], connections: string[], add: Add): void {
  if (connections.length === 0) return; // no connection at all is reported on vault.database
  for (const [app, spec] of apps) {
    if (!placement(raw, env, app).includes("vault")) continue;
    for (const [secret, s] of entries(spec.secrets)) {
      if (s.type !== "postgres") continue;
      const at = `applications.${app}.secrets.${secret}.vaultDatabase`;
      const named = s.vaultDatabase;
      if (typeof named === "string" && connectionNameOf(s, connections) === undefined) {
        add(at, `names the Vault database connection ${named}, which environment ${env} does not have (it has ${connections.join(", ")}); name one of them, or add ${named} to environments.${env}.vault.databases`);
      } else if (named === undefined && vaultMechanism(s) !== "kv" && connections.length > 1) {
        add(at, `is required: environment ${env} has several Vault database connections (${connections.join(", ")}) and ${app}/${secret} gets a ${vaultMechanism(s) === "dynamic-role" ? "dynamic" : "static"} role on one of them; name it, e.g. vaultDatabase: ${connections[0]}`);
      }
    }
  }
}

/**
 * The existing PostgreSQL user a static role rotates, <app>_<secret> with dashes as underscores, must be an identifier
 * PostgreSQL keeps whole (at most 63 bytes, NAMEDATALEN - 1: https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS),
 * and two secrets must not map to one user on one connection (my-app/key and my/app-key are both my_app_key).
 */
function checkStaticRoleUsers(raw: Loose, env: string, apps: [string, Loose][], connections: string[], add: Add): void {
  const users = new Map<string, string>();
  for (const [app, spec] of apps) {
    if (!placement(raw, env, app).includes("vault")) continue;
    for (const [secret, s] of entries(spec.secrets)) {
      if (s.type !== "postgres" || vaultMechanism(s) !== "static-role") continue;
      const at = `applications.${app}.secrets.${secret}`;
      const user = vaultStaticRoleUsername(app, secret);
      if (user.length > PG_IDENTIFIER_MAX) {
        add(at, `its Vault static role rotates the PostgreSQL user "${user}" (<app>_<secret>), ${user.length} characters; PostgreSQL names are at most ${PG_IDENTIFIER_MAX}: shorten the application or secret name`);
      }
      const connection = connectionNameOf(s, connections);
      if (connection === undefined) continue; // reported on vaultDatabase
      const twin = users.get(`${connection}/${user}`);
      if (twin) add(at, `its Vault static role rotates the PostgreSQL user "${user}" on connection ${connection} in environment ${env}, as does ${twin}'s: each role would change the other's password; rename one of the secrets`);
      else users.set(`${connection}/${user}`, at);
    }
  }
}

/** Each connection: TTL bounds, a CA where TLS is verified, and a mount of its own. */
function checkConnections(env: string, v: Loose, add: Add): void {
  const kvMount = v.kvMount ?? DEFAULTS.vault.kvMount;
  const mounts = new Map<unknown, string>();
  for (const c of rawConnections(env, v)) {
    const db = c.spec;
    checkTtls(c.at, db.defaultTtlSeconds ?? DEFAULTS.vault.databaseDefaultTtlSeconds, db.maxTtlSeconds ?? DEFAULTS.vault.databaseMaxTtlSeconds, add, ["defaultTtlSeconds", "maxTtlSeconds"]);
    if (c.mount === kvMount) add(`${c.at}.mount`, `is the same path as kvMount (${kvMount}); give the database secrets engine its own mount`);
    const twin = mounts.get(c.mount);
    if (twin) add(`${c.at}.mount`, `is the same path as ${twin}.mount (${String(c.mount)}); each connection has its own database secrets engine mount: give this one another mount, or leave mount out for database-${c.name}`);
    else mounts.set(c.mount, c.at);
    const sslmode = db.sslmode ?? DEFAULTS.vault.databaseSslmode;
    if (["verify-ca", "verify-full"].includes(sslmode) && db.tlsCaFile === undefined) {
      add(`${c.at}.tlsCaFile`, `is required with sslmode ${sslmode}${db.sslmode === undefined ? " (the default)" : ""}: without it Vault checks the database's certificate against its system trust store, which holds neither RDS's CAs nor a private CA, and every connection fails; give the CA's PEM file, relative to the description file`);
    }
  }
}

function checkTtls(at: string, ttl: unknown, maxTtl: unknown, add: Add, names = ["tokenTtlSeconds", "tokenMaxTtlSeconds"]): void {
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
