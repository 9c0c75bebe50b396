// A database role that issues short-lived PostgreSQL logins which inherit one group role.
import { Construct } from "constructs";
import { DatabaseSecretBackendRole } from "@cdktf/provider-vault/lib/database-secret-backend-role";
import type { PolicyRule } from "./policy-document";
import type { IPolicyGrantee } from "./workload-policy";

export interface PostgresDynamicRoleOptions {
  /** The Vault role name, e.g. dev-myapp; credentials are read at <mount>/creds/<name>. */
  readonly name: string;
  /**
   * The PostgreSQL group role that each issued login is granted. It holds the application's privileges
   * and should own its objects; it must exist before the first login is issued.
   */
  readonly groupRole: string;
  /**
   * Lease of issued credentials, in seconds.
   * @default 3600
   */
  readonly defaultTtlSeconds?: number;
  /**
   * Longest lease including renewals, in seconds; PostgreSQL's VALID UNTIL follows the lease.
   * @default 86400
   */
  readonly maxTtlSeconds?: number;
  /**
   * Vault Enterprise namespace.
   * @default - the connection's namespace
   */
  readonly namespace?: string;
}

export interface PostgresDynamicRoleProps extends PostgresDynamicRoleOptions {
  readonly backend: string;
  readonly mountPath: string;
  readonly connectionName: string;
}

const PG_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** The statements that create a login for a lease: it expires with the lease and inherits the group's privileges only. */
export function postgresCreationStatements(groupRole: string): string[] {
  return [
    `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE;`,
    `GRANT "${groupRole}" TO "{{name}}";`,
  ];
}

/** The statements that remove a login when its lease ends or is revoked. */
export function postgresRevocationStatements(groupRole: string): string[] {
  return [`REVOKE "${groupRole}" FROM "{{name}}";`, `DROP ROLE IF EXISTS "{{name}}";`];
}

export class PostgresDynamicRole extends Construct {
  readonly name: string;
  /** <mount>/creds/<name>: where a workload reads a fresh username and password. */
  readonly credentialsPath: string;
  readonly resource: DatabaseSecretBackendRole;

  constructor(scope: Construct, id: string, props: PostgresDynamicRoleProps) {
    super(scope, id);
    if (!/^[a-z0-9][a-z0-9_-]*$/.test(props.name)) throw new Error(`database role name "${props.name}" is invalid: use lowercase letters, digits, _ and -`);
    if (!PG_IDENTIFIER.test(props.groupRole)) {
      throw new Error(`database role ${props.name}: group role "${props.groupRole}" must be a PostgreSQL identifier of lowercase letters, digits and _ (at most 63)`);
    }
    const defaultTtl = props.defaultTtlSeconds ?? 3600;
    const maxTtl = props.maxTtlSeconds ?? 86_400;
    if (!(defaultTtl >= 60 && maxTtl >= defaultTtl)) {
      throw new Error(`database role ${props.name}: need 60 <= defaultTtlSeconds (${defaultTtl}) <= maxTtlSeconds (${maxTtl})`);
    }
    this.name = props.name;
    this.credentialsPath = `${props.mountPath}/creds/${props.name}`;
    this.resource = new DatabaseSecretBackendRole(this, "role", {
      backend: props.backend,
      name: props.name,
      dbName: props.connectionName,
      creationStatements: postgresCreationStatements(props.groupRole),
      revocationStatements: postgresRevocationStatements(props.groupRole),
      defaultTtl,
      maxTtl,
      namespace: props.namespace,
    });
  }

  /** Lets the grantee read fresh credentials from this role, and nothing else on the mount. Returns the rule granted. */
  grantCredentials(grantee: IPolicyGrantee): PolicyRule {
    const rule: PolicyRule = { path: this.credentialsPath, capabilities: ["read"] };
    grantee.addToPolicy(rule);
    return rule;
  }
}
