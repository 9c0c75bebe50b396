// jwt and token rotation: they rotate on creation (no AWSCURRENT at all), twice in a row, every
// step twice, a crash after each step, settings from tags and from the current value.
import { createHmac, createPublicKey, verify as cryptoVerify } from "node:crypto";
import { randomUUID } from "node:crypto";
import { handler as jwtHandler } from "../lambda/jwt";
import { KeyEntry, generateKey, jwksOf, signJwt, verifyJwt } from "../lambda/jwt/keys";
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
  current?: KeyEntry;
  next?: KeyEntry;
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

  it.each(["HS256", "RS256", "ES256"])("%s: rotates on creation, then again, publishing the next key one rotation ahead", async (alg) => {
    const arn = env.fake.createSecret(`dev/app/jwt-${alg}`, { tags: { "secrets-platform:jwt-algorithm": alg } });
    await h.rotate(arn);
    const first = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(first).toMatchObject({ algorithm: alg, expiry_hours: 24 });
    expect(first.kid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    expect(first.previous).toBeUndefined();
    // The tutorial's fields are the current key's.
    expect(first.current).toEqual({ kid: first.kid, algorithm: alg, secret_key: first.secret_key, ...(first.public_key ? { public_key: first.public_key } : {}) });
    expect(first.next!.kid).not.toBe(first.kid);
    if (alg === "HS256") {
      expect(first.public_key).toBeUndefined();
      expect(Buffer.from(first.secret_key, "base64url")).toHaveLength(32); // 256 random bits
    } else {
      expect(first.secret_key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const details = createPublicKey(first.public_key!).asymmetricKeyDetails!;
      if (alg === "RS256") expect(details.modulusLength).toBe(2048);
      else expect(details.namedCurve).toBe("prime256v1");
    }

    // A verifier's JWKS built from the value read before the rotation...
    const jwksBefore = await jwksOf(first);
    const oldToken = await signJwt(first.current!, { sub: "u", exp: Math.floor(Date.now() / 1000) + 60 });

    await h.rotate(arn);
    const second = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    // next was promoted: the key that signs now was published one rotation ago.
    expect(second.kid).toBe(first.next!.kid);
    expect(second.current).toEqual(first.next);
    expect(second.next!.kid).not.toBe(second.kid);
    expect(second.previous).toEqual(
      alg === "HS256"
        ? { kid: first.kid, algorithm: alg, secret_key: first.secret_key }
        : { kid: first.kid, algorithm: alg, public_key: first.public_key },
    );
    // ...accepts tokens signed with the new key (issue 9, item 5),
    const newToken = await signJwt(second.current!, { sub: "u" });
    await expect(verifyJwt(newToken, jwksBefore)).resolves.toMatchObject({ sub: "u" });
    // a token signed before the rotation verifies with the new value's JWKS, and independently.
    await expect(verifyJwt(oldToken, await jwksOf(second))).resolves.toMatchObject({ sub: "u" });
    expect(independentVerify(oldToken, alg, second.previous!.public_key ?? second.previous!.secret_key!)).toBe(true);
    expect(independentVerify(newToken, alg, second.public_key ?? second.secret_key)).toBe(true);
    expect(independentVerify(newToken, alg, first.public_key ?? first.secret_key)).toBe(false);
    // The overlap is one rotation deep.
    await h.rotate(arn);
    const third = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(third.previous!.kid).toBe(second.kid);
    await expect(verifyJwt(oldToken, await jwksOf(third))).rejects.toThrow(/no key with kid/);
    expectSettled(arn);
  });

  it("a token whose header names another algorithm than its key's is rejected by the JWKS", async () => {
    const hs = await generateKey("HS256");
    const rs = await generateKey("RS256");
    const jwks = await jwksOf({ current: rs, next: hs });
    const forged = await signJwt({ ...hs, kid: rs.kid }, { sub: "x" });
    await expect(verifyJwt(forged, jwks)).rejects.toThrow(/alg HS256 is not RS256/);
  });

  it.each([
    ["HS256 with a PEM private key", async () => ({ secret_key: (await generateKey("RS256")).secret_key, algorithm: "HS256" })],
    ["RS256 with an EC key", async () => ({ secret_key: (await generateKey("ES256")).secret_key, algorithm: "RS256" })],
    ["ES256 with another key's public_key", async () => ({ ...(await generateKey("ES256")), public_key: (await generateKey("ES256")).public_key })],
  ])("refuses a current value whose algorithm does not match its key: %s", async (_what, make) => {
    const value = await make();
    const arn = env.fake.createSecret(`dev/app/jwt-mismatch-${randomUUID().slice(0, 6)}`, { value });
    const failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
    expect(failure).toMatchObject({ step: "createSecret", cause: { code: "KEY_ALGORITHM_MISMATCH" } });
    expect(env.fake.valueAt(arn, AWSCURRENT)).toEqual(value);
  });

  it("takes algorithm and expiry from a tutorial-shaped value a person put, and keeps its key as previous", async () => {
    const arn = env.fake.createSecret("dev/app/jwt-tutorial", {
      value: { secret_key: "your-256-bit-secret", algorithm: "HS256", expiry_hours: 12, issuer: "myapp" },
    });
    await h.rotate(arn);
    const value = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(value).toMatchObject({ algorithm: "HS256", expiry_hours: 12, issuer: "myapp" });
    expect(value.previous).toMatchObject({ algorithm: "HS256", secret_key: "your-256-bit-secret" });
    expect(value.previous!.kid).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  });

  it("lets the tag change the algorithm; the previous key keeps its own algorithm", async () => {
    const arn = env.fake.createSecret("dev/app/jwt-switch", { tags: { "secrets-platform:jwt-expiry-hours": "2" } });
    await h.rotate(arn);
    env.fake.find(arn).tags["secrets-platform:jwt-algorithm"] = "ES256";
    await h.rotate(arn);
    const value = env.fake.valueAt<JwtValue>(arn, AWSCURRENT)!;
    expect(value).toMatchObject({ algorithm: "ES256", expiry_hours: 2, previous: { algorithm: "HS256" } });
    expect(value.current!.algorithm).toBe("ES256");
    expect(value.next!.algorithm).toBe("ES256");
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
    // Corrupt the pending value: a next key whose kid is not in the value's JWKS under its own key.
    const version = env.fake.find(arn).versions.get(token)!;
    const value = JSON.parse(version.value!) as JwtValue;
    const other = await generateKey("HS256");
    version.value = JSON.stringify({ ...value, next: { ...other, kid: value.kid } });
    await expect(h.invoke("testSecret", arn, token)).rejects.toThrow(/KEY|does not sign and verify|signature verification failed/i);
  });
});

afterAll(() => {
  expectNoSecretInLogs(env);
});
