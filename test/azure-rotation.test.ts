// Rotation on Azure (issue 14 items 3 and 4, infrastructure side), checked on the synthesized JSON of the example and
// of variants: the function app and its network, identity, storage and telemetry; exactly which secrets it may write;
// the Event Grid topic and subscription; first values created after the subscription; the alert.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { keyVaultSecretName } from "../config/naming";
import { AZURE_PENDING_FOR_TAG, AZURE_PENDING_SUFFIX, pendingSecretName } from "../config/azure-rotation";
import { KEY_VAULT_ROTATION_EVENTS, MAX_FILTER_VALUES, SecretEventsSubscription } from "../constructs/azure/key-vault-events";
import { UNSET_SECRET_VALUE } from "../constructs/azure/key-vault-secret";
import { Testing, TerraformStack } from "cdktf";
import { exampleDescription, toYaml } from "./helpers/descriptions";
import { onlyResource, resources, StackJson, synthExample, synthYaml } from "./helpers/synth";
import { freshStack, synthAnnotations } from "./guardrails-helpers";

const platform = loadPlatform(DEFAULT_CONFIG);
const { json } = synthExample(["azure"]);
const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;
const nameOf = (stack: StackJson, type: string, where: (r: any) => boolean = () => true): string => {
  const found = Object.entries(resources(stack, type)).filter(([, r]) => where(r));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0][0];
};
const ROTATED = ["dbadmin--master", "myapp--database", "myapp--jwt"];

describe.each(["dev", "staging", "prod"])("azure-%s", (env) => {
  const azure = platform.environments[env].azure!;
  const stack = json[`azure-${env}`];
  const appName = nameOf(stack, "azurerm_function_app_flex_consumption");
  const app = resources(stack, "azurerm_function_app_flex_consumption")[appName];
  const identityName = nameOf(stack, "azurerm_user_assigned_identity", (i) => i.name === `acme-${env}-rotation`);
  const principal = ref("azurerm_user_assigned_identity", identityName, "principal_id");
  const vaultName = nameOf(stack, "azurerm_key_vault");
  const secretTf = (name: string) => nameOf(stack, "azurerm_key_vault_secret", (s) => s.name === name);
  const rolesOfFunction = () => Object.values(resources(stack, "azurerm_role_assignment")).filter((r) => r.principal_id === principal);
  const storageName = nameOf(stack, "azurerm_storage_account");
  const storage = resources(stack, "azurerm_storage_account")[storageName];
  const containers = resources(stack, "azurerm_storage_container");
  const containerNamed = (n: string) => nameOf(stack, "azurerm_storage_container", (c) => c.name === n);
  const subscriptionName = nameOf(stack, "azurerm_eventgrid_system_topic_event_subscription");
  const subscription = resources(stack, "azurerm_eventgrid_system_topic_event_subscription")[subscriptionName];

  describe("the function app", () => {
    test("runs Node 22 on the Flex Consumption plan", () => {
      expect(app.runtime_name).toBe("node");
      expect(app.runtime_version).toBe("22");
      expect(onlyResource(stack, "azurerm_service_plan")).toMatchObject({ sku_name: "FC1", os_type: "Linux" });
      expect(app.service_plan_id).toBe(ref("azurerm_service_plan", nameOf(stack, "azurerm_service_plan"), "id"));
      expect(app.name).toBe(`acme-${env}-rotation`);
    });
    test("is integrated into azure.rotation.subnetId", () => {
      expect(app.virtual_network_subnet_id).toBe(azure.rotation!.subnetId);
    });
    test("takes HTTPS only, TLS 1.2 at least, no basic publishing credentials, and inbound from Event Grid only", () => {
      expect(app.https_only).toBe(true);
      expect(app.site_config.minimum_tls_version).toBe("1.2");
      expect(app.site_config.scm_minimum_tls_version).toBe("1.2");
      expect(app.webdeploy_publish_basic_authentication_enabled).toBe(false);
      expect(app.site_config.ip_restriction_default_action).toBe("Deny");
      expect(app.site_config.ip_restriction).toEqual([{ name: "event-grid", service_tag: "AzureEventGrid", action: "Allow", priority: 100 }]);
    });
    test("runs as its own user-assigned identity only, which also reads its package", () => {
      expect(app.identity).toEqual({ type: "UserAssigned", identity_ids: [ref("azurerm_user_assigned_identity", identityName, "id")] });
      expect(app.storage_authentication_type).toBe("UserAssignedIdentity");
      expect(app.storage_user_assigned_identity_id).toBe(ref("azurerm_user_assigned_identity", identityName, "id"));
      expect(app.storage_access_key).toBeUndefined();
      expect(app.storage_container_type).toBe("blobContainer");
      expect(app.storage_container_endpoint).toBe(`${ref("azurerm_storage_account", storageName, "primary_blob_endpoint")}${ref("azurerm_storage_container", containerNamed("deployment-package"), "name")}`);
    });
    test("ROTATION_SECRETS lists exactly the rotating secrets, how they rotate, and no value", () => {
      expect(JSON.parse(app.app_settings.ROTATION_SECRETS)).toEqual({
        "dbadmin--master": { type: "postgres", strategy: "single-user", everyDays: 30 },
        "myapp--database": { type: "postgres", strategy: "alternating-users", everyDays: 30, masterSecret: "dbadmin--master" },
        "myapp--jwt": { type: "jwt", everyDays: 7, algorithm: "RS256", expiryHours: 24 },
      });
    });
    test("KEY_VAULT_URL, AZURE_CLIENT_ID and the host's storage and telemetry all use the vault and the identity, no key", () => {
      const client = ref("azurerm_user_assigned_identity", identityName, "client_id");
      expect(app.app_settings).toMatchObject({
        KEY_VAULT_URL: ref("azurerm_key_vault", vaultName, "vault_uri"),
        AZURE_CLIENT_ID: client,
        AzureWebJobsStorage__accountName: ref("azurerm_storage_account", storageName, "name"),
        AzureWebJobsStorage__credential: "managedidentity",
        AzureWebJobsStorage__clientId: client,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${client};Authorization=AAD`,
      });
      expect(app.app_settings.AzureWebJobsStorage).toBeUndefined();
    });
  });

  describe("the function's identity", () => {
    test("holds Key Vault Secrets Officer on exactly the secrets it rotates and their pending companions, each scoped to that secret", () => {
      const officer = rolesOfFunction().filter((r) => r.role_definition_name === "Key Vault Secrets Officer");
      const expected = ROTATED.flatMap((n) => [n, pendingSecretName(n)]).map((n) => ref("azurerm_key_vault_secret", secretTf(n), "resource_versionless_id"));
      expect(officer.map((r) => r.scope).sort()).toEqual(expected.sort());
    });
    test("each rotated secret has a companion <name>--rotation for its pending value, with the marker, that only the function may touch", () => {
      for (const n of ROTATED) {
        const companion = resources(stack, "azurerm_key_vault_secret")[secretTf(pendingSecretName(n))];
        expect(companion.value_wo).toBe(UNSET_SECRET_VALUE);
        expect(companion.tags[AZURE_PENDING_FOR_TAG]).toBe(n);
        // The function writes its versions with their own tags: Terraform must not put its tags back.
        expect(companion.lifecycle.ignore_changes).toEqual(expect.arrayContaining(["tags"]));
        const scope = ref("azurerm_key_vault_secret", secretTf(pendingSecretName(n)), "resource_versionless_id");
        const holders = Object.values(resources(stack, "azurerm_role_assignment")).filter((r) => r.scope === scope);
        expect(holders.map((r) => [r.principal_id, r.role_definition_name])).toEqual([[principal, "Key Vault Secrets Officer"]]);
      }
      // The subscription delivers events of the rotated secrets, never of a companion (the function refuses them).
      expect(JSON.stringify(subscription)).not.toContain(AZURE_PENDING_SUFFIX);
    });
    test("has no role on the api key, the vault, the resource group or the storage account", () => {
      const scopes = rolesOfFunction().map((r) => r.scope);
      expect(scopes).not.toContain(ref("azurerm_key_vault_secret", secretTf("myapp--openai"), "resource_versionless_id"));
      expect(scopes).not.toContain(ref("azurerm_key_vault", vaultName, "id"));
      expect(scopes.filter((s) => !/^\$\{azurerm_(key_vault_secret|storage_container|application_insights)\./.test(s))).toEqual([]);
    });
    test("holds Secrets User on no secret here: the master it reads (dbadmin--master) it also rotates, and Officer includes reading", () => {
      expect(rolesOfFunction().filter((r) => r.role_definition_name === "Key Vault Secrets User")).toEqual([]);
    });
    test("holds Storage Blob Data Owner on its deployment and host containers only, and publishes telemetry to its own Application Insights", () => {
      const storageRoles = rolesOfFunction().filter((r) => r.role_definition_name.startsWith("Storage"));
      expect(storageRoles.map((r) => [r.role_definition_name, r.scope]).sort()).toEqual(
        ["azure-webjobs-hosts", "azure-webjobs-secrets", "deployment-package"].map((c) => ["Storage Blob Data Owner", ref("azurerm_storage_container", containerNamed(c), "resource_manager_id")]).sort(),
      );
      const telemetry = rolesOfFunction().filter((r) => r.role_definition_name === "Monitoring Metrics Publisher");
      expect(telemetry.map((r) => r.scope)).toEqual([ref("azurerm_application_insights", nameOf(stack, "azurerm_application_insights"), "id")]);
    });
  });

  describe("storage and telemetry", () => {
    test("the storage account takes Entra ID only: shared keys off, OAuth by default, no public blobs, TLS 1.2", () => {
      expect(storage).toMatchObject({
        shared_access_key_enabled: false,
        default_to_oauth_authentication: true,
        allow_nested_items_to_be_public: false,
        min_tls_version: "TLS1_2",
        https_traffic_only_enabled: true,
        local_user_enabled: false,
      });
    });
    test("every container is private", () => {
      expect(Object.values(containers).map((c) => [c.name, c.container_access_type]).sort()).toEqual(
        ["azure-webjobs-hosts", "azure-webjobs-secrets", "dead-letter", "deployment-package"].map((n) => [n, "private"]),
      );
    });
    test("Application Insights is workspace-based, to the environment's workspace, with local authentication off", () => {
      const insights = onlyResource(stack, "azurerm_application_insights");
      expect(insights.workspace_id).toBe(azure.logAnalyticsWorkspaceId);
      expect(insights.local_authentication_disabled).toBe(true);
      expect(app.site_config.application_insights_connection_string).toBe(ref("azurerm_application_insights", nameOf(stack, "azurerm_application_insights"), "connection_string"));
    });
  });

  describe("Event Grid", () => {
    test("the vault has one system topic of type Microsoft.KeyVault.vaults", () => {
      const topic = onlyResource(stack, "azurerm_eventgrid_system_topic");
      expect(topic.topic_type).toBe("Microsoft.KeyVault.vaults");
      expect(topic.source_resource_id).toBe(ref("azurerm_key_vault", vaultName, "id"));
      expect(subscription.system_topic).toBe(ref("azurerm_eventgrid_system_topic", nameOf(stack, "azurerm_eventgrid_system_topic"), "name"));
    });
    test("the subscription delivers near-expiry, expired and new-version events to the function's rotate", () => {
      expect(subscription.included_event_types).toEqual(["Microsoft.KeyVault.SecretNearExpiry", "Microsoft.KeyVault.SecretExpired", "Microsoft.KeyVault.SecretNewVersionCreated"]);
      expect(subscription.azure_function_endpoint.function_id).toBe(`${ref("azurerm_function_app_flex_consumption", appName, "id")}/functions/rotate`);
    });
    test("its subject filter lists exactly the rotating secrets, not the api key", () => {
      expect(subscription.advanced_filter).toEqual({ string_in: [{ key: "subject", values: ROTATED }] });
      expect(JSON.stringify(subscription)).not.toContain("openai");
    });
    test("retries for a day, then dead-letters to the function's storage with the topic's identity, which may write there only", () => {
      expect(subscription.retry_policy).toEqual({ max_delivery_attempts: 30, event_time_to_live: 1440 });
      expect(subscription.dead_letter_identity).toEqual({ type: "SystemAssigned" });
      expect(subscription.storage_blob_dead_letter_destination).toEqual({
        storage_account_id: ref("azurerm_storage_account", storageName, "id"),
        storage_blob_container_name: ref("azurerm_storage_container", containerNamed("dead-letter"), "name"),
      });
      const topicPrincipal = `\${azurerm_eventgrid_system_topic.${nameOf(stack, "azurerm_eventgrid_system_topic")}.identity[0].principal_id}`;
      const topicRoles = Object.entries(resources(stack, "azurerm_role_assignment")).filter(([, r]) => r.principal_id === topicPrincipal);
      expect(topicRoles.map(([, r]) => [r.role_definition_name, r.scope])).toEqual([["Storage Blob Data Contributor", ref("azurerm_storage_container", containerNamed("dead-letter"), "resource_manager_id")]]);
      expect(subscription.depends_on).toContain(`azurerm_role_assignment.${topicRoles[0][0]}`);
    });
  });

  describe("first values", () => {
    test("each rotating secret is created after the subscription, so its creation event reaches the function", () => {
      for (const name of ROTATED) expect(resources(stack, "azurerm_key_vault_secret")[secretTf(name)].depends_on).toContain(`azurerm_eventgrid_system_topic_event_subscription.${subscriptionName}`);
      expect(resources(stack, "azurerm_key_vault_secret")[secretTf("myapp--openai")].depends_on).not.toContain(`azurerm_eventgrid_system_topic_event_subscription.${subscriptionName}`);
    });
    test("the subscription is created after the function's code is deployed (Event Grid checks the function exists)", () => {
      const deployName = nameOf(stack, "terraform_data", (d) => d.triggers_replace?.package !== undefined);
      expect(resources(stack, "terraform_data")[deployName].triggers_replace.app).toBe(ref("azurerm_function_app_flex_consumption", appName, "id"));
      expect(subscription.depends_on).toContain(`terraform_data.${deployName}`);
    });
    test("no value passes through Terraform: the marker, never secret_values", () => {
      for (const name of ROTATED) {
        const s = resources(stack, "azurerm_key_vault_secret")[secretTf(name)];
        expect(s.value_wo).toBe(UNSET_SECRET_VALUE);
        expect(s.value).toBeUndefined();
        expect(JSON.stringify(s)).not.toContain("secret_values");
      }
    });
    test("expiration_date and tags belong to the function after creation", () => {
      for (const name of ROTATED) expect(resources(stack, "azurerm_key_vault_secret")[secretTf(name)].lifecycle).toEqual({ ignore_changes: ["expiration_date", "tags"] });
      expect(resources(stack, "azurerm_key_vault_secret")[secretTf("myapp--openai")].lifecycle).toEqual({ ignore_changes: ["expiration_date"] });
    });
  });

  test("an alert fires on a failed rotate or sweep invocation, to the action group where the description gives one", () => {
    // The rotation's alert; production also has the alerts of docs/alerts.md (test/alerts-azure.test.ts).
    const alert = onlyResource(stack, "azurerm_monitor_scheduled_query_rules_alert_v2", (a) => !a.name.includes("-alert-"));
    expect(alert.scopes).toEqual([ref("azurerm_application_insights", nameOf(stack, "azurerm_application_insights"), "id")]);
    expect(alert.criteria).toEqual([
      expect.objectContaining({ query: 'requests | where operation_Name in ("rotate", "sweep") and success == false', time_aggregation_method: "Count", operator: "GreaterThan", threshold: 0 }),
    ]);
    if (azure.rotation!.actionGroupId) expect(alert.action).toEqual({ action_groups: [azure.rotation!.actionGroupId] });
    else expect(alert.action).toBeUndefined();
  });
});

describe("variants", () => {
  test("a master the function only reads gets Key Vault Secrets User on that secret alone", () => {
    const d = exampleDescription();
    delete d.applications.dbadmin.secrets.master.rotation;
    d.environments = { dev: d.environments.dev }; // production requires rotation on AWS
    const stack = synthYaml(toYaml(d), { environments: ["dev"], backends: ["azure"] }).json["azure-dev"];
    const identity = nameOf(stack, "azurerm_user_assigned_identity", (i) => i.name === "acme-dev-rotation");
    const roles = Object.values(resources(stack, "azurerm_role_assignment")).filter((r) => r.principal_id === ref("azurerm_user_assigned_identity", identity, "principal_id"));
    const master = nameOf(stack, "azurerm_key_vault_secret", (s) => s.name === "dbadmin--master");
    expect(roles.filter((r) => r.role_definition_name.startsWith("Key Vault")).map((r) => [r.role_definition_name, r.scope.split(".")[1]]).sort()).toEqual([
      ...["myapp--database", "myapp--jwt"].flatMap((n) => [n, pendingSecretName(n)]).map((n) => ["Key Vault Secrets Officer", nameOf(stack, "azurerm_key_vault_secret", (s) => s.name === n)]),
      ["Key Vault Secrets User", master],
    ].sort());
    // The master does not rotate here: Terraform creates it like any other secret, its value from secret_values.
    expect(resources(stack, "azurerm_key_vault_secret")[master].value_wo).toContain("var.secret_values");
  });

  test("without azure.rotation outside production: a warning naming the secrets, no function, and today's secrets", () => {
    const d = exampleDescription();
    delete d.environments.dev.azure.rotation;
    const stack = freshStack("azure", "dev", toYaml(d));
    const warnings = synthAnnotations(stack).filter((a) => a.level === "warning").map((a) => a.message);
    expect(warnings).toContainEqual(expect.stringMatching(/keeps rotating secrets in Azure Key Vault \(dbadmin\/master, myapp\/database, myapp\/jwt\) but has no azure\.rotation.*never rotate.*azure\.rotation\.subnetId/));
    const out = JSON.parse(Testing.synth(stack as TerraformStack));
    expect(resources(out, "azurerm_function_app_flex_consumption")).toEqual({});
    expect(resources(out, "azurerm_eventgrid_system_topic")).toEqual({});
    for (const s of Object.values(resources(out, "azurerm_key_vault_secret"))) expect(s.value_wo).toContain("var.secret_values");
  });

  test("a token secret rotates too, with its length", () => {
    const d = exampleDescription();
    d.applications.myapp.secrets.webhook = { type: "token", length: 64, rotation: { everyDays: 14 } };
    d.environments = { dev: d.environments.dev }; // production refuses a rotating token on Vault, which has no rotation for it
    const stack = synthYaml(toYaml(d), { environments: ["dev"], backends: ["azure"] }).json["azure-dev"];
    const app = onlyResource(stack, "azurerm_function_app_flex_consumption");
    expect(JSON.parse(app.app_settings.ROTATION_SECRETS)["myapp--webhook"]).toEqual({ type: "token", everyDays: 14, length: 64 });
    expect(onlyResource(stack, "azurerm_eventgrid_system_topic_event_subscription").advanced_filter.string_in[0].values).toContain("myapp--webhook");
  });
});

describe("more secrets than one subscription's filter takes", () => {
  test(`splits into subscriptions of at most ${MAX_FILTER_VALUES} subjects, covering each secret once`, () => {
    const stack = new TerraformStack(Testing.app(), "split");
    const names = Array.from({ length: 60 }, (_, i) => keyVaultSecretName("app", `s${String(i).padStart(2, "0")}`));
    const events = new SecretEventsSubscription(stack, "events", { systemTopicName: "kv-events", resourceGroupName: "rg", name: "fn", functionId: "/fn/functions/rotate", secretNames: names });
    const subs = Object.values(resources(JSON.parse(Testing.synth(stack)), "azurerm_eventgrid_system_topic_event_subscription"));
    expect(events.subscriptions).toHaveLength(3);
    expect(subs.map((s) => s.name).sort()).toEqual(["fn-1", "fn-2", "fn-3"]);
    const subjects = subs.flatMap((s) => s.advanced_filter.string_in[0].values);
    for (const s of subs) expect(s.advanced_filter.string_in[0].values.length).toBeLessThanOrEqual(MAX_FILTER_VALUES);
    expect(subjects.sort()).toEqual([...names].sort());
    for (const s of subs) expect(s.included_event_types).toEqual([...KEY_VAULT_ROTATION_EVENTS]);
  });

  test("refuses no secret at all: an unfiltered subscription would deliver every secret's events", () => {
    const stack = new TerraformStack(Testing.app(), "none");
    expect(() => new SecretEventsSubscription(stack, "events", { systemTopicName: "t", resourceGroupName: "rg", name: "fn", functionId: "/fn", secretNames: [] })).toThrow(/name at least one secret/);
  });
});

describe("the package", () => {
  const saved = process.env.LAMBDA_BUNDLE_DIR;
  const dir = mkdtempSync(path.join(os.tmpdir(), "azure-package-"));
  afterAll(() => {
    if (saved === undefined) delete process.env.LAMBDA_BUNDLE_DIR;
    else process.env.LAMBDA_BUNDLE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  const synthDev = () => {
    process.env.LAMBDA_BUNDLE_DIR = dir;
    try {
      return synthYaml(toYaml(exampleDescription()), { environments: ["dev"], backends: ["azure"] });
    } finally {
      if (saved === undefined) delete process.env.LAMBDA_BUNDLE_DIR;
      else process.env.LAMBDA_BUNDLE_DIR = saved;
    }
  };

  test("not built: the apply stops at the deployment step, before the subscription, saying to build it", () => {
    const stack = synthDev().json["azure-dev"];
    const deployName = nameOf(stack, "terraform_data", (d) => d.triggers_replace?.package !== undefined);
    const deploy = resources(stack, "terraform_data")[deployName];
    expect(deploy.triggers_replace.package).toBe("not built");
    expect(deploy.provisioner[0]["local-exec"].command).toBe('echo "azure-rotation.zip was not built when this stack was synthesized: run npm run build, synthesize and apply again" >&2; exit 1');
    expect(onlyResource(stack, "azurerm_eventgrid_system_topic_event_subscription").depends_on).toContain(`terraform_data.${deployName}`);
  });

  test("present: deployed at apply by az once per content, after the app and before the subscription", () => {
    writeFileSync(path.join(dir, "azure-rotation.zip"), "a package");
    const stack = synthDev().json["azure-dev"];
    const deployName = nameOf(stack, "terraform_data", (d) => d.triggers_replace?.package !== undefined);
    const deploy = resources(stack, "terraform_data")[deployName];
    const appName = nameOf(stack, "azurerm_function_app_flex_consumption");
    expect(deploy.triggers_replace).toEqual({ package: expect.stringMatching(/^[0-9a-f]{64}$/), app: ref("azurerm_function_app_flex_consumption", appName, "id") });
    expect(deploy.provisioner[0]["local-exec"].command).toMatch(new RegExp(`^az functionapp deployment source config-zip --ids "\\$\\{azurerm_function_app_flex_consumption\\.${appName}\\.id\\}" --src "assets/.+/azure-rotation\\.zip"$`));
    const subscription = onlyResource(stack, "azurerm_eventgrid_system_topic_event_subscription");
    expect(subscription.depends_on).toContain(`terraform_data.${deployName}`);
    // A new package content replaces the step, so the next apply deploys it.
    writeFileSync(path.join(dir, "azure-rotation.zip"), "another package");
    const again = resources(synthDev().json["azure-dev"], "terraform_data")[deployName];
    expect(again.triggers_replace.package).not.toBe(deploy.triggers_replace.package);
  });
});
