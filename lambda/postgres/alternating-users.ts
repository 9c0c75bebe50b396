// Alternating users: the secret switches between `<user>` and `<user>_clone` on every rotation; the
// master user (the secret named by `masterarn`) sets the inactive one's password and creates the
// clone when missing. The user in AWSCURRENT is never changed during a rotation, so applications
// keep logging in at every moment, and the previous user keeps working until the next rotation.
//
// Both users are members of one NOLOGIN group role (`<user>_group`, or the value's `grouprole`)
// and have `ALTER ROLE ... SET role = <group>`: every session of either user acts as the group, so
// objects either creates are owned by the group and usable by the other, and grants made to the
// group apply to both. Objects the login user owned before (created before this scheme) are given
// to the group with REASSIGN OWNED, run as that user itself (no extra master privilege needed).
import { Client } from "pg";
import { RotationError } from "../shared/errors";
import { Logger } from "../shared/log";
import { Rotator } from "../shared/protocol";
import { getOtherSecret } from "../shared/secrets";
import { closeQuietly, connect, describeConnectError, loginOf, logsIn, setPassword, tryLogin } from "./db";
import { createPending, currentValue, finishPostgres, pendingValue } from "./single-user";
import { PostgresValue, parsePostgresValue, sameServer } from "./value";

/** PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated, so they would collide. */
export const MAX_NAME_BYTES = 63;
export const CLONE_SUFFIX = "_clone";
export const GROUP_SUFFIX = "_group";

export interface UserNames {
  readonly base: string;
  readonly clone: string;
  readonly group: string;
}

export function userNames(username: string, grouprole?: string): UserNames {
  const base = username.endsWith(CLONE_SUFFIX) ? username.slice(0, -CLONE_SUFFIX.length) : username;
  const names = { base, clone: base + CLONE_SUFFIX, group: grouprole ?? base + GROUP_SUFFIX };
  if (base.length === 0) throw new RotationError(`User name "${username}" has nothing before "${CLONE_SUFFIX}".`, "BAD_USERNAME");
  for (const [what, name] of [["clone user", names.clone], ["group role", names.group]] as const) {
    const bytes = Buffer.byteLength(name, "utf8");
    if (bytes > MAX_NAME_BYTES) {
      throw new RotationError(
        `The ${what} name for user "${base}" would be ${bytes} bytes; PostgreSQL allows ${MAX_NAME_BYTES} ` +
          `(longer names are truncated and collide). Use a user name of at most ${MAX_NAME_BYTES - Math.max(CLONE_SUFFIX.length, GROUP_SUFFIX.length)} bytes` +
          (what === "group role" ? ` or a shorter "grouprole" in the value.` : "."),
        "NAME_TOO_LONG",
      );
    }
  }
  return names;
}

const MAX_SHOWN_ARN = 256;

/**
 * The master secret to use. The function's MASTER_SECRET_ARN, when set, is the only master it may
 * use: the value is written by whoever may put a value into this one application's secret, so a
 * `masterarn` naming another master is refused (that person could otherwise have the function log
 * in as any master it can read). Unset, the value's `masterarn` decides, as with AWS's functions.
 */
export function masterArnOf(value: PostgresValue, secretId: string, env: NodeJS.ProcessEnv = process.env): { arn: string; from: string } {
  const allowed = env.MASTER_SECRET_ARN || undefined;
  if (allowed) {
    if (value.masterarn !== undefined && value.masterarn !== allowed) {
      const shown = value.masterarn.length > MAX_SHOWN_ARN ? value.masterarn.slice(0, MAX_SHOWN_ARN) + "..." : value.masterarn;
      throw new RotationError(
        `The AWSCURRENT value of ${secretId} names master secret ${JSON.stringify(shown)} in "masterarn", but this function ` +
          `may use only ${allowed} (its MASTER_SECRET_ARN). Put that ARN in "masterarn", or leave the field out; ` +
          `a secret that belongs to another master is rotated by that master's function.`,
        "MASTER_NOT_ALLOWED",
      );
    }
    return { arn: allowed, from: "the master secret (MASTER_SECRET_ARN)" };
  }
  if (!value.masterarn) {
    throw new RotationError(
      `The AWSCURRENT value of ${secretId} has no "masterarn": alternating-users rotation needs the ARN of the master user's secret in that field.`,
      "NO_MASTER_SECRET",
    );
  }
  return { arn: value.masterarn, from: "the master secret named by masterarn" };
}

async function roleExists(client: Client, name: string): Promise<boolean> {
  const { rowCount } = await client.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [name]);
  return (rowCount ?? 0) > 0;
}

async function ignoreDuplicate(run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    if ((err as { code?: string }).code !== "42710") throw err; // duplicate_object: a concurrent attempt made it
  }
}

/** As the master: the group, the pending user (without a password yet), both users in the group. */
async function prepareRoles(master: Client, names: UserNames, users: readonly string[], log: Logger): Promise<void> {
  const id = (n: string) => master.escapeIdentifier(n);
  if (!(await roleExists(master, names.group))) {
    await ignoreDuplicate(() => master.query(`CREATE ROLE ${id(names.group)} NOLOGIN`));
    log.info("group.created", { message: `Created group role ${names.group}.` });
  }
  for (const user of users) {
    if (!(await roleExists(master, user))) {
      // No password yet: it is set last, so that "pending logs in" means every statement ran.
      await ignoreDuplicate(() => master.query(`CREATE ROLE ${id(user)} NOLOGIN`));
      log.info("user.created", { username: user });
    }
    const member = await master.query(
      `SELECT 1 FROM pg_catalog.pg_auth_members m
         JOIN pg_catalog.pg_roles g ON g.oid = m.roleid
         JOIN pg_catalog.pg_roles u ON u.oid = m.member
        WHERE g.rolname = $1 AND u.rolname = $2`,
      [names.group, user],
    );
    if (!member.rowCount) await master.query(`GRANT ${id(names.group)} TO ${id(user)}`);
  }
}

/**
 * Roles the current user is a member of (granted before it used the group) are granted to the
 * group too, so acting as the group loses none of them. Best effort: a role the master cannot
 * grant is logged for a person to grant.
 */
async function copyMemberships(master: Client, from: string, group: string, log: Logger): Promise<void> {
  const { rows } = await master.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_catalog.pg_auth_members m
       JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
       JOIN pg_catalog.pg_roles u ON u.oid = m.member
      WHERE u.rolname = $1 AND r.rolname <> $2
        AND NOT pg_catalog.pg_has_role($2, r.oid, 'MEMBER')`,
    [from, group],
  );
  for (const { rolname } of rows) {
    try {
      await master.query(`GRANT ${master.escapeIdentifier(rolname)} TO ${master.escapeIdentifier(group)}`);
      log.info("group.membership-copied", { message: `Granted ${rolname} to ${group}.` });
    } catch (err) {
      log.warn("group.membership-not-copied", {
        errorCode: (err as { code?: string }).code,
        message: `Could not grant ${rolname} to ${group} (${(err as Error).message}); a person should grant it.`,
      });
    }
  }
}

/** Every session of `user` acts as the group from its next login on. */
async function setDefaultRole(master: Client, users: readonly string[], group: string): Promise<void> {
  for (const user of users) {
    await master.query(`ALTER ROLE ${master.escapeIdentifier(user)} SET role = ${master.escapeLiteral(group)}`);
  }
}

export const alternatingUsersRotator: Rotator = {
  name: "postgres/alternating-users",

  async createSecret(ctx) {
    const current = await currentValue(ctx, true);
    masterArnOf(current, ctx.secretId);
    const names = userNames(current.username, current.grouprole);
    const next = current.username === names.clone ? names.base : names.clone;
    const created = await createPending(ctx, (password) => ({ ...current.raw, engine: current.engine, username: next, password }));
    if (created) ctx.log.info("pending.created", { username: next, host: current.host });
  },

  async setSecret(ctx) {
    const pending = await pendingValue(ctx);
    const current = await currentValue(ctx, true);
    const names = userNames(current.username, current.grouprole);
    if (!sameServer(pending, current) || ![names.base, names.clone].includes(pending.username) || pending.username === current.username) {
      throw new RotationError(
        `The AWSPENDING value of ${ctx.secretId} does not name the other user of the pair (${names.base}, ${names.clone}) on the same server.`,
        "PENDING_MISMATCH",
      );
    }
    const log = ctx.log.child({ username: pending.username, host: pending.host, port: pending.port, database: pending.dbname });
    // Already set by an earlier attempt of this step: nothing to change.
    if (await logsIn(pending)) {
      log.info("set.already-done");
      return;
    }

    const { arn: masterArn, from } = masterArnOf(current, ctx.secretId);
    const masterSecret = await getOtherSecret(masterArn, from);
    const master = parsePostgresValue(masterSecret.value, "master secret's AWSCURRENT", masterArn);
    if (master.host.toLowerCase() !== current.host.toLowerCase()) {
      // Never send the master password to a server the master secret does not name.
      throw new RotationError(
        `The master secret ${masterArn} is for host ${master.host}, not ${current.host}; alternating rotation needs the master user of the same server.`,
        "MASTER_HOST_MISMATCH",
      );
    }
    // The app's database on the same server; the master's own port when its secret names one.
    const port = master.raw.port !== undefined && master.raw.port !== "" ? master.port : current.port;
    const masterLogin = { ...loginOf(current), user: master.username, password: master.password, port };
    let masterClient: Client;
    try {
      masterClient = await connect(masterLogin);
    } catch (err) {
      throw describeConnectError(err, masterLogin);
    }
    try {
      const users = [current.username, pending.username];
      await prepareRoles(masterClient, names, users, log);
      await copyMemberships(masterClient, current.username, names.group, log);
      // Before sessions act as the group, the group must own what the user owns.
      await reassignOwnedObjects(masterClient, current, names.group, log);
      await setDefaultRole(masterClient, users, names.group);
      await setPassword(masterClient, pending.username, pending.password, { login: true });
    } finally {
      await closeQuietly(masterClient);
    }
    log.info("set.password-changed", { message: "Set by the master user." });
  },

  async testSecret(ctx) {
    const pending = await pendingValue(ctx);
    const names = userNames(pending.username, pending.grouprole);
    const client = await tryLogin(loginOf(pending));
    if (!client) {
      throw new RotationError(`The pending password of ${ctx.secretId} does not log in as ${pending.username}.`, "PENDING_LOGIN_FAILED");
    }
    try {
      const { rows } = await client.query<{ current_user: string; session_user: string }>("SELECT current_user, session_user");
      if (rows[0]?.current_user !== names.group) {
        throw new RotationError(
          `${pending.username} does not act as group role ${names.group} after login; objects it creates would not be shared.`,
          "GROUP_ROLE_NOT_SET",
        );
      }
    } finally {
      await closeQuietly(client);
    }
    ctx.log.info("test.logged-in", { username: pending.username });
  },

  finishSecret: finishPostgres,
};

/**
 * Gives objects the current login user still owns (made before it acted as the group) to the
 * group, so the other user can use them. REASSIGN OWNED needs the privileges of both roles and,
 * for a schema, CREATE on the database: tried as the master (a superuser has all of these), then
 * as the user itself. If neither can, the rotation goes on (objects made from now on belong to
 * the group anyway) and the log says what a person should run once.
 */
async function reassignOwnedObjects(master: Client, current: PostgresValue, group: string, log: Logger): Promise<void> {
  const owns = await master.query(
    `SELECT 1 FROM pg_catalog.pg_shdepend d JOIN pg_catalog.pg_roles r ON r.oid = d.refobjid
      WHERE d.deptype = 'o' AND r.rolname = $1
        AND (d.dbid = 0 OR d.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
      LIMIT 1`,
    [current.username],
  );
  if (!owns.rowCount) return;
  const sql = (c: Client) => `REASSIGN OWNED BY ${c.escapeIdentifier(current.username)} TO ${c.escapeIdentifier(group)}`;
  const reasons: string[] = [];
  try {
    await master.query(sql(master));
    log.info("reassign.done", { message: `Objects owned by ${current.username} now belong to ${group} (as the master).` });
    return;
  } catch (err) {
    reasons.push(`as the master: ${(err as Error).message}`);
  }
  let client: Client | undefined;
  try {
    client = await tryLogin(loginOf(current), { setRoleNone: true });
    if (client) {
      await client.query(sql(client));
      log.info("reassign.done", { message: `Objects owned by ${current.username} now belong to ${group} (as the user).` });
      return;
    }
    reasons.push("as the user: the AWSCURRENT password does not log in");
  } catch (err) {
    reasons.push(`as the user: ${(err as Error).message}`);
  } finally {
    await closeQuietly(client);
  }
  log.warn("reassign.failed", {
    message:
      `Could not give objects owned by ${current.username} to ${group} (${reasons.join("; ")}). ` +
      `Until a person runs REASSIGN OWNED BY <user> TO <group> in database ${current.dbname} as a superuser ` +
      `(or a role with both), the other user cannot use them.`,
  });
}
