// The value of a postgres secret: the JSON shape of AWS's own rotation functions, so a secret
// moves between AWS-hosted rotation and this one unchanged.
//   {"engine":"postgres","host":"...","port":5432,"dbname":"...","username":"...","password":"...",
//    "masterarn":"arn:..." (alternating users), "ssl":true|false (optional)}
// AWS's functions accept `port` as a number or a numeric string, and `ssl` as a boolean or the
// strings "true"/"false" in any case; so does this one (plus the mode names, below).
import { RotationError } from "../shared/errors";

export interface PostgresValue {
  readonly engine: string;
  readonly host: string;
  readonly port: number;
  readonly dbname: string;
  readonly username: string;
  readonly password: string;
  readonly masterarn?: string;
  readonly grouprole?: string;
  /** The value's `ssl`, normalised; undefined when the value has none. */
  readonly ssl?: SslMode;
  /** The value as stored, with fields this function does not know, kept on rotation. */
  readonly raw: Record<string, unknown>;
}

export const ENGINES = ["postgres", "aurora-postgresql"];

/** Parses a version's value; the message names the field, never its content. */
export function parsePostgresValue(raw: Record<string, unknown>, what: string, secretId: string): PostgresValue {
  const bad = (field: string, expected: string) =>
    new RotationError(`The ${what} value of ${secretId} has a bad "${field}": expected ${expected}.`, "BAD_VALUE");
  const str = (field: string, required: boolean): string | undefined => {
    const v = raw[field];
    if (v === undefined || v === null || v === "") {
      if (required) throw bad(field, "a non-empty string");
      return undefined;
    }
    if (typeof v !== "string") throw bad(field, "a string");
    return v;
  };
  const engine = str("engine", false) ?? "postgres";
  if (!ENGINES.includes(engine)) throw bad("engine", `one of ${ENGINES.join(", ")}`);
  let port = 5432;
  if (raw.port !== undefined && raw.port !== null && raw.port !== "") {
    const p = typeof raw.port === "string" && /^\s*\d+\s*$/.test(raw.port) ? Number(raw.port) : raw.port;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535) throw bad("port", "a port number");
    port = p;
  }
  const ssl = parseSsl(raw.ssl);
  if (ssl === null) throw bad("ssl", `true, false ("true"/"false" in any case) or one of ${SSL_MODES.join(", ")}`);
  return {
    engine,
    host: str("host", true)!,
    port,
    dbname: str("dbname", false) ?? "postgres",
    username: str("username", true)!,
    password: str("password", true)!,
    masterarn: str("masterarn", false),
    grouprole: str("grouprole", false),
    ssl,
    raw,
  };
}

export const SSL_MODES = ["disable", "require", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/**
 * The value's `ssl` as a mode: undefined when absent, null when not understood. `true`/"true" is
 * verify-full (as with AWS's functions, which verify the server), `false`/"false" disable.
 */
export function parseSsl(v: unknown): SslMode | undefined | null {
  if (v === undefined || v === null || v === "") return undefined;
  if (v === true) return "verify-full";
  if (v === false) return "disable";
  if (typeof v !== "string") return null;
  const s = v.trim().toLowerCase();
  if (s === "true") return "verify-full";
  if (s === "false") return "disable";
  return (SSL_MODES as readonly string[]).includes(s) ? (s as SslMode) : null;
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || h === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * TLS to PostgreSQL. Secure by default: TLS with certificate and host name verification
 * (`verify-full`), except for a loopback host, which a Lambda function cannot reach anyway
 * (local tests). The value's `ssl` field wins (`true` = verify-full, `false` = disable, or a
 * mode name), then the POSTGRES_SSL_MODE environment variable.
 */
export function sslMode(value: { readonly ssl?: unknown; readonly host: string }, env: NodeJS.ProcessEnv = process.env): SslMode {
  const own = parseSsl(value.ssl);
  if (own) return own;
  const fromEnv = env.POSTGRES_SSL_MODE;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!SSL_MODES.includes(fromEnv as SslMode)) {
      throw new RotationError(`POSTGRES_SSL_MODE must be one of ${SSL_MODES.join(", ")}.`, "BAD_SETTING");
    }
    return fromEnv as SslMode;
  }
  return isLoopback(value.host) ? "disable" : "verify-full";
}

/**
 * Fields the connection details must share between versions: a pending value cannot point
 * elsewhere, nor turn TLS off.
 */
export function sameServer(a: PostgresValue, b: PostgresValue): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.dbname === b.dbname && a.ssl === b.ssl;
}

/**
 * The createSecret failure for a postgres secret that nobody has filled in yet: what to put, and
 * the command that puts it. No value is shown, only the shape.
 */
export function missingCurrentMessage(secretId: string, alternating: boolean, putCommand?: string): string {
  const shape = alternating
    ? `{"engine":"postgres","host":"<host>","port":5432,"dbname":"<database>","username":"<user>","password":"<password>","masterarn":"<ARN of the master user's secret>"}`
    : `{"engine":"postgres","host":"<host>","port":5432,"dbname":"<database>","username":"<user>","password":"<password>"}`;
  if (putCommand && !putCommand.startsWith("aws ")) {
    // Another store (Key Vault): its own command, and a new version starts the rotation.
    return (
      `Secret ${secretId} has no value yet, so there is nothing to rotate. A person puts the connection details and the ` +
      `user's present password once, as JSON: ${shape} (in a file readable only by you, e.g. value.json), with: ${putCommand}; ` +
      `that new version starts the first rotation.`
    );
  }
  return (
    `Secret ${secretId} has no AWSCURRENT value yet, so there is nothing to rotate. ` +
    `A person puts the connection details and the user's present password once, as JSON: ${shape} ` +
    `(write it to a file readable only by you, e.g. value.json), with: ` +
    `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://value.json ` +
    `then start a rotation with: aws secretsmanager rotate-secret --secret-id ${secretId}`
  );
}

/** Characters left out of generated passwords; see the README, Rotation. */
export const DEFAULT_EXCLUDE_CHARACTERS = `/@:?#[]%"'\\\`$ `;

/** EXCLUDE_CHARACTERS when set (even to ""), else the default. */
export function excludeCharacters(env: NodeJS.ProcessEnv = process.env): string {
  return env.EXCLUDE_CHARACTERS ?? DEFAULT_EXCLUDE_CHARACTERS;
}

export const PASSWORD_LENGTH = 32;
