// The Vault stacks of one environment. vault-<env>: KV v2 mount, Kubernetes and AppRole login, audit devices, the
// database engine and its connection, and the first stack group's applications; vault-<env>-<group>: a stack group's
// applications only. An application's share: a least-privilege policy per workload, its login role, its dynamic
// PostgreSQL role where asked for.
// It only translates the description into the props of constructs/vault; they do the work.
import { Annotations, TerraformOutput } from "cdktf";
import { readCertificateFile } from "../config/load";
import { Construct } from "constructs";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import type { EnvironmentModel, WorkloadModel } from "../config/model";
import { DEFAULT_DATABASE, type VaultEnvironment } from "../config/schema";
import { connectionNameOf, databaseEngineId, databasePasswordVariable } from "../config/vault-databases";
import { databaseRoleName, MIN_TERRAFORM_VERSION, vaultSecretRoleName, vaultStaticRoleUsername, workloadPolicyName } from "../config/naming";
import { cadenceSeconds, vaultMechanism, type VaultMechanism } from "../config/placement";
import { PlatformStack } from "./platform-stack";
import { vaultKvPathOf } from "../config/adopt";
import { suppress } from "../guardrails/suppressions";
import { configureStateBackend } from "./backend";
import { KvV2Mount, KvV2Paths } from "../constructs/vault/kv-mount";
import { WorkloadPolicy } from "../constructs/vault/workload-policy";
import { KubernetesAuth } from "../constructs/vault/kubernetes-auth";
import { clusterOf, clustersOf, type ClusterModel } from "../config/clusters";
import { KubernetesAuthRole, type KubernetesAuthRoleOptions } from "../constructs/vault/kubernetes-auth-role";
import { AppRoleAuth } from "../constructs/vault/approle-auth";
import { AppRoleAuthRole, type AppRoleAuthRoleOptions } from "../constructs/vault/approle-auth-role";
import { AuditDevices } from "../constructs/vault/audit-devices";
import type { AuditDeviceTarget } from "../constructs/vault/audit-device";
import { DatabaseSecretsEngine } from "../constructs/vault/database-secrets-engine";
import { PostgresDynamicRole, type PostgresDynamicRoleOptions } from "../constructs/vault/postgres-dynamic-role";
import type { PostgresConnection } from "../constructs/vault/postgres-connection";
import { ephemeralStringVariable } from "../constructs/vault/ephemeral-variable";
import { PostgresStaticRole, type PostgresStaticRoleOptions } from "../constructs/vault/postgres-static-role";
import { TransitSecretsEngine } from "../constructs/vault/transit-engine";
import { TransitSigningKey, type TransitSigningKeyOptions } from "../constructs/vault/transit-signing-key";

/**
 * The Terraform variable that carries the admin password of the connection named default (TF_VAR_vault_database_password);
 * other connections' are databasePasswordVariable(<name>).
 */
export const DATABASE_PASSWORD_VARIABLE = databasePasswordVariable(DEFAULT_DATABASE);

/** The PostgreSQL group role whose privileges an application's dynamic logins inherit. */
export function databaseGroupRole(app: string): string {
  return `${app.replace(/-/g, "_")}_group`;
}

export interface VaultStackOptions {
  /**
   * The environment's first stack, vault-<env>, when this stack is a stack group's (vault-<env>-<group>): it owns the
   * mounts, auth methods, audit devices and database connection, this one only its applications' policies and roles,
   * which name the mounts by path (known from the description). This stack deploys after it.
   * @default - this is the first stack: it builds what is one per environment
   */
  readonly environmentStack?: VaultSecretsStack;
  /**
   * The whole environment, when `environment` is the first group's share of it: the auth methods and the database
   * connection serve every group's workloads. @default - `environment`
   */
  readonly wholeEnvironment?: EnvironmentModel;
}

/** What a stack grants on and binds to: the environment's mounts, owned here or known by path. */
interface Mounts {
  readonly kv: Pick<KvV2Mount, "path" | "grantRead">;
  readonly kubernetes: (id: string, options: KubernetesAuthRoleOptions) => KubernetesAuthRole;
  /** A role on a named cluster's auth mount (kubernetes.clusters.<name>). */
  readonly clusterKubernetes: (cluster: ClusterModel, id: string, options: KubernetesAuthRoleOptions) => KubernetesAuthRole;
  readonly approle: (id: string, options: AppRoleAuthRoleOptions) => AppRoleAuthRole;
  /** A role on the named connection (vault.databases.<connection>). */
  readonly databaseRole: (id: string, options: PostgresDynamicRoleOptions, connection: string) => PostgresDynamicRole;
  readonly staticRole: (id: string, options: PostgresStaticRoleOptions, connection: string) => PostgresStaticRole;
  readonly transitKey: (id: string, options: TransitSigningKeyOptions) => TransitSigningKey;
}

export class VaultSecretsStack extends PlatformStack {
  /** The KV mount (vault-<env>) or its path (a stack group's stack, which grants on it). */
  readonly kv: Pick<KvV2Mount, "path" | "grantRead" | "dataPath" | "metadataPath">;
  /** Audit devices: in vault-<env> only. */
  readonly audit?: AuditDevices;
  /** Workload policies by policy name (<env>-<app>-<workload>). */
  readonly policies: ReadonlyMap<string, WorkloadPolicy>;
  readonly kubernetesAuth?: KubernetesAuth;
  /** One Kubernetes auth mount per named cluster (kubernetes.clusters), by cluster: in vault-<env>. */
  readonly clusterAuths = new Map<string, KubernetesAuth>();
  readonly appRoleAuth?: AppRoleAuth;
  /** The database engine of the connection named default (vault.database), when built. */
  readonly database?: DatabaseSecretsEngine;
  /** Every connection's database engine in vault-<env>, by connection name; each connection is on its own mount. */
  readonly databases: ReadonlyMap<string, DatabaseSecretsEngine>;
  /** The transit engine of jwt signing keys: in vault-<env>, when a jwt placed on Vault rotates. */
  readonly transit?: TransitSecretsEngine;
  /** Static roles of single-user postgres secrets, by secret path <env>/<app>/<secret>. */
  readonly staticRoles = new Map<string, PostgresStaticRole>();
  /** Transit signing keys of rotating jwt secrets, by secret path. */
  readonly transitKeys = new Map<string, TransitSigningKey>();
  /** Login roles of this stack's workloads, Kubernetes and AppRole. */
  readonly kubernetesRoles: KubernetesAuthRole[] = [];
  readonly appRoles: AppRoleAuthRole[] = [];

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel, options: VaultStackOptions = {}) {
    super(scope, id);
    const env = environment.name;
    const vault = environment.spec.vault;
    if (!vault) throw new Error(`environment ${env} has no vault block; stack ${id} cannot be built`);
    configureStateBackend(this, id, vault.backend, environment.production);

    // Address and namespace only: the token comes from VAULT_TOKEN in the deployer's environment.
    new VaultProvider(this, "vault", { address: vault.address, namespace: vault.namespace });

    let mounts: Mounts;
    if (options.environmentStack) {
      // Roles need their auth method's config and the connection to exist: the first stack deploys before this one.
      this.addDependency(options.environmentStack);
      // Audit devices are a server's, one set per environment: SP-VLT-006 checks them on vault-<env>.
      if (environment.production) suppress(this, "SP-VLT-006", "vault-<env>-<group> holds a stack group's policies and roles; the audit devices are vault-<env>'s, checked there");
      this.kv = new KvV2Paths(vault.kvMount);
      this.databases = new Map();
      mounts = { kv: this.kv, ...groupMounts(this, vault) };
    } else {
      const whole = options.wholeEnvironment ?? environment;
      // Audit devices live only in the root namespace (sys/audit is a root-only endpoint on Enterprise).
      const rootProvider = vault.namespace
        ? new VaultProvider(this, "vault-root", { alias: "root", address: vault.address, setNamespaceFromToken: false })
        : undefined;
      const kv = new KvV2Mount(this, "kv", { path: vault.kvMount, maxVersions: vault.kvMaxVersions, casRequired: true });
      this.kv = kv;
      this.audit = new AuditDevices(this, "audit", { targets: vault.audit?.map(auditTarget), provider: rootProvider });
      const k8s = vault.kubernetes;
      if (k8s) {
        this.kubernetesAuth = new KubernetesAuth(this, "kubernetes-auth", {
          path: k8s.authPath,
          kubernetesHost: k8s.host,
          kubernetesCaCert: certificate(k8s.caCertFile),
        });
      }
      // One auth mount per named cluster, with that cluster's API server and CA: Vault reviews each login token at
      // the cluster that issued it (vault_kubernetes_auth_backend_config kubernetes_host, kubernetes_ca_cert).
      for (const c of clustersOf(environment.spec)) {
        if (!c.named || !c.vault) continue;
        this.clusterAuths.set(
          c.name,
          new KubernetesAuth(this, `kubernetes-auth-${c.name}`, {
            path: c.vault.authPath,
            kubernetesHost: c.vault.host,
            kubernetesCaCert: certificate(c.vault.caCertFile),
            description: `Kubernetes service account login of cluster ${c.name}, managed by the secrets platform`,
          }),
        );
      }
      if (whole.workloads.some((w) => w.spec.approle)) {
        this.appRoleAuth = new AppRoleAuth(this, "approle-auth", { path: vault.approlePath });
      }
      const connections = this.buildDatabases(vault, whole);
      this.databases = new Map([...connections].map(([name, c]) => [name, c.engine]));
      this.database = connections.get(DEFAULT_DATABASE)?.engine;
      const connection = (name: string) => {
        const c = connections.get(name);
        if (!c) throw new Error(`environment ${env}: no database connection ${name}`); // validation rules this out
        return c.connection;
      };
      if (whole.secrets.some((s) => mechanismOf(s) === "transit")) {
        this.transit = new TransitSecretsEngine(this, "transit", { path: vault.transitMount });
      }
      mounts = {
        kv,
        kubernetes: (rid, o) => this.kubernetesAuth!.addRole(rid, o),
        clusterKubernetes: (c, rid, o) => {
          const auth = this.clusterAuths.get(c.name);
          if (!auth) throw new Error(`${id}: cluster ${c.name} has no Vault auth (host, caCertFile)`); // validation rules this out
          return auth.addRole(rid, o);
        },
        approle: (rid, o) => this.appRoleAuth!.addRole(rid, o),
        databaseRole: (rid, o, c) => connection(c).addRole(rid, o),
        staticRole: (rid, o, c) => connection(c).addStaticRole(rid, o),
        transitKey: (rid, o) => this.transit!.addSigningKey(rid, o),
      };
    }

    const dbRoles = this.databaseRoles(vault, mounts);
    this.rotatingSecrets(mounts, vault);
    const policies = new Map<string, WorkloadPolicy>();
    for (const w of environment.workloads) {
      const policy = this.workloadPolicy(w, mounts, dbRoles);
      policies.set(policy.policyName, policy);
      this.bind(w, policy, vault, mounts);
    }
    this.policies = policies;
    this.outputs(environment, dbRoles);
  }

  /**
   * A database engine and its connection per connection (vault.databases) that a postgres secret of the environment
   * uses, each on its own mount. A connection allows exactly its own roles by name (known from the description): the
   * roles themselves are built with their applications, in this stack or a group's. The connection named default keeps
   * the construct ids the single vault.database had (database/..., variable database-password), so its Terraform
   * addresses do not change.
   */
  private buildDatabases(vault: VaultEnvironment, whole: EnvironmentModel): Map<string, { engine: DatabaseSecretsEngine; connection: PostgresConnection }> {
    const built = new Map<string, { engine: DatabaseSecretsEngine; connection: PostgresConnection }>();
    const users = whole.secrets.filter((s) => mechanismOf(s) === "dynamic-role" || mechanismOf(s) === "static-role");
    if (users.length === 0) return built;
    // The admin passwords go through write-only arguments from ephemeral variables: Terraform 1.11 or later.
    this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);
    const ownPaths = new Set(this.environment.secrets.map((s) => s.path));
    for (const [name, db] of Object.entries(vault.databases)) {
      const on = users.filter((s) => connectionOf(s, vault) === name);
      if (on.length === 0) continue;
      const engine = new DatabaseSecretsEngine(this, databaseEngineId(name), {
        path: db.mount,
        defaultLeaseTtlSeconds: db.defaultTtlSeconds,
        maxLeaseTtlSeconds: db.maxTtlSeconds,
      });
      // The default connection's text is the single vault.database's, unchanged.
      const description =
        name === DEFAULT_DATABASE
          ? `Password of PostgreSQL user ${db.username}, which Vault connects as. Needed on the first apply and whenever vault.database.passwordVersion is raised.`
          : `Password of PostgreSQL user ${db.username}, which Vault connects to ${db.host}/${db.dbname} as. Needed on the first apply and whenever vault.databases.${name}.passwordVersion is raised.`;
      const password = ephemeralStringVariable(this, name === DEFAULT_DATABASE ? "database-password" : `database-password--${name}`, {
        name: databasePasswordVariable(name),
        description,
      });
      const dynamicElsewhere = [...new Set(on.filter((s) => isDynamic(s) && !ownPaths.has(s.path)).map((s) => s.app))];
      const connection = engine.addPostgresConnection("postgres", {
        host: db.host,
        port: db.port,
        databaseName: db.dbname,
        username: db.username,
        sslMode: db.sslmode,
        tlsCa: db.tlsCaFile ? certificate(db.tlsCaFile) : undefined,
        passwordWo: password.stringValue,
        passwordWoVersion: db.passwordVersion,
        // Only this connection's roles: a role of another connection lives on another mount.
        otherStackRoles: [
          ...dynamicElsewhere.map((app) => databaseRoleName(whole.name, app)),
          ...on.filter((s) => mechanismOf(s) === "static-role" && !ownPaths.has(s.path)).map((s) => vaultSecretRoleName(whole.name, s.app, s.name)),
        ],
      });
      built.set(name, { engine, connection });
    }
    return built;
  }

  /** One dynamic role per application of this stack that has a dynamic postgres secret. */
  private databaseRoles(vault: VaultEnvironment, mounts: Mounts): Map<string, PostgresDynamicRole> {
    const roles = new Map<string, PostgresDynamicRole>();
    // One dynamic secret per application (validation): its connection is the role's.
    for (const s of this.environment.secrets.filter(isDynamic)) {
      if (roles.has(s.app)) continue;
      const name = connectionOf(s, vault);
      const db = vault.databases[name];
      roles.set(
        s.app,
        mounts.databaseRole(
          `role-${s.app}`,
          {
            name: databaseRoleName(this.environment.name, s.app),
            groupRole: databaseGroupRole(s.app),
            defaultTtlSeconds: db.defaultTtlSeconds,
            maxTtlSeconds: db.maxTtlSeconds,
          },
          name,
        ),
      );
    }
    return roles;
  }

  /**
   * Vault's own rotation of this stack's secrets (docs/vault.md): a static role per single-user postgres secret and a
   * transit key per rotating jwt. A rotating token has no Vault mechanism: validation refuses it in production, and
   * here it is a warning, since its KV value would never change.
   */
  private rotatingSecrets(mounts: Mounts, vault: VaultEnvironment): void {
    const env = this.environment.name;
    for (const s of this.environment.secrets) {
      const period = cadenceSeconds(s.spec.type === "api-key" ? undefined : s.spec.rotation);
      switch (mechanismOf(s)) {
        case "static-role":
          this.staticRoles.set(
            s.path,
            mounts.staticRole(
              `static-role-${s.app}-${s.name}`,
              {
                name: vaultSecretRoleName(env, s.app, s.name),
                username: vaultStaticRoleUsername(s.app, s.name),
                rotationPeriodSeconds: period!, // validation refuses a cron() schedule on Vault
              },
              connectionOf(s, vault),
            ),
          );
          break;
        case "transit":
          if (s.spec.type !== "jwt") break;
          this.transitKeys.set(
            s.path,
            mounts.transitKey(`transit-key-${s.app}-${s.name}`, {
              name: vaultSecretRoleName(env, s.app, s.name),
              algorithm: s.spec.algorithm,
              rotationPeriodSeconds: period!,
            }),
          );
          break;
        case "kv":
          if (s.spec.type === "token" && s.spec.rotation) {
            Annotations.of(this).addWarning(
              `${s.app}/${s.name} is a rotating token placed on Vault, which has no rotation of its own for it: its KV value at ${s.path} never changes (production refuses this). Place ${s.app} on aws or azure to have it rotated.`,
            );
          }
          break;
      }
    }
  }

  /** Read on exactly the secrets the workload reads, plus fresh credentials for its dynamic ones. */
  private workloadPolicy(w: WorkloadModel, mounts: Mounts, dbRoles: Map<string, PostgresDynamicRole>): WorkloadPolicy {
    const env = this.environment.name;
    const name = workloadPolicyName(env, w.app, w.name);
    const policy = new WorkloadPolicy(this, `policy-${w.app}-${w.name}`, {
      policyName: name,
      comment: `Workload ${w.app}/${w.name} in environment ${env}: reads ${w.reads.map((s) => s.name).join(", ")}.\nGenerated from the platform description; change the description, not this policy.`,
    });
    const adopted = w.reads.filter((s) => mechanismOf(s) === "kv" && vaultKvPathOf(s) !== s.path).map((s) => vaultKvPathOf(s));
    if (adopted.length > 0) {
      // SP-VLT-001 knows an application's paths by the <env>/<app>/ convention only; an adopted path is the
      // description's own choice for this application (docs/adopting.md), and the review lists this suppression.
      suppress(policy, "SP-VLT-001", `grants read on the adopted KV paths ${adopted.join(", ")} of ${w.app}, named in the description's adopt.vault instead of <env>/<app>/<secret>`);
    }
    for (const s of w.reads) {
      // Only kv secrets are stored at their KV path; the others are read from (or used through) their engine.
      switch (mechanismOf(s)) {
        case "dynamic-role":
          dbRoles.get(s.app)!.grantCredentials(policy);
          break;
        case "static-role":
          this.staticRoles.get(s.path)!.grantCredentials(policy);
          break;
        case "transit":
          this.transitKeys.get(s.path)!.grantSignVerify(policy);
          break;
        case "kv":
          mounts.kv.grantRead(policy, vaultKvPathOf(s)); // an adopted path is the contract (docs/adopting.md)
          break;
      }
    }
    return policy;
  }

  /** The login for a workload: a Kubernetes role or an AppRole role with the workload's policy. */
  private bind(w: WorkloadModel, policy: WorkloadPolicy, vault: VaultEnvironment, mounts: Mounts): void {
    const roleName = policy.policyName;
    const cluster = w.spec.kubernetes ? clusterOf(this.environment.spec, w.spec.kubernetes) : undefined;
    if (w.spec.kubernetes && cluster?.named) {
      // The role lives on the mount of the workload's own cluster, so only that cluster's tokens log in with it.
      if (!cluster.vault) throw new Error(`${w.app}/${w.name} runs in cluster ${cluster.name}, which has no host and caCertFile for Vault`); // validation rules this out
      const role = mounts.clusterKubernetes(cluster, `role-${w.app}-${w.name}`, {
        roleName,
        serviceAccountName: w.spec.kubernetes.serviceAccount,
        serviceAccountNamespace: w.spec.kubernetes.namespace,
        audience: cluster.vault.audience,
        tokenTtlSeconds: cluster.vault.tokenTtlSeconds,
        tokenMaxTtlSeconds: cluster.vault.tokenMaxTtlSeconds,
        policy,
      });
      this.kubernetesRoles.push(role);
    } else if (w.spec.kubernetes) {
      if (!vault.kubernetes) throw new Error(`${w.app}/${w.name} authenticates with Kubernetes but vault.kubernetes is missing`);
      const role = mounts.kubernetes(`role-${w.app}-${w.name}`, {
        roleName,
        serviceAccountName: w.spec.kubernetes.serviceAccount,
        serviceAccountNamespace: w.spec.kubernetes.namespace,
        audience: vault.kubernetes.audience,
        tokenTtlSeconds: vault.kubernetes.tokenTtlSeconds,
        tokenMaxTtlSeconds: vault.kubernetes.tokenMaxTtlSeconds,
        policy,
      });
      this.kubernetesRoles.push(role);
    } else if (w.spec.approle) {
      const role = mounts.approle(`role-${w.app}-${w.name}`, {
        roleName,
        policy,
        secretIdTtlSeconds: w.spec.approle.secretIdTtlSeconds,
        secretIdNumUses: w.spec.approle.secretIdNumUses,
        tokenTtlSeconds: w.spec.approle.tokenTtlSeconds,
        tokenMaxTtlSeconds: w.spec.approle.tokenMaxTtlSeconds,
        boundCidrs: w.spec.approle.boundCidrs,
      });
      this.appRoles.push(role);
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
      environment.secrets.filter((s) => mechanismOf(s) === "kv").map((s) => vaultKvPathOf(s)),
      "Secret paths under kv_mount whose values are put by a person or by rotation (vault kv put -mount=<kv_mount> -cas=0 <path> ...)",
    );
    // The review reads the types back: a rotatable type stored here is a secret Vault does not rotate (a finding).
    out(
      "kv_secret_types",
      Object.fromEntries(environment.secrets.filter((s) => mechanismOf(s) === "kv").map((s) => [vaultKvPathOf(s), s.spec.type])),
      "Type of each secret stored at a KV path (postgres, jwt, api-key, token)",
    );
    const adopted = environment.secrets.filter((s) => s.adopt?.vault !== undefined && mechanismOf(s) === "kv");
    if (adopted.length > 0) {
      // The review lists adoptions from here: nothing else in this stack names an existing secret.
      out("adopted_kv_paths", Object.fromEntries(adopted.map((s) => [s.path, vaultKvPathOf(s)])), "Existing KV v2 secrets adopted (docs/adopting.md), by <env>/<app>/<secret>: their paths under kv_mount, never managed by Terraform");
    }
    out("policies", [...this.policies.keys()], "Workload policies, <env>-<app>-<workload>");
    if (this.audit) out("audit_devices", this.audit.paths, "Enabled audit device paths");
    if (this.kubernetesAuth) out("kubernetes_auth_path", this.kubernetesAuth.path, "Kubernetes auth mount (vault write auth/<path>/login role=<role> jwt=<token>)");
    if (this.clusterAuths.size > 0) {
      out("kubernetes_auth_paths", Object.fromEntries([...this.clusterAuths].map(([c, a]) => [c, a.path])), "Kubernetes auth mount of each cluster (vault write auth/<path>/login role=<role> jwt=<token>)");
    }
    if (this.kubernetesAuth || this.kubernetesRoles.length > 0) {
      out("kubernetes_roles", this.kubernetesRoles.map((r) => r.roleName), "Kubernetes auth roles, one per workload");
    }
    if (this.appRoleAuth) out("approle_auth_path", this.appRoleAuth.path, "AppRole auth mount");
    if (this.appRoleAuth || this.appRoles.length > 0) {
      out("approle_roles", this.appRoles.map((r) => r.roleName), "AppRole roles, one per workload outside Kubernetes");
    }
    if (this.database) out("database_mount", this.database.path, "Database secrets engine mount");
    if ([...this.databases.keys()].some((n) => n !== DEFAULT_DATABASE)) {
      out("database_mounts", Object.fromEntries([...this.databases].map(([n, e]) => [n, e.path])), "Database secrets engine mount of each connection, by connection name");
    }
    if (this.databases.size > 0 || dbRoles.size > 0) {
      out("database_credentials_paths", [...dbRoles.values()].map((r) => r.credentialsPath), "Paths where workloads read short-lived PostgreSQL credentials");
    }
    if (this.staticRoles.size > 0) {
      out("static_credentials_paths", [...this.staticRoles.values()].map((r) => r.credentialsPath), "Paths where workloads read the current password of a PostgreSQL user Vault rotates (static roles)");
    }
    if (this.transit) out("transit_mount", this.transit.path, "Transit secrets engine mount of the jwt signing keys");
    if (this.transitKeys.size > 0) {
      out("transit_signing_keys", [...this.transitKeys.values()].map((k) => k.name), "Transit keys workloads sign JWTs with (<transit_mount>/sign|hmac/<key>) and verify them with (<transit_mount>/verify/<key>)");
    }
  }
}

/** A certificate file of the description, read when the stack is built (validation has checked it already). */
function certificate(file: string): string {
  const read = readCertificateFile(file);
  if ("problem" in read) throw new Error(read.problem);
  return read.pem;
}

/** How Vault keeps a secret (config/placement.ts): the one rule the checks, this stack and the kubernetes stack share. */
const mechanismOf = (s: EnvironmentModel["secrets"][number]): VaultMechanism => vaultMechanism(s.spec);

/** The connection a postgres secret's role uses (config/vault-databases.ts). */
function connectionOf(s: EnvironmentModel["secrets"][number], vault: VaultEnvironment): string {
  const name = connectionNameOf(s.spec, Object.keys(vault.databases));
  if (!name) throw new Error(`${s.app}/${s.name} names no database connection of vault.databases`); // validation rules this out
  return name;
}

function isDynamic(s: EnvironmentModel["secrets"][number]): boolean {
  return mechanismOf(s) === "dynamic-role";
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

/**
 * A stack group's roles on the environment's mounts, by path. Each sits under the construct path the first stack
 * gives it (kubernetes-auth/role-<app>-<workload>, database/postgres/role-<app> or database--<connection>/postgres/...),
 * so its Terraform address is the same in either stack and an application that changes group is a state move, not a
 * destroy and a create.
 */
function groupMounts(stack: Construct, vault: VaultEnvironment): Omit<Mounts, "kv"> {
  let kubernetes: Construct | undefined;
  const clusterScopes = new Map<string, Construct>();
  let approle: Construct | undefined;
  let transit: Construct | undefined;
  const connections = new Map<string, Construct>();
  const connectionScope = (name: string) => {
    const db = vault.databases[name];
    if (!db) throw new Error(`environment of ${stack.node.id}: database roles need vault.databases.${name}`); // validation rules this out
    let scope = connections.get(name);
    if (!scope) connections.set(name, (scope = new Construct(new Construct(stack, databaseEngineId(name)), "postgres")));
    return { scope, db };
  };
  return {
    kubernetes: (id, o) => new KubernetesAuthRole((kubernetes ??= new Construct(stack, "kubernetes-auth")), id, { ...o, backend: vault.kubernetes!.authPath }),
    clusterKubernetes: (c, id, o) => {
      const scope = clusterScopes.get(c.name) ?? new Construct(stack, `kubernetes-auth-${c.name}`);
      clusterScopes.set(c.name, scope);
      return new KubernetesAuthRole(scope, id, { ...o, backend: c.vault!.authPath });
    },
    approle: (id, o) => new AppRoleAuthRole((approle ??= new Construct(stack, "approle-auth")), id, { ...o, backend: vault.approlePath }),
    // The connection's name: the first stack's connection is "postgres" (PostgresConnectionOptions.name's default).
    databaseRole: (id, o, c) => {
      const { scope, db } = connectionScope(c);
      return new PostgresDynamicRole(scope, id, { ...o, backend: db.mount, mountPath: db.mount, connectionName: "postgres" });
    },
    staticRole: (id, o, c) => {
      const { scope, db } = connectionScope(c);
      return new PostgresStaticRole(scope, id, { ...o, backend: db.mount, mountPath: db.mount, connectionName: "postgres", connectionUsername: db.username });
    },
    transitKey: (id, o) => new TransitSigningKey((transit ??= new Construct(stack, "transit")), id, { ...o, backend: vault.transitMount, mountPath: vault.transitMount }),
  };
}
