// Logging in to PostgreSQL, and setting a password without sending it in clear text.
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import { Client } from "pg";
import { RotationError } from "../shared/errors";
import { PostgresValue, SslMode, sslMode } from "./value";

export interface Login {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly user: string;
  readonly password: string;
  readonly ssl: SslMode;
}

export function loginOf(value: PostgresValue, env: NodeJS.ProcessEnv = process.env): Login {
  return {
    host: value.host,
    port: value.port,
    database: value.dbname,
    user: value.username,
    password: value.password,
    ssl: sslMode(value, env),
  };
}

function timeoutMs(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const v = Number(env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

export interface ConnectOptions {
  /** The session acts as the login user, whatever `ALTER ROLE/DATABASE ... SET role` says. */
  readonly setRoleNone?: boolean;
  /**
   * The master's own login (exempt from the password check below, which is about evidence from
   * an application's value). Its session also resolves every function and operator in pg_catalog
   * only, and acts as itself. The master's
   * database may hold objects an application user created (a database it owns, CREATE on public);
   * a function there that matches an argument type better than pg_catalog's (unnest(text[]) over
   * unnest(anyarray)) would otherwise run as the master.
   */
  readonly trusted?: boolean;
}

/**
 * Opens a connection; throws pg's error (the caller decides what an auth failure means). An
 * application's login must be authenticated by its password: the function takes a successful
 * login as proof that the value's writer holds that role's password, which a server that lets the
 * role in without asking (`trust`, `peer`, `cert` in pg_hba.conf) does not show. (The master's
 * login is the operator's configuration, not evidence, and is exempt.)
 */
export async function connect(login: Login, options: ConnectOptions = {}, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const startup = [
    ...(options.setRoleNone || options.trusted ? ["-c role=none"] : []),
    ...(options.trusted ? ["-c search_path=pg_catalog,pg_temp"] : []),
  ];
  let asked = false;
  const client = new Client({
    host: login.host,
    port: login.port,
    database: login.database,
    user: login.user,
    // pg calls a password function only when the server asks for a password.
    password: async () => {
      asked = true;
      return login.password;
    },
    ssl: login.ssl === "disable" ? false : { rejectUnauthorized: login.ssl === "verify-full" },
    connectionTimeoutMillis: timeoutMs(env, "POSTGRES_CONNECT_TIMEOUT_MS", 5000),
    statement_timeout: timeoutMs(env, "POSTGRES_STATEMENT_TIMEOUT_MS", 30000),
    query_timeout: timeoutMs(env, "POSTGRES_STATEMENT_TIMEOUT_MS", 30000) + 5000,
    application_name: "secrets-platform-rotation",
    // Startup options beat `ALTER ROLE/DATABASE ... SET`, which the role or the database owner controls.
    ...(startup.length ? { options: startup.join(" ") } : {}),
  });
  // A dropped connection emits 'error'; without a listener that would crash the function.
  client.on("error", () => undefined);
  await client.connect();
  if (!asked && !options.trusted) {
    await closeQuietly(client);
    throw new RotationError(
      `PostgreSQL at ${login.host}:${login.port} let ${JSON.stringify(login.user)} log in to database ${login.database} without asking ` +
        `for a password (pg_hba.conf trust, peer or cert): such a login proves nothing about the secret's value, so rotation ` +
        `refuses it. Require scram-sha-256 (or md5) for this user in pg_hba.conf.`,
      "LOGIN_WITHOUT_PASSWORD",
    );
  }
  return client;
}

/**
 * SQLSTATE 28P01 invalid_password: the user or the password is wrong (PostgreSQL does not say
 * which). 28000 invalid_authorization_specification is not a wrong password: pg_hba.conf has no
 * entry for this host, user, database and encryption, or an entry rejects it.
 */
export function isWrongPassword(err: unknown): boolean {
  return (err as { code?: unknown })?.code === "28P01";
}

/** Logs in, or returns undefined when the password is refused. Any other failure throws, described. */
export async function tryLogin(login: Login, options: ConnectOptions = {}): Promise<Client | undefined> {
  try {
    return await connect(login, options);
  } catch (err) {
    if (isWrongPassword(err)) return undefined;
    if (err instanceof RotationError) throw err;
    throw describeConnectError(err, login);
  }
}

/**
 * What went wrong connecting, in words that point at the cause: pg_hba.conf refusals and TLS
 * requirements are named as such, never as a wrong password.
 */
export function describeConnectError(err: unknown, login: Login): RotationError {
  const e = err as { code?: string; message?: string };
  const message = e.message ?? String(err);
  const where = `PostgreSQL at ${login.host}:${login.port} (database ${login.database}, TLS ${login.ssl}) as ${login.user}`;
  // 28000 is also what a NOLOGIN role gets, with "role ... is not permitted to log in" (PostgreSQL's InitializeSessionUserId).
  if (e.code === "28000" && /not permitted to log in/i.test(message)) {
    return new RotationError(
      `${where}: the role has NOLOGIN (SQLSTATE 28000: ${message}); this is not a wrong password. Rotation does not change a ` +
        `role's LOGIN attribute: a DBA runs ALTER ROLE ${JSON.stringify(login.user)} LOGIN if the role is meant to log in.`,
      "ROLE_NOLOGIN",
    );
  }
  // 53300 too_many_connections: the role's CONNECTION LIMIT ("too many connections for role") or the server's
  // max_connections ("sorry, too many clients already"); the server is reachable and the password was not refused.
  if (e.code === "53300") {
    const role = /for role/i.test(message);
    return new RotationError(
      role
        ? `${where}: the role's connection limit is reached (SQLSTATE 53300: ${message}); this is not a wrong password. Close idle ` +
            `sessions, or raise it with ALTER ROLE ${JSON.stringify(login.user)} CONNECTION LIMIT <n> (for an alternating pair, on ` +
            `the base user: the next rotation gives the clone the same limit).`
        : `${where}: the server has no free connection slot (SQLSTATE 53300: ${message}); this is not a wrong password.`,
      role ? "CONNECTION_LIMIT_REACHED" : "TOO_MANY_CONNECTIONS",
    );
  }
  if (e.code === "28000") {
    // "no pg_hba.conf entry for ..., no encryption": what a server that requires TLS answers
    // (RDS with rds.force_ssl, hostssl-only rules); "pg_hba.conf rejects ...": a reject rule.
    const noTls = login.ssl === "disable" && /no pg_hba\.conf entry/i.test(message) && /no encryption/i.test(message);
    return new RotationError(
      noTls
        ? `${where} refused a connection without TLS (pg_hba.conf, SQLSTATE 28000: ${message}). The server requires TLS ` +
            `(or has no entry for this user at all): set "ssl" in the secret's value (true, or "require"), or POSTGRES_SSL_MODE.`
        : `${where} refused the connection in pg_hba.conf (SQLSTATE 28000: ${message}); this is not a wrong password. ` +
            `A DBA adds a pg_hba.conf entry for this user, database and source address (and encryption), or removes the reject rule.`,
      noTls ? "TLS_REQUIRED" : "PG_HBA_REFUSED",
    );
  }
  if (/does not support SSL/i.test(message)) {
    return new RotationError(`${where}: the server does not offer TLS, which this value requires (${message}).`, "TLS_UNAVAILABLE");
  }
  return new RotationError(`Cannot reach ${where}: ${message}`, e.code ?? "DB_UNREACHABLE");
}

export async function closeQuietly(client: Client | undefined): Promise<void> {
  if (!client) return;
  try {
    await client.end();
  } catch {
    // already closed
  }
}

/** Whether the value's user already logs in with the value's password (a step that ran before). */
export async function logsIn(value: PostgresValue): Promise<boolean> {
  const client = await tryLogin(loginOf(value));
  await closeQuietly(client);
  return client !== undefined;
}

/**
 * PostgreSQL's SCRAM-SHA-256 verifier for a password (RFC 5802/7677, as PostgreSQL stores it).
 * Valid for passwords that SASLprep leaves unchanged, i.e. printable ASCII (what
 * GetRandomPassword generates).
 */
export function scramVerifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(Buffer.from(password, "utf8"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * The SQL literal to put after PASSWORD. PostgreSQL 10+ accepts a SCRAM verifier, so the password
 * itself never reaches the server: it cannot land in the server log (log_statement) or in
 * pg_stat_statements. Older servers, or passwords outside printable ASCII, get the password as
 * an escaped literal.
 */
export async function passwordLiteral(client: Client, password: string): Promise<string> {
  const { rows } = await client.query<{ server_version_num: string }>("SHOW server_version_num");
  const version = Number(rows[0]?.server_version_num ?? 0);
  if (version >= 100000 && PRINTABLE_ASCII.test(password)) return client.escapeLiteral(scramVerifier(password));
  return client.escapeLiteral(password);
}

/**
 * `ALTER ROLE <user> WITH [LOGIN] PASSWORD <literal>`, the name and the password quoted safely.
 * A role may change its own password, but LOGIN needs CREATEROLE: only the master adds it.
 */
export async function setPassword(client: Client, user: string, password: string, options: { login?: boolean } = {}): Promise<void> {
  const literal = await passwordLiteral(client, password);
  const login = options.login ? "LOGIN " : "";
  await client.query(`ALTER ROLE ${client.escapeIdentifier(user)} WITH ${login}PASSWORD ${literal}`);
}
