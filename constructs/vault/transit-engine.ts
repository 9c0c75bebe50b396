// A transit secrets engine: cryptography as a service, here JWT signing keys that never leave Vault
// (https://developer.hashicorp.com/vault/docs/secrets/transit).
import { Construct } from "constructs";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { TransitSigningKey, TransitSigningKeyOptions } from "./transit-signing-key";

export interface TransitSecretsEngineProps {
  /**
   * The mount path.
   * @default "transit"
   */
  readonly path?: string;
  /**
   * @default "JWT signing keys, managed by the secrets platform"
   */
  readonly description?: string;
  /**
   * Vault Enterprise namespace.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
}

export class TransitSecretsEngine extends Construct {
  /** The mount path as a plain string (policies need literal paths). */
  readonly path: string;
  readonly mount: Mount;
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: TransitSecretsEngineProps = {}) {
    super(scope, id);
    this.path = props.path ?? "transit";
    if (!/^[a-z][a-z0-9_-]*$/.test(this.path)) throw new Error(`transit mount path "${this.path}" is invalid: use lowercase letters, digits, _ and -`);
    this.namespace = props.namespace;
    this.mount = new Mount(this, "mount", {
      path: this.path,
      type: "transit",
      description: props.description ?? "JWT signing keys, managed by the secrets platform",
      namespace: props.namespace,
    });
  }

  /** Adds a signing key that Vault rotates on a period. */
  addSigningKey(id: string, options: TransitSigningKeyOptions): TransitSigningKey {
    return new TransitSigningKey(this, id, { ...options, backend: this.mount.path, mountPath: this.path, namespace: options.namespace ?? this.namespace });
  }
}
