// JWT signing keys through jose: generation, key ids (RFC 7638 thumbprints), the check that a key
// fits its algorithm, the JWKS a verifier builds from a value, and sign/verify for the rotation's
// own test. HS256 secrets stay text (used as the UTF-8 bytes of the string, as the tutorial's
// `jwt.encode(..., secret_key, ...)` does); RS256/ES256 keys are PKCS#8 / SPKI PEM.
import { randomBytes } from "node:crypto";
import {
  JWK,
  JWTPayload,
  JWTVerifyGetKey,
  SignJWT,
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  exportSPKI,
  generateKeyPair,
  importJWK,
  importPKCS8,
  importSPKI,
  jwtVerify,
} from "jose";
import { registerSecret } from "../shared/log";

export const ALGORITHMS = ["HS256", "RS256", "ES256"] as const;
export type JwtAlgorithm = (typeof ALGORITHMS)[number];

export function isAlgorithm(v: unknown): v is JwtAlgorithm {
  return typeof v === "string" && (ALGORITHMS as readonly string[]).includes(v);
}

/** One key as the value holds it (`current`, `next`; `previous` without the private half). */
export interface KeyEntry {
  readonly kid: string;
  readonly algorithm: JwtAlgorithm;
  /** HS256: the shared secret. RS256/ES256: PKCS#8 PEM (absent in `previous`). */
  readonly secret_key?: string;
  /** RS256/ES256: SPKI PEM. */
  readonly public_key?: string;
}

const PRIVATE_JWK_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

function publicJwk(jwk: JWK): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_JWK_MEMBERS.includes(k))) as JWK;
}

/** A new key: HS256 256 random bits, RS256 2048-bit RSA, ES256 P-256; kid random (HS256) or the thumbprint. */
export async function generateKey(algorithm: JwtAlgorithm): Promise<KeyEntry> {
  if (algorithm === "HS256") {
    const secret = randomBytes(32).toString("base64url");
    registerSecret(secret);
    // A random id: a thumbprint of a shared secret would be derived from the secret.
    return { kid: randomBytes(16).toString("base64url"), algorithm, secret_key: secret };
  }
  const pair = await generateKeyPair(algorithm, { extractable: true, modulusLength: 2048 });
  const secret = await exportPKCS8(pair.privateKey);
  registerSecret(secret);
  const kid = await calculateJwkThumbprint(await exportJWK(pair.publicKey));
  return { kid, algorithm, secret_key: secret, public_key: await exportSPKI(pair.publicKey) };
}

/**
 * Throws with the reason when a key does not fit its algorithm: an HS256 secret that is a PEM key
 * (the classic confusion), a private key of another type than the algorithm's, a public key that
 * is not the private key's.
 */
export async function checkKey(key: KeyEntry): Promise<void> {
  if (key.algorithm === "HS256") {
    if (typeof key.secret_key === "string" && /-----BEGIN/.test(key.secret_key)) throw new Error("an HS256 secret_key must not be a PEM key");
    if (key.public_key !== undefined) throw new Error("an HS256 key has no public_key");
    return;
  }
  let fromPrivate: string | undefined;
  if (key.secret_key !== undefined) {
    const priv = await importPKCS8(key.secret_key, key.algorithm, { extractable: true }).catch((e: Error) => {
      throw new Error(`secret_key is not a ${key.algorithm} private key (${e.message})`);
    });
    fromPrivate = await calculateJwkThumbprint(publicJwk(await exportJWK(priv)));
  }
  if (key.public_key !== undefined) {
    const pub = await importSPKI(key.public_key, key.algorithm, { extractable: true }).catch((e: Error) => {
      throw new Error(`public_key is not a ${key.algorithm} public key (${e.message})`);
    });
    const fromPublic = await calculateJwkThumbprint(await exportJWK(pub));
    if (fromPrivate !== undefined && fromPublic !== fromPrivate) throw new Error("public_key is not the public half of secret_key");
  } else if (fromPrivate === undefined) {
    throw new Error("the key has neither secret_key nor public_key");
  }
}

/** A kid for a key a person put without one: its thumbprint, or random for an HS256 secret. */
export async function kidFor(key: KeyEntry): Promise<string> {
  if (key.algorithm === "HS256") return randomBytes(16).toString("base64url");
  return calculateJwkThumbprint(await verificationJwk({ ...key, kid: "" }).then(({ kid: _k, alg: _a, use: _u, ...jwk }) => jwk));
}

/** The public half of an asymmetric private PEM. */
export async function publicKeyOf(algorithm: Exclude<JwtAlgorithm, "HS256">, privatePem: string): Promise<string> {
  const priv = await importPKCS8(privatePem, algorithm, { extractable: true });
  const pub = await importJWK(publicJwk(await exportJWK(priv)), algorithm);
  return exportSPKI(pub as CryptoKey);
}

/** The verification JWK of a key: a public JWK, or for HS256 an `oct` JWK of the secret's UTF-8 bytes. */
export async function verificationJwk(key: KeyEntry): Promise<JWK> {
  const base = { kid: key.kid, alg: key.algorithm, use: "sig" };
  if (key.algorithm === "HS256") return { ...base, kty: "oct", k: Buffer.from(key.secret_key ?? "", "utf8").toString("base64url") };
  const pem = key.public_key ?? (await publicKeyOf(key.algorithm, key.secret_key!));
  return { ...(await exportJWK(await importSPKI(pem, key.algorithm, { extractable: true }))), ...base };
}

/** The JWKS a verifier builds from a value: `previous`, `current` and `next`, whichever are present. */
export async function jwksOf(value: Record<string, unknown>): Promise<{ keys: JWK[] }> {
  const keys: JWK[] = [];
  for (const slot of ["previous", "current", "next"]) {
    const entry = value[slot] as KeyEntry | undefined;
    if (entry && typeof entry === "object" && typeof entry.kid === "string" && isAlgorithm(entry.algorithm)) keys.push(await verificationJwk(entry));
  }
  return { keys };
}

/** Picks the JWK by the token's kid, pinning alg to the key's own: the token never chooses it. */
export function keyResolver(jwks: { keys: JWK[] }): JWTVerifyGetKey {
  return async (header) => {
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (!jwk) throw new Error(`no key with kid ${String(header.kid)}`);
    if (jwk.alg !== header.alg) throw new Error(`alg ${String(header.alg)} is not ${jwk.alg}`);
    return importJWK(jwk, jwk.alg);
  };
}

async function signingKey(key: KeyEntry) {
  if (key.algorithm === "HS256") return new TextEncoder().encode(key.secret_key);
  return importPKCS8(key.secret_key!, key.algorithm);
}

export async function signJwt(key: KeyEntry, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.algorithm, typ: "JWT", kid: key.kid }).sign(await signingKey(key));
}

/** Verifies a compact JWS against a JWKS; returns the claims, or throws with the reason. */
export async function verifyJwt(token: string, jwks: { keys: JWK[] }): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, keyResolver(jwks), { algorithms: [...ALGORITHMS] });
  return payload;
}
