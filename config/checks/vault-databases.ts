// Vault's database connections (vault.database, or several under vault.databases): each postgres secret's role uses a
// connection that exists, each connection has its own mount, bounds and CA, and static roles' users fit PostgreSQL.
import { DEFAULTS } from "../schema";
import { vaultStaticRoleUsername } from "../naming";
import { placement, vaultMechanism } from "../placement";
import { connectionNameOf, rawConnections } from "../vault-databases";
import { Add, Check, entries, isMap, Loose } from "./shared";
import { checkTtls } from "./vault";

/** PostgreSQL identifiers: NAMEDATALEN - 1 bytes; longer names are truncated, so two users could meet. */
const PG_IDENTIFIER_MAX = 63;

export const checkVaultDatabases: Check = ({ raw, apps, envs }, add) => {
  for (const [env, e] of envs) {
    if (!isMap(e.vault)) continue;
    const connections = rawConnections(env, e.vault).map((c) => c.name);
    checkSecretConnections(raw, env, apps, connections, add);
    checkStaticRoleUsers(raw, env, apps, connections, add);
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

