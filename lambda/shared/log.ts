// Structured JSON logs that cannot carry a secret value.
//
// Two guards: (1) a log line is built only from an allow-list of fields, each with a fixed type,
// so a value object cannot be passed in by mistake (the types refuse it, and the runtime drops
// anything else); (2) every free-text string (error messages) goes through redact(), which removes
// every secret string this process has read or generated (see registerSecret) and anything that
// looks like a PEM block or a password assignment.

export type LogLevel = "info" | "warn" | "error";

/** The only fields a log line may have, besides `level`, `event` and `time`. */
export interface LogFields {
  step?: string;
  secretId?: string;
  versionId?: string;
  otherVersionId?: string;
  strategy?: string;
  algorithm?: string;
  kid?: string;
  username?: string;
  host?: string;
  port?: number;
  database?: string;
  ssl?: string;
  attempt?: number;
  durationMs?: number;
  errorName?: string;
  errorCode?: string;
  /** Free text: always redacted. */
  message?: string;
}

const FIELD_TYPES: Record<keyof LogFields, "string" | "number"> = {
  step: "string",
  secretId: "string",
  versionId: "string",
  otherVersionId: "string",
  strategy: "string",
  algorithm: "string",
  kid: "string",
  username: "string",
  host: "string",
  port: "number",
  database: "string",
  ssl: "string",
  attempt: "number",
  durationMs: "number",
  errorName: "string",
  errorCode: "string",
  message: "string",
};

const MAX_FIELD_LENGTH = 1000;
const MIN_SECRET_LENGTH = 6;
const MAX_REGISTERED = 256;
const REDACTED = "[REDACTED]";

// Insertion-ordered, so the oldest entries go first when a warm Lambda has seen many values.
const secrets = new Set<string>();

/** Remembers a secret string so that redact() removes it from any later log line or error. */
export function registerSecret(value: string | undefined | null): void {
  if (typeof value !== "string" || value.length < MIN_SECRET_LENGTH) return;
  secrets.delete(value);
  secrets.add(value);
  // JSON-escaped forms appear when a value is echoed inside JSON text.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) secrets.add(escaped);
  while (secrets.size > MAX_REGISTERED) secrets.delete(secrets.values().next().value as string);
}

/** Keys of secret values that are not secret themselves (connection details, names, public keys). */
const NON_SECRET_KEYS = new Set([
  "engine",
  "host",
  "port",
  "dbname",
  "username",
  "masterarn",
  "grouprole",
  "ssl",
  "algorithm",
  "expiry_hours",
  "kid",
  "public_key",
]);

/** Registers every secret-looking string inside a parsed secret value, and the raw text itself. */
export function registerSecretValue(value: unknown, raw?: string): void {
  if (raw !== undefined) registerSecret(raw);
  const walk = (v: unknown, key: string | undefined) => {
    if (typeof v === "string") {
      if (key === undefined || !NON_SECRET_KEYS.has(key)) registerSecret(v);
    } else if (Array.isArray(v)) {
      v.forEach((item) => walk(item, key));
    } else if (v !== null && typeof v === "object") {
      for (const [k, item] of Object.entries(v)) walk(item, k);
    }
  };
  walk(value, undefined);
}

const PEM_BLOCK = /-----BEGIN [A-Z0-9 ]+-----[\s\S]*?(-----END [A-Z0-9 ]+-----|$)/g;
// "password":"..." / 'secret_key': '...' (JSON-like: only a quoted value is taken as a value)
const QUOTED_ASSIGNMENT = /(["']?)(password|secret_key|private_key|token)\1(\s*:\s*)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')/gi;
// password=... (connection strings, URLs' query strings, key=value text)
const EQUALS_ASSIGNMENT = /\b(password|secret_key|private_key|token)(\s*=\s*)('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^\s,;&'"]+)/gi;
const PLACEHOLDER = /^["']?<[\w .-]*>["']?$/;
// SQL: PASSWORD '...' or PASSWORD E'...'
const SQL_PASSWORD = /\b(password\s+)(E?'(?:[^'\\]|''|\\.)*')/gi;

/** Removes registered secrets and secret-shaped text from a string. */
export function redact(text: string): string {
  let out = text;
  // Longest first, so that a value containing another registered value is removed whole.
  const known = [...secrets].sort((a, b) => b.length - a.length);
  for (const s of known) {
    if (out.includes(s)) out = out.split(s).join(REDACTED);
  }
  out = out.replace(PEM_BLOCK, REDACTED);
  // Placeholders in guidance ("password":"<password>") are not secrets.
  out = out.replace(QUOTED_ASSIGNMENT, (match: string, q: string, name: string, sep: string, value: string) =>
    PLACEHOLDER.test(value) ? match : `${q}${name}${q}${sep}${REDACTED}`,
  );
  out = out.replace(EQUALS_ASSIGNMENT, (match: string, name: string, sep: string, value: string) =>
    PLACEHOLDER.test(value) ? match : `${name}${sep}${REDACTED}`,
  );
  out = out.replace(SQL_PASSWORD, (_m, keyword: string) => `${keyword}${REDACTED}`);
  return out;
}

export type LogSink = (line: string) => void;

const stdoutSink: LogSink = (line) => {
  process.stdout.write(line + "\n");
};

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Builds the JSON line for one event; exported for tests. */
export function formatLogLine(level: LogLevel, event: string, fields: LogFields): string {
  const line: Record<string, string | number> = {
    time: new Date().toISOString(),
    level,
    event: safeString(event),
  };
  for (const [key, value] of Object.entries(fields)) {
    const type = FIELD_TYPES[key as keyof LogFields];
    if (type === undefined || value === undefined) continue;
    if (type === "number" && typeof value === "number" && Number.isFinite(value)) line[key] = value;
    else if (type === "string" && typeof value === "string") line[key] = safeString(value);
  }
  return JSON.stringify(line);
}

function safeString(value: string): string {
  const clean = redact(value);
  return clean.length > MAX_FIELD_LENGTH ? clean.slice(0, MAX_FIELD_LENGTH) + "..." : clean;
}

export function createLogger(base: LogFields = {}, sink: LogSink = stdoutSink): Logger {
  const emit = (level: LogLevel, event: string, fields: LogFields = {}) =>
    sink(formatLogLine(level, event, { ...base, ...fields }));
  return {
    info: (event, fields) => emit("info", event, fields),
    warn: (event, fields) => emit("warn", event, fields),
    error: (event, fields) => emit("error", event, fields),
    child: (fields) => createLogger({ ...base, ...fields }, sink),
  };
}
