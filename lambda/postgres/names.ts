// The two users of an alternating pair, and the names a value may never make the function act on.
// These checks need no database: they run in createSecret too, so a hostile value is refused
// before a pending version exists.
import { RotationError } from "../shared/errors";

/** PostgreSQL's NAMEDATALEN - 1: a longer name is silently truncated (and may then name another role). */
export const MAX_NAME_BYTES = 63;
export const CLONE_SUFFIX = "_clone";

/**
 * Roles that belong to the server or its operator, never to an application: PostgreSQL's
 * predefined roles (pg_*), the bootstrap superuser, the managed services' administration roles
 * (RDS rds*, Azure azure_*, Cloud SQL cloudsql*), and words PostgreSQL gives a meaning in GRANT.
 */
const RESERVED_PREFIXES = ["pg_", "rds", "azure_", "cloudsql", "alloydb"];
const RESERVED_NAMES = ["postgres", "public", "none", "current_user", "current_role", "session_user", "azuresu", "cloudsqlsuperuser"];

/** Case and compatibility forms folded, so `Postgres` or a full-width look-alike counts as `postgres`. */
export function fold(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

export function isReservedRole(name: string): boolean {
  const f = fold(name);
  return RESERVED_NAMES.includes(f) || RESERVED_PREFIXES.some((p) => f.startsWith(p));
}

export interface Pair {
  readonly base: string;
  readonly clone: string;
}

const shown = (name: string) => JSON.stringify(name.length > 80 ? name.slice(0, 80) + "..." : name);

/**
 * The pair a username belongs to, `<base>` and `<base>_clone`, after checking that neither is a
 * role the function must never touch. `master`, when known, is the master user's name.
 */
export function pairOf(username: string, secretId: string, master?: string): Pair {
  const refuse = (why: string, code = "BAD_USERNAME") =>
    new RotationError(`The AWSCURRENT value of ${secretId} has username ${shown(username)}: ${why}`, code);
  // Control and format characters (zero-width, bidi) make names that look alike but are not.
  if (/[\p{C}]/u.test(username) || username !== username.normalize("NFC") || username.trim() !== username) {
    throw refuse("it has control, invisible or unnormalised characters, or leading or trailing spaces.");
  }
  const base = username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;
  if (base.length === 0) throw refuse(`nothing before "${CLONE_SUFFIX}".`);
  const clone = base + CLONE_SUFFIX;
  const bytes = Buffer.byteLength(clone, "utf8");
  if (bytes > MAX_NAME_BYTES) {
    throw refuse(
      `the clone user ${shown(clone)} would be ${bytes} bytes; PostgreSQL allows ${MAX_NAME_BYTES} and truncates longer ` +
        `names, which can then name another role. Use a user name of at most ${MAX_NAME_BYTES - CLONE_SUFFIX.length} bytes.`,
      "NAME_TOO_LONG",
    );
  }
  for (const name of [base, clone]) {
    if (isReservedRole(name)) {
      throw refuse(`${shown(name)} is a reserved role (pg_*, rds*, azure_*, cloudsql*, postgres...); rotation never acts on one.`, "RESERVED_ROLE");
    }
    if (master !== undefined && fold(name) === fold(master)) {
      throw refuse(`${shown(name)} is the master user; rotation never acts on it.`, "MASTER_ROLE");
    }
  }
  return { base, clone };
}

/** The other user of the pair. */
export function otherOf(pair: Pair, username: string): string {
  return username === pair.clone ? pair.base : pair.clone;
}
