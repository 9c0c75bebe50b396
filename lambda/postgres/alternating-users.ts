// Alternating users: the secret switches between `<user>` and `<user>_clone` on every rotation; the
// master user (the secret named by `masterarn`, or the function's MASTER_SECRET_ARN) sets the
// inactive one's password and creates the clone when missing. The user in AWSCURRENT is never
// changed during a rotation, so applications keep logging in at every moment, and the previous
// user keeps working until the next rotation.
//
// The clone is a member of `<user>` (as with AWS's own multi-user function) and has
// `ALTER ROLE <clone> SET role = '<user>'`: every session of the clone acts as `<user>`. So
// whatever `<user>` owns or was granted (tables, sequences, schemas, CONNECT, default privileges),
// the clone has; whatever either creates is owned by `<user>` and usable by the other. No object
// changes owner and no grant is copied, so a master without SUPERUSER (RDS, Aurora, Azure, Cloud
// SQL) needs only CREATEROLE. Before acting on either role, the function proves it belongs to this
// secret: see pair-roles.ts.
import { Client } from "pg";
import { RotationError } from "../shared/errors";
import { Logger } from "../shared/log";
import { Rotator, StepContext } from "../shared/protocol";
import { Login, closeQuietly, connect, describeConnectError, loginOf, logsIn, setPassword, tryLogin } from "./db";
import { CLONE_SUFFIX, MAX_NAME_BYTES, Pair, otherOf, pairOf } from "./names";
import { PairFacts, markerFor, provePair } from "./pair-roles";
import { checkCloneInStep, cloneSyncStatements, limitsOf } from "./clone-sync";
import { createPending, currentValue, finishPostgres, pendingValue, previousValue } from "./single-user";
import { PostgresValue, parsePostgresValue, sameServer } from "./value";

export { CLONE_SUFFIX, MAX_NAME_BYTES };

const MAX_SHOWN_ARN = 256;

/**
 * The master secret to use. The function's MASTER_SECRET_ARN, when set, is the only master it may
 * use: the value is written by whoever may put a value into this one application's secret, so a
 * `masterarn` naming another master is refused (that person could otherwise have the function log
 * in as any master it can read). Unset, the value's `masterarn` decides, as with AWS's functions.
 */
export function masterArnOf(
  value: PostgresValue,
  secretId: string,
  env: NodeJS.ProcessEnv = process.env,
  fixed?: StepContext["allowedMaster"],
): { arn: string; from: string } {
  // A host that fixes the master (the Azure Function, from its settings) is never overridden by the value.
  const allowed = fixed ? fixed.secretId : env.MASTER_SECRET_ARN || undefined;
  const setting = fixed ? fixed.setting : "MASTER_SECRET_ARN";
  const kind = fixed ? "secret name" : "ARN";
  if (allowed) {
    if (value.masterarn !== undefined && value.masterarn !== allowed) {
      const shown = value.masterarn.length > MAX_SHOWN_ARN ? value.masterarn.slice(0, MAX_SHOWN_ARN) + "..." : value.masterarn;
      throw new RotationError(
        `The AWSCURRENT value of ${secretId} names master secret ${JSON.stringify(shown)} in "masterarn", but this function ` +
          `may use only ${allowed} (its ${setting}). Put that ${kind} in "masterarn", or leave the field out; ` +
          `a secret that belongs to another master is rotated by that master's function.`,
        "MASTER_NOT_ALLOWED",
      );
    }
    return { arn: allowed, from: `the master secret (${setting})` };
  }
  if (!value.masterarn) {
    throw new RotationError(
      `The AWSCURRENT value of ${secretId} has no "masterarn": alternating-users rotation needs the ARN of the master user's secret in that field.`,
      "NO_MASTER_SECRET",
    );
  }
  return { arn: value.masterarn, from: "the master secret named by masterarn" };
}

/** The master secret's value, for the same server as `current`. */
async function masterOf(current: PostgresValue, ctx: StepContext): Promise<{ arn: string; value: PostgresValue }> {
  const secretId = ctx.secretId;
  const { arn, from } = masterArnOf(current, secretId, process.env, ctx.allowedMaster);
  const secret = await ctx.store.getOtherSecret(arn, from);
  const value = parsePostgresValue(secret.value, "master secret's AWSCURRENT", arn);
  if (value.host.toLowerCase() !== current.host.toLowerCase() || value.port !== current.port) {
    // Never send the master password to a server the master secret does not name. The port too:
    // the AWSCURRENT login is the proof that the pair belongs to this secret, so it must be made
    // on the server the master acts on, not on another one the writer runs on the same host.
    throw new RotationError(
      `The master secret ${arn} is for ${value.host}:${value.port}, not ${current.host}:${current.port}; alternating rotation ` +
        `needs the master user of the same server (host and port).`,
      "MASTER_HOST_MISMATCH",
    );
  }
  return { arn, value };
}

/**
 * The master's login: its own user, password, port, database and TLS setting. Only the host is
 * the application's (checked equal above): the application's value cannot downgrade the master's
 * connection to plain text, nor point it at another database.
 */
function masterLogin(master: PostgresValue): Login {
  return loginOf(master);
}

/** A value naming a group role is refused: this design has none (see the top of this file). */
function refuseGrouprole(value: PostgresValue, what: string, secretId: string): void {
  if (value.grouprole !== undefined) {
    throw new RotationError(
      `The ${what} value of ${secretId} has "grouprole": this function uses no group role (the clone acts as the base user, ` +
        `which keeps every grant). Remove the field.`,
      "GROUPROLE_NOT_SUPPORTED",
    );
  }
}

/** Logs in as AWSCURRENT (acting as itself) and checks the server agrees on who that is. */
async function loginAsCurrent(current: PostgresValue, secretId: string, putCommand: string): Promise<Client> {
  const client = await tryLogin(loginOf(current), { setRoleNone: true });
  if (!client) {
    throw new RotationError(
      `The AWSCURRENT credentials of ${secretId} do not log in as ${JSON.stringify(current.username)}; refusing to rotate. ` +
        `Only a value whose current password works is rotated (whoever wrote it could otherwise have the master reset ` +
        `another role). Put the user's working password as the current value (${putCommand}), then rotate.`,
      "CURRENT_LOGIN_FAILED",
    );
  }
  try {
    const { rows } = await client.query<{ u: string }>("SELECT session_user AS u");
    if (rows[0]?.u !== current.username) {
      throw new RotationError(`The AWSCURRENT user of ${secretId} logged in as another role (a name PostgreSQL truncated or mapped).`, "BAD_USERNAME");
    }
    return client;
  } catch (err) {
    await closeQuietly(client);
    throw err;
  }
}

async function checkMaster(master: Client, name: string): Promise<void> {
  const { rows } = await master.query<{ u: string; super: boolean; createrole: boolean }>(
    "SELECT session_user AS u, rolsuper AS super, rolcreaterole AS createrole FROM pg_catalog.pg_roles WHERE rolname = session_user",
  );
  if (rows[0]?.u !== name) throw new RotationError(`The master secret's user logged in as another role.`, "BAD_USERNAME");
  if (!rows[0].super && !rows[0].createrole) {
    throw new RotationError(
      `The master user ${JSON.stringify(name)} lacks CREATEROLE, which alternating users need (to create the clone, grant it ` +
        `the base user and set passwords). Grant it once: ALTER ROLE ${JSON.stringify(name)} CREATEROLE;`,
      "MASTER_LACKS_CREATEROLE",
    );
  }
}

/** Runs a master statement; a privilege failure names what the master lacks. */
async function asMaster(masterName: string, pair: Pair, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if ((err as { code?: string }).code === "42501") {
      throw new RotationError(
        `The master user ${JSON.stringify(masterName)} may not change the pair's roles (${(err as Error).message}). It needs CREATEROLE ` +
          `and, on PostgreSQL 16 or later, ADMIN OPTION on ${JSON.stringify(pair.base)}: GRANT ${JSON.stringify(pair.base)} TO ` +
          `${JSON.stringify(masterName)} WITH ADMIN OPTION (as the role that created it).`,
        "MASTER_LACKS_GRANT",
      );
    }
    throw err;
  }
}

/**
 * The clone exists, carries this secret's marker, is a member of the base user (inheriting) and
 * acts as it. One transaction, so a crash never leaves a clone without its marker (which the
 * next attempt would refuse to touch).
 */
async function ensureClone(master: Client, masterName: string, pair: Pair, facts: PairFacts, secretArn: string, log: Logger): Promise<void> {
  const id = (n: string) => master.escapeIdentifier(n);
  const clone = facts.clone;
  const statements: string[] = [];
  if (!clone) statements.push(`CREATE ROLE ${id(pair.clone)} NOLOGIN INHERIT`);
  if (clone?.comment !== markerFor(secretArn)) statements.push(`COMMENT ON ROLE ${id(pair.clone)} IS ${master.escapeLiteral(markerFor(secretArn))}`);
  if (!clone?.memberOf.some((m) => m.role === pair.base)) statements.push(`GRANT ${id(pair.base)} TO ${id(pair.clone)}`);
  if (clone && !clone.inherit) statements.push(`ALTER ROLE ${id(pair.clone)} INHERIT`);
  const roleSettings = clone?.settings.filter((s) => /^(@\d+:)?role=/.test(s)) ?? [];
  if (roleSettings.some((s) => s.startsWith("@"))) {
    // A per-database default role beats the global one; the clone may set one for itself (after
    // SET ROLE NONE). Removed, so that every session of the clone acts as the user again.
    const { rows } = await master.query<{ datname: string }>(
      `SELECT DISTINCT d.datname FROM pg_catalog.pg_db_role_setting s
         JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
         JOIN pg_catalog.pg_roles r ON r.oid = s.setrole, pg_catalog.unnest(s.setconfig) c
        WHERE r.rolname = $1 AND c LIKE 'role=%'`,
      [pair.clone],
    );
    for (const { datname } of rows) statements.push(`ALTER ROLE ${id(pair.clone)} IN DATABASE ${id(datname)} RESET role`);
  }
  const globalRole = roleSettings.filter((s) => !s.startsWith("@"));
  if (globalRole.length !== 1 || globalRole[0] !== `role=${pair.base}`) {
    statements.push(`ALTER ROLE ${id(pair.clone)} SET role = ${master.escapeLiteral(pair.base)}`);
  }
  // Kept in step with the base user on every rotation: settings, connection limit, VALID UNTIL (clone-sync.ts).
  const sync = await cloneSyncStatements(master, pair, clone !== undefined);
  if (statements.length + sync.length === 0) return;
  await master.query("BEGIN");
  try {
    for (const sql of statements) await asMaster(masterName, pair, () => master.query(sql));
    for (const sql of sync) {
      try {
        await master.query(sql);
      } catch (err) {
        if ((err as { code?: string }).code !== "42501") throw err;
        // A setting only a superuser (or a role granted SET on it) may give, which a superuser gave the base user.
        throw new RotationError(
          `The master user ${JSON.stringify(masterName)} may not give ${JSON.stringify(pair.clone)} a setting that ${JSON.stringify(pair.base)} has ` +
            `(${(err as Error).message}). On PostgreSQL 15+, a superuser grants it: GRANT SET ON PARAMETER <name> TO ${JSON.stringify(masterName)}; ` +
            `or removes the setting from ${JSON.stringify(pair.base)}.`,
          "MASTER_LACKS_GRANT",
        );
      }
    }
    await checkCloneInStep(master, pair);
    await master.query("COMMIT");
  } catch (err) {
    await master.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
  log.info(clone ? "clone.adjusted" : "clone.created", { username: pair.clone, message: sync.length ? `${sync.length} settings or limits copied from the base user.` : undefined });
}

/**
 * What keeps `username` from logging in whatever its password (NOLOGIN, a VALID UNTIL that has passed, CONNECTION
 * LIMIT 0), named; undefined when nothing does. PostgreSQL answers an expired VALID UNTIL with the same SQLSTATE
 * 28P01 as a wrong password (it logs the reason only on the server), so the master reads pg_roles to tell them apart.
 */
async function loginBlocker(master: Client, username: string, options: { ignoreNologin?: boolean } = {}): Promise<{ code: string; what: string } | undefined> {
  const limits = await limitsOf(master, username);
  if (!limits) return undefined;
  if (!limits.canLogin && !options.ignoreNologin) return { code: "ROLE_NOLOGIN", what: `has NOLOGIN` };
  if (limits.expired) return { code: "VALID_UNTIL_PASSED", what: `has VALID UNTIL ${limits.validUntil}, which has passed` };
  if (limits.connlimit === 0) return { code: "CONNECTION_LIMIT_ZERO", what: `has CONNECTION LIMIT 0` };
  return undefined;
}

/** Throws a RotationError naming why `username` cannot log in, when the master can see one. */
async function explainLogin(masterValue: PostgresValue, username: string, which: string, pair: Pair, secretId: string): Promise<void> {
  let client: Client | undefined;
  let blocker: { code: string; what: string } | undefined;
  try {
    client = await connect(masterLogin(masterValue), { trusted: true });
    blocker = await loginBlocker(client, username);
  } catch {
    return; // the master cannot say; the caller's message stands
  } finally {
    await closeQuietly(client);
  }
  if (blocker) throw blockedError(blocker, username, which, pair, secretId);
}

function blockedError(blocker: { code: string; what: string }, username: string, which: string, pair: Pair, secretId: string): RotationError {
  const fix =
    blocker.code === "ROLE_NOLOGIN"
      ? `Rotation never changes a role's LOGIN: if ${JSON.stringify(username)} is meant to log in, a DBA runs ALTER ROLE ${JSON.stringify(username)} LOGIN.`
      : `A DBA changes it on ${JSON.stringify(pair.base)} (ALTER ROLE ${JSON.stringify(pair.base)} ${blocker.code === "VALID_UNTIL_PASSED" ? "VALID UNTIL '<later>'" : "CONNECTION LIMIT <n>"}); ` +
        `each rotation gives ${JSON.stringify(pair.clone)} the same.`;
  return new RotationError(
    `The ${which} user ${JSON.stringify(username)} of ${secretId} ${blocker.what}, so it cannot log in whatever its password; ` +
      `this is not a wrong password. ${fix}`,
    blocker.code,
  );
}

/**
 * Objects the clone owns in this database (made while it did not act as the base user: by AWS's
 * own function, or after a session ran SET ROLE NONE) go to the base user, so the base user can
 * use them. Run as the clone itself, which holds the rights of both roles; for a schema it also
 * needs CREATE on the database, which it has when the base user has.
 */
async function reassignFromClone(asClone: Client, pair: Pair, database: string): Promise<boolean> {
  const owns = await asClone.query(
    `SELECT 1 FROM pg_catalog.pg_shdepend d JOIN pg_catalog.pg_roles r ON r.oid = d.refobjid
      WHERE d.deptype = 'o' AND r.rolname = $1
        AND (d.dbid = 0 OR d.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
      LIMIT 1`,
    [pair.clone],
  );
  if (!owns.rowCount) return false;
  try {
    await asClone.query(`REASSIGN OWNED BY ${asClone.escapeIdentifier(pair.clone)} TO ${asClone.escapeIdentifier(pair.base)}`);
    return true;
  } catch (err) {
    throw new RotationError(
      `${JSON.stringify(pair.clone)} owns objects in database ${database} that ${JSON.stringify(pair.base)} cannot use, and giving them ` +
        `to ${JSON.stringify(pair.base)} failed (${(err as Error).message}). For a schema, ${JSON.stringify(pair.base)} needs CREATE on ` +
        `the database: GRANT CREATE ON DATABASE ${JSON.stringify(database)} TO ${JSON.stringify(pair.base)}; then the rotation is retried.`,
      "MISSING_GRANT",
    );
  }
}

/**
 * Whether AWSPREVIOUS names `username` on AWSCURRENT's server and its password logs in as that
 * role (AWS's multi-user function leaves the previous user's password working).
 */
async function previousLogsInAs(ctx: StepContext, username: string, current: PostgresValue): Promise<boolean> {
  const previous = await previousValue(ctx);
  if (!previous || previous.username !== username || !sameServer(previous, current)) return false;
  const client = await tryLogin(loginOf(previous), { setRoleNone: true });
  if (!client) return false;
  try {
    const { rows } = await client.query<{ u: string }>("SELECT session_user AS u");
    return rows[0]?.u === username;
  } finally {
    await closeQuietly(client);
  }
}

function checkPending(pending: PostgresValue, current: PostgresValue, pair: Pair, secretId: string): void {
  const other = otherOf(pair, current.username);
  if (pending.username !== other || !sameServer(pending, current) || (pending.masterarn ?? "") !== (current.masterarn ?? "")) {
    throw new RotationError(
      `The AWSPENDING value of ${secretId} does not name the other user of the pair (${JSON.stringify(pair.base)}, ` +
        `${JSON.stringify(pair.clone)}) with AWSCURRENT's server, database, TLS setting and master.`,
      "PENDING_MISMATCH",
    );
  }
}

export const alternatingUsersRotator: Rotator = {
  name: "postgres/alternating-users",

  async createSecret(ctx) {
    const current = await currentValue(ctx, true);
    refuseGrouprole(current, "AWSCURRENT", ctx.secretId);
    const master = await masterOf(current, ctx);
    const pair = pairOf(current.username, ctx.secretId, master.value.username);
    const next = otherOf(pair, current.username);
    const created = await createPending(ctx, (password) => ({ ...current.raw, engine: current.engine, username: next, password }));
    if (created) ctx.log.info("pending.created", { username: next, host: current.host });
  },

  async setSecret(ctx) {
    const pending = await pendingValue(ctx);
    const current = await currentValue(ctx, true);
    refuseGrouprole(current, "AWSCURRENT", ctx.secretId);
    const master = await masterOf(current, ctx);
    const pair = pairOf(current.username, ctx.secretId, master.value.username);
    checkPending(pending, current, pair, ctx.secretId);
    const log = ctx.log.child({ username: pending.username, host: pending.host, port: pending.port, database: pending.dbname });

    // Before anything else, the current credentials must work (as AWS's functions check).
    let asCurrent: Client;
    try {
      asCurrent = await loginAsCurrent(current, ctx.secretId, ctx.store.putValueCommand(ctx.secretId));
    } catch (err) {
      if ((err as RotationError).code === "CURRENT_LOGIN_FAILED") await explainLogin(master.value, current.username, "AWSCURRENT", pair, ctx.secretId);
      throw err;
    }
    let masterClient: Client | undefined;
    let asClone: Client | undefined;
    try {
      const login = masterLogin(master.value);
      try {
        masterClient = await connect(login, { trusted: true });
      } catch (err) {
        throw describeConnectError(err, login);
      }
      await checkMaster(masterClient, master.value.username);
      const facts = await provePair(masterClient, pair, current.username, master.value.username, ctx.secretId, () =>
        previousLogsInAs(ctx, pair.clone, current),
      );
      // Nothing is changed in the database that the store could not then publish.
      await ctx.store.checkCanPublish(ctx.secretId, ctx.token);
      // A rotation changes the pair's passwords and nothing else of the base user: an attribute of the base user that
      // would keep the pending user from logging in (a DBA's NOLOGIN when the base user is pending; a passed VALID UNTIL
      // or CONNECTION LIMIT 0, which the clone gets too) stops it, named, before anything changes: copied onto a
      // current clone, it would also lock out the application. (The clone's LOGIN is the function's own.)
      const blocker = await loginBlocker(masterClient, pair.base, { ignoreNologin: pending.username === pair.clone });
      if (blocker) throw blockedError(blocker, pair.base, pending.username === pair.clone ? "pending user's base" : "pending", pair, ctx.secretId);
      await ensureClone(masterClient, master.value.username, pair, facts, ctx.secretId, log);
      // The password is set last but for the hand-over below: "pending logs in" means the roles are ready.
      if (await logsIn(pending)) {
        log.info("set.already-done");
      } else {
        const m = masterClient;
        // LOGIN only for the clone, which this function created NOLOGIN and owns; never for the base user.
        const login = pending.username === pair.clone;
        await asMaster(master.value.username, pair, () => setPassword(m, pending.username, pending.password, { login }));
        log.info("set.password-changed", { message: "Set by the master user." });
      }
      asClone = current.username === pair.clone ? asCurrent : await tryLogin(loginOf(pending), { setRoleNone: true });
      if (!asClone) throw new RotationError(`The pending password of ${ctx.secretId} does not log in after it was set.`, "PENDING_LOGIN_FAILED");
      if (await reassignFromClone(asClone, pair, current.dbname)) {
        log.info("clone.objects-reassigned", { message: `Objects owned by ${pair.clone} now belong to ${pair.base}.` });
      }
    } finally {
      if (asClone !== asCurrent) await closeQuietly(asClone);
      await closeQuietly(asCurrent);
      await closeQuietly(masterClient);
    }
  },

  testSecret: provePendingActsAsBase,

  // Anyone who may invoke the function may call finishSecret out of order (right after createSecret): AWSCURRENT moves
  // only onto a user whose pending password logs in and acts as the base user.
  async finishSecret(ctx) {
    await provePendingActsAsBase(ctx);
    await finishPostgres(ctx);
  },
};

/** The pending value logs in and acts as the base user; throws otherwise, naming why when the master can tell. */
async function provePendingActsAsBase(ctx: StepContext): Promise<void> {
  const pending = await pendingValue(ctx);
  refuseGrouprole(pending, "AWSPENDING", ctx.secretId);
  const pair = pairOf(pending.username, ctx.secretId);
  const client = await tryLogin(loginOf(pending));
  if (!client) {
    try {
      const current = await currentValue(ctx, true);
      const master = await masterOf(current, ctx);
      await explainLogin(master.value, pending.username, "pending", pair, ctx.secretId);
    } catch (err) {
      if (err instanceof RotationError && ["ROLE_NOLOGIN", "VALID_UNTIL_PASSED", "CONNECTION_LIMIT_ZERO"].includes(err.code)) throw err;
    }
    throw new RotationError(`The pending password of ${ctx.secretId} does not log in as ${pending.username}.`, "PENDING_LOGIN_FAILED");
  }
  try {
    const { rows } = await client.query<{ current_user: string }>("SELECT current_user");
    if (rows[0]?.current_user !== pair.base) {
      throw new RotationError(
        `${pending.username} does not act as ${pair.base} after login; objects it creates would not be shared.`,
        "CLONE_ROLE_NOT_SET",
      );
    }
  } finally {
    await closeQuietly(client);
  }
  ctx.log.info("test.logged-in", { username: pending.username });
}
