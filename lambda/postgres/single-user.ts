// Single user: one database user whose password changes on every rotation. Between setSecret and
// finishSecret only the pending password works (Secrets Manager's documented trade-off of this
// strategy); applications should retry a failed login once after re-reading the secret.
import { RotationError } from "../shared/errors";
import { Rotator, StepContext } from "../shared/protocol";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from "../shared/store";
import { closeQuietly, loginOf, logsIn, setPassword, tryLogin } from "./db";
import {
  PASSWORD_LENGTH,
  PostgresValue,
  excludeCharacters,
  missingCurrentMessage,
  parsePostgresValue,
  sameServer,
} from "./value";

function parseQuietly(value: Record<string, unknown>, secretId: string): PostgresValue | undefined {
  try {
    return parsePostgresValue(value, "earlier pending", secretId);
  } catch {
    return undefined;
  }
}

export async function currentValue(ctx: StepContext, alternating: boolean): Promise<PostgresValue> {
  const current = await ctx.store.getSecretVersion(ctx.secretId, AWSCURRENT);
  if (!current) throw new RotationError(missingCurrentMessage(ctx.secretId, alternating, ctx.store.putValueCommand(ctx.secretId)), "NO_CURRENT_VALUE");
  return parsePostgresValue(current.value, AWSCURRENT, ctx.secretId);
}

export async function pendingValue(ctx: StepContext): Promise<PostgresValue> {
  const pending = await ctx.store.getSecretVersion(ctx.secretId, AWSPENDING, ctx.token);
  if (!pending) {
    throw new RotationError(`The AWSPENDING version ${ctx.token} of ${ctx.secretId} has no value; createSecret has not run.`, "NO_PENDING");
  }
  return parsePostgresValue(pending.value, AWSPENDING, ctx.secretId);
}

export async function previousValue(ctx: StepContext): Promise<PostgresValue | undefined> {
  try {
    const previous = await ctx.store.getSecretVersion(ctx.secretId, AWSPREVIOUS);
    return previous ? parsePostgresValue(previous.value, AWSPREVIOUS, ctx.secretId) : undefined;
  } catch {
    return undefined; // a malformed old version is no reason to fail; it is only a fallback
  }
}

/** Puts `value` with a new password as the pending version, unless this rotation already did. */
export async function createPending(ctx: StepContext, build: (password: string) => Record<string, unknown>): Promise<boolean> {
  if (await ctx.store.getSecretVersion(ctx.secretId, AWSPENDING, ctx.token)) {
    ctx.log.info("pending.exists");
    return false;
  }
  // Refused now, before a pending value exists, if the store could not take the version that publishes it.
  await ctx.store.checkCanPublish(ctx.secretId, ctx.token);
  const password = await ctx.store.randomPassword({ length: PASSWORD_LENGTH, excludeCharacters: excludeCharacters() });
  await ctx.store.putPendingValue(ctx.secretId, ctx.token, build(password), ctx.rotationToken);
  return true;
}

export async function finishPostgres(ctx: StepContext): Promise<void> {
  const { previousVersionId } = await ctx.store.moveCurrentTo(ctx.secretId, ctx.token);
  ctx.log.info("current.moved", { otherVersionId: previousVersionId });
}

export const singleUserRotator: Rotator = {
  name: "postgres/single-user",

  async createSecret(ctx) {
    const current = await currentValue(ctx, false);
    const created = await createPending(ctx, (password) => ({ ...current.raw, engine: current.engine, password }));
    if (created) ctx.log.info("pending.created", { username: current.username, host: current.host });
  },

  async setSecret(ctx) {
    const pending = await pendingValue(ctx);
    const current = await currentValue(ctx, false);
    if (pending.username !== current.username || !sameServer(pending, current)) {
      throw new RotationError(
        `The AWSPENDING value of ${ctx.secretId} names another user or server than AWSCURRENT; single-user rotation changes only the password.`,
        "PENDING_MISMATCH",
      );
    }
    const log = ctx.log.child({ username: pending.username, host: pending.host, port: pending.port, database: pending.dbname });
    // Already set by an earlier attempt of this step: nothing to change.
    if (await logsIn(pending)) {
      log.info("set.already-done");
      return;
    }
    const candidates: Array<[string, PostgresValue]> = [["current", current]];
    const previous = await previousValue(ctx);
    if (previous && previous.username === pending.username && sameServer(previous, pending)) candidates.push(["previous", previous]);
    // A rotation interrupted after it changed the password, then a person's new version (copying the old password):
    // the working password is the function's own pending value of that rotation, which the store still holds.
    for (const earlier of await ctx.store.earlierPendingValues(ctx.secretId, ctx.token)) {
      const value = parseQuietly(earlier.value, ctx.secretId);
      if (value && value.username === pending.username && sameServer(value, pending)) candidates.push(["an earlier rotation's pending", value]);
    }
    // Nothing is changed in the database that the store could not then publish.
    await ctx.store.checkCanPublish(ctx.secretId, ctx.token);
    for (const [which, value] of candidates) {
      // Connect with the pending value's server and user; only the password differs.
      const client = await tryLogin({ ...loginOf(pending), password: value.password });
      if (!client) continue;
      try {
        await setPassword(client, pending.username, pending.password);
      } finally {
        await closeQuietly(client);
      }
      log.info("set.password-changed", { message: `Logged in with the ${which} password.` });
      return;
    }
    throw new RotationError(
      `None of the pending, current or previous passwords of ${ctx.secretId} logs in as ${pending.username} ` +
        `on ${pending.host}:${pending.port}. Someone changed the password outside rotation: put the working password ` +
        `as the current value with ${ctx.store.putValueCommand(ctx.secretId)}, then rotate again.`,
      "NO_WORKING_PASSWORD",
    );
  },

  testSecret: provePendingLogsIn,

  // Anyone who may invoke the function may call finishSecret out of order (right after createSecret): AWSCURRENT moves
  // only onto a password the database has.
  async finishSecret(ctx) {
    await provePendingLogsIn(ctx);
    await finishPostgres(ctx);
  },
};

/** Logs in with the pending value; throws PENDING_LOGIN_FAILED (or what the server said) when it does not. */
async function provePendingLogsIn(ctx: StepContext): Promise<void> {
  const pending = await pendingValue(ctx);
  const client = await tryLogin(loginOf(pending));
  if (!client) {
    throw new RotationError(`The pending password of ${ctx.secretId} does not log in as ${pending.username}.`, "PENDING_LOGIN_FAILED");
  }
  try {
    await client.query("SELECT 1");
  } finally {
    await closeQuietly(client);
  }
  ctx.log.info("test.logged-in", { username: pending.username });
}
