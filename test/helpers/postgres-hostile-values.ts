// Values that whoever may write an application's postgres secret could put, to make alternating-users rotation act
// on a role that is not theirs (the confused-deputy cases), with the refusal each must meet. A table, so that every
// host of the rotation core (the Lambda, the Azure Function) is checked against the same cases.
export interface HostileContext {
  /** The master user's role name. */
  readonly master: string;
  /** Port of another PostgreSQL server on the master's host, where the writer chose the passwords. */
  readonly evilPort: number;
  /** A password the writer chose on that other server for a role named `victim`. */
  readonly evilPassword: string;
}

export interface HostileSetupContext {
  readonly sql: (text: string) => Promise<unknown>;
  /** The application's own user (the secret's username before the writer's changes). */
  readonly app: string;
  /** A password nobody in the secret knows. */
  readonly victimPassword: string;
}

export interface HostileCase {
  readonly what: string;
  readonly changes: (c: HostileContext) => Record<string, unknown>;
  readonly setup?: (c: HostileSetupContext) => Promise<void>;
  /** The RotationError code the rotation fails with. */
  readonly code: RegExp;
}

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const madeUp = () => `made-up-${Math.random().toString(36).slice(2)}`;

export const HOSTILE_POSTGRES_VALUES: readonly HostileCase[] = [
  { what: "another role's clone name with a made-up password", changes: () => ({ username: "victim_clone", password: madeUp() }), code: /^CURRENT_LOGIN_FAILED$/ },
  { what: "another role's name with a made-up password", changes: () => ({ username: "victim", password: madeUp() }), code: /^CURRENT_LOGIN_FAILED$/ },
  { what: "the master's own name", changes: (c) => ({ username: c.master, password: "whatever-it-is" }), code: /^(MASTER_ROLE|RESERVED_ROLE)$/ },
  { what: "the master's clone name", changes: (c) => ({ username: `${c.master}_clone`, password: "whatever-it-is" }), code: /^(MASTER_ROLE|RESERVED_ROLE)$/ },
  { what: "the master's name in another case", changes: (c) => ({ username: c.master.toUpperCase(), password: "whatever-it-is" }), code: /^(MASTER_ROLE|RESERVED_ROLE)$/ },
  ...["pg_monitor", "pg_read_all_data_clone", "rds_superuser", "azure_pg_admin", "azuresu", "cloudsqlsuperuser", "Postgres", "\uff50\uff4f\uff53\uff54\uff47\uff52\uff45\uff53"].map(
    (username): HostileCase => ({ what: `the reserved role ${username}`, changes: () => ({ username, password: "whatever-it-is" }), code: /^RESERVED_ROLE$/ }),
  ),
  { what: "a grouprole", changes: () => ({ grouprole: "pg_read_all_data" }), code: /^GROUPROLE_NOT_SUPPORTED$/ },
  {
    what: "a port naming another server on the master's host",
    changes: (c) => ({ port: c.evilPort, username: "victim", password: c.evilPassword }),
    code: /^MASTER_HOST_MISMATCH$/,
  },
  { what: "a name PostgreSQL would truncate", changes: () => ({ username: "u".repeat(58) }), code: /^NAME_TOO_LONG$/ },
  { what: "an invisible character in the name", changes: () => ({ username: "victim\u200b" }), code: /^BAD_USERNAME$/ },
  {
    what: "an existing <user>_clone that is another team's",
    changes: () => ({}),
    setup: (c) => c.sql(`CREATE ROLE ${quoteIdent(c.app + "_clone")} LOGIN PASSWORD ${quoteLit(c.victimPassword)}`).then(() => undefined),
    code: /^NOT_THIS_SECRETS_ROLE$/,
  },
  {
    what: "an application user with CREATEROLE",
    changes: () => ({}),
    setup: (c) => c.sql(`ALTER ROLE ${quoteIdent(c.app)} CREATEROLE`).then(() => undefined),
    code: /^PRIVILEGED_ROLE$/,
  },
];
