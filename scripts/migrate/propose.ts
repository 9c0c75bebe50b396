// `npm run migrate`: which secret and field each key of a .env file belongs to. Pure: keys in, proposals out; the values
// never reach this module's output (a proposal names a key, a secret and a field, never what the key holds).
import type { SecretSpec } from "../../config/schema";

/** What becomes of one key of the .env file. */
export type Proposal =
  | { readonly key: string; readonly kind: "secret"; readonly secret: string; readonly field: string; readonly source: "map" | "guess"; readonly newSecret?: SecretSpec["type"] }
  | { readonly key: string; readonly kind: "configuration"; readonly why: string }
  | { readonly key: string; readonly kind: "unmatched"; readonly why: string };

/**
 * The JSON fields each type keeps (DESIGN.md section 2), and the .env key endings that name them. A postgres secret's
 * host and port are fields of the secret, not configuration: DB_HOST belongs to the database secret.
 */
const FIELD_ALIASES: Record<SecretSpec["type"], Record<string, readonly string[]>> = {
  postgres: {
    username: ["USER", "USERNAME"],
    password: ["PASSWORD", "PASS", "PWD"],
    host: ["HOST", "HOSTNAME"],
    port: ["PORT"],
    dbname: ["NAME", "DB", "DBNAME", "DATABASE"],
  },
  jwt: { secret_key: ["SECRET", "SECRET_KEY", "KEY", "SIGNING_KEY"], algorithm: ["ALGORITHM", "ALG"], expiry_hours: ["EXPIRY_HOURS", "EXPIRATION_HOURS", "EXPIRES_HOURS"] },
  "api-key": { api_key: ["API_KEY", "KEY", "APIKEY", "SECRET", "SECRET_KEY"], model: ["MODEL"], organization: ["ORGANIZATION", "ORG", "ORG_ID"] },
  token: { token: ["TOKEN", "SECRET"] },
};

/** The prefixes a .env file commonly uses for a secret of each type besides the secret's own name. */
const TYPE_PREFIXES: Record<SecretSpec["type"], readonly string[]> = {
  postgres: ["DB", "DATABASE", "POSTGRES", "POSTGRESQL", "PG"],
  jwt: ["JWT"],
  "api-key": [],
  token: [],
};

/** libpq's own variables (PGHOST, PGPASSWORD, ...), which have no separator. */
const LIBPQ: Record<string, string> = { PGHOST: "host", PGPORT: "port", PGUSER: "username", PGPASSWORD: "password", PGDATABASE: "dbname" };

/** Keys that hold configuration rather than secrets, unless a secret's field claims them first. */
const CONFIGURATION = /(^|_)(URL|URI|ENDPOINT|BASE_URL|REGION|LOCATION|HOST|HOSTNAME|PORT|ENABLED|DISABLED|FLAG|MODE|ENV|ENVIRONMENT|LEVEL|TIMEOUT|DEBUG|VERSION|NAMESPACE|PATH|DIR|ZONE|TZ|LOCALE)$|^(FEATURE|FF|FLAG)_|^(NODE_ENV|PORT|HOST|DEBUG|LOG_LEVEL|TZ)$/;
/** Keys that look like secrets: a key that matches no secret is then not quietly left out. */
const SECRET_LOOKING = /(PASSWORD|PASSWD|PWD|SECRET|TOKEN|API_?KEY|PRIVATE_KEY|CREDENTIAL|AUTH)/;
/** A URL with credentials in it (postgres://user:pass@host/db) is a secret whatever its key says. */
const URL_WITH_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s:]+:[^/@\s]+@/i;

const upper = (name: string) => name.toUpperCase().replace(/-/g, "_");

export interface ProposeOptions {
  /** The application's secrets by name. */
  readonly secrets: Readonly<Record<string, SecretSpec>>;
  /** --map KEY=secret.field, by key. */
  readonly map?: Readonly<Record<string, string>>;
}

/** A secret's field that a key names: by --map, by the secret's own name as prefix, or by its type's usual prefixes. */
function guessField(key: string, secrets: Readonly<Record<string, SecretSpec>>): { secret: string; field: string } | undefined {
  if (LIBPQ[key]) {
    const pg = Object.entries(secrets).filter(([, s]) => s.type === "postgres");
    if (pg.length === 1) return { secret: pg[0][0], field: LIBPQ[key] };
  }
  // The secret's own name first (OPENAI_API_KEY -> openai.api_key), then its type's prefixes if one secret has the type.
  const candidates: Array<{ secret: string; prefix: string; type: SecretSpec["type"] }> = [];
  for (const [name, spec] of Object.entries(secrets)) candidates.push({ secret: name, prefix: upper(name), type: spec.type });
  for (const type of Object.keys(TYPE_PREFIXES) as SecretSpec["type"][]) {
    const ofType = Object.entries(secrets).filter(([, s]) => s.type === type);
    if (ofType.length !== 1) continue;
    for (const prefix of TYPE_PREFIXES[type]) candidates.push({ secret: ofType[0][0], prefix, type });
  }
  for (const c of candidates) {
    if (key === c.prefix && c.type === "token") return { secret: c.secret, field: "token" };
    if (!key.startsWith(`${c.prefix}_`)) continue;
    const rest = key.slice(c.prefix.length + 1);
    for (const [field, endings] of Object.entries(FIELD_ALIASES[c.type])) {
      if (endings.includes(rest)) return { secret: c.secret, field };
    }
    // An api-key keeps whatever fields a person gives it (OPENAI_PROJECT -> openai.project).
    if (c.type === "api-key" && !CONFIGURATION.test(key)) return { secret: c.secret, field: rest.toLowerCase() };
  }
  return undefined;
}

/** For a secret-looking key no secret claims: a new api-key secret named by its prefix (STRIPE_API_KEY -> stripe.api_key). */
function newSecretFor(key: string): { secret: string; field: string } | undefined {
  const m = /^([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*?)_(API_KEY|APIKEY|SECRET_KEY|SECRET|TOKEN|KEY)$/.exec(key);
  if (!m) return undefined;
  const secret = m[1].toLowerCase().replace(/_/g, "-");
  if (!/^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/.test(secret) || secret.length > 40) return undefined;
  return { secret, field: m[2] === "TOKEN" ? "token" : m[2] === "SECRET" || m[2] === "SECRET_KEY" ? "secret" : "api_key" };
}

export function propose(keys: readonly string[], values: Readonly<Record<string, string>>, options: ProposeOptions): Proposal[] {
  return keys.map((key): Proposal => {
    const mapped = options.map?.[key];
    if (mapped !== undefined) {
      const [secret, ...rest] = mapped.split(".");
      const field = rest.join(".");
      return options.secrets[secret]
        ? { key, kind: "secret", secret, field, source: "map" }
        : { key, kind: "secret", secret, field, source: "map", newSecret: "api-key" };
    }
    const guessed = guessField(key, options.secrets);
    if (guessed) return { key, kind: "secret", ...guessed, source: "guess" };
    const value = values[key] ?? "";
    if (URL_WITH_CREDENTIALS.test(value)) {
      return { key, kind: "unmatched", why: "holds a URL with a password in it: split it into the secret's fields with --map (e.g. the postgres secret's username, password, host, port, dbname)" };
    }
    if (CONFIGURATION.test(key) && !SECRET_LOOKING.test(key)) return { key, kind: "configuration", why: "an endpoint, region, port, flag or setting: it stays in the application's configuration" };
    if (/^(true|false|yes|no|on|off|\d{1,5})$/i.test(value) && !SECRET_LOOKING.test(key)) {
      return { key, kind: "configuration", why: "a flag or number: it stays in the application's configuration" };
    }
    if (SECRET_LOOKING.test(key)) {
      const fresh = newSecretFor(key);
      if (fresh) return { key, kind: "secret", ...fresh, source: "guess", newSecret: fresh.field === "token" ? "token" : "api-key" };
      return { key, kind: "unmatched", why: "looks like a secret but matches no secret of the application: give --map KEY=<secret>.<field>" };
    }
    return { key, kind: "unmatched", why: "matches no secret of the application: give --map KEY=<secret>.<field> if it is one, else it stays configuration" };
  });
}

/** The description fragment that declares the secrets the proposals need but the description lacks. */
export function descriptionFragment(app: string, proposals: readonly Proposal[]): string | undefined {
  const fresh = new Map<string, { type: SecretSpec["type"]; fields: Set<string> }>();
  for (const p of proposals) {
    if (p.kind !== "secret" || !p.newSecret) continue;
    const entry = fresh.get(p.secret) ?? { type: p.newSecret, fields: new Set<string>() };
    entry.fields.add(p.field);
    fresh.set(p.secret, entry);
  }
  if (fresh.size === 0) return undefined;
  const lines = ["applications:", `  ${app}:`, "    secrets:"];
  for (const [name, { type, fields }] of fresh) {
    lines.push(`      ${name}: { type: ${type}${type === "api-key" ? ", expiresAfterDays: 90" : ", rotation: { everyDays: 30 }"} }   # fields: ${[...fields].join(", ")}`);
  }
  lines.push("    # and add each to the reads of the workloads that use it");
  return lines.join("\n");
}
