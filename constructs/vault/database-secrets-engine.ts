// A database secrets engine: Vault creates short-lived database users on demand and drops them when
// their lease ends, so no long-lived application password exists anywhere.
import { Construct } from "constructs";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { PostgresConnection, PostgresConnectionOptions } from "./postgres-connection";

export interface DatabaseSecretsEngineProps {
  /**
   * The mount path.
   * @default "database"
   */
  readonly path?: string;
  /**
   * Lease of issued credentials when a role does not say, in seconds.
   * @default 3600
   */
  readonly defaultLeaseTtlSeconds?: number;
  /**
   * Longest lease of issued credentials including renewals, in seconds.
   * @default 86400
   */
  readonly maxLeaseTtlSeconds?: number;
  /**
   * @default "Dynamic database credentials, managed by the secrets platform"
   */
  readonly description?: string;
  /**
   * Vault Enterprise namespace.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
}

export class DatabaseSecretsEngine extends Construct {
  /** The mount path as a plain string (policies need literal paths). */
  readonly path: string;
  readonly mount: Mount;
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: DatabaseSecretsEngineProps = {}) {
    super(scope, id);
    this.path = props.path ?? "database";
    if (!/^[a-z][a-z0-9_-]*$/.test(this.path)) throw new Error(`database mount path "${this.path}" is invalid: use lowercase letters, digits, _ and -`);
    const defaultTtl = props.defaultLeaseTtlSeconds ?? 3600;
    const maxTtl = props.maxLeaseTtlSeconds ?? 86_400;
    if (!(defaultTtl >= 60 && maxTtl >= defaultTtl)) {
      throw new Error(`database mount ${this.path}: leases need 60 <= defaultLeaseTtlSeconds (${defaultTtl}) <= maxLeaseTtlSeconds (${maxTtl})`);
    }
    this.namespace = props.namespace;
    this.mount = new Mount(this, "mount", {
      path: this.path,
      type: "database",
      defaultLeaseTtlSeconds: defaultTtl,
      maxLeaseTtlSeconds: maxTtl,
      description: props.description ?? "Dynamic database credentials, managed by the secrets platform",
      namespace: props.namespace,
    });
  }

  /** Adds a PostgreSQL connection whose admin password is sent through a write-only argument. */
  addPostgresConnection(id: string, options: PostgresConnectionOptions): PostgresConnection {
    return new PostgresConnection(this, id, {
      ...options,
      backend: this.mount.path,
      mountPath: this.path,
      namespace: options.namespace ?? this.namespace,
    });
  }
}
