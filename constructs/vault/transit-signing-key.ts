// A transit key that signs JWTs inside Vault: the private key never leaves it, Vault rotates it on a period, and a
// workload may only ask Vault to sign (or HMAC) and verify with this key, and read its public keys.
// https://developer.hashicorp.com/vault/docs/secrets/transit and .../api-docs/secret/transit#create-key
import { Construct } from "constructs";
import { TransitSecretBackendKey } from "@cdktf/provider-vault/lib/transit-secret-backend-key";
import type { PolicyRule } from "./policy-document";
import type { IPolicyGrantee } from "./workload-policy";

/** The JWT algorithms the platform signs with, and the transit key type of each. */
export const TRANSIT_KEY_TYPES = {
  HS256: "hmac",
  RS256: "rsa-2048",
  ES256: "ecdsa-p256",
} as const;
export type JwtAlgorithm = keyof typeof TRANSIT_KEY_TYPES;

/** HS256's key: 32 bytes, as many as the SHA-256 output (RFC 7518 section 3.2 asks at least that many). */
const HMAC_KEY_BYTES = 32;

/** The hash of every JWT algorithm here (the "256"), as transit names it in a path. */
export const JWT_HASH = "sha2-256";

/** Vault's minimum auto_rotate_period: one hour (api-docs/secret/transit#auto_rotate_period). */
export const TRANSIT_MIN_ROTATION_SECONDS = 3600;

export interface TransitSigningKeyOptions {
  /** The key name; the workload calls <mount>/sign/<name> (or hmac/<name>) and <mount>/verify/<name>. */
  readonly name: string;
  readonly algorithm: JwtAlgorithm;
  /** Seconds between automatic rotations (auto_rotate_period); at least an hour. */
  readonly rotationPeriodSeconds: number;
  /**
   * Vault Enterprise namespace.
   * @default - the mount's namespace
   */
  readonly namespace?: string;
}

export interface TransitSigningKeyProps extends TransitSigningKeyOptions {
  /** The mount path as a reference (for ordering). */
  readonly backend: string;
  /** The mount path as plain text (for policy paths). */
  readonly mountPath: string;
}

export class TransitSigningKey extends Construct {
  readonly name: string;
  readonly algorithm: JwtAlgorithm;
  readonly keyType: (typeof TRANSIT_KEY_TYPES)[JwtAlgorithm];
  readonly rotationPeriodSeconds: number;
  readonly mountPath: string;
  readonly resource: TransitSecretBackendKey;

  constructor(scope: Construct, id: string, props: TransitSigningKeyProps) {
    super(scope, id);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(props.name)) throw new Error(`transit key name "${props.name}" is invalid: use lowercase letters, digits, _ and -`);
    const keyType = TRANSIT_KEY_TYPES[props.algorithm];
    if (!keyType) throw new Error(`transit key ${props.name}: algorithm ${props.algorithm} has no transit key type; use ${Object.keys(TRANSIT_KEY_TYPES).join(", ")}`);
    if (!Number.isInteger(props.rotationPeriodSeconds) || props.rotationPeriodSeconds < TRANSIT_MIN_ROTATION_SECONDS) {
      throw new Error(`transit key ${props.name}: rotationPeriodSeconds must be a whole number of at least ${TRANSIT_MIN_ROTATION_SECONDS} (Vault's minimum), got ${props.rotationPeriodSeconds}`);
    }
    this.name = props.name;
    this.algorithm = props.algorithm;
    this.keyType = keyType;
    this.rotationPeriodSeconds = props.rotationPeriodSeconds;
    this.mountPath = props.mountPath;
    this.resource = new TransitSecretBackendKey(this, "key", {
      backend: props.backend,
      name: props.name,
      type: keyType,
      // key_size applies to hmac keys only (api-docs/secret/transit#key_size).
      keySize: keyType === "hmac" ? HMAC_KEY_BYTES : undefined,
      autoRotatePeriod: props.rotationPeriodSeconds,
      // The key never leaves Vault: no export endpoint, no plaintext backup (api-docs/secret/transit#exportable,
      // #allow_plaintext_backup; both can be turned on later but never off again), and Terraform cannot delete it,
      // which would make every token it signed unverifiable.
      exportable: false,
      allowPlaintextBackup: false,
      deletionAllowed: false,
      namespace: props.namespace,
    });
  }

  /** The endpoint that signs: <mount>/hmac/<key> for HS256 (an HMAC is the signature), <mount>/sign/<key> otherwise. */
  get signPath(): string {
    return `${this.mountPath}/${this.keyType === "hmac" ? "hmac" : "sign"}/${this.name}`;
  }

  get verifyPath(): string {
    return `${this.mountPath}/verify/${this.name}`;
  }

  /** <mount>/keys/<key>: the key's versions and, for RS256 and ES256, their public keys (never private material). */
  get keysPath(): string {
    return `${this.mountPath}/keys/${this.name}`;
  }

  /**
   * Lets the grantee sign and verify with this key only, and read the key's description: public keys and versions for
   * RS256 and ES256, versions only for an hmac key (a non-exportable key's read returns no secret material). Returns
   * the rules granted.
   */
  grantSignVerify(grantee: IPolicyGrantee): PolicyRule[] {
    // Vault takes the hash either in the body or as a last path segment (POST <mount>/sign/:name(/:hash_algorithm),
    // hmac/:name(/:algorithm), verify/:name(/:hash_algorithm): developer.hashicorp.com/vault/api-docs/secret/transit),
    // and a policy path matches exactly, so `vault write transit/sign/<key>/sha2-256` would be denied by the first
    // form alone. Only SHA-256 gets its own path: HS256, RS256 and ES256 all hash with it.
    const rules: PolicyRule[] = [
      { path: this.signPath, capabilities: ["update"] },
      { path: `${this.signPath}/${JWT_HASH}`, capabilities: ["update"] },
      { path: this.verifyPath, capabilities: ["update"] },
      { path: `${this.verifyPath}/${JWT_HASH}`, capabilities: ["update"] },
      { path: this.keysPath, capabilities: ["read"] },
    ];
    rules.forEach((r) => grantee.addToPolicy(r));
    return rules;
  }
}
