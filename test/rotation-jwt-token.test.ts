// jwt and token rotation: they rotate on creation (no AWSCURRENT at all), twice in a row, every
// step twice, a crash after each step, settings from tags and from the current value.
import { createHmac, createPublicKey, verify as cryptoVerify } from "node:crypto";
import { randomUUID } from "node:crypto";
import { handler as jwtHandler } from "../lambda/jwt";
import { signJwt, verifyJwt } from "../lambda/jwt/keys";
import { handler as tokenHandler } from "../lambda/token";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from "./helpers/fake-secrets-manager";
import { RotationHarness, STEPS } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

const env = setupRotationEnv();
const tokens = () => new RotationHarness(env.fake, tokenHandler);
const jwts = () => new RotationHarness(env.fake, jwtHandler);
const track = (h: RotationHarness) => {
  afterEach(() => env.thrown.push(...h.thrownMessages.splice(0)));
  return h;
};

/** No version other than AWSCURRENT's carries AWSPENDING, and there is exactly one AWSCURRENT. */
function expectSettled(arn: string): void {
  const labels = env.fake.labels(arn);
  const current = Object.entries(labels).filter(([, s]) => s.includes(AWSCURRENT));
  expect(current).toHaveLength(1);
  const pendingElsewhere = Object.entries(labels).filter(([, s]) => s.includes(AWSPENDING) && !s.includes(AWSCURRENT));
  expect(pendingElsewhere).toEqual([]);
}

interface JwtValue {
  secret_key: string;
  algorithm: string;
  expiry_hours: number;
  kid: string;
  public_key?: string;
  previous?: { kid?: string; algorithm: string; public_key?: string; secret_key?: string };
  [k: string]: unknown;
}

/** Verifies a compact JWS independently of the function's own code. */
function independentVerify(token: string, algorithm: string, key: string): boolean {
  const [h, p, s] = token.split(".");
  const input = Buffer.from(`${h}.${p}`);
  const sig = Buffer.from(s, "base64url");
  if (algorithm === "HS256") return createHmac("sha256", key).update(input).digest().equals(sig);
  if (algorithm === "RS256") return cryptoVerify("RSA-SHA256", input, createPublicKey(key), sig);
  return cryptoVerify("sha256", input, { key: createPublicKey(key), dsaEncoding: "ieee-p1363" }, sig);
}

describe("token", () => {
  const h = track(tokens());

  it("rotates on creation with no AWSCURRENT, then twice in a row", async () => {
    const arn = env.fake.createSecret("dev/app/token");
    await h.rotate(arn);
    const first = env.fake.valueAt<{ token: string }>(arn, AWSCURRENT)!;
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{48}$/);
    expect(env.fake.versionWith(arn, AWSPREVIOUS)).toBeUndefined();
    expectSettled(arn);

    await h.rotate(arn);
    const second = env.fake.valueAt<{ token: string }>(arn, AWSCURRENT)!;
    expect(second.token).not.toBe(first.token);
    expect(env.fake.valueAt(arn, AWSPREVIOUS)).toEqual(first);
    await h.rotate(arn);
    expect(env.fake.valueAt(arn, AWSPREVIOUS)).toEqual(second);
    expectSettled(arn);
  });

  it("takes the length from the secrets-platform:token-length tag, and rejects a bad one", async () => {
    const arn = env.fake.createSecret("dev/app/token-64", { tags: { "secrets-platform:token-length": "64" } });
    await h.rotate(arn);
    expect(env.fake.valueAt<{ token: string }>(arn, AWSCURRENT)!.token).toHaveLength(64);

    const bad = env.fake.createSecret("dev/app/token-bad", { tags: { "secrets-platform:token-length": "lots" } });
    await expect(h.rotate(bad, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(
      /Invalid tag secrets-platform:token-length: expected a whole number from 16 to 4096/,
    );
  });

  it("keeps fields a person added next to the token", async () => {
    const arn = env.fake.createSecret("dev/app/token-extra", { value: { token: "t".repeat(20), header: "X-Api-Key" } });
    await h.rotate(arn);
    const value = env.fake.valueAt<{ token: string; header: string }>(arn, AWSCURRENT)!;
    expect(value.header).toBe("X-Api-Key");
    expect(value.token).toHaveLength(20);
  });

  it.each(STEPS)("changes nothing when %s is called twice", async (repeated) => {
    const arn = env.fake.createSecret(`dev/app/token-twice-${repeated}`);
    await h.rotate(arn); // a first value, so finishSecret has an AWSCURRENT to move
    const token = randomUUID();
    env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
    for (const step of STEPS) {
      await h.invoke(step, arn, token);
      if (step === repeated) {
        const before = env.fake.snapshot(arn);
        const writes = env.fake.calls.length;
        await h.invoke(step, arn, token);
        expect(env.fake.snapshot(arn)).toEqual(before);
        expect(env.fake.calls.slice(writes).filter((c) => ["PutSecretValue", "UpdateSecretVersionStage"].includes(c.op))).toEqual([]);
      }
    }
    env.fake.completeRotation(arn, token);
    expectSettled(arn);
    expect(env.fake.versionWith(arn, AWSCURRENT)!.id).toBe(token);
  });

  it.each(STEPS)("converges after a crash following %s, when Secrets Manager retries the rotation", async (crashAfter) => {
    const arn = env.fake.createSecret(`dev/app/token-crash-${crashAfter}`);
    await h.rotate(arn);
    const before = env.fake.valueAt<{ token: string }>(arn, AWSCURRENT)!;
    const { token } = await h.rotate(arn, randomUUID(), { stopAfter: crashAfter });
    // A new rotation with another token is refused, as Secrets Manager does, while one is pending...
    if (crashAfter !== "finishSecret") {
      expect(() => env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: randomUUID() })).toThrow(/previous rotation isn't complete/);
    }
    // ...and the retry of the same rotation converges.
    await h.rotate(arn, token);
    expectSettled(arn);
    expect(env.fake.versionWith(arn, AWSCURRENT)!.id).toBe(token);
    expect(env.fake.valueAt(arn, AWSPREVIOUS)).toEqual(before);
    // Then a fresh rotation works.
    await h.rotate(arn);
    expectSettled(arn);
  });
});

describe("jwt", () => {
  const h = track(jwts());

  it.each(["HS256", "RS256", "ES256"])("%s: rotates on creation, then again, keeping the previous key for verification", async (alg) => {
    const arn = env.fake.createSecret(`dev/app/jwt-${alg}`, { tags: { "secrets-platform:jwt-algorithm": alg } });
    await h.rotate(arn);
    const first = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(first).toMatchObject({ algorithm: alg, expiry_hours: 24 });
    expect(first.kid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(first.previous).toBeUndefined();
    if (alg === "HS256") {
      expect(first.public_key).toBeUndefined();
      expect(Buffer.from(first.secret_key, "base64url")).toHaveLength(32); // 256 random bits
    } else {
      expect(first.secret_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const details = createPublicKey(first.public_key!).asymmetricKeyDetails!;
      if (alg === "RS256") expect(details.modulusLength).toBe(2048);
      else expect(details.namedCurve).toBe("prime256v1");
    }

    // A token signed before the rotation...
    const oldToken = signJwt({ algorithm: alg as "HS256", kid: first.kid, secretKey: first.secret_key }, { sub: "u", exp: Math.floor(Date.now() / 1000) + 60 });

    await h.rotate(arn);
    const second = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(second.kid).not.toBe(first.kid);
    expect(second.secret_key).not.toBe(first.secret_key);
    expect(second.previous).toEqual(
      alg === "HS256"
        ? { kid: first.kid, algorithm: alg, secret_key: first.secret_key }
        : { kid: first.kid, algorithm: alg, public_key: first.public_key },
    );
    // ...still verifies with the previous key kept in the new value,
    expect(independentVerify(oldToken, alg, second.previous!.public_key ?? second.previous!.secret_key!)).toBe(true);
    // and the new key signs tokens that verify with the new verification key only.
    const newToken = signJwt({ algorithm: alg as "HS256", kid: second.kid, secretKey: second.secret_key }, { sub: "u" });
    expect(independentVerify(newToken, alg, second.public_key ?? second.secret_key)).toBe(true);
    expect(independentVerify(newToken, alg, first.public_key ?? first.secret_key)).toBe(false);
    expect(() => verifyJwt(newToken, { algorithm: alg as "HS256", kid: second.kid, key: second.public_key ?? second.secret_key })).not.toThrow();
    // The overlap is one rotation deep.
    await h.rotate(arn);
    expect(env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!.previous).not.toHaveProperty("previous");
    expectSettled(arn);
  });

  it("takes algorithm and expiry from a tutorial-shaped value a person put, and keeps its key as previous", async () => {
    const arn = env.fake.createSecret("dev/app/jwt-tutorial", {
      value: { secret_key: "your-256-bit-secret", algorithm: "HS256", expiry_hours: 12, issuer: "myapp" },
    });
    await h.rotate(arn);
    const value = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(value).toMatchObject({ algorithm: "HS256", expiry_hours: 12, issuer: "myapp" });
    expect(value.previous).toEqual({ algorithm: "HS256", secret_key: "your-256-bit-secret" });
  });

  it("lets the tag change the algorithm; the previous key keeps its own algorithm", async () => {
    const arn = env.fake.createSecret("dev/app/jwt-switch", { tags: { "secrets-platform:jwt-expiry-hours": "2" } });
    await h.rotate(arn);
    env.fake.find(arn).tags["secrets-platform:jwt-algorithm"] = "ES256";
    await h.rotate(arn);
    const value = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(value).toMatchObject({ algorithm: "ES256", expiry_hours: 2, previous: { algorithm: "HS256" } });
  });

  it("rejects an unknown algorithm with a clear error and leaves AWSCURRENT alone", async () => {
    const arn = env.fake.createSecret("dev/app/jwt-bad", { tags: { "secrets-platform:jwt-algorithm": "none" } });
    await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(
      /Invalid tag secrets-platform:jwt-algorithm: expected one of HS256, RS256, ES256/,
    );
    expect(env.fake.versionWith(arn, AWSCURRENT)).toBeUndefined();
  });

  it.each(STEPS)("changes nothing when %s is called twice", async (repeated) => {
    const arn = env.fake.createSecret(`dev/app/jwt-twice-${repeated}`, { tags: { "secrets-platform:jwt-algorithm": "ES256" } });
    await h.rotate(arn);
    const token = randomUUID();
    env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
    for (const step of STEPS) {
      await h.invoke(step, arn, token);
      if (step === repeated) {
        const before = env.fake.snapshot(arn);
        await h.invoke(step, arn, token);
        expect(env.fake.snapshot(arn)).toEqual(before);
      }
    }
  });

  it.each(STEPS)("converges after a crash following %s", async (crashAfter) => {
    const arn = env.fake.createSecret(`dev/app/jwt-crash-${crashAfter}`, { tags: { "secrets-platform:jwt-algorithm": "RS256" } });
    await h.rotate(arn);
    const first = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    const { token } = await h.rotate(arn, randomUUID(), { stopAfter: crashAfter });
    await h.rotate(arn, token);
    expectSettled(arn);
    const value = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(value.previous?.kid).toBe(first.kid);
  });

  it("fails testSecret when the pending key does not verify", async () => {
    const arn = env.fake.createSecret("dev/app/jwt-broken");
    const token = randomUUID();
    env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
    await h.invoke("createSecret", arn, token);
    // Corrupt the pending value: a public key that belongs to another key pair.
    const version = env.fake.find(arn).versions.get(token)!;
    const other = (await import("../lambda/jwt/keys")).generateSigningKey("ES256");
    const mine = (await import("../lambda/jwt/keys")).generateSigningKey("ES256");
    version.value = JSON.stringify({ secret_key: mine.secretKey, algorithm: "ES256", kid: mine.kid, public_key: other.publicKey });
    await expect(h.invoke("testSecret", arn, token)).rejects.toThrow(/The pending ES256 key does not sign and verify: signature does not verify/);
  });
});

afterAll(() => {
  expectNoSecretInLogs(env);
});
