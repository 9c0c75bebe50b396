// The Vault stacks: snapshots of the example's stacks with behaviour assertions beside them, and the
// second description's Kubernetes, AppRole, audit and dynamic-credential resources.
import { onlyResource, resources, StackJson, synthExample, synthYaml } from "./helpers/synth";
import { SECOND_DESCRIPTION } from "./vault-fixtures";
import { EXAMPLE_CA_FILE } from "./helpers/descriptions";
import { readFileSync } from "node:fs";
import * as path from "node:path";

const CANARY = "canary-db-password-Zq7!";
let example: Record<string, StackJson>;
let second: Record<string, StackJson>;

beforeAll(() => {
  // Were the stack to read the password from anywhere in the environment, the canary would show up.
  process.env.TF_VAR_vault_database_password = CANARY;
  process.env.VAULT_TOKEN = "hvs.canary-token";
  example = synthExample(["vault"]).json;
  second = synthYaml(SECOND_DESCRIPTION, { backends: ["vault"] }).json;
});

afterAll(() => {
  delete process.env.TF_VAR_vault_database_password;
  delete process.env.VAULT_TOKEN;
});

const count = (json: StackJson, type: string) => Object.keys(resources(json, type)).length;

describe("the example's Vault stacks", () => {
  test("one Vault stack per environment with a vault block", () => {
    expect(Object.keys(example).sort()).toEqual(["vault-dev", "vault-prod", "vault-staging"]);
  });

  test.each(["vault-dev", "vault-staging", "vault-prod"])("%s matches its snapshot and its key properties", (name) => {
    const json = example[name];
    expect(json).toMatchSnapshot();
    const env = name.slice("vault-".length);

    // Provider: address only; the token comes from VAULT_TOKEN when Terraform runs.
    expect(json.provider?.vault).toEqual([{ address: `https://vault.${env}.example.com:8200` }]);

    // KV v2 with 10 versions and check-and-set; no secret values written by Terraform.
    expect(onlyResource(json, "vault_mount", (m) => m.type === "kv")).toMatchObject({ path: "secret", options: { version: "2" } });
    expect(onlyResource(json, "vault_kv_secret_backend_v2")).toMatchObject({ max_versions: 10, cas_required: true });
    for (const t of ["vault_kv_secret_v2", "vault_kv_secret", "vault_generic_secret"]) expect(count(json, t)).toBe(0);

    // Two audit devices by default: a file on disk and a file device on stdout (no syslog socket needed), values HMAC'd.
    const audits = Object.values(resources(json, "vault_audit"));
    expect(audits.map((a) => [a.type, a.path, a.options.file_path]).sort((x, y) => x[1].localeCompare(y[1]))).toEqual([
      ["file", "file", "/vault/logs/audit.log"],
      ["file", "file-2", "stdout"],
    ]);
    for (const a of audits) expect(a.options.log_raw).toBe("false");

    // Kubernetes auth: short-lived client tokens review themselves; no stored reviewer JWT.
    const config = onlyResource(json, "vault_kubernetes_auth_backend_config");
    expect(config.kubernetes_host).toBe(`https://k8s.${env}.example.com:6443`);
    expect(config.token_reviewer_jwt).toBeUndefined();
    expect(config.disable_local_ca_jwt).toBe(true);
    // With disable_local_ca_jwt, Vault checks the API server against this CA only: the file the description names.
    expect(config.kubernetes_ca_cert).toBe(readFileSync(path.join(__dirname, "..", "config", "example-kubernetes-ca.pem"), "utf8"));
    const role = onlyResource(json, "vault_kubernetes_auth_backend_role", (r) => r.role_name === `${env}-myapp-api`);
    expect(role).toMatchObject({
      role_name: `${env}-myapp-api`,
      bound_service_account_names: ["myapp-api"],
      bound_service_account_namespaces: ["myapp"],
      // The login token also authenticates TokenReview, so the audience is the API server's.
      audience: "https://kubernetes.default.svc",
      token_ttl: 3600,
      token_max_ttl: 14400,
    });
    expect(role.token_policies).toEqual([expect.stringMatching(/^\$\{vault_policy\.[^.]+\.name\}$/)]);

    // myapp/database rotates with alternating users: on Vault that is a dynamic role on the environment's connection,
    // whose admin password is the ephemeral variable's; dbadmin (placed on aws and azure) has nothing here.
    expect(onlyResource(json, "vault_database_secret_backend_role")).toMatchObject({ name: `${env}-myapp`, db_name: expect.stringMatching(/^\$\{vault_database_secret_backend_connection\./) });
    expect(onlyResource(json, "vault_database_secret_backend_connection").allowed_roles).toEqual([`${env}-myapp`]);
    expect(count(json, "vault_database_secret_backend_static_role")).toBe(0);
    expect(JSON.stringify(json)).not.toContain("dbadmin");
    expect(Object.keys(json.variable ?? {})).toEqual(["vault_database_password"]);
    expect(count(json, "vault_auth_backend")).toBe(1);

    // myapp/jwt (RS256, every 7 days) is a transit key that never leaves Vault and rotates itself.
    expect(onlyResource(json, "vault_mount", (m) => m.type === "transit").path).toBe("transit");
    expect(onlyResource(json, "vault_transit_secret_backend_key")).toMatchObject({
      name: `${env}-myapp--jwt`,
      type: "rsa-2048",
      auto_rotate_period: 7 * 86_400,
      exportable: false,
      allow_plaintext_backup: false,
      deletion_allowed: false,
    });
    expect(json.output?.kv_secret_paths?.value).toEqual([`${env}/myapp/openai`]);
    expect(json.output?.transit_signing_keys?.value).toEqual([`${env}-myapp--jwt`]);

    expect(json.output?.kv_mount?.value).toBe("secret");
    expect(json.output?.kubernetes_roles?.value).toEqual([`${env}-myapp-api`, `${env}-myapp-worker`, `${env}-myapp-web`]);
  });

  test("nothing synthesized carries a token, a password or another secret-looking value", () => {
    const text = JSON.stringify(example) + JSON.stringify(second);
    expect(text).not.toContain("hvs.");
    expect(text).not.toContain(CANARY);
    expect(text).not.toMatch(/"(token|password|token_reviewer_jwt|data_json|secret_id)"\s*:/);
  });
});

describe("the second description's Vault stacks", () => {
  const qa = () => second["vault-qa"];
  const live = () => second["vault-live"];

  test("match their snapshots", () => {
    expect(second).toMatchSnapshot();
  });

  test("provider takes the namespace from the description; audit devices use a root-namespace provider; KV mount and versions are configurable", () => {
    expect(qa().provider?.vault).toEqual([
      { address: "https://vault.qa.example.com:8200", namespace: "platform" },
      { alias: "root", address: "https://vault.qa.example.com:8200", set_namespace_from_token: false },
    ]);
    for (const a of Object.values(resources(qa(), "vault_audit"))) expect(a.provider).toBe("vault.root");
    for (const p of Object.values(resources(qa(), "vault_policy"))) expect(p.provider).toBeUndefined();
    expect(live().provider?.vault).toHaveLength(1);
    expect(onlyResource(qa(), "vault_mount", (m) => m.type === "kv").path).toBe("apps");
    expect(onlyResource(qa(), "vault_kv_secret_backend_v2")).toMatchObject({ max_versions: 5, cas_required: true });
  });

  test("every Kubernetes role is bound to exactly one service account and one namespace, never a wildcard, with an audience", () => {
    const roles = [qa(), live(), ...Object.values(example)].flatMap((j) => Object.values(resources(j, "vault_kubernetes_auth_backend_role")));
    expect(roles.length).toBe(13);
    for (const r of roles) {
      expect(r.bound_service_account_names).toHaveLength(1);
      expect(r.bound_service_account_namespaces).toHaveLength(1);
      expect(JSON.stringify([r.bound_service_account_names, r.bound_service_account_namespaces])).not.toContain("*");
      expect(r.bound_service_account_namespace_selector).toBeUndefined();
      expect(typeof r.audience).toBe("string");
      expect(r.audience.length).toBeGreaterThan(0);
      expect(r.token_max_ttl).toBeGreaterThanOrEqual(r.token_ttl);
      expect(r.token_max_ttl).toBeLessThanOrEqual(86_400);
    }
    const byName = Object.fromEntries(Object.values(resources(qa(), "vault_kubernetes_auth_backend_role")).map((r) => [r.role_name, r]));
    expect(byName["qa-orders-api"]).toMatchObject({
      bound_service_account_names: ["orders-api"],
      bound_service_account_namespaces: ["orders"],
      audience: "vault-qa",
      token_ttl: 900,
      token_max_ttl: 3600,
    });
    expect(byName["qa-billing-core-worker"]).toMatchObject({ bound_service_account_names: ["billing-worker"], bound_service_account_namespaces: ["billing"] });
    expect(Object.keys(byName).sort()).toEqual(["qa-billing-core-worker", "qa-orders-api"]);
  });

  test("Kubernetes auth path and CA certificate come from the description", () => {
    expect(onlyResource(qa(), "vault_auth_backend", (b) => b.type === "kubernetes").path).toBe("k8s-qa");
    expect(onlyResource(qa(), "vault_kubernetes_auth_backend_config").kubernetes_ca_cert).toContain("BEGIN CERTIFICATE");
  });

  test("AppRole roles: the workload's policy, bounded secret id and token TTLs, bound CIDRs when given", () => {
    expect(onlyResource(qa(), "vault_auth_backend", (b) => b.type === "approle").path).toBe("approle-qa");
    expect(onlyResource(live(), "vault_auth_backend", (b) => b.type === "approle").path).toBe("approle");
    const roles: Record<string, any> = Object.fromEntries(Object.values(resources(qa(), "vault_approle_auth_backend_role")).map((r) => [r.role_name, r]));
    expect(Object.keys(roles).sort()).toEqual(["qa-orders-batch", "qa-reports-exporter"]);
    expect(roles["qa-orders-batch"]).toMatchObject({
      bind_secret_id: true,
      secret_id_ttl: 3600,
      secret_id_num_uses: 1,
      token_ttl: 600,
      token_max_ttl: 1200,
      secret_id_bound_cidrs: ["10.20.0.0/16"],
      token_bound_cidrs: ["10.20.0.0/16"],
    });
    // Defaults: a secret id logs in once and lives 10 minutes.
    expect(roles["qa-reports-exporter"]).toMatchObject({ secret_id_ttl: 600, secret_id_num_uses: 1, token_ttl: 3600, token_max_ttl: 14400 });
    expect(roles["qa-reports-exporter"].secret_id_bound_cidrs).toBeUndefined();
    // Each role gets the policy of its own workload.
    const policies = resources(qa(), "vault_policy");
    for (const r of Object.values(roles)) {
      const [ref] = r.token_policies;
      const id = /^\$\{vault_policy\.([^.]+)\.name\}$/.exec(ref)![1];
      expect(policies[id].name).toBe(r.role_name);
    }
  });

  test("audit devices follow the description: the count and the paths of repeated types", () => {
    const audits = Object.values(resources(qa(), "vault_audit"));
    expect(audits.map((a) => a.path).sort()).toEqual(["file", "file-2", "socket"]);
    expect(audits.find((a) => a.path === "socket").options).toMatchObject({ address: "audit.qa.example.com:9090", socket_type: "udp" });
    expect(audits.find((a) => a.path === "file-2").options.file_path).toBe("/var/log/vault/audit-2.log");
    expect(count(live(), "vault_audit")).toBe(2);
  });

  test("dynamic PostgreSQL: one engine, one connection whose password is write-only from an ephemeral variable", () => {
    const mount = onlyResource(qa(), "vault_mount", (m) => m.type === "database");
    expect(mount).toMatchObject({ path: "pg", default_lease_ttl_seconds: 1800, max_lease_ttl_seconds: 7200 });
    const conn = onlyResource(qa(), "vault_database_secret_backend_connection");
    expect(conn.postgresql.connection_url).toBe("postgresql://{{username}}:{{password}}@pg.qa.example.com:5432/orders?sslmode=require");
    expect(conn.postgresql.username).toBe("vault_admin");
    expect(conn.postgresql.password_wo).toBe("${var.vault_database_password}");
    expect(conn.postgresql.password).toBeUndefined();
    expect(conn.postgresql.password_wo_version).toBe(1);
    expect(onlyResource(live(), "vault_database_secret_backend_connection").postgresql.password_wo_version).toBe(3);
    const verified = onlyResource(live(), "vault_database_secret_backend_connection").postgresql;
    expect(verified.connection_url).toContain("sslmode=verify-full");
    // verify-full checks the server against tls_ca, the CA file the description names, not Vault's system trust store.
    expect(verified.tls_ca).toBe(readFileSync(EXAMPLE_CA_FILE, "utf8"));
    expect(conn.postgresql.tls_ca).toBeUndefined(); // sslmode require: nothing verified, no CA needed
    // allowed_roles covers the static role too: Vault refuses a role, dynamic or static, the connection does not list.
    expect(conn.allowed_roles.sort()).toEqual(["qa-billing-core", "qa-orders", "qa-reports--warehouse"]);

    const variable = qa().variable?.vault_database_password;
    expect(variable).toMatchObject({ ephemeral: true, sensitive: true, type: "string" });
    // The only place the variable is used is the write-only argument.
    const uses = JSON.stringify(qa()).match(/var\.vault_database_password/g) ?? [];
    expect(uses).toHaveLength(1);
  });

  test("a stack with the write-only password says it needs Terraform 1.11; one without keeps no such constraint", () => {
    expect(qa().terraform!.required_version).toBe(">= 1.11");
    expect(live().terraform!.required_version).toBe(">= 1.11");
    const noDatabase = synthYaml(SECOND_DESCRIPTION.replace(/ {6}db: \{ type: postgres, dynamic: true \}\n/, "").replace(/ {6}ledger_db: .*\n/, "").replace(/reads: \[db, /g, "reads: [").replace(/reads: \[ledger_db, /, "reads: [").replace(/ {6}warehouse: .*\n/, "      warehouse: { type: api-key }\n"), { backends: ["vault"] }).json;
    expect(noDatabase["vault-qa"].terraform!.required_version).toBeUndefined();
  });

  test("single-user postgres on Vault: a static role rotates the existing user on the secret's cadence; the reader gets static-creds only", () => {
    for (const [env, json, mount] of [["qa", qa(), "pg"], ["live", live(), "database"]] as const) {
      const role = onlyResource(json, "vault_database_secret_backend_static_role");
      expect(role).toMatchObject({ name: `${env}-reports--warehouse`, username: "reports_warehouse", rotation_period: 30 * 86_400, db_name: expect.stringMatching(/^\$\{vault_database_secret_backend_connection\./) });
      // Vault's default rotation statement (ALTER ROLE ... PASSWORD) is used; no statement the review cannot read.
      expect(role.rotation_statements).toBeUndefined();
      expect(role.username).not.toBe(onlyResource(json, "vault_database_secret_backend_connection").postgresql.username);
      expect(json.output?.static_credentials_paths?.value).toEqual([`${mount}/static-creds/${env}-reports--warehouse`]);
    }
  });

  test("a rotating jwt on Vault: an ecdsa-p256 transit key for ES256, rotated by Vault, never exported", () => {
    const key = onlyResource(qa(), "vault_transit_secret_backend_key");
    expect(key).toMatchObject({ name: "qa-orders--signing", type: "ecdsa-p256", auto_rotate_period: 7 * 86_400, exportable: false, allow_plaintext_backup: false, deletion_allowed: false });
    expect(key.key_size).toBeUndefined();
    expect(key.backend).toMatch(/^\$\{vault_mount\./);
  });

  test("a database role per application with a dynamic secret: VALID UNTIL, the app's group role, bounded TTLs", () => {
    const roles = Object.fromEntries(Object.values(resources(qa(), "vault_database_secret_backend_role")).map((r) => [r.name, r]));
    expect(Object.keys(roles).sort()).toEqual(["qa-billing-core", "qa-orders"]);
    const orders = roles["qa-orders"];
    expect(orders.creation_statements.join("\n")).toMatch(/CREATE ROLE "\{\{name\}\}" WITH LOGIN PASSWORD '\{\{password\}\}' VALID UNTIL '\{\{expiration\}\}'/);
    expect(orders.creation_statements).toContain('GRANT "orders_group" TO "{{name}}";');
    expect(roles["qa-billing-core"].creation_statements).toContain('GRANT "billing_core_group" TO "{{name}}";');
    // Nothing but a login that expires and joins the group: no superuser, no extra grants.
    expect(orders.creation_statements).toEqual([
      `CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' INHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE;`,
      'GRANT "orders_group" TO "{{name}}";',
    ]);
    expect(orders.revocation_statements).toEqual(['REVOKE "orders_group" FROM "{{name}}";', 'DROP ROLE IF EXISTS "{{name}}";']);
    expect(orders).toMatchObject({ default_ttl: 1800, max_ttl: 7200 });
    expect(Object.values(resources(live(), "vault_database_secret_backend_role")).map((r) => [r.name, r.default_ttl, r.max_ttl]).sort()).toEqual([
      ["live-billing-core", 3600, 86400],
      ["live-orders", 3600, 86400],
    ]);
  });

  test("the state backend is the one the vault block names", () => {
    expect(live().terraform?.backend?.s3).toMatchObject({ bucket: "globex-tfstate", key: "secrets-platform/vault-live.tfstate", encrypt: true });
    expect(qa().terraform?.backend).toEqual({ local: { path: "../../../terraform.vault-qa.tfstate" } });
  });

  test("outputs name mounts, auth paths and roles, and are never sensitive values", () => {
    expect(qa().output).toMatchObject({
      kv_mount: { value: "apps" },
      kubernetes_auth_path: { value: "k8s-qa" },
      approle_auth_path: { value: "approle-qa" },
      approle_roles: { value: ["qa-orders-batch", "qa-reports-exporter"] },
      database_mount: { value: "pg" },
      database_credentials_paths: { value: ["pg/creds/qa-orders", "pg/creds/qa-billing-core"] },
      static_credentials_paths: { value: ["pg/static-creds/qa-reports--warehouse"] },
      transit_mount: { value: "transit" },
      transit_signing_keys: { value: ["qa-orders--signing"] },
    });
    // Dynamic secrets, static roles and transit keys have no stored value to put.
    expect(qa().output?.kv_secret_paths?.value).toEqual(["qa/orders/stripe", "qa/billing-core/token", "qa/reports/unused", "qa/archive/key"]);
    for (const o of Object.values(qa().output ?? {})) expect(JSON.stringify(o.value)).not.toContain("${");
  });
});
