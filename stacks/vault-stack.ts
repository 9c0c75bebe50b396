// The Vault stack of one environment (vault-<env>): KV v2 mount, a least-privilege policy per workload,
// Kubernetes and AppRole login, audit devices, and dynamic PostgreSQL credentials where asked for.
// It only translates the description into the props of constructs/vault; they do the work.
import { TerraformOutput } from "cdktf";
import { readCertificateFile } from "../config/load";
import { Construct } from "constructs";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import type { EnvironmentModel, WorkloadModel } from "../config/model";
import type { VaultEnvironment } from "../config/schema";
import { databaseRoleName, MIN_TERRAFORM_VERSION, workloadPolicyName } from "../config/naming";
import { PlatformStack } from "./platform-stack";
import { configureStateBackend } from "./backend";
import { KvV2Mount } from "../constructs/vault/kv-mount";
import { WorkloadPolicy } from "../constructs/vault/workload-policy";
import { KubernetesAuth } from "../constructs/vault/kubernetes-auth";
import { AppRoleAuth } from "../constructs/vault/approle-auth";
import { AuditDevices } from "../constructs/vault/audit-devices";
import type { AuditDeviceTarget } from "../constructs/vault/audit-device";
import { DatabaseSecretsEngine } from "../constructs/vault/database-secrets-engine";
import type { PostgresDynamicRole } from "../constructs/vault/postgres-dynamic-role";
import { ephemeralStringVariable } from "../constructs/vault/ephemeral-variable";

/** The Terraform variable that carries the database admin password (TF_VAR_vault_database_password). */
export const DATABASE_PASSWORD_VARIABLE = "vault_database_password";

/** The PostgreSQL group role whose privileges an application's dynamic logins inherit. */
export function databaseGroupRole(app: string): string {
  return `${app.replace(/-/g, "_")}_group`;
}

export class VaultSecretsStack extends PlatformStack {
  readonly kv: KvV2Mount;
  readonly audit: AuditDevices;
  /** Workload policies by policy name (<env>-<app>-<workload>). */
  readonly policies: ReadonlyMap<string, WorkloadPolicy>;
  readonly kubernetesAuth?: KubernetesAuth;
  readonly appRoleAuth?: AppRoleAuth;
  readonly database?: DatabaseSecretsEngine;

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel) {
    super(scope, id);
    const env = environment.name;
    const vault = environment.spec.vault;
    if (!vault) throw new Error(`environment ${env} has no vault block; stack ${id} cannot be built`);
    configureStateBackend(this, id, vault.backend, environment.production);

    // Address and namespace only: the token comes from VAULT_TOKEN in the deployer's environment.
    new VaultProvider(this, "vault", { address: vault.address, namespace: vault.namespace });
    // Audit devices live only in the root namespace (sys/audit is a root-only endpoint on Enterprise).
    const rootProvider = vault.namespace
      ? new VaultProvider(this, "vault-root", { alias: "root", address: vault.address, setNamespaceFromToken: false })
      : undefined;

    this.kv = new KvV2Mount(this, "kv", { path: vault.kvMount, maxVersions: vault.kvMaxVersions, casRequired: true });
    this.audit = new AuditDevices(this, "audit", { targets: vault.audit?.map(auditTarget), provider: rootProvider });

    const k8s = vault.kubernetes;
    if (k8s) {
      this.kubernetesAuth = new KubernetesAuth(this, "kubernetes-auth", {
        path: k8s.authPath,
        kubernetesHost: k8s.host,
        kubernetesCaCert: certificate(k8s.caCertFile),
      });
    }
    if (environment.workloads.some((w) => w.spec.approle)) {
      this.appRoleAuth = new AppRoleAuth(this, "approle-auth", { path: vault.approlePath });
    }

    const { engine, roles: dbRoles } = this.buildDatabase(vault);
    this.database = engine;

    const policies = new Map<string, WorkloadPolicy>();
    for (const w of environment.workloads) {
      const policy = this.workloadPolicy(w, dbRoles);
      policies.set(policy.policyName, policy);
      this.bind(w, policy, vault);
    }
    this.policies = policies;
    this.outputs(environment, dbRoles);
  }

  /** The database engine, connection and one role per application that has a dynamic postgres secret. */
  private buildDatabase(vault: VaultEnvironment): { engine?: DatabaseSecretsEngine; roles: Map<string, PostgresDynamicRole> } {
    const roles = new Map<string, PostgresDynamicRole>();
    const dynamicApps = [...new Set(this.environment.secrets.filter(isDynamic).map((s) => s.app))];
    if (dynamicApps.length === 0) return { roles };
    const db = vault.database;
    if (!db) throw new Error(`environment ${this.environment.name}: dynamic secrets need vault.database`); // validation rules this out
    const engine = new DatabaseSecretsEngine(this, "database", {
      path: db.mount,
      defaultLeaseTtlSeconds: db.defaultTtlSeconds,
      maxLeaseTtlSeconds: db.maxTtlSeconds,
    });
    // The admin password goes through a write-only argument from an ephemeral variable: Terraform 1.11 or later.
    this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);
    const password = ephemeralStringVariable(this, "database-password", {
      name: DATABASE_PASSWORD_VARIABLE,
      description: `Password of PostgreSQL user ${db.username}, which Vault connects as. Needed on the first apply and whenever vault.database.passwordVersion is raised.`,
    });
    const connection = engine.addPostgresConnection("postgres", {
      host: db.host,
      port: db.port,
      databaseName: db.dbname,
      username: db.username,
      sslMode: db.sslmode,
      tlsCa: db.tlsCaFile ? certificate(db.tlsCaFile) : undefined,
      passwordWo: password.stringValue,
      passwordWoVersion: db.passwordVersion,
    });
    for (const app of dynamicApps) {
      roles.set(
        app,
        connection.addRole(`role-${app}`, {
          name: databaseRoleName(this.environment.name, app),
          groupRole: databaseGroupRole(app),
          defaultTtlSeconds: db.defaultTtlSeconds,
          maxTtlSeconds: db.maxTtlSeconds,
        }),
      );
    }
    return { engine, roles };
  }

  /** Read on exactly the secrets the workload reads, plus fresh credentials for its dynamic ones. */
  private workloadPolicy(w: WorkloadModel, dbRoles: Map<string, PostgresDynamicRole>): WorkloadPolicy {
    const env = this.environment.name;
    const name = workloadPolicyName(env, w.app, w.name);
    const policy = new WorkloadPolicy(this, `policy-${w.app}-${w.name}`, {
      policyName: name,
      comment: `Workload ${w.app}/${w.name} in environment ${env}: reads ${w.reads.map((s) => s.name).join(", ")}.\nGenerated from the platform description; change the description, not this policy.`,
    });
    for (const s of w.reads) {
      // A dynamic secret is read from the database engine only: nothing is stored at its KV path.
      if (isDynamic(s)) dbRoles.get(s.app)!.grantCredentials(policy);
      else this.kv.grantRead(policy, s.path);
    }
    return policy;
  }

  /** The login for a workload: a Kubernetes role or an AppRole role with the workload's policy. */
  private bind(w: WorkloadModel, policy: WorkloadPolicy, vault: VaultEnvironment): void {
    const roleName = policy.policyName;
    if (w.spec.kubernetes) {
      if (!this.kubernetesAuth || !vault.kubernetes) throw new Error(`${w.app}/${w.name} authenticates with Kubernetes but vault.kubernetes is missing`);
      this.kubernetesAuth.addRole(`role-${w.app}-${w.name}`, {
        roleName,
        serviceAccountName: w.spec.kubernetes.serviceAccount,
        serviceAccountNamespace: w.spec.kubernetes.namespace,
        audience: vault.kubernetes.audience,
        tokenTtlSeconds: vault.kubernetes.tokenTtlSeconds,
        tokenMaxTtlSeconds: vault.kubernetes.tokenMaxTtlSeconds,
        policy,
      });
    } else if (w.spec.approle) {
      this.appRoleAuth!.addRole(`role-${w.app}-${w.name}`, {
        roleName,
        policy,
        secretIdTtlSeconds: w.spec.approle.secretIdTtlSeconds,
        secretIdNumUses: w.spec.approle.secretIdNumUses,
        tokenTtlSeconds: w.spec.approle.tokenTtlSeconds,
        tokenMaxTtlSeconds: w.spec.approle.tokenMaxTtlSeconds,
        boundCidrs: w.spec.approle.boundCidrs,
      });
    } else {
      throw new Error(`${w.app}/${w.name} has neither kubernetes nor approle`); // validation rules this out
    }
  }

  /** Names an operator needs (mount and auth paths, roles, policies); never a secret value. */
  private outputs(environment: EnvironmentModel, dbRoles: Map<string, PostgresDynamicRole>): void {
    const out = (id: string, value: unknown, description: string) => new TerraformOutput(this, id, { value, description });
    out("kv_mount", this.kv.path, "KV v2 mount that holds this environment's secrets");
    out(
      "kv_secret_paths",
      environment.secrets.filter((s) => !isDynamic(s)).map((s) => s.path),
      "Secret paths under kv_mount whose values are put by a person or by rotation (vault kv put -mount=<kv_mount> -cas=0 <path> ...)",
    );
    out("policies", [...this.policies.keys()], "Workload policies, <env>-<app>-<workload>");
    out("audit_devices", this.audit.paths, "Enabled audit device paths");
    if (this.kubernetesAuth) {
      out("kubernetes_auth_path", this.kubernetesAuth.path, "Kubernetes auth mount (vault write auth/<path>/login role=<role> jwt=<token>)");
      out("kubernetes_roles", this.kubernetesAuth.roles.map((r) => r.roleName), "Kubernetes auth roles, one per workload");
    }
    if (this.appRoleAuth) {
      out("approle_auth_path", this.appRoleAuth.path, "AppRole auth mount");
      out("approle_roles", this.appRoleAuth.roles.map((r) => r.roleName), "AppRole roles, one per workload outside Kubernetes");
    }
    if (this.database) {
      out("database_mount", this.database.path, "Database secrets engine mount");
      out("database_credentials_paths", [...dbRoles.values()].map((r) => r.credentialsPath), "Paths where workloads read short-lived PostgreSQL credentials");
    }
  }
}

/** A certificate file of the description, read when the stack is built (validation has checked it already). */
function certificate(file: string): string {
  const read = readCertificateFile(file);
  if ("problem" in read) throw new Error(read.problem);
  return read.pem;
}

function isDynamic(s: EnvironmentModel["secrets"][number]): boolean {
  return s.spec.type === "postgres" && s.spec.dynamic === true;
}

function auditTarget(d: NonNullable<VaultEnvironment["audit"]>[number]): AuditDeviceTarget {
  switch (d.type) {
    case "file":
      return { type: "file", filePath: d.path };
    case "syslog":
      return { type: "syslog", tag: d.tag, facility: d.facility };
    case "socket":
      return { type: "socket", address: d.address, socketType: d.socketType };
  }
}
