// JWT signing keys with node:crypto: generation, key ids, and a minimal compact JWS sign/verify
// (enough for the rotation's own test; applications use their JWT library).
import {
  KeyObject,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  sign as cryptoSign,
  timingSafeEqual,
  verify as cryptoVerify,
} from "node:crypto";
import { registerSecret } from "../shared/log";

export const ALGORITHMS = ["HS256", "RS256", "ES256"] as const;
export type JwtAlgorithm = (typeof ALGORITHMS)[number];

export interface SigningKey {
  readonly algorithm: JwtAlgorithm;
  readonly kid: string;
  /** HS256: the shared secret, used as the UTF-8 bytes of this string. RS256/ES256: PKCS#8 PEM. */
  readonly secretKey: string;
  /** RS256/ES256: SPKI PEM. */
  readonly publicKey?: string;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public key. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: "jwk" }) as Record<string, string>;
  const members =
    jwk.kty === "RSA"
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash("sha256").update(JSON.stringify(members)).digest("base64url");
}

/** A new key: HS256 256 random bits, RS256 2048-bit RSA, ES256 P-256. */
export function generateSigningKey(algorithm: JwtAlgorithm): SigningKey {
  if (algorithm === "HS256") {
    const secretKey = randomBytes(32).toString("base64url");
    registerSecret(secretKey);
    // A random id: a thumbprint of a shared secret would be derived from the secret.
    return { algorithm, kid: randomBytes(16).toString("base64url"), secretKey };
  }
  const pair =
    algorithm === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 })
      : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const secretKey = pair.privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  registerSecret(secretKey);
  const publicKey = pair.publicKey.export({ format: "pem", type: "spki" }).toString();
  return { algorithm, kid: jwkThumbprint(pair.publicKey), secretKey, publicKey };
}

/** The public PEM of an asymmetric private PEM. */
export function publicKeyOf(privatePem: string): string {
  return createPublicKey(createPrivateKey(privatePem)).export({ format: "pem", type: "spki" }).toString();
}

const b64url = (data: string | Buffer) => Buffer.from(data).toString("base64url");

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const header = { alg: key.algorithm, typ: "JWT", kid: key.kid };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  if (key.algorithm === "HS256") {
    signature = createHmac("sha256", Buffer.from(key.secretKey, "utf8")).update(input).digest();
  } else if (key.algorithm === "RS256") {
    signature = cryptoSign("sha256", Buffer.from(input), createPrivateKey(key.secretKey));
  } else {
    signature = cryptoSign("sha256", Buffer.from(input), { key: createPrivateKey(key.secretKey), dsaEncoding: "ieee-p1363" });
  }
  return `${input}.${signature.toString("base64url")}`;
}

/**
 * Verifies a compact JWS with a verification key (HS256: the shared secret; else a public PEM)
 * and checks `alg`, `kid` and `exp`. Returns the claims; throws with the reason otherwise.
 */
export function verifyJwt(
  token: string,
  expected: { algorithm: JwtAlgorithm; kid?: string; key: string },
  nowSeconds = Math.floor(Date.now() / 1000),
): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("not a compact JWS");
  const [h, p, s] = parts;
  const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>;
  // Pin the algorithm: never let the token choose it.
  if (header.alg !== expected.algorithm) throw new Error(`alg ${String(header.alg)} is not ${expected.algorithm}`);
  if (expected.kid !== undefined && header.kid !== expected.kid) throw new Error("kid does not match");
  const input = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  let ok: boolean;
  if (expected.algorithm === "HS256") {
    const mac = createHmac("sha256", Buffer.from(expected.key, "utf8")).update(input).digest();
    ok = mac.length === signature.length && timingSafeEqual(mac, signature);
  } else if (expected.algorithm === "RS256") {
    ok = cryptoVerify("sha256", input, createPublicKey(expected.key), signature);
  } else {
    ok = cryptoVerify("sha256", input, { key: createPublicKey(expected.key), dsaEncoding: "ieee-p1363" }, signature);
  }
  if (!ok) throw new Error("signature does not verify");
  const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>;
  if (typeof claims.exp === "number" && claims.exp <= nowSeconds) throw new Error("token has expired");
  return claims;
}
