// The clone acts exactly as the base user: what PostgreSQL applies per login role at connection time is copied from
// the base user onto the clone on every rotation (the clone's own `role` setting aside, which makes it act as the base
// user). That is:
// - its settings (`ALTER ROLE ... [IN DATABASE ...] SET`, pg_db_role_setting), in every database: PostgreSQL applies
//   the session user's settings, not those of the role a session SETs ROLE to, so without them the clone's sessions
//   would run with another search_path, statement_timeout...;
// - CONNECTION LIMIT and VALID UNTIL.
// Settings the base user no longer has are removed from the clone. The base user itself is only read.
import { Client } from "pg";
import { RotationError } from "../shared/errors";
import { Pair } from "./names";

/**
 * Settings whose list elements PostgreSQL quotes as identifiers when it stores `SET name = 'a', 'b'` (GUC_LIST_QUOTE in
 * PostgreSQL's guc_tables.c: search_path, temp_tablespaces and the *_preload_libraries). Their stored text is split
 * back into elements; any other setting's stored text is given back as one literal, which PostgreSQL stores unchanged.
 */
const LIST_QUOTE_SETTINGS = new Set(["search_path", "temp_tablespaces", "local_preload_libraries", "session_preload_libraries", "shared_preload_libraries"]);

/** A setting name as PostgreSQL accepts it after SET (custom ones are `prefix.name`). */
const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)*$/;

export interface RoleSetting {
  /** The database's name, or undefined for a setting in every database. */
  readonly database?: string;
  readonly name: string;
  readonly value: string;
}

const keyOf = (s: Pick<RoleSetting, "database" | "name">) => `${s.database ?? ""}\u0000${s.name.toLowerCase()}`;

/** Splits a stored identifier list (`app, "My Schema", public`) into its elements, quotes undone. */
export function splitIdentifierList(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  skipSpace();
  if (i >= text.length) return out;
  for (;;) {
    skipSpace();
    let element = "";
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new Error("unterminated quoted identifier");
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            element += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        element += text[i++];
      }
    } else {
      while (i < text.length && text[i] !== "," && !/\s/.test(text[i])) element += text[i++];
      element = element.toLowerCase();
    }
    out.push(element);
    skipSpace();
    if (i >= text.length) return out;
    if (text[i] !== ",") throw new Error("unexpected character in list");
    i++;
  }
}

function quotedName(client: Client, name: string): string {
  if (!SETTING_NAME.test(name)) {
    throw new RotationError(`A role setting has a name this function does not copy (${JSON.stringify(name.slice(0, 80))}).`, "CLONE_SETTING_UNSUPPORTED");
  }
  return name.split(".").map((part) => client.escapeIdentifier(part)).join(".");
}

/** The text after `SET <name> = ` that makes PostgreSQL store `value` again. */
export function settingValueSql(client: Client, name: string, value: string): string {
  if (!LIST_QUOTE_SETTINGS.has(name.toLowerCase())) return client.escapeLiteral(value);
  let elements: string[];
  try {
    elements = splitIdentifierList(value);
  } catch {
    return client.escapeLiteral(value);
  }
  return elements.length ? elements.map((e) => client.escapeLiteral(e)).join(", ") : "''";
}

/** A role's settings in every database, as pg_db_role_setting keeps them (`name=value`), but `role`. */
async function settingsOf(client: Client, role: string): Promise<RoleSetting[]> {
  const { rows } = await client.query<{ datname: string | null; entry: string }>(
    `SELECT d.datname, c AS entry
       FROM pg_catalog.pg_db_role_setting s
       JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
       LEFT JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase,
            pg_catalog.unnest(s.setconfig) c
      WHERE r.rolname = $1 AND (s.setdatabase = 0 OR d.datname IS NOT NULL)`,
    [role],
  );
  return rows
    .map((r) => {
      const at = r.entry.indexOf("=");
      return { database: r.datname ?? undefined, name: r.entry.slice(0, at), value: r.entry.slice(at + 1) };
    })
    .filter((s) => s.name.toLowerCase() !== "role");
}

interface Limits {
  readonly connlimit: number;
  /** VALID UNTIL as ISO 8601 UTC text, `infinity`, or undefined (none). */
  readonly validUntil?: string;
  readonly expired: boolean;
  readonly canLogin: boolean;
}

export async function limitsOf(client: Client, role: string): Promise<Limits | undefined> {
  const { rows } = await client.query(
    `SELECT rolconnlimit AS connlimit, rolcanlogin AS can_login,
            CASE WHEN rolvaliduntil IS NULL THEN NULL
                 WHEN NOT pg_catalog.isfinite(rolvaliduntil) THEN rolvaliduntil::text
                 ELSE pg_catalog.to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') END AS valid_until,
            COALESCE(rolvaliduntil <= pg_catalog.now(), false) AS expired
       FROM pg_catalog.pg_roles WHERE rolname = $1`,
    [role],
  );
  const r = rows[0];
  if (!r) return undefined;
  return { connlimit: r.connlimit, validUntil: r.valid_until ?? undefined, expired: r.expired, canLogin: r.can_login };
}

const sameValidUntil = (a?: string, b?: string) => (a ?? "infinity") === (b ?? "infinity");

/**
 * The statements that make the clone's settings, connection limit and VALID UNTIL those of the base user. Run by the
 * master, in ensureClone's transaction; `clone` is false when the clone is being created in that transaction.
 */
export async function cloneSyncStatements(master: Client, pair: Pair, cloneExists: boolean): Promise<string[]> {
  const id = (n: string) => master.escapeIdentifier(n);
  const role = id(pair.clone);
  const statements: string[] = [];
  const want = await settingsOf(master, pair.base);
  const have = cloneExists ? await settingsOf(master, pair.clone) : [];
  const haveByKey = new Map(have.map((s) => [keyOf(s), s]));
  const wantKeys = new Set(want.map(keyOf));
  const where = (s: RoleSetting) => (s.database === undefined ? "" : ` IN DATABASE ${id(s.database)}`);
  for (const s of have) {
    if (!wantKeys.has(keyOf(s))) statements.push(`ALTER ROLE ${role}${where(s)} RESET ${quotedName(master, s.name)}`);
  }
  for (const s of want) {
    if (haveByKey.get(keyOf(s))?.value === s.value) continue;
    statements.push(`ALTER ROLE ${role}${where(s)} SET ${quotedName(master, s.name)} = ${settingValueSql(master, s.name, s.value)}`);
  }
  const base = await limitsOf(master, pair.base);
  const clone = cloneExists ? await limitsOf(master, pair.clone) : undefined;
  if (base && (clone?.connlimit ?? -1) !== base.connlimit) statements.push(`ALTER ROLE ${role} CONNECTION LIMIT ${Number(base.connlimit)}`);
  if (base && !sameValidUntil(clone?.validUntil, base.validUntil)) {
    statements.push(`ALTER ROLE ${role} VALID UNTIL ${master.escapeLiteral(base.validUntil ?? "infinity")}`);
  }
  return statements;
}

/** After the statements ran: the clone's settings and limits are the base user's, or the rotation stops naming what differs. */
export async function checkCloneInStep(master: Client, pair: Pair): Promise<void> {
  const show = (s: RoleSetting) => `${s.name}${s.database === undefined ? "" : ` in database ${s.database}`}`;
  const want = await settingsOf(master, pair.base);
  const have = new Map((await settingsOf(master, pair.clone)).map((s) => [keyOf(s), s.value]));
  const differs = want.filter((s) => have.get(keyOf(s)) !== s.value).map(show);
  if (differs.length || have.size !== want.length) {
    throw new RotationError(
      `${JSON.stringify(pair.clone)} could not be given the settings of ${JSON.stringify(pair.base)} exactly` +
        `${differs.length ? ` (${differs.join(", ")})` : ""}; its sessions would not act as ${JSON.stringify(pair.base)}'s do. ` +
        `Set them on ${JSON.stringify(pair.base)} with ALTER ROLE ... SET as plain values, then rotate again.`,
      "CLONE_SETTINGS_DIFFER",
    );
  }
}
