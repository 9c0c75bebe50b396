// The value of a postgres secret: the JSON shape of AWS's own rotation functions, so a secret
// moves between AWS-hosted rotation and this one unchanged.
//   {"engine":"postgres","host":"...","port":5432,"dbname":"...","username":"...","password":"...",
//    "masterarn":"arn:..." (alternating users), "grouprole":"..." (optional), "ssl":true|false (optional)}
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
  readonly ssl?: boolean | string;
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
    const p = typeof raw.port === "string" && /^\d+$/.test(raw.port) ? Number(raw.port) : raw.port;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 1 || p > 65535) throw bad("port", "a port number");
    port = p;
  }
  if (raw.ssl !== undefined && typeof raw.ssl !== "boolean" && !(typeof raw.ssl === "string" && SSL_MODES.includes(raw.ssl as SslMode))) {
    throw bad("ssl", `true, false or one of ${SSL_MODES.join(", ")}`);
  }
  return {
    engine,
    host: str("host", true)!,
    port,
    dbname: str("dbname", false) ?? "postgres",
    username: str("username", true)!,
    password: str("password", true)!,
    masterarn: str("masterarn", false),
    grouprole: str("grouprole", false),
    ssl: raw.ssl as boolean | string | undefined,
    raw,
  };
}

export const SSL_MODES = ["disable", "require", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

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
export function sslMode(value: Pick<PostgresValue, "ssl" | "host">, env: NodeJS.ProcessEnv = process.env): SslMode {
  if (value.ssl === true) return "verify-full";
  if (value.ssl === false) return "disable";
  if (typeof value.ssl === "string" && SSL_MODES.includes(value.ssl as SslMode)) return value.ssl as SslMode;
  const fromEnv = env.POSTGRES_SSL_MODE;
  if (fromEnv !== undefined && fromEnv !== "") {
    if (!SSL_MODES.includes(fromEnv as SslMode)) {
      throw new RotationError(`POSTGRES_SSL_MODE must be one of ${SSL_MODES.join(", ")}.`, "BAD_SETTING");
    }
    return fromEnv as SslMode;
  }
  return isLoopback(value.host) ? "disable" : "verify-full";
}

/** Fields the connection details must share between versions (a pending value cannot point elsewhere). */
export function sameServer(a: PostgresValue, b: PostgresValue): boolean {
  return a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port && a.dbname === b.dbname;
}

/**
 * The createSecret failure for a postgres secret that nobody has filled in yet: what to put, and
 * the command that puts it. No value is shown, only the shape.
 */
export function missingCurrentMessage(secretId: string, alternating: boolean): string {
  const shape = alternating
    ? `{"engine":"postgres","host":"<host>","port":5432,"dbname":"<database>","username":"<user>","password":"<password>","masterarn":"<ARN of the master user's secret>"}`
    : `{"engine":"postgres","host":"<host>","port":5432,"dbname":"<database>","username":"<user>","password":"<password>"}`;
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
