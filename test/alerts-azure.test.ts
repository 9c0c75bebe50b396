// The Azure alerts (issue 22): azure-<env> watches its vault's audit logs and the Activity Log, in production by
// default, and sends them to the alerts' action group (else the rotation's).
import { parsePlatform } from "../config/load";
import { refusedReadsQuery, secretChangesQuery, SECRET_CHANGE_OPERATIONS, VAULT_CHANGE_OPERATIONS } from "../constructs/azure/key-vault-alerts";
import { exampleDescription, issuesOf, toYaml } from "./helpers/descriptions";
import { resources, synthExample, synthPlatform, type StackJson } from "./helpers/synth";

const queryAlerts = (s: StackJson) => Object.values<any>(resources(s, "azurerm_monitor_scheduled_query_rules_alert_v2")).filter((a) => a.name.includes("-alert-"));
const activityAlerts = (s: StackJson) => Object.values<any>(resources(s, "azurerm_monitor_activity_log_alert"));

describe("azure-prod's alerts", () => {
  const stack = synthExample(["azure"]).json["azure-prod"];
  const vaultRef = (attr: string) => {
    const [id] = Object.keys(resources(stack, "azurerm_key_vault"));
    return `\${azurerm_key_vault.${id}.${attr}}`;
  };
  const prodAzure = exampleDescription().environments.prod.azure;

  it("query the vault's AuditEvent records in the AzureDiagnostics table the diagnostic setting fills", () => {
    // No destination type on the setting: Key Vault's logs go to AzureDiagnostics, which the queries read.
    const setting = Object.values<any>(resources(stack, "azurerm_monitor_diagnostic_setting"))[0];
    expect(setting.log_analytics_destination_type).toBeUndefined();
    const alerts = queryAlerts(stack);
    expect(alerts.map((a) => a.name).sort()).toEqual(["acme-prod-alert-refused-reads", "acme-prod-alert-secret-changes"]);
    for (const a of alerts) {
      expect(a.scopes).toEqual([prodAzure.logAnalyticsWorkspaceId]);
      expect(a.scopes).toEqual([setting.log_analytics_workspace_id]);
      const q: string = a.criteria[0].query;
      expect(q.startsWith("AzureDiagnostics\n")).toBe(true);
      expect(q).toContain(`Category == "AuditEvent" and _ResourceId =~ "${vaultRef("id")}"`);
      expect(a.criteria[0]).toMatchObject({ operator: "GreaterThan", threshold: 0, time_aggregation_method: "Count" });
      expect(a.action).toEqual({ action_groups: [prodAzure.rotation.actionGroupId] });
    }
  });

  it("alert on SecretGet refused with 403, whoever asked", () => {
    const q: string = queryAlerts(stack).find((a) => a.name.endsWith("refused-reads")).criteria[0].query;
    expect(q).toContain('| where OperationName == "SecretGet" and httpStatusCode_d == 403');
    expect(q).not.toContain("!in~");
  });

  it("alert on secret and vault changes by anyone but the deployer and the rotation function", () => {
    const q: string = queryAlerts(stack).find((a) => a.name.endsWith("secret-changes")).criteria[0].query;
    for (const op of [...SECRET_CHANGE_OPERATIONS, ...VAULT_CHANGE_OPERATIONS]) expect(q).toContain(`"${op}"`);
    expect(q).not.toContain('"SecretGet"');
    const excluded = /CallerObjectId !in~ \((.*)\)/.exec(q)![1];
    // The example names no deployerObjectId: the credentials Terraform runs with, and the rotation function's identity.
    const [clientConfig] = Object.keys(stack.data!.azurerm_client_config);
    const [identity] = Object.keys(resources(stack, "azurerm_user_assigned_identity")).filter((k) => k.startsWith("rotation"));
    expect(excluded).toBe(`"\${data.azurerm_client_config.${clientConfig}.object_id}", "\${azurerm_user_assigned_identity.${identity}.principal_id}"`);
  });

  it("alert on role assignments written or deleted at the vault or below (scopes are prefixes of the events' resource ids)", () => {
    const alerts = activityAlerts(stack);
    expect(alerts.map((a) => a.criteria.operation_name).sort()).toEqual(["Microsoft.Authorization/roleAssignments/delete", "Microsoft.Authorization/roleAssignments/write"]);
    for (const a of alerts) {
      expect(a.scopes).toEqual([vaultRef("id")]);
      expect(a.location).toBe("global");
      expect(a.criteria.category).toBe("Administrative");
      expect(a.action).toEqual([{ action_group_id: prodAzure.rotation.actionGroupId }]);
    }
  });
});

describe("where Azure alerts are built and where they go", () => {
  const synth = (change: (d: any) => void) => {
    const d = exampleDescription();
    change(d);
    return synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["azure"] }).json;
  };
  const group = "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-monitoring-prod/providers/Microsoft.Insights/actionGroups/secops";

  it("in production by default, elsewhere with azure.alerts, nowhere with enabled: false", () => {
    const json = synth((d) => {
      d.environments.staging.azure.alerts = {};
      d.environments.prod.azure.alerts = { enabled: false };
    });
    expect(queryAlerts(json["azure-dev"])).toHaveLength(0);
    expect(queryAlerts(json["azure-staging"])).toHaveLength(2);
    expect(activityAlerts(json["azure-staging"])).toHaveLength(2);
    expect(queryAlerts(json["azure-prod"])).toHaveLength(0);
    expect(activityAlerts(json["azure-prod"])).toHaveLength(0);
  });

  it("to azure.alerts.actionGroupId, which the rotation failure alert joins", () => {
    const json = synth((d) => (d.environments.prod.azure.alerts = { actionGroupId: group }));
    for (const a of queryAlerts(json["azure-prod"])) expect(a.action).toEqual({ action_groups: [group] });
    for (const a of activityAlerts(json["azure-prod"])) expect(a.action).toEqual([{ action_group_id: group }]);
    const rotationAlert = Object.values<any>(resources(json["azure-prod"], "azurerm_monitor_scheduled_query_rules_alert_v2")).find((a) => a.name.endsWith("rotation-failed"));
    expect(rotationAlert.action).toEqual({ action_groups: [group] });
  });

  it("exclude a pinned deployer object id from the change alert", () => {
    const oid = "11111111-2222-3333-4444-555555555555";
    const json = synth((d) => (d.environments.prod.azure.deployerObjectId = oid));
    const q: string = queryAlerts(json["azure-prod"]).find((a) => a.name.endsWith("secret-changes")).criteria[0].query;
    expect(q).toMatch(new RegExp(`CallerObjectId !in~ \\("${oid}", `));
  });

  it("refuse a malformed action group id with the field path", () => {
    const d = exampleDescription();
    d.environments.prod.azure.alerts = { actionGroupId: "secops" };
    expect(issuesOf(d)).toEqual([expect.stringMatching(/^environments\.prod\.azure\.alerts\.actionGroupId: must be an action group resource id/)]);
  });
});

describe("the queries", () => {
  it("take the caller's object id from either claim column, and stay valid where one was never seen", () => {
    for (const q of [refusedReadsQuery("/x"), secretChangesQuery("/x", ["a"])]) {
      expect(q).toContain('column_ifexists("identity_claim_oid_g", "")');
      expect(q).toContain('column_ifexists("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "")');
    }
  });
});
