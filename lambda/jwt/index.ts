// Rotation function for `jwt` secrets: a new signing key per rotation.
//
// Value (the tutorial's fields, plus key id, public key and the previous key):
//   { "secret_key": "...", "algorithm": "RS256", "expiry_hours": 24, "kid": "...",
//     "public_key": "-----BEGIN PUBLIC KEY-----...",                      (RS256/ES256 only)
//     "previous": { "kid": "...", "algorithm": "RS256", "public_key": "..." } }
// For HS256 `previous` holds `secret_key` instead of `public_key`: verifying needs the secret.
// Verifiers accept tokens whose `kid` is `kid` or `previous.kid`, so tokens signed before a
// rotation stay valid until they expire (keep expiry_hours below the rotation interval).
import { RotationError } from "../shared/errors";
import { Rotator, StepContext, createRotationHandler } from "../shared/protocol";
import { AWSCURRENT, AWSPENDING, getSecretVersion, moveCurrentTo, putPendingValue } from "../shared/secrets";
import { TAG_JWT_ALGORITHM, TAG_JWT_EXPIRY_HOURS, settingChoice, settingInteger } from "../shared/settings";
import { ALGORITHMS, JwtAlgorithm, SigningKey, generateSigningKey, publicKeyOf, signJwt, verifyJwt } from "./keys";

export const DEFAULT_ALGORITHM: JwtAlgorithm = "HS256";
export const DEFAULT_EXPIRY_HOURS = 24;

interface PreviousKey {
  kid?: string;
  algorithm: JwtAlgorithm;
  public_key?: string;
  secret_key?: string;
}

function isAlgorithm(v: unknown): v is JwtAlgorithm {
  return typeof v === "string" && (ALGORITHMS as readonly string[]).includes(v);
}

/** The verification half of the current key, for the overlap; undefined when there is none. */
function previousOf(current: Record<string, unknown> | undefined, ctx: StepContext): PreviousKey | undefined {
  if (!current || typeof current.secret_key !== "string" || !isAlgorithm(current.algorithm)) return undefined;
  const kid = typeof current.kid === "string" ? current.kid : undefined;
  if (current.algorithm === "HS256") return { kid, algorithm: "HS256", secret_key: current.secret_key };
  if (typeof current.public_key === "string") return { kid, algorithm: current.algorithm, public_key: current.public_key };
  try {
    // A key a person put may lack its public half: derive it.
    return { kid, algorithm: current.algorithm, public_key: publicKeyOf(current.secret_key) };
  } catch {
    ctx.log.warn("previous.unusable", { message: "The current secret_key is not a PEM private key; no previous key is kept." });
    return undefined;
  }
}

function pendingKey(value: Record<string, unknown>, secretId: string): SigningKey {
  const { secret_key, algorithm, kid, public_key } = value;
  if (typeof secret_key !== "string" || !isAlgorithm(algorithm) || typeof kid !== "string") {
    throw new RotationError(`The AWSPENDING version of ${secretId} lacks secret_key, algorithm or kid.`, "BAD_VALUE");
  }
  if (algorithm !== "HS256" && typeof public_key !== "string") {
    throw new RotationError(`The AWSPENDING version of ${secretId} lacks public_key for ${algorithm}.`, "BAD_VALUE");
  }
  return { secretKey: secret_key, algorithm, kid, publicKey: public_key as string | undefined };
}

export const jwtRotator: Rotator = {
  name: "jwt",
  async createSecret(ctx) {
    if (await getSecretVersion(ctx.secretId, AWSPENDING, ctx.token)) {
      ctx.log.info("pending.exists");
      return;
    }
    // The first rotation runs when the secret is created: there may be no AWSCURRENT at all.
    const current = (await getSecretVersion(ctx.secretId, AWSCURRENT))?.value;
    const algorithm = settingChoice(ctx.metadata.tags, TAG_JWT_ALGORITHM, current, "algorithm", ALGORITHMS, DEFAULT_ALGORITHM);
    const expiryHours = settingInteger(ctx.metadata.tags, TAG_JWT_EXPIRY_HOURS, current, "expiry_hours", 1, 8760, DEFAULT_EXPIRY_HOURS);
    const key = generateSigningKey(algorithm);
    const previous = previousOf(current, ctx);
    // Keep fields a person added (issuer, audience, ...); replace the ones this function owns.
    const { previous: _dropped, public_key: _oldPublic, ...kept } = current ?? {};
    const value: Record<string, unknown> = {
      ...kept,
      secret_key: key.secretKey,
      algorithm,
      expiry_hours: expiryHours,
      kid: key.kid,
      ...(key.publicKey ? { public_key: key.publicKey } : {}),
      ...(previous ? { previous } : {}),
    };
    await putPendingValue(ctx.secretId, ctx.token, value, ctx.rotationToken);
    ctx.log.info("pending.created", { algorithm, kid: key.kid });
  },
  async setSecret(ctx) {
    // Verifiers read the keys from the secret; nothing else to update.
    ctx.log.info("set.nothing-to-do");
  },
  async testSecret(ctx) {
    const pending = await getSecretVersion(ctx.secretId, AWSPENDING, ctx.token);
    if (!pending) throw new RotationError(`The AWSPENDING version ${ctx.token} of ${ctx.secretId} has no value; createSecret has not run.`, "NO_PENDING");
    const key = pendingKey(pending.value, ctx.secretId);
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(key, { iss: "secrets-platform-rotation", sub: "rotation-test", iat: now, exp: now + 60 });
    try {
      verifyJwt(token, { algorithm: key.algorithm, kid: key.kid, key: key.publicKey ?? key.secretKey }, now);
    } catch (err) {
      throw new RotationError(`The pending ${key.algorithm} key does not sign and verify: ${(err as Error).message}.`, "KEY_TEST_FAILED");
    }
    ctx.log.info("test.signed-and-verified", { algorithm: key.algorithm, kid: key.kid });
  },
  async finishSecret(ctx) {
    const { previousVersionId } = await moveCurrentTo(ctx.secretId, ctx.token);
    ctx.log.info("current.moved", { otherVersionId: previousVersionId });
  },
};

export const handler = createRotationHandler(() => jwtRotator);
