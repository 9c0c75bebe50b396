// The reusable Vault constructs on their own: secure defaults, and refusals with messages that say what to change.
import { TerraformStack, Testing } from "cdktf";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { KvV2Mount } from "../constructs/vault/kv-mount";
import { WorkloadPolicy } from "../constructs/vault/workload-policy";
import { KubernetesAuth } from "../constructs/vault/kubernetes-auth";
import { AppRoleAuth } from "../constructs/vault/approle-auth";
import { AuditDevices } from "../constructs/vault/audit-devices";
import { DatabaseSecretsEngine } from "../constructs/vault/database-secrets-engine";
import { ephemeralStringVariable } from "../constructs/vault/ephemeral-variable";

function newStack(): TerraformStack {
  const stack = new TerraformStack(Testing.app(), "test");
  new VaultProvider(stack, "vault", { address: "https://vault.example.com:8200" });
  return stack;
}
const CA = readFileSync(path.join(__dirname, "..", "config", "example-kubernetes-ca.pem"), "utf8");
const synth = (stack: TerraformStack) => JSON.parse(Testing.synth(stack, true));
const only = (json: any, type: string) => {
  const all = Object.values(json.resource?.[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0] as any;
};

describe("KvV2Mount", () => {
  test("defaults: path secret, KV version 2, 10 versions, check-and-set required", () => {
    const stack = newStack();
    new KvV2Mount(stack, "kv");
    const json = synth(stack);
    expect(only(json, "vault_mount")).toMatchObject({ path: "secret", type: "kv", options: { version: "2" } });
    expect(only(json, "vault_kv_secret_backend_v2")).toMatchObject({ max_versions: 10, cas_required: true });
  });

  test("grantRead adds read on exactly the data/ and metadata/ paths of one secret", () => {
    const stack = newStack();
    const kv = new KvV2Mount(stack, "kv", { path: "kv" });
    const policy = new WorkloadPolicy(stack, "p", { policyName: "dev-a-w" });
    kv.grantRead(policy, "dev/a/s");
    expect(policy.document.ruleList).toEqual([
      { path: "kv/data/dev/a/s", capabilities: ["read"] },
      { path: "kv/metadata/dev/a/s", capabilities: ["read"] },
    ]);
    expect(() => kv.grantRead(policy, "dev/a/*")).toThrow(/secret path "dev\/a\/\*" is invalid/);
  });

  test("refuses maxVersions 0 (keep every version forever)", () => {
    expect(() => new KvV2Mount(newStack(), "kv", { maxVersions: 0 })).toThrow(/maxVersions/);
  });
});

describe("WorkloadPolicy", () => {
  test("a policy that grants nothing fails validation", () => {
    const stack = newStack();
    new WorkloadPolicy(stack, "p", { policyName: "dev-a-w" });
    expect(() => stack.runAllValidations()).toThrow(/policy dev-a-w grants nothing/);
  });
});

describe("KubernetesAuth", () => {
  const setup = () => {
    const stack = newStack();
    const auth = new KubernetesAuth(stack, "k8s", { kubernetesHost: "https://k8s.example.com:6443", kubernetesCaCert: CA });
    const policy = new WorkloadPolicy(stack, "p", { policyName: "dev-a-w" });
    policy.addToPolicy({ path: "secret/data/dev/a/s", capabilities: ["read"] });
    return { stack, auth, policy };
  };

  test("config stores no reviewer JWT and ignores Vault's local token; roles default to audience vault, 1 h / 4 h", () => {
    const { stack, auth, policy } = setup();
    auth.addRole("r", { roleName: "dev-a-w", serviceAccountName: "sa", serviceAccountNamespace: "ns", policy });
    const json = synth(stack);
    const config = only(json, "vault_kubernetes_auth_backend_config");
    expect(config.token_reviewer_jwt).toBeUndefined();
    expect(config.disable_local_ca_jwt).toBe(true);
    expect(config.kubernetes_ca_cert).toBe(CA);
    expect(only(json, "vault_kubernetes_auth_backend_role")).toMatchObject({
      audience: "https://kubernetes.default.svc",
      token_ttl: 3600,
      token_max_ttl: 14400,
      bound_service_account_names: ["sa"],
      bound_service_account_namespaces: ["ns"],
      depends_on: [expect.stringMatching(/^vault_kubernetes_auth_backend_config\./)],
    });
  });

  test.each([
    [{ serviceAccountName: "*" }, /serviceAccountName "\*" must be one Kubernetes name/],
    [{ serviceAccountNamespace: "*" }, /serviceAccountNamespace "\*" must be one Kubernetes name/],
    [{ tokenTtlSeconds: 7200, tokenMaxTtlSeconds: 3600 }, /max TTL \(3600\) must be at least the token TTL \(7200\)/],
    [{ tokenMaxTtlSeconds: 0 }, /max TTL \(0\)/],
    [{ tokenMaxTtlSeconds: 172_800 }, /more than 24 hours/],
    [{ audience: " " }, /audience must not be empty/],
  ])("refuses %o", (change, message) => {
    const { auth, policy } = setup();
    expect(() => auth.addRole("r", { roleName: "dev-a-w", serviceAccountName: "sa", serviceAccountNamespace: "ns", policy, ...change })).toThrow(message);
  });

  test("refuses a config without the cluster's CA while disable_local_ca_jwt is on, and a CA that is not PEM", () => {
    // With disable_local_ca_jwt and no kubernetes_ca_cert, Vault trusts only its system CAs, never a cluster's own.
    expect(() => new KubernetesAuth(newStack(), "k8s", { kubernetesHost: "https://k8s.example.com:6443" })).toThrow(/kubernetesCaCert is required.*system trust store/);
    expect(() => new KubernetesAuth(newStack(), "k8s", { kubernetesHost: "https://k8s.example.com:6443", kubernetesCaCert: "not a cert" })).toThrow(/must be a PEM certificate/);
    // Vault inside the cluster may use its own pod's CA file, when told not to disable it.
    const stack = newStack();
    new KubernetesAuth(stack, "k8s", { kubernetesHost: "https://k8s.example.com:6443", disableLocalCaJwt: false });
    expect(only(synth(stack), "vault_kubernetes_auth_backend_config").disable_local_ca_jwt).toBe(false);
  });
});

describe("AppRoleAuth", () => {
  const setup = () => {
    const stack = newStack();
    const auth = new AppRoleAuth(stack, "approle");
    const policy = new WorkloadPolicy(stack, "p", { policyName: "dev-a-w" });
    policy.addToPolicy({ path: "secret/data/dev/a/s", capabilities: ["read"] });
    return { stack, auth, policy };
  };

  test("defaults: secret ids bound, single use, 10 min secret ids, 1 h / 4 h tokens, no CIDR restriction unless given", () => {
    const { stack, auth, policy } = setup();
    auth.addRole("r", { roleName: "dev-a-w", policy });
    const role = only(synth(stack), "vault_approle_auth_backend_role");
    // Vault's own default secret_id_num_uses is 0, unlimited: it must be set.
    expect(role).toMatchObject({ bind_secret_id: true, secret_id_num_uses: 1, secret_id_ttl: 600, token_ttl: 3600, token_max_ttl: 14400 });
    expect(role.secret_id_bound_cidrs).toBeUndefined();
  });

  test.each([
    [{ secretIdTtlSeconds: 0 }, /secretIdTtlSeconds/],
    [{ secretIdNumUses: 0 }, /secretIdNumUses must be .* at least 1 \(Vault reads 0 as unlimited uses\)/],
    [{ boundCidrs: ["10.0.0.0"] }, /bound CIDR "10.0.0.0"/],
    [{ tokenTtlSeconds: 600, tokenMaxTtlSeconds: 300 }, /must be at least the token TTL/],
  ])("refuses %o", (change, message) => {
    const { auth, policy } = setup();
    expect(() => auth.addRole("r", { roleName: "dev-a-w", policy, ...change })).toThrow(message);
  });
});

describe("AuditDevices", () => {
  test("two devices by default, a file and a file on stdout (no syslog socket needed), log_raw off", () => {
    const stack = newStack();
    new AuditDevices(stack, "audit");
    const audits = Object.values(synth(stack).resource.vault_audit) as any[];
    expect(audits.map((a) => [a.type, a.path, a.options.file_path, a.options.log_raw]).sort((x, y) => x[1].localeCompare(y[1]))).toEqual([
      ["file", "file", "/vault/logs/audit.log", "false"],
      ["file", "file-2", "stdout", "false"],
    ]);
    expect(audits.some((a) => a.type === "syslog")).toBe(false);
  });

  test("keeps syslog as an option", () => {
    const stack = newStack();
    new AuditDevices(stack, "audit", { targets: [{ type: "file", filePath: "stdout" }, { type: "syslog", facility: "LOCAL0" }] });
    const audits = Object.values(synth(stack).resource.vault_audit) as any[];
    expect(audits.map((a) => [a.type, a.path])).toEqual([["file", "file"], ["syslog", "syslog"]]);
  });

  test("refuses an empty list and a relative file path", () => {
    expect(() => new AuditDevices(newStack(), "audit", { targets: [] })).toThrow(/at least one audit device/);
    expect(() => new AuditDevices(newStack(), "audit", { targets: [{ type: "file", filePath: "audit.log" }] })).toThrow(/absolute path/);
  });
});

describe("Database secrets engine", () => {
  const connectionOptions = { host: "pg.example.com", databaseName: "app", username: "vault_admin" };

  test("refuses a literal password: it would be written to the synthesized JSON", () => {
    const engine = new DatabaseSecretsEngine(newStack(), "db");
    expect(() => engine.addPostgresConnection("pg", { ...connectionOptions, passwordWo: "hunter2" })).toThrow(/must reference an ephemeral variable/);
  });

  test("roles: default TTL 1 h, max 24 h, credentials path, grant adds exactly creds/<role>", () => {
    const stack = newStack();
    const engine = new DatabaseSecretsEngine(stack, "db");
    const password = ephemeralStringVariable(stack, "pw", { name: "db_password", description: "admin password" });
    const conn = engine.addPostgresConnection("pg", { ...connectionOptions, passwordWo: password.stringValue });
    const role = conn.addRole("r", { name: "dev-app", groupRole: "app_group" });
    const policy = new WorkloadPolicy(stack, "p", { policyName: "dev-app-w" });
    role.grantCredentials(policy);
    expect(policy.document.ruleList).toEqual([{ path: "database/creds/dev-app", capabilities: ["read"] }]);
    const json = synth(stack);
    expect(only(json, "vault_database_secret_backend_role")).toMatchObject({ default_ttl: 3600, max_ttl: 86400 });
    expect(only(json, "vault_database_secret_backend_connection").postgresql).toMatchObject({
      password_wo: "${var.db_password}",
      password_wo_version: 1,
      connection_url: "postgresql://{{username}}:{{password}}@pg.example.com:5432/app?sslmode=verify-full",
    });
    expect(json.variable.db_password).toMatchObject({ ephemeral: true, sensitive: true, default: null });
  });

  test("refuses a group role that is not a plain PostgreSQL identifier (it is put into SQL)", () => {
    const stack = newStack();
    const password = ephemeralStringVariable(stack, "pw", { name: "db_password", description: "x", required: true });
    const conn = new DatabaseSecretsEngine(stack, "db").addPostgresConnection("pg", { ...connectionOptions, passwordWo: password.stringValue });
    expect(() => conn.addRole("r", { name: "dev-app", groupRole: 'app"; DROP TABLE x; --' })).toThrow(/group role/);
    expect(synth(stack).variable.db_password.default).toBeUndefined();
  });
});
