// A database static role: Vault keeps the password of one EXISTING PostgreSQL user and rotates it itself on a period
// (https://developer.hashicorp.com/vault/docs/secrets/databases#static-roles). Applications read the current
// username and password at <mount>/static-creds/<role>; no value passes through Terraform.
import { Construct } from "constructs";
import { DatabaseSecretBackendStaticRole } from "@cdktf/provider-vault/lib/database-secret-backend-static-role";
import type { PolicyRule } from "./policy-document";
import type { IPolicyGrantee } from "./workload-policy";

export interface PostgresStaticRoleOptions {
  /** The Vault role name; credentials are read at <mount>/static-creds/<name>. */
  readonly name: string;
  /**
   * The existing PostgreSQL user whose password Vault rotates. It must not be the user the connection logs in as:
   * Vault would then rotate its own login through a role it does not track as its root credential.
   */
  readonly username: string;
  /**
   * Seconds between rotations: the provider's rotation_period, which Vault requires to be at least 5 seconds
   * (https://developer.hashicorp.com/vault/api-docs/secret/databases#rotation_period).
   */
  readonly rotationPeriodSeconds: number;
  /**
   * Vault Enterprise namespace.
   * @default - the connection's namespace
   */
  readonly namespace?: string;
}

export interface PostgresStaticRoleProps extends PostgresStaticRoleOptions {
  /** The mount path as a reference (for ordering). */
  readonly backend: string;
  /** The mount path as plain text (for policy paths). */
  readonly mountPath: string;
  readonly connectionName: string;
  /** The user the connection logs in as, which a static role must not manage. */
  readonly connectionUsername?: string;
}

/** Vault's minimum rotation_period for a static role. */
export const STATIC_ROLE_MIN_ROTATION_SECONDS = 5;

const PG_USER = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresStaticRole extends Construct {
  readonly name: string;
  readonly username: string;
  readonly rotationPeriodSeconds: number;
  /** <mount>/static-creds/<name>: where a workload reads the current username and password. */
  readonly credentialsPath: string;
  readonly resource: DatabaseSecretBackendStaticRole;

  constructor(scope: Construct, id: string, props: PostgresStaticRoleProps) {
    super(scope, id);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(props.name)) throw new Error(`static role name "${props.name}" is invalid: use lowercase letters, digits, _ and -`);
    if (!PG_USER.test(props.username)) throw new Error(`static role ${props.name}: username "${props.username}" must be a PostgreSQL identifier of lowercase letters, digits and _ (at most 63)`);
    if (props.connectionUsername !== undefined && props.username === props.connectionUsername) {
      throw new Error(`static role ${props.name}: ${props.username} is the user the connection logs in as; Vault must not rotate its own connection user through a role`);
    }
    if (!Number.isInteger(props.rotationPeriodSeconds) || props.rotationPeriodSeconds < STATIC_ROLE_MIN_ROTATION_SECONDS) {
      throw new Error(`static role ${props.name}: rotationPeriodSeconds must be a whole number of at least ${STATIC_ROLE_MIN_ROTATION_SECONDS} (Vault's minimum), got ${props.rotationPeriodSeconds}`);
    }
    this.name = props.name;
    this.username = props.username;
    this.rotationPeriodSeconds = props.rotationPeriodSeconds;
    this.credentialsPath = `${props.mountPath}/static-creds/${props.name}`;
    this.resource = new DatabaseSecretBackendStaticRole(this, "role", {
      backend: props.backend,
      name: props.name,
      dbName: props.connectionName,
      username: props.username,
      rotationPeriod: props.rotationPeriodSeconds,
      // No rotation_statements: the PostgreSQL plugin's default is ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}'
      // (https://developer.hashicorp.com/vault/docs/secrets/databases/postgresql#static-roles), run as the connection
      // user, which is why that user needs the right to alter this one. The first rotation happens on creation
      // (skip_import_rotation left at false), so the password a person set before is replaced at once.
      namespace: props.namespace,
    });
  }

  /** Lets the grantee read the current credentials of this role, and nothing else on the mount. Returns the rule granted. */
  grantCredentials(grantee: IPolicyGrantee): PolicyRule {
    const rule: PolicyRule = { path: this.credentialsPath, capabilities: ["read"] };
    grantee.addToPolicy(rule);
    return rule;
  }
}
