// Stack groups on Vault and Azure (issue 12): vault-<env> and azure-<env> keep what is one per environment (mounts,
// auth methods, database connection; the Key Vault and its network, audit and lock), vault-<env>-<group> and
// azure-<env>-<group> hold the group's applications, so that no stack of any backend exceeds stacks.maxResources.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parsePlatform } from "../config/load";
import { runReview } from "../review/run";
import { generatedDescription } from "../scripts/bench";
import { stackNames } from "../stacks/platform";
import { EXAMPLE_CA_FILE, exampleDescription, toYaml } from "./helpers/descriptions";
import { resources, StackJson, synthPlatform } from "./helpers/synth";
import { synthApp } from "./helpers/kubernetes";
import { parse } from "@cdktf/hcl2json";
import { parse as parseYaml } from "yaml";
import { pipelineWorkflow } from "../scripts/pipeline-workflow";

const tmp = mkdtempSync(path.join(os.tmpdir(), "stack-groups-va-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The example's dev environment (AWS, Vault, Azure, Kubernetes, pipeline) with a database engine and three
 * applications: a in the first group; b (a Kubernetes and an AppRole workload) and c in group team-b. a and b have a
 * dynamic PostgreSQL secret.
 */
function grouped(groups: Record<string, string | undefined> = { a: undefined, b: "team-b", c: "team-b" }, env = "dev"): any {
  const d = exampleDescription();
  d.environments = { [env]: d.environments[env] };
  d.environments[env].vault.database = { host: `pg.${env}.example.com`, dbname: "apps", username: "vault_admin", tlsCaFile: EXAMPLE_CA_FILE };
  d.applications = {};
  for (const [app, group] of Object.entries(groups)) {
    const dynamic = app !== "c";
    d.applications[app] = {
      ...(group ? { stackGroup: group } : {}),
      secrets: { jwt: { type: "jwt", algorithm: "HS256", rotation: { everyDays: 7 } }, ...(dynamic ? { db: { type: "postgres", dynamic: true } } : {}) },
      workloads: {
        api: { kubernetes: { namespace: app, serviceAccount: `${app}-api` }, reads: dynamic ? ["jwt", "db"] : ["jwt"] },
        ...(app === "b" ? { batch: { approle: {}, reads: ["jwt"] } } : {}),
      },
    };
  }
  return d;
}

/** `<type>.<name attribute>` of every resource of a stack, sorted: what the stack holds. */
function holdings(json: StackJson): string[] {
  const literal = (v: unknown) => (typeof v === "string" && !v.includes("${") ? v : undefined);
  const nameOf = (r: any): string => literal(r.name) ?? literal(r.role_name) ?? literal(r.path) ?? literal(r.backend) ?? literal(r.mount) ?? "(computed)";
  return Object.entries(json.resource ?? {})
    .flatMap(([type, byName]) => Object.values<any>(byName).map((r) => `${type} ${nameOf(r)}`))
    .sort();
}

describe("Vault and Azure stacks per group", () => {
  const platform = parsePlatform(toYaml(grouped()), "test");
  // The whole app, as `npm run synth` writes it: cross-stack references become remote state and outputs.
  const { json, manifest } = synthApp(platform);
  const dependenciesOf = (stack: string): string[] => manifest.stacks[stack].dependencies;

  it("names them like AWS: <backend>-<env> first, <backend>-<env>-<group> right after", () => {
    expect(stackNames(platform).map((r) => r.name)).toEqual([
      "aws-dev",
      "aws-dev-team-b",
      "vault-dev",
      "vault-dev-team-b",
      "azure-dev",
      "azure-dev-team-b",
      "kubernetes-dev",
      "kubernetes-dev-team-b",
      "bootstrap-dev",
    ]);
  });

  it("keeps Vault's mounts, auth methods and connection in vault-<env>, with the first group's policies and roles", () => {
    // No AppRole role here (b's batch is in team-b), but the AppRole method, which serves every group.
    expect(holdings(json["vault-dev"])).toEqual([
      "vault_audit file",
      "vault_audit file-2",
      "vault_auth_backend approle",
      "vault_auth_backend kubernetes",
      "vault_database_secret_backend_connection postgres",
      "vault_database_secret_backend_role dev-a",
      "vault_kubernetes_auth_backend_config (computed)",
      "vault_kubernetes_auth_backend_role dev-a-api",
      "vault_kv_secret_backend_v2 (computed)",
      "vault_mount database",
      "vault_mount secret",
      // One transit mount per environment, for every group's jwt keys.
      "vault_mount transit",
      "vault_policy dev-a-api",
      "vault_transit_secret_backend_key dev-a--jwt",
    ]);
    // The connection allows every group's role by name: Vault refuses credentials for a role it does not list.
    const [connection] = Object.values<any>(resources(json["vault-dev"], "vault_database_secret_backend_connection"));
    expect(connection.allowed_roles).toEqual(["dev-a", "dev-b"]);
  });

  it("puts the group's policies and roles in vault-<env>-<group>, naming the environment's mounts by path", () => {
    const group = json["vault-dev-team-b"];
    expect(holdings(group)).toEqual([
      "vault_approle_auth_backend_role dev-b-batch",
      "vault_database_secret_backend_role dev-b",
      "vault_kubernetes_auth_backend_role dev-b-api",
      "vault_kubernetes_auth_backend_role dev-c-api",
      "vault_policy dev-b-api",
      "vault_policy dev-b-batch",
      "vault_policy dev-c-api",
      "vault_transit_secret_backend_key dev-b--jwt",
      "vault_transit_secret_backend_key dev-c--jwt",
    ]);
    // Plain strings known from the description, not references to vault-dev: no remote state is read.
    expect(Object.values<any>(resources(group, "vault_kubernetes_auth_backend_role")).map((r) => r.backend)).toEqual(["kubernetes", "kubernetes"]);
    expect(Object.values<any>(resources(group, "vault_approle_auth_backend_role")).map((r) => r.backend)).toEqual(["approle"]);
    expect(Object.values<any>(resources(group, "vault_database_secret_backend_role")).map((r) => [r.backend, r.db_name])).toEqual([["database", "postgres"]]);
    expect(group.data?.terraform_remote_state).toBeUndefined();
    // Its roles need the auth config and the connection: vault-dev deploys first.
    expect(dependenciesOf("vault-dev-team-b")).toEqual(["vault-dev"]);
  });

  it("grants each group workload exactly its reads, on the environment's mounts", async () => {
    const policies: Record<string, any> = {};
    for (const p of Object.values<any>(resources(json["vault-dev-team-b"], "vault_policy"))) policies[p.name] = await parse(`${p.name}.hcl`, p.policy);
    const paths = (name: string) => Object.keys(policies[name].path).sort();
    // The HS256 jwt is a transit hmac key on Vault: HMAC and verify with it, read its versions; nothing in KV.
    const hmac = (app: string) => [
      `transit/hmac/dev-${app}--jwt`,
      `transit/hmac/dev-${app}--jwt/sha2-256`,
      `transit/keys/dev-${app}--jwt`,
      `transit/verify/dev-${app}--jwt`,
      `transit/verify/dev-${app}--jwt/sha2-256`,
    ];
    expect(paths("dev-b-api")).toEqual(["database/creds/dev-b", ...hmac("b")]);
    expect(paths("dev-b-batch")).toEqual(hmac("b"));
    expect(paths("dev-c-api")).toEqual(hmac("c"));
    for (const p of Object.values<any>(policies)) {
      for (const [path, [rule]] of Object.entries<any>(p.path)) expect(rule.capabilities).toEqual(/\/(hmac|verify)\//.test(path) ? ["update"] : ["read"]);
    }
  });

  it("keeps the Key Vault, its network, diagnostics and the deployer's role in azure-<env>", () => {
    const first = holdings(json["azure-dev"]);
    for (const type of ["azurerm_key_vault ", "azurerm_private_endpoint ", "azurerm_monitor_diagnostic_setting ", "azurerm_resource_group "]) {
      expect(first.some((h) => h.startsWith(type))).toBe(true);
    }
    const group = holdings(json["azure-dev-team-b"]);
    for (const type of ["azurerm_key_vault ", "azurerm_private_endpoint", "azurerm_monitor_diagnostic_setting", "azurerm_resource_group", "azurerm_management_lock"]) {
      expect(group.filter((h) => h.startsWith(type))).toEqual([]);
    }
    // a's secrets only in azure-dev; b's and c's only in the group's stack.
    const secrets = (stack: string) => Object.values<any>(resources(json[stack], "azurerm_key_vault_secret")).map((s) => s.name).sort();
    expect(secrets("azure-dev")).toEqual(["a--db", "a--jwt", "a--jwt--rotation"]);
    expect(secrets("azure-dev-team-b")).toEqual(["b--db", "b--jwt", "b--jwt--rotation", "c--jwt", "c--jwt--rotation"]);
  });

  it("puts the group's secrets, identities, federated credentials and role assignments in azure-<env>-<group>", () => {
    const group = json["azure-dev-team-b"];
    const count = (type: string) => Object.keys(resources(group, type)).length;
    expect({
      secrets: count("azurerm_key_vault_secret"),
      identities: count("azurerm_user_assigned_identity"),
      federated: count("azurerm_federated_identity_credential"),
      assignments: count("azurerm_role_assignment"),
      total: holdings(group).length,
      // Besides the workloads' 2 identities and 3 reads: the group's rotation function (its identity, Secrets Officer on
      // b--jwt and c--jwt and on their pending companions, 3 storage roles, its telemetry role, the topic's dead-letter
      // role) and its 18 other resources, the code deployment step and the step removing the provider's keyless host
      // storage setting included.
    }).toEqual({ secrets: 5, identities: 3, federated: 2, assignments: 12, total: 34 });
    // Each workload identity reads exactly the secrets it lists: b-api b--jwt and b--db, c-api c--jwt.
    const identities = resources(group, "azurerm_user_assigned_identity");
    const idOf = (name: string) => Object.entries<any>(identities).find(([, r]) => r.name.endsWith(name))![0];
    const assignments = Object.values<any>(resources(group, "azurerm_role_assignment")).filter((a) => a.principal_id.includes("azurerm_user_assigned_identity") && !a.principal_id.includes("rotation_identity"));
    const readsOf = (identity: string) =>
      assignments
        .filter((a) => a.principal_id.includes(`azurerm_user_assigned_identity.${identity}.`))
        .map((a) => Object.keys(resources(group, "azurerm_key_vault_secret")).find((k) => a.scope.includes(`azurerm_key_vault_secret.${k}.`)))
        .sort();
    expect(readsOf(idOf("b-api"))).toEqual([expect.stringMatching(/^key-vault_b--db/), expect.stringMatching(/^key-vault_b--jwt/)]);
    expect(readsOf(idOf("c-api"))).toEqual([expect.stringMatching(/^key-vault_c--jwt/)]);
    for (const a of assignments) expect(a.role_definition_name).toBe("Key Vault Secrets User");
  });

  it("refers to the Key Vault by a cross-stack reference, so azure-<env> deploys first", () => {
    const group = json["azure-dev-team-b"];
    const ids = Object.values<any>(resources(group, "azurerm_key_vault_secret")).map((s) => s.key_vault_id);
    expect(new Set(ids).size).toBe(1);
    const [, input, output] = /^\$\{data\.terraform_remote_state\.([^.]+)\.outputs\.([^}]+)\}$/.exec(ids[0])!;
    expect(input).toBe("cross-stack-reference-input-azure-dev");
    // azure-dev writes that output, and it is the vault's id.
    expect(json["azure-dev"].output![output].value).toMatch(/^\$\{azurerm_key_vault\.[^.]+\.id\}$/);
    const remote = Object.values<any>(group.data?.terraform_remote_state ?? {});
    expect(remote).toHaveLength(1);
    expect(JSON.stringify(remote[0])).toContain("azure-dev");
    expect(dependenciesOf("azure-dev-team-b")).toEqual(["azure-dev"]);
  });

  it("gives the Kubernetes stack the group's Azure client ids", () => {
    const k8s = JSON.stringify(json["kubernetes-dev-team-b"]);
    // A client id of a workload in azure-dev-team-b reaches kubernetes-dev-team-b through that stack's remote state.
    const sa = Object.values<any>(resources(json["kubernetes-dev-team-b"], "kubernetes_service_account_v1")).find((r) => r.metadata.name === "c-api");
    expect(sa.metadata.annotations["azure.workload.identity/client-id"]).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-azure-dev-team-b\.outputs\.[^}]+\}$/);
    expect(k8s).toContain("cross-stack-reference-input-azure-dev-team-b");
    // kubernetes-dev keeps the first group's service accounts and reads no group stack's state.
    expect(Object.values<any>(resources(json["kubernetes-dev"], "kubernetes_service_account_v1")).map((r) => r.metadata.name)).toEqual(["a-api"]);
    expect(JSON.stringify(json["kubernetes-dev"])).not.toContain("team-b");
  });

  it("has the pipeline plan and apply each group's stacks right after their first stack", () => {
    const jobs = parseYaml(pipelineWorkflow(platform)).jobs;
    const order = "aws-dev aws-dev-team-b vault-dev vault-dev-team-b azure-dev azure-dev-team-b";
    const applied = jobs["deploy-dev"].steps.filter((s: any) => s.name?.startsWith("Apply the reviewed plan of ")).map((s: any) => s.name.slice("Apply the reviewed plan of ".length));
    expect(applied.join(" ")).toBe(order);
    expect(jobs["plan-dev"].steps.filter((s: any) => s.name?.startsWith("Plan ")).map((s: any) => s.name.slice(5)).join(" ")).toBe(order);
  });

  it("lets the CI deployer manage the group stacks' Vault paths", () => {
    const bootstrap = JSON.stringify(json["bootstrap-dev"]);
    for (const p of ["sys/policies/acl/dev-b-api", "auth/kubernetes/role/dev-c-api", "auth/approle/role/dev-b-batch", "database/roles/dev-b"]) {
      expect(bootstrap).toContain(p);
    }
  });
});

describe("validation", () => {
  it("names the clashing stack by a backend the environment has", () => {
    const d = grouped({ a: undefined, b: "eu" });
    for (const b of ["aws", "azure", "kubernetes", "pipeline"]) delete d.environments.dev[b];
    d.environments["dev-eu"] = structuredClone(d.environments.dev);
    expect(() => parsePlatform(toYaml(d), "test")).toThrow(
      "applications.b.stackGroup: stack group eu of environment dev would build vault-dev-eu, the name of environment dev-eu's stack: choose another group name",
    );
  });

  // Found by test/names-at-edges-estates.test.ts: dev with group eu-a and dev-eu with group a both built vault-dev-eu-a,
  // and synthesis crashed ("There is already a Construct with name 'vault-dev-eu-a' in App").
  it("refuses two environments' groups that would build one stack", () => {
    const d = grouped({ a: "eu-a", b: "a" });
    for (const b of ["aws", "azure", "kubernetes", "pipeline"]) delete d.environments.dev[b];
    d.environments["dev-eu"] = structuredClone(d.environments.dev);
    d.environments["dev-eu"].vault.address = "https://vault-eu.example.com:8200";
    expect(() => parsePlatform(toYaml(d), "test")).toThrow(
      "applications.b.stackGroup: stack group a of environment dev-eu would build vault-dev-eu-a, the name of stack group eu-a's stack of environment dev: choose group names that do not meet across environments",
    );
    // Groups that meet only in environments with no backend in common build no common stack.
    delete d.environments["dev-eu"].vault;
    d.environments["dev-eu"].aws = { accountId: "111111111111", region: "us-east-1" };
    expect(() => parsePlatform(toYaml(d), "test")).not.toThrow(/choose group names/);
  });
});

describe("guardrails in production", () => {
  it("pass on every group stack, whose Vault stack leaves audit devices to vault-<env>", () => {
    const d = grouped({ a: undefined, b: "team-b" }, "prod");
    // An AppRole workload in production would need boundCidrs: Kubernetes only here.
    delete d.applications.b.workloads.batch;
    for (const app of ["a", "b"]) d.applications[app].secrets.db.rotation = { strategy: "single-user", everyDays: 30 };
    // The whole app, as `npm run synth`: an error annotation of a guardrail stops it.
    const { json } = synthApp(parsePlatform(toYaml(d), "test"));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(["vault-prod-team-b", "azure-prod-team-b"]));
    // vault-prod keeps its two audit devices (the defaults), which SP-VLT-006 checks there.
    expect(Object.keys(resources(json["vault-prod"], "vault_audit"))).toHaveLength(2);
  });
});

describe("rotation in a stack group", () => {
  const platform = parsePlatform(toYaml(grouped()), "test");
  const { json } = synthApp(platform);
  const first = json["azure-dev"];
  const group = json["azure-dev-team-b"];
  const only = (stack: StackJson, type: string) => {
    const all = Object.values<any>(resources(stack, type));
    expect(all).toHaveLength(1);
    return all[0];
  };

  it("keeps the vault's one Event Grid system topic in azure-<env>", () => {
    expect(only(first, "azurerm_eventgrid_system_topic").topic_type).toBe("Microsoft.KeyVault.vaults");
    expect(resources(group, "azurerm_eventgrid_system_topic")).toEqual({});
  });

  it("gives the group's stack its own function app, subscribed to that topic for the group's rotating secrets only", () => {
    expect(only(first, "azurerm_function_app_flex_consumption").name).toBe("acme-dev-rotation");
    expect(only(group, "azurerm_function_app_flex_consumption").name).toBe("acme-dev-team-b-rotation");
    expect(only(first, "azurerm_eventgrid_system_topic_event_subscription").advanced_filter.string_in[0].values).toEqual(["a--jwt"]);
    const subscription = only(group, "azurerm_eventgrid_system_topic_event_subscription");
    expect(subscription.advanced_filter.string_in[0].values).toEqual(["b--jwt", "c--jwt"]);
    // The topic's name and its identity (for dead letters) come from azure-dev through cross-stack references.
    expect(subscription.system_topic).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-azure-dev\.outputs\./);
    const deadLetter = Object.values<any>(resources(group, "azurerm_role_assignment")).find((a) => a.role_definition_name === "Storage Blob Data Contributor");
    expect(deadLetter.principal_id).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-azure-dev\.outputs\./);
    expect(JSON.parse(only(group, "azurerm_function_app_flex_consumption").app_settings.ROTATION_SECRETS)).toEqual({
      "b--jwt": { type: "jwt", everyDays: 7, algorithm: "HS256", expiryHours: 24 },
      "c--jwt": { type: "jwt", everyDays: 7, algorithm: "HS256", expiryHours: 24 },
    });
  });
});

describe("the limit", () => {
  it.each(["vault", "azure"])("refuses an oversized %s stack, saying how to split it", (backend) => {
    const d = grouped({ a: undefined, b: undefined, c: undefined });
    // vault-dev's own share with a alone: 12 resources, plus the transit mount and a's jwt key (issue 14).
    d.stacks = { maxResources: backend === "vault" ? 14 : 20 };
    // Other backends out of the way: only the one under test may exceed the limit.
    for (const other of ["aws", "vault", "azure", "kubernetes", "pipeline"]) if (other !== backend) delete d.environments.dev[other];
    // The limit's mechanism, without the rotation function each stack with rotating secrets adds.
    if (backend === "azure") delete d.environments.dev.azure.rotation;
    if (backend === "azure") for (const a of Object.values<any>(d.applications)) delete a.workloads.batch;
    const platform = parsePlatform(toYaml(d), "test");
    expect(() => synthPlatform(platform)).toThrow(
      new RegExp(
        `stack ${backend}-dev has \\d+ resources, more than stacks\\.maxResources \\(\\d+\\): move applications into a stack group of their own \\(applications\\.<app>\\.stackGroup: <name>, which builds ${backend}-dev-<name>\\)`,
      ),
    );
    d.applications.b.stackGroup = "team-b";
    d.applications.c.stackGroup = "team-c";
    expect(() => synthPlatform(parsePlatform(toYaml(d), "test"))).not.toThrow();
  });
});

describe("an application that changes group", () => {
  it("is reported as a move between the Vault stacks, the Azure stacks and the Kubernetes stacks", () => {
    const outdir = path.join(tmp, "review");
    const file = path.join(tmp, "platform.yaml");
    writeFileSync(file, toYaml(grouped({ a: undefined, b: undefined, c: undefined })));
    runReview({ environment: "dev", configFile: file, plan: false, outdir });
    writeFileSync(file, toYaml(grouped({ a: undefined, b: undefined, c: "team-c" })));
    const { review } = runReview({ environment: "dev", configFile: file, plan: false, outdir });
    const moves = Object.fromEntries((review.moves ?? []).map((m) => [`${m.from} -> ${m.to}`, m.addresses]));
    expect(Object.keys(moves).sort()).toEqual(["aws-dev -> aws-dev-team-c", "azure-dev -> azure-dev-team-c", "kubernetes-dev -> kubernetes-dev-team-c", "vault-dev -> vault-dev-team-c"]);
    // The workload's Kubernetes objects keep their addresses: a state move, not a delete and create. (dev reads from
    // AWS by default, so c-api logs in to no Vault and has no token-review binding to move.)
    expect(moves["kubernetes-dev -> kubernetes-dev-team-c"].map((a) => a.split(".")[0]).sort()).toEqual(["kubernetes_service_account_v1"]);
    expect(moves["vault-dev -> vault-dev-team-c"].map((a) => a.split(".")[0]).sort()).toEqual(["vault_kubernetes_auth_backend_role", "vault_policy", "vault_transit_secret_backend_key"]);
    // c's secret and its pending companion, its reader's and its rotation function's role assignments move; team-c's
    // function is new.
    expect(moves["azure-dev -> azure-dev-team-c"].map((a) => a.split(".")[0]).sort()).toEqual([
      "azurerm_federated_identity_credential",
      "azurerm_key_vault_secret",
      "azurerm_key_vault_secret",
      "azurerm_role_assignment",
      "azurerm_role_assignment",
      "azurerm_role_assignment",
      "azurerm_user_assigned_identity",
    ]);
    // Nothing of a or b, and nothing one per environment, moves.
    const all = Object.values(moves).flat();
    expect(all.some((a) => /\.(a|b)-|\.key-vault_(a|b)--/.test(a))).toBe(false);
    expect(all.some((a) => a.startsWith("vault_mount.") || a.startsWith("azurerm_key_vault."))).toBe(false);
  });
});

describe("at scale", () => {
  it("keeps every Vault and Azure stack at or under 500 resources with 100 applications in groups of 30", () => {
    const platform = parsePlatform(toYaml(generatedDescription(100, { groupSize: 30 })), "test");
    expect(platform.stacks.maxResources).toBe(500);
    // AWS groups are covered in stack-groups.test.ts; the 1,000-application run is in `npm run bench`.
    const { json } = synthPlatform(platform, { environments: ["prod"], backends: ["vault", "azure"] });
    const largest: Record<string, number> = {};
    for (const [name, stack] of Object.entries(json)) {
      const backend = name.split("-")[0];
      largest[backend] = Math.max(largest[backend] ?? 0, holdings(stack).length);
    }
    for (const b of ["vault", "azure"]) expect(largest[b]).toBeLessThanOrEqual(500);
    expect(Object.keys(json).filter((n) => n.startsWith("vault-prod"))).toEqual(["vault-prod", "vault-prod-g001", "vault-prod-g002", "vault-prod-g003"]);
  });
});
