// The PostgreSQL connection of a database secrets engine. Its admin password goes through the
// provider's write-only password_wo argument, so it never reaches the plan, the state or cdktf.out.
import { Lazy, Token } from "cdktf";
import { Construct } from "constructs";
import { DatabaseSecretBackendConnection } from "@cdktf/provider-vault/lib/database-secret-backend-connection";
import { PostgresDynamicRole, PostgresDynamicRoleOptions } from "./postgres-dynamic-role";
import { PostgresStaticRole, PostgresStaticRoleOptions } from "./postgres-static-role";

export type PostgresSslMode = "require" | "verify-ca" | "verify-full" | "disable";

export interface PostgresConnectionOptions {
  /**
   * The connection name (the role's db_name).
   * @default "postgres"
   */
  readonly name?: string;
  readonly host: string;
  /** @default 5432 */
  readonly port?: number;
  readonly databaseName: string;
  /** The admin user Vault connects as; it needs CREATEROLE and ADMIN OPTION on the group roles it grants. */
  readonly username: string;
  /**
   * The admin password as a reference to an ephemeral variable (see ephemeralStringVariable). A literal
   * string is refused: it would be written to the synthesized JSON.
   */
  readonly passwordWo: string;
  /**
   * Raise it to make the provider send passwordWo again (write-only arguments are sent only when their
   * version changes).
   * @default 1
   */
  readonly passwordWoVersion?: number;
  /**
   * @default "verify-full"
   */
  readonly sslMode?: PostgresSslMode;
  /**
   * PEM CA certificate that signed the database server's certificate, sent as the connection's tls_ca (the
   * provider's postgresql.tls_ca; Vault's PostgreSQL plugin verifies the server against it). Needed with
   * verify-ca and verify-full unless the server's certificate chains to a public CA: otherwise the plugin uses
   * Vault's system trust store, which holds neither RDS's CAs nor a private CA, and every connection fails.
   * @default - the system trust store of the Vault servers
   */
  readonly tlsCa?: string;
  /**
   * Let Vault hash passwords (SCRAM-SHA-256) before sending them to PostgreSQL, so that no plain
   * password appears in PostgreSQL's statement logs. Needs Vault 1.14 or later.
   * @default "scram-sha-256"
   */
  readonly passwordAuthentication?: "password" | "scram-sha-256";
  /**
   * Names of roles that other stacks create on this connection (a stack group's dynamic roles, in
   * vault-<env>-<group>): Vault refuses credentials for a role the connection's allowed_roles does not list.
   * @default - none: only the roles added with addRole
   */
  readonly otherStackRoles?: readonly string[];
  /**
   * Vault Enterprise namespace.
   * @default - the mount's namespace
   */
  readonly namespace?: string;
}

export interface PostgresConnectionProps extends PostgresConnectionOptions {
  /** The mount path as a reference (for ordering). */
  readonly backend: string;
  /** The mount path as plain text (for policy paths). */
  readonly mountPath: string;
}

export class PostgresConnection extends Construct {
  readonly name: string;
  readonly mountPath: string;
  readonly resource: DatabaseSecretBackendConnection;
  private readonly roleList: PostgresDynamicRole[] = [];
  private readonly staticRoleList: PostgresStaticRole[] = [];
  private readonly username: string;
  private readonly namespace?: string;

  constructor(scope: Construct, id: string, props: PostgresConnectionProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.passwordWo)) {
      throw new Error("passwordWo must reference an ephemeral variable (ephemeralStringVariable(...).stringValue), not a literal password");
    }
    if (!/^[A-Za-z0-9.-]+$/.test(props.host)) throw new Error(`PostgreSQL host "${props.host}" must be a host name or IPv4 address`);
    if (props.tlsCa !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(props.tlsCa)) {
      throw new Error("tlsCa must be a PEM certificate (-----BEGIN CERTIFICATE----- ...)");
    }
    const port = props.port ?? 5432;
    const version = props.passwordWoVersion ?? 1;
    if (!Number.isInteger(version) || version < 1) throw new Error(`passwordWoVersion must be a whole number of at least 1, got ${version}`);
    this.name = props.name ?? "postgres";
    this.mountPath = props.mountPath;
    this.namespace = props.namespace;
    this.username = props.username;
    const url = `postgresql://{{username}}:{{password}}@${props.host}:${port}/${encodeURIComponent(props.databaseName)}?sslmode=${props.sslMode ?? "verify-full"}`;
    this.resource = new DatabaseSecretBackendConnection(this, "connection", {
      backend: props.backend,
      name: this.name,
      pluginName: "postgresql-database-plugin",
      verifyConnection: true,
      // allowed_roles governs static roles as well as dynamic ones (https://developer.hashicorp.com/vault/api-docs/secret/databases#allowed_roles).
      allowedRoles: Lazy.listValue({ produce: () => [...this.roleList.map((r) => r.name), ...this.staticRoleList.map((r) => r.name), ...(props.otherStackRoles ?? [])] }),
      postgresql: {
        connectionUrl: url,
        username: props.username,
        passwordWo: props.passwordWo,
        passwordWoVersion: version,
        passwordAuthentication: props.passwordAuthentication ?? "scram-sha-256",
        tlsCa: props.tlsCa,
      },
      namespace: props.namespace,
    });
  }

  /** Adds a dynamic role that may use this connection. */
  addRole(id: string, options: PostgresDynamicRoleOptions): PostgresDynamicRole {
    const role = new PostgresDynamicRole(this, id, {
      ...options,
      backend: this.resource.backend,
      mountPath: this.mountPath,
      connectionName: this.resource.name,
      namespace: options.namespace ?? this.namespace,
    });
    this.roleList.push(role);
    return role;
  }

  /** Adds a static role that rotates the password of an existing user through this connection. */
  addStaticRole(id: string, options: PostgresStaticRoleOptions): PostgresStaticRole {
    const role = new PostgresStaticRole(this, id, {
      ...options,
      backend: this.resource.backend,
      mountPath: this.mountPath,
      connectionName: this.resource.name,
      connectionUsername: this.username,
      namespace: options.namespace ?? this.namespace,
    });
    this.staticRoleList.push(role);
    return role;
  }

  get staticRoles(): readonly PostgresStaticRole[] {
    return this.staticRoleList;
  }

  get roles(): readonly PostgresDynamicRole[] {
    return this.roleList;
  }
}
