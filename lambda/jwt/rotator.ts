// Rotation function for `jwt` secrets: keys published one rotation ahead of use.
//
// Value (the tutorial's fields for the key in use, plus three keys, each with its kid):
//   { "secret_key": "...", "algorithm": "RS256", "expiry_hours": 24, "kid": "...", "public_key": "...",
//     "current":  { "kid", "algorithm", "secret_key", "public_key" },   (the same key as the top level)
//     "next":     { "kid", "algorithm", "secret_key", "public_key" },   (signs after the next rotation)
//     "previous": { "kid", "algorithm", "public_key" } }                 (HS256: secret_key instead)
// A rotation promotes `next` to `current`, keeps the old current as `previous`, and generates a new
// `next`. A verifier that builds its JWKS from previous/current/next (docs/rotation.md) and
// re-reads the secret once per rotation period holds every key that can sign a valid token.
import { RotationError } from "../shared/errors";
import type { Rotator, StepContext } from "../shared/protocol";
import { AWSCURRENT, AWSPENDING } from "../shared/store";
import { JWT_ALGORITHM_TAG, JWT_EXPIRY_HOURS_TAG } from "../../config/tags";
import { settingChoice, settingInteger } from "../shared/settings";
import { ALGORITHMS, JwtAlgorithm, KeyEntry, checkKey, generateKey, isAlgorithm, jwksOf, kidFor, publicKeyOf, signJwt, verifyJwt } from "./keys";

export const DEFAULT_ALGORITHM: JwtAlgorithm = "HS256";
export const DEFAULT_EXPIRY_HOURS = 24;

const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);

/** An entry (current/next) read from a value, or undefined when the slot is absent or malformed. */
function entryAt(value: Record<string, unknown>, slot: string): KeyEntry | undefined {
  const e = value[slot] as Record<string, unknown> | undefined;
  if (!e || typeof e !== "object" || !str(e.kid) || !isAlgorithm(e.algorithm)) return undefined;
  return { kid: e.kid as string, algorithm: e.algorithm, secret_key: str(e.secret_key), public_key: str(e.public_key) };
}

/**
 * The key signers use now: the top-level (tutorial) fields, which a value a person put may be all
 * there is. A key without kid gets one (thumbprint, or random for HS256) when it is kept as previous.
 */
function topLevelKey(value: Record<string, unknown>): KeyEntry | undefined {
  const secret = str(value.secret_key);
  if (!secret || !isAlgorithm(value.algorithm)) return undefined;
  return { kid: str(value.kid) ?? "", algorithm: value.algorithm, secret_key: secret, public_key: str(value.public_key) };
}

async function refuseMismatch(key: KeyEntry, what: string, secretId: string): Promise<void> {
  try {
    await checkKey(key);
  } catch (err) {
    throw new RotationError(
      `The ${what} of ${secretId} says algorithm ${key.algorithm}, but its key does not fit: ${(err as Error).message}. ` +
        `Put a value whose "algorithm" matches its "secret_key", or remove the value and let rotation generate one.`,
      "KEY_ALGORITHM_MISMATCH",
    );
  }
}

/** What verifiers keep of a key after it stops signing: the public half (HS256: the secret itself). */
async function previousOf(key: KeyEntry): Promise<KeyEntry> {
  const kid = key.kid || (await kidFor(key));
  if (key.algorithm === "HS256") return { kid, algorithm: "HS256", secret_key: key.secret_key };
  return { kid, algorithm: key.algorithm, public_key: key.public_key ?? (await publicKeyOf(key.algorithm, key.secret_key!)) };
}

const OWNED = ["secret_key", "algorithm", "kid", "public_key", "current", "next", "previous"];

export const jwtRotator: Rotator = {
  name: "jwt",
  async createSecret(ctx) {
    if (await ctx.store.getSecretVersion(ctx.secretId, AWSPENDING, ctx.token)) {
      ctx.log.info("pending.exists");
      return;
    }
    // The first rotation runs when the secret is created: there may be no AWSCURRENT at all.
    // Refused now, before a pending value exists, if the store could not take the version that publishes it.
    await ctx.store.checkCanPublish(ctx.secretId, ctx.token);
    const current = (await ctx.store.getSecretVersion(ctx.secretId, AWSCURRENT))?.value;
    const algorithm = settingChoice(ctx.metadata.tags, JWT_ALGORITHM_TAG, current, "algorithm", ALGORITHMS, DEFAULT_ALGORITHM);
    const expiryHours = settingInteger(ctx.metadata.tags, JWT_EXPIRY_HOURS_TAG, current, "expiry_hours", 1, 8760, DEFAULT_EXPIRY_HOURS);
    const inUse = current ? topLevelKey(current) : undefined;
    if (inUse) await refuseMismatch(inUse, "AWSCURRENT value", ctx.secretId);
    // The published next key becomes current, unless the algorithm setting changed since.
    const published = current ? entryAt(current, "next") : undefined;
    let promoted: KeyEntry | undefined;
    if (published && published.algorithm === algorithm && published.secret_key) {
      await refuseMismatch(published, "AWSCURRENT value's next key", ctx.secretId);
      promoted = published;
    }
    const next = await generateKey(algorithm);
    const now = promoted ?? (await generateKey(algorithm));
    const previous = inUse ? await previousOf(inUse) : undefined;
    // Keep fields a person added (issuer, audience, ...); replace the ones this function owns.
    const kept = Object.fromEntries(Object.entries(current ?? {}).filter(([k]) => !OWNED.includes(k)));
    const value: Record<string, unknown> = {
      ...kept,
      secret_key: now.secret_key,
      algorithm: now.algorithm,
      expiry_hours: expiryHours,
      kid: now.kid,
      ...(now.public_key ? { public_key: now.public_key } : {}),
      current: now,
      next,
      ...(previous ? { previous } : {}),
    };
    await ctx.store.putPendingValue(ctx.secretId, ctx.token, value, ctx.rotationToken);
    ctx.log.info("pending.created", { algorithm, kid: now.kid, message: promoted ? "The published next key is now current." : "New current key." });
  },
  async setSecret(ctx) {
    // Verifiers read the keys from the secret; nothing else to update.
    ctx.log.info("set.nothing-to-do");
  },
  async testSecret(ctx) {
    const pending = await ctx.store.getSecretVersion(ctx.secretId, AWSPENDING, ctx.token);
    if (!pending) throw new RotationError(`The AWSPENDING version ${ctx.token} of ${ctx.secretId} has no value; createSecret has not run.`, "NO_PENDING");
    await testValue(pending.value, ctx);
  },
  async finishSecret(ctx) {
    const { previousVersionId } = await ctx.store.moveCurrentTo(ctx.secretId, ctx.token);
    ctx.log.info("current.moved", { otherVersionId: previousVersionId });
  },
};

/** The pending value signs with its current and next keys, and both verify through its own JWKS. */
async function testValue(value: Record<string, unknown>, ctx: StepContext): Promise<void> {
  const top = topLevelKey(value);
  const current = entryAt(value, "current");
  const next = entryAt(value, "next");
  if (!top || !current || !next || !top.kid || !current.secret_key || !next.secret_key) {
    throw new RotationError(`The AWSPENDING version of ${ctx.secretId} lacks secret_key, algorithm, kid, current or next.`, "BAD_VALUE");
  }
  if (top.kid !== current.kid || top.secret_key !== current.secret_key || top.algorithm !== current.algorithm) {
    throw new RotationError(`The AWSPENDING version of ${ctx.secretId} has top-level fields that are not its current key.`, "BAD_VALUE");
  }
  for (const [what, key] of [["current key", current], ["next key", next]] as const) {
    await refuseMismatch(key, `AWSPENDING value's ${what}`, ctx.secretId);
    const now = Math.floor(Date.now() / 1000);
    try {
      const token = await signJwt(key, { iss: "secrets-platform-rotation", sub: "rotation-test", iat: now, exp: now + 60 });
      await verifyJwt(token, await jwksOf(value));
    } catch (err) {
      throw new RotationError(`The pending ${what} (${key.algorithm}) does not sign and verify through the value's JWKS: ${(err as Error).message}.`, "KEY_TEST_FAILED");
    }
  }
  ctx.log.info("test.signed-and-verified", { algorithm: current.algorithm, kid: current.kid });
}
