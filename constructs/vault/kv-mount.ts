// A KV version 2 secrets engine: versioned, check-and-set required. Terraform creates the mount and its
// settings only; secret values are put by people (vault kv put -cas=0) or by rotation, never by Terraform.
import { Construct } from "constructs";
import { Mount } from "@cdktf/provider-vault/lib/mount";
import { KvSecretBackendV2 } from "@cdktf/provider-vault/lib/kv-secret-backend-v2";
import type { PolicyRule } from "./policy-document";
import type { IPolicyGrantee } from "./workload-policy";

export interface KvV2MountProps {
  /**
   * The mount path.
   * @default "secret"
   */
  readonly path?: string;
  /**
   * Versions kept per secret; older ones are deleted.
   * @default 10
   */
  readonly maxVersions?: number;
  /**
   * Require check-and-set on every write, so that two writers cannot overwrite each other unknowingly.
   * @default true
   */
  readonly casRequired?: boolean;
  /**
   * Delete versions this many seconds after they are written.
   * @default 0 - versions are kept until maxVersions pushes them out
   */
  readonly deleteVersionAfterSeconds?: number;
  /**
   * @default "Application secrets (KV v2), managed by the secrets platform"
   */
  readonly description?: string;
  /**
   * Vault Enterprise namespace of the mount.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
}

const MOUNT_PATH = /^[a-z][a-z0-9_-]*$/;
const SECRET_PATH = /^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/;

/**
 * A KV v2 mount known by its path only: the grants of a stack that does not own the mount (a stack group's,
 * vault-<env>-<group>, granting on the environment's mount in vault-<env>). Policies name literal paths, so the
 * path is a plain string, never a reference.
 */
export class KvV2Paths {
  constructor(readonly path: string) {
    if (!MOUNT_PATH.test(path)) throw new Error(`KV mount path "${path}" is invalid: use lowercase letters, digits, _ and -`);
  }

  /** The API path of a secret's value: <mount>/data/<path>. */
  dataPath(secretPath: string): string {
    return `${this.path}/data/${checkSecretPath(secretPath)}`;
  }

  /** The API path of a secret's versions and metadata: <mount>/metadata/<path>. */
  metadataPath(secretPath: string): string {
    return `${this.path}/metadata/${checkSecretPath(secretPath)}`;
  }

  /** Lets the grantee read the current and past versions of exactly one secret, and its metadata. Returns the rules granted. */
  grantRead(grantee: IPolicyGrantee, secretPath: string): PolicyRule[] {
    const rules: PolicyRule[] = [
      { path: this.dataPath(secretPath), capabilities: ["read"] },
      { path: this.metadataPath(secretPath), capabilities: ["read"] },
    ];
    rules.forEach((rule) => grantee.addToPolicy(rule));
    return rules;
  }
}

export class KvV2Mount extends Construct {
  /** The mount path as a plain string (policies need literal paths). */
  readonly path: string;
  readonly mount: Mount;
  readonly settings: KvSecretBackendV2;
  private readonly paths: KvV2Paths;

  constructor(scope: Construct, id: string, props: KvV2MountProps = {}) {
    super(scope, id);
    this.paths = new KvV2Paths(props.path ?? "secret");
    this.path = this.paths.path;
    const maxVersions = props.maxVersions ?? 10;
    if (!Number.isInteger(maxVersions) || maxVersions < 1) {
      throw new Error(`maxVersions must be a whole number of at least 1 (0 would keep every version forever), got ${maxVersions}`);
    }
    this.mount = new Mount(this, "mount", {
      path: this.path,
      type: "kv",
      options: { version: "2" },
      description: props.description ?? "Application secrets (KV v2), managed by the secrets platform",
      namespace: props.namespace,
    });
    this.settings = new KvSecretBackendV2(this, "settings", {
      mount: this.mount.path,
      maxVersions,
      casRequired: props.casRequired ?? true,
      deleteVersionAfter: props.deleteVersionAfterSeconds ?? 0,
      namespace: props.namespace,
    });
  }

  /** The API path of a secret's value: <mount>/data/<path>. */
  dataPath(secretPath: string): string {
    return this.paths.dataPath(secretPath);
  }

  /** The API path of a secret's versions and metadata: <mount>/metadata/<path>. */
  metadataPath(secretPath: string): string {
    return this.paths.metadataPath(secretPath);
  }

  /** Lets the grantee read the current and past versions of exactly one secret, and its metadata. Returns the rules granted. */
  grantRead(grantee: IPolicyGrantee, secretPath: string): PolicyRule[] {
    return this.paths.grantRead(grantee, secretPath);
  }
}

function checkSecretPath(p: string): string {
  if (!SECRET_PATH.test(p)) throw new Error(`secret path "${p}" is invalid: use <env>/<app>/<secret> without leading or trailing slashes or wildcards`);
  return p;
}
