// Rotation function for `token` secrets: an opaque random value, `{"token": "<random>"}`.
// The token is base64url text (A-Z a-z 0-9 - _): safe in URLs, headers, shells and JSON.
import { randomBytes } from "node:crypto";
import { RotationError } from "../shared/errors";
import type { Rotator, StepContext } from "../shared/protocol";
import { AWSCURRENT, AWSPENDING } from "../shared/store";
import { TOKEN_LENGTH_TAG } from "../../config/tags";
import { settingInteger } from "../shared/settings";
import { registerSecret } from "../shared/log";

export const DEFAULT_TOKEN_LENGTH = 48;
export const MIN_TOKEN_LENGTH = 16;
export const MAX_TOKEN_LENGTH = 4096;

/** A random base64url string of exactly `length` characters (6 bits of entropy each). */
export function randomToken(length: number): string {
  const token = randomBytes(Math.ceil((length * 3) / 4) + 3)
    .toString("base64url")
    .slice(0, length);
  registerSecret(token);
  return token;
}

function tokenLength(ctx: StepContext, current: Record<string, unknown> | undefined): number {
  // Without a tag, a current token's own length is kept (when sensible), so a token a person
  // put keeps its shape; then the default.
  const own = current && typeof current.token === "string" ? current.token.length : undefined;
  const fallback = own !== undefined && own >= MIN_TOKEN_LENGTH && own <= MAX_TOKEN_LENGTH ? own : DEFAULT_TOKEN_LENGTH;
  return settingInteger(ctx.metadata.tags, TOKEN_LENGTH_TAG, undefined, "token_length", MIN_TOKEN_LENGTH, MAX_TOKEN_LENGTH, fallback);
}

function checkToken(value: Record<string, unknown>, what: string, secretId: string): string {
  if (typeof value.token !== "string" || value.token.length === 0) {
    throw new RotationError(`The ${what} version of ${secretId} has no "token" string.`, "BAD_VALUE");
  }
  return value.token;
}

export const tokenRotator: Rotator = {
  name: "token",
  async createSecret(ctx) {
    if (await ctx.store.getSecretVersion(ctx.secretId, AWSPENDING, ctx.token)) {
      ctx.log.info("pending.exists");
      return;
    }
    // Refused now, before a pending value exists, if the store could not take the version that publishes it.
    await ctx.store.checkCanPublish(ctx.secretId, ctx.token);
    // The first rotation runs when the secret is created: there may be no AWSCURRENT at all.
    const current = await ctx.store.getSecretVersion(ctx.secretId, AWSCURRENT);
    const length = tokenLength(ctx, current?.value);
    // Keep other fields a person may have added next to the token.
    const value = { ...(current?.value ?? {}), token: randomToken(length) };
    await ctx.store.putPendingValue(ctx.secretId, ctx.token, value, ctx.rotationToken);
    ctx.log.info("pending.created");
  },
  async setSecret(ctx) {
    // Nothing outside Secrets Manager holds the token: consumers read it from the secret.
    ctx.log.info("set.nothing-to-do");
  },
  async testSecret(ctx) {
    const pending = await ctx.store.getSecretVersion(ctx.secretId, AWSPENDING, ctx.token);
    if (!pending) throw new RotationError(`The AWSPENDING version ${ctx.token} of ${ctx.secretId} has no value; createSecret has not run.`, "NO_PENDING");
    const token = checkToken(pending.value, AWSPENDING, ctx.secretId);
    if (token.length < MIN_TOKEN_LENGTH) throw new RotationError(`The pending token is shorter than ${MIN_TOKEN_LENGTH} characters.`, "BAD_VALUE");
    const current = await ctx.store.getSecretVersion(ctx.secretId, AWSCURRENT);
    if (current && current.value.token === token) {
      throw new RotationError("The pending token equals the current one; it was not regenerated.", "BAD_VALUE");
    }
  },
  async finishSecret(ctx) {
    const { previousVersionId } = await ctx.store.moveCurrentTo(ctx.secretId, ctx.token);
    ctx.log.info("current.moved", { otherVersionId: previousVersionId });
  },
};
