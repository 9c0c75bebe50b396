// Several Vault database connections (issue 20): the example's dev environment with a second connection, reporting,
// serving a second application's dynamic and static roles. Each connection has its own mount, connection, password
// variable and allowed roles; the connection named default keeps main's Terraform addresses; every policy, the CI
// deployer's paths, the Vault Agent's paths and the review follow each secret's own connection; bad descriptions are
// refused with the field path and the fix.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { AnnotationMetadataEntryType } from "cdktf";
import { parsePlatform } from "../config/load";
import { synthesizedStack } from "../constructs/guardrails/synthesized";
import { readVaultPolicy } from "../constructs/guardrails/vault-policy";
import { managedVaultPaths } from "../constructs/vault/managed-paths";
import { exampleDescription, EXAMPLE_CA_FILE, issuesOf, toYaml } from "./helpers/descriptions";
import { resources, StackJson, synthPlatform } from "./helpers/synth";
import { rotationTable } from "../scripts/review/rotation";
import { renderMarkdown } from "../scripts/review/markdown";
import { buildReview } from "../scripts/review/build";

const reporting = () => ({ host: "pg-reporting.dev.example.com", port: 6432, dbname: "warehouse", username: "vault_reporting", tlsCaFile: EXAMPLE_CA_FILE });

/**
 * The example with each environment's connection as databases.default plus databases.reporting, and an application on
 * it (a secret's vaultDatabase must exist in every environment its application is placed on Vault).
 */
function twoConnections(): any {
  const d = exampleDescription();
  for (const e of Object.values<any>(d.environments)) {
    e.vault.databases = { default: e.vault.database, reporting: reporting() };
    delete e.vault.database;
  }
  d.applications.myapp.secrets.database.vaultDatabase = "default";
  d.applications.reports = {
    backends: ["vault"],
    secrets: {
      warehouse: { type: "postgres", dynamic: true, vaultDatabase: "reporting" },
      // A dashed name: its static role <env>-<app>--<secret> is what SP-VLT-001 refused before.
      "ledger-key": { type: "postgres", vaultDatabase: "reporting", rotation: { strategy: "single-user", everyDays: 30 } },
    },
    workloads: {
      exporter: { kubernetes: { namespace: "reports", serviceAccount: "reports-exporter", delivery: "vault-agent" }, reads: ["warehouse", "ledger-key"] },
    },
  };
  return d;
}

let json: Record<string, StackJson>;
let stacks: ReturnType<typeof synthPlatform>["stacks"];
beforeAll(() => {
  const synth = synthPlatform(parsePlatform(toYaml(twoConnections()), "test"), { environments: ["dev"] });
  json = synth.json;
  stacks = synth.stacks;
});

const vaultDev = () => json["vault-dev"];
/** The connection's postgresql block (a list or a single block in the synthesized JSON). */
const pg = (c: any) => [c.postgresql].flat()[0];
const byName = (type: string, name: string) => Object.values<any>(resources(vaultDev(), type)).find((r) => r.name === name || r.path === name);

/** The resource addresses (type.name) of a stack in a jest snapshot file: its "resource" block's keys. */
function snapshotAddresses(file: string, test: string): string[] {
  const text = readFileSync(file, "utf8");
  const start = text.indexOf(`exports[\`${test}`);
  const body = text.slice(start, text.indexOf("\n`;", start));
  const resource = body.slice(body.indexOf('\n  "resource": {'));
  const out: string[] = [];
  let type = "";
  for (const line of resource.split("\n").slice(2)) {
    if (/^  \S/.test(line)) break;
    const t = /^    "([^"]+)": \{/.exec(line);
    if (t) type = t[1];
    const n = /^      "([^"]+)": \{/.exec(line);
    if (n) out.push(`${type}.${n[1]}`);
  }
  return out;
}

describe("two connections in vault-dev", () => {
  it("keeps every Terraform address of main's vault-dev snapshot: the default connection is not replaced", () => {
    const before = snapshotAddresses(path.join(__dirname, "__snapshots__", "vault-stack.test.ts.snap"), "the example's Vault stacks vault-dev");
    // The default connection's mount, connection and role are among them.
    expect(before.filter((a) => /^vault_(mount\.database_|database_secret_backend_(connection|role)\.database_postgres_)/.test(a))).toHaveLength(3);
    const after = Object.entries(vaultDev().resource ?? {}).flatMap(([type, r]) => Object.keys(r).map((n) => `${type}.${n}`));
    expect(after).toEqual(expect.arrayContaining(before));
    // The default's admin password variable keeps its name, so TF_VAR_vault_database_password still feeds it.
    expect(Object.keys(vaultDev().variable ?? {})).toEqual(expect.arrayContaining(["vault_database_password", "vault_database_password_reporting"]));
  });

  it("gives each connection its own mount, connection URL and admin password variable", () => {
    expect(byName("vault_mount", "database").type).toBe("database");
    expect(byName("vault_mount", "database-reporting").type).toBe("database");
    const connections = Object.values<any>(resources(vaultDev(), "vault_database_secret_backend_connection"));
    expect(connections.map((c) => [c.backend, pg(c).connection_url]).sort()).toEqual([
      [expect.stringMatching(/^\$\{vault_mount\.database--reporting_mount_[0-9A-F]+\.path\}$/), "postgresql://{{username}}:{{password}}@pg-reporting.dev.example.com:6432/warehouse?sslmode=verify-full"],
      [expect.stringMatching(/^\$\{vault_mount\.database_mount_[0-9A-F]+\.path\}$/), "postgresql://{{username}}:{{password}}@pg.dev.example.com:5432/myapp?sslmode=verify-full"],
    ]);
    const reporting = connections.find((c) => pg(c).username === "vault_reporting");
    // Write-only from an ephemeral variable (provider-vault 15.6.1 password_wo): its own variable, never a literal.
    expect(pg(reporting).password_wo).toBe("${var.vault_database_password_reporting}");
    expect(vaultDev().variable!.vault_database_password_reporting).toMatchObject({ ephemeral: true, sensitive: true });
  });

  it("lets each connection allow only its own roles (allowed_roles governs dynamic and static roles)", () => {
    const connections = Object.values<any>(resources(vaultDev(), "vault_database_secret_backend_connection"));
    const allowed = Object.fromEntries(connections.map((c) => [pg(c).username, c.allowed_roles]));
    expect(allowed).toEqual({ vault_admin: ["dev-myapp"], vault_reporting: ["dev-reports", "dev-reports--ledger-key"] });
    // Each role is bound to the connection of its own mount.
    const role = byName("vault_database_secret_backend_role", "dev-reports");
    expect(role).toMatchObject({ db_name: expect.stringMatching(/database--reporting_postgres_connection/), backend: expect.stringMatching(/database--reporting_postgres_connection/) });
    expect(byName("vault_database_secret_backend_static_role", "dev-reports--ledger-key")).toMatchObject({ username: "reports_ledger_key", backend: expect.stringMatching(/database--reporting_postgres_connection/) });
    expect(byName("vault_database_secret_backend_role", "dev-myapp").backend).toMatch(/\.database_postgres_connection_/);
  });

  it("grants each workload the credentials of its own secret's role on its own connection's mount, and nothing of the other", () => {
    const policy = (name: string) => {
      const read = readVaultPolicy(byName("vault_policy", name).policy);
      if ("error" in read) throw new Error(read.error);
      return read.rules.map((r) => r.path).filter((p) => p.includes("creds/"));
    };
    expect(policy("dev-reports-exporter").sort()).toEqual(["database-reporting/creds/dev-reports", "database-reporting/static-creds/dev-reports--ledger-key"]);
    expect(policy("dev-myapp-api")).toEqual(["database/creds/dev-myapp"]);
  });

  it("passes every guardrail, the dashed static role's policy included (SP-VLT-001)", () => {
    const errors = stacks["vault-dev"].node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.ERROR).map((m) => String(m.data)));
    expect(errors).toEqual([]);
  });

  it("derives the CI deployer's Vault paths for the new connection's resources, and nothing more", () => {
    const example = synthPlatform(parsePlatform(toYaml(exampleDescription()), "example"), { environments: ["dev"], backends: ["vault"] });
    const paths = (s: StackJson, stack: any) => managedVaultPaths(synthesizedStack(stack)).map((r) => `${r.path} ${r.capabilities.join(",")}`);
    const before = new Set(paths(example.json["vault-dev"], example.stacks["vault-dev"]));
    const added = paths(vaultDev(), stacks["vault-dev"]).filter((p) => !before.has(p));
    expect(added.sort()).toEqual([
      "auth/kubernetes/role/dev-reports-exporter create,read,update,delete",
      "database-reporting/config/postgres create,read,update,delete",
      "database-reporting/roles/dev-reports create,read,update,delete",
      "database-reporting/static-roles/dev-reports--ledger-key create,read,update,delete",
      "sys/mounts/database-reporting create,read,update,delete",
      "sys/mounts/database-reporting/tune read,update",
      "sys/policies/acl/dev-reports-exporter create,read,update,delete",
    ]);
    // bootstrap-dev's deployer policy is these paths (test/bootstrap-stack.test.ts checks the equality on the example).
    const deployer = Object.values<any>(resources(json["bootstrap-dev"], "vault_policy")).find((p) => p.name === "dev_ci_deployer");
    const read = readVaultPolicy(deployer.policy);
    if ("error" in read) throw new Error(read.error);
    expect(read.rules.map((r) => r.path)).toEqual(expect.arrayContaining(["sys/mounts/database-reporting", "database-reporting/roles/dev-reports", "database-reporting/static-roles/dev-reports--ledger-key"]));
  });

  it("points the Vault Agent at the secret's own connection's mount", () => {
    const manifests = JSON.stringify(json["kubernetes-dev"]);
    expect(manifests).toContain("database-reporting/creds/dev-reports");
    expect(manifests).toContain("database-reporting/static-creds/dev-reports--ledger-key");
  });

  it("names each role's connection, host and database in the review's rotation table", () => {
    const rows = rotationTable([{ name: "vault-dev", backend: "vault", json: vaultDev() as any }]);
    const row = (secret: string) => rows.find((r) => r.secret === secret)!;
    expect(row("database-reporting/creds/dev-reports").connection).toBe("postgres (pg-reporting.dev.example.com:6432/warehouse)");
    expect(row("database-reporting/static-creds/dev-reports--ledger-key").connection).toBe("postgres (pg-reporting.dev.example.com:6432/warehouse)");
    expect(row("database/creds/dev-myapp")).toMatchObject({ connection: "postgres (pg.dev.example.com:5432/myapp)", function: "Vault database engine, connection postgres (pg.dev.example.com:5432/myapp)" });
    // The review's table shows it.
    const markdown = renderMarkdown(buildReview({ environment: "dev", production: false, stacks: [{ name: "vault-dev", backend: "vault", json: vaultDev() as any }], guardrails: [] }));
    expect(markdown).toContain("| lease 1h, at most 1d | postgres (pg-reporting.dev.example.com:6432/warehouse) | ok |");
  });
});

describe("a stack group's roles on a second connection", () => {
  it("sit under the connection's construct path and are allowed by vault-<env>'s connection", () => {
    const d = twoConnections();
    d.applications.reports.stackGroup = "team-r";
    const { json: j } = synthPlatform(parsePlatform(toYaml(d), "test"), { environments: ["dev"], backends: ["vault"] });
    const group = j["vault-dev-team-r"];
    expect(Object.keys(resources(group, "vault_database_secret_backend_role"))).toEqual([expect.stringMatching(/^database--reporting_postgres_role-reports_role_/)]);
    expect(Object.values<any>(resources(group, "vault_database_secret_backend_role"))[0]).toMatchObject({ backend: "database-reporting", db_name: "postgres" });
    const reporting = Object.values<any>(resources(j["vault-dev"], "vault_database_secret_backend_connection")).find((c) => pg(c).username === "vault_reporting");
    expect(reporting.allowed_roles).toEqual(["dev-reports", "dev-reports--ledger-key"]);
  });
});

describe("descriptions refused with the field path and the fix", () => {
  it.each<[string, (d: any) => void, string, RegExp]>([
    [
      "a vaultDatabase no environment has",
      (d) => (d.applications.reports.secrets.warehouse.vaultDatabase = "analytics"),
      "applications.reports.secrets.warehouse.vaultDatabase",
      /names the Vault database connection analytics, which environment dev does not have \(it has default, reporting\); name one of them, or add analytics to environments\.dev\.vault\.databases/,
    ],
    [
      "no vaultDatabase where an environment has two",
      (d) => delete d.applications.reports.secrets.warehouse.vaultDatabase,
      "applications.reports.secrets.warehouse.vaultDatabase",
      /is required: environment dev has several Vault database connections \(default, reporting\) and reports\/warehouse gets a dynamic role on one of them; name it/,
    ],
    [
      "a static role without vaultDatabase among two",
      (d) => delete d.applications.reports.secrets["ledger-key"].vaultDatabase,
      "applications.reports.secrets.ledger-key.vaultDatabase",
      /is required: environment dev has several Vault database connections \(default, reporting\) and reports\/ledger-key gets a static role on one of them/,
    ],
    [
      "a connection that exists in dev but not in staging, where the application is on Vault too",
      (d) => delete d.environments.staging.vault.databases.reporting,
      "applications.reports.secrets.warehouse.vaultDatabase",
      /names the Vault database connection reporting, which environment staging does not have \(it has default\)/,
    ],
    [
      "database and databases together",
      (d) => (d.environments.dev.vault.database = reporting()),
      "environments.dev.vault.databases",
      /is given together with database: give one connection as database .* or every connection under databases/,
    ],
    [
      "two connections on one mount",
      (d) => (d.environments.dev.vault.databases.reporting.mount = "database"),
      "environments.dev.vault.databases.reporting.mount",
      /is the same path as environments\.dev\.vault\.databases\.default\.mount \(database\); each connection has its own database secrets engine mount/,
    ],
    [
      "a connection without its CA",
      (d) => delete d.environments.dev.vault.databases.reporting.tlsCaFile,
      "environments.dev.vault.databases.reporting.tlsCaFile",
      /is required with sslmode verify-full \(the default\)/,
    ],
    [
      "a connection name the schema refuses",
      (d) => (d.environments.dev.vault.databases.Reporting_2 = reporting()),
      "environments.dev.vault.databases.Reporting_2",
      /name "Reporting_2" is invalid: use lowercase letters, digits and single dashes/,
    ],
  ])("%s", (_what, change, at, message) => {
    const d = twoConnections();
    change(d);
    const issues = issuesOf(d);
    expect(issues).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${at.replace(/\./g, "\\.")}: ${message.source}`))]));
  });

  it("a static role's PostgreSQL user longer than PostgreSQL's 63 characters (it failed synth with a stack trace before)", () => {
    const d = twoConnections();
    const app = "a".repeat(40);
    d.applications[app] = { backends: ["vault"], secrets: { ["s".repeat(30)]: { type: "postgres", vaultDatabase: "reporting", rotation: { strategy: "single-user", everyDays: 30 } } } };
    expect(issuesOf(d)).toEqual([
      `applications.${app}.secrets.${"s".repeat(30)}: its Vault static role rotates the PostgreSQL user "${app}_${"s".repeat(30)}" (<app>_<secret>), 71 characters; PostgreSQL names are at most 63: shorten the application or secret name`,
    ]);
  });

  it("two secrets whose static roles would rotate one PostgreSQL user on one connection", () => {
    const d = twoConnections();
    const single = { type: "postgres", vaultDatabase: "reporting", rotation: { strategy: "single-user", everyDays: 30 } };
    d.applications["x-y"] = { backends: ["vault"], secrets: { z: single } };
    d.applications.x = { backends: ["vault"], secrets: { "y-z": { ...single } } };
    expect(issuesOf(d)).toEqual(
      ["dev", "staging", "prod"].map((env) => `applications.x.secrets.y-z: its Vault static role rotates the PostgreSQL user "x_y_z" on connection reporting in environment ${env}, as does applications.x-y.secrets.z's: each role would change the other's password; rename one of the secrets`),
    );
    // On two connections they are two users of two databases: accepted.
    d.applications.x.secrets["y-z"].vaultDatabase = "default";
    expect(issuesOf(d)).toEqual([]);
  });

  it("accepts vaultDatabase naming the only connection, and leaves it out there", () => {
    const d = exampleDescription();
    expect(issuesOf(d)).toEqual([]);
    d.applications.myapp.secrets.database.vaultDatabase = "default";
    expect(issuesOf(d)).toEqual([]);
  });
});
