// Vault's database connections (environments.<env>.vault.databases, or vault.database as the connection named default):
// which connection a postgres secret placed on Vault uses, and the names built per connection. The checks (on the raw
// description), the vault and kubernetes stacks all ask here, so that what validates is what is built.
import { DEFAULT_DATABASE, defaultDatabaseMount } from "./schema";

type Loose = Record<string, any>;
const isMap = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

/** A connection as the raw description gives it, with the field path it is reported at. */
export interface RawConnection {
  readonly name: string;
  readonly spec: Loose;
  /** environments.<env>.vault.database or environments.<env>.vault.databases.<name> */
  readonly at: string;
  /** Its mount path: the one given, else the default for its name. */
  readonly mount: unknown;
}

/** The connections of a raw vault block, in either form (both given is a problem the Vault check reports). */
export function rawConnections(env: string, vault: unknown): RawConnection[] {
  if (!isMap(vault)) return [];
  const at = `environments.${env}.vault`;
  if (isMap(vault.database)) {
    return [{ name: DEFAULT_DATABASE, spec: vault.database, at: `${at}.database`, mount: vault.database.mount ?? defaultDatabaseMount(DEFAULT_DATABASE) }];
  }
  if (!isMap(vault.databases)) return [];
  return Object.entries(vault.databases)
    .filter((e): e is [string, Loose] => isMap(e[1]))
    .map(([name, spec]) => ({ name, spec, at: `${at}.databases.${name}`, mount: spec.mount ?? defaultDatabaseMount(name) }));
}

/**
 * The connection a postgres secret's dynamic or static role uses: the one it names with vaultDatabase, else the
 * environment's only one. Undefined where it names none that exists, or names none among several (validation refuses
 * both wherever the secret needs a connection).
 */
export function connectionNameOf(secret: object, connections: readonly string[]): string | undefined {
  const named = (secret as Loose).vaultDatabase;
  if (typeof named === "string") return connections.includes(named) ? named : undefined;
  return connections.length === 1 ? connections[0] : undefined;
}

/**
 * The Terraform variable carrying a connection's admin password: vault_database_password for the connection named
 * default (as before there were several), vault_database_password_<name> (dashes as _) for the others.
 */
export function databasePasswordVariable(connection: string): string {
  return connection === DEFAULT_DATABASE ? "vault_database_password" : `vault_database_password_${connection.replace(/-/g, "_")}`;
}

/**
 * The construct id of a connection's secrets engine in vault-<env>: "database" for the connection named default, so
 * that its Terraform addresses are those of the single vault.database (no replacement); database--<name> for others
 * ("--" is in no name, so it meets no other construct of the stack).
 */
export function databaseEngineId(connection: string): string {
  return connection === DEFAULT_DATABASE ? "database" : `database--${connection}`;
}
