// A Key Vault's alerts on what policy cannot prevent (issue 22, docs/alerts.md): refused secret reads and secret or
// vault changes by others than the deployer and the rotation function, from the vault's audit logs in Log Analytics;
// role assignments written or deleted at the vault or below, from the Activity Log.
import { MonitorActivityLogAlert } from "@cdktf/provider-azurerm/lib/monitor-activity-log-alert";
import { MonitorScheduledQueryRulesAlertV2 } from "@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2";
import { Construct } from "constructs";

export interface KeyVaultAlertsProps {
  readonly keyVaultId: string;
  readonly keyVaultName: string;
  /** The workspace the vault's AuditEvent logs go to (its diagnostic setting, constructs/azure/diagnostics.ts). */
  readonly logAnalyticsWorkspaceId: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Names of the four alerts. */
  readonly names: { readonly refusedReads: string; readonly secretChanges: string; readonly roleAssignmentWrites: string; readonly roleAssignmentDeletes: string };
  /** Object ids whose secret and vault changes are the normal course: the deployer, the rotation function. */
  readonly expectedWriters: readonly string[];
  /** @default - the alerts fire without notifying anyone (guardrail SP-ALR-002 flags it in production) */
  readonly actionGroupId?: string;
  readonly tags?: Record<string, string>;
}

/** Data-plane operations that change a secret (Key Vault logging's operation names). */
export const SECRET_CHANGE_OPERATIONS = ["SecretSet", "SecretUpdate", "SecretDelete", "SecretPurge", "SecretRecover", "SecretRestore"];
/** Vault operations that can change who reaches it (network rules, the RBAC switch) or remove it. */
export const VAULT_CHANGE_OPERATIONS = ["VaultPut", "VaultPatch", "VaultDelete"];

/**
 * The vault's AuditEvent records. The diagnostic setting names no log_analytics_destination_type, so Key Vault's
 * logs land in the AzureDiagnostics table (https://learn.microsoft.com/en-us/azure/azure-monitor/reference/supported-logs/microsoft-keyvault-vaults-logs;
 * azurerm_monitor_diagnostic_setting: "Dedicated" would choose the resource-specific AZKVAuditLogs instead).
 * The caller's object id is the oid claim, or the long objectidentifier claim in older records
 * (https://learn.microsoft.com/en-us/azure/key-vault/general/logging); column_ifexists keeps the query valid in a
 * workspace that has not seen one of the two columns yet.
 */
function auditEvents(keyVaultId: string): string {
  return [
    "AzureDiagnostics",
    `| where ResourceProvider == "MICROSOFT.KEYVAULT" and Category == "AuditEvent" and _ResourceId =~ "${keyVaultId}"`,
    '| extend CallerObjectId = coalesce(tostring(column_ifexists("identity_claim_oid_g", "")), tostring(column_ifexists("identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g", "")))',
  ].join("\n");
}

const kql = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");

/** SecretGet refused (403: RBAC, or the firewall): someone tried to read a secret they may not. */
export function refusedReadsQuery(keyVaultId: string): string {
  return [
    auditEvents(keyVaultId),
    '| where OperationName == "SecretGet" and httpStatusCode_d == 403',
    "| project TimeGenerated, OperationName, ResultSignature, CallerObjectId, CallerIPAddress, requestUri_s",
  ].join("\n");
}

/** Secret and vault changes by anyone but the expected writers, successful or refused. */
export function secretChangesQuery(keyVaultId: string, expectedWriters: readonly string[]): string {
  return [
    auditEvents(keyVaultId),
    `| where OperationName in (${kql([...SECRET_CHANGE_OPERATIONS, ...VAULT_CHANGE_OPERATIONS])})`,
    `| where CallerObjectId !in~ (${kql(expectedWriters)})`,
    "| project TimeGenerated, OperationName, httpStatusCode_d, CallerObjectId, CallerIPAddress, requestUri_s",
  ].join("\n");
}

/** Role assignment operations in the Activity Log (Microsoft.Authorization resource provider operations). */
export const ROLE_ASSIGNMENT_OPERATIONS = { write: "Microsoft.Authorization/roleAssignments/write", delete: "Microsoft.Authorization/roleAssignments/delete" } as const;

export class KeyVaultAlerts extends Construct {
  readonly refusedReads: MonitorScheduledQueryRulesAlertV2;
  readonly secretChanges: MonitorScheduledQueryRulesAlertV2;
  readonly roleAssignmentWrites: MonitorActivityLogAlert;
  readonly roleAssignmentDeletes: MonitorActivityLogAlert;

  constructor(scope: Construct, id: string, props: KeyVaultAlertsProps) {
    super(scope, id);
    if (props.expectedWriters.length === 0) throw new Error(`${this.node.path}: name the deployer's object id at least; every deploy would alert otherwise`);
    const action = props.actionGroupId ? { actionGroups: [props.actionGroupId] } : undefined;
    const query = (name: string, description: string, severity: number, q: string) =>
      new MonitorScheduledQueryRulesAlertV2(this, name, {
        name,
        description,
        location: props.location,
        resourceGroupName: props.resourceGroupName,
        scopes: [props.logAnalyticsWorkspaceId],
        severity,
        // Every 5 minutes over the last 15: Key Vault logs reach the workspace within about 10 minutes
        // (https://learn.microsoft.com/en-us/azure/key-vault/general/logging), so a late record is still seen, at the
        // cost of a record being reported by up to three evaluations.
        evaluationFrequency: "PT5M",
        windowDuration: "PT15M",
        criteria: [{ query: q, timeAggregationMethod: "Count", operator: "GreaterThan", threshold: 0, failingPeriods: { minimumFailingPeriodsToTriggerAlert: 1, numberOfEvaluationPeriods: 1 } }],
        action,
        autoMitigationEnabled: false,
        tags: props.tags,
      });
    this.refusedReads = query(
      props.names.refusedReads,
      `A secret read in ${props.keyVaultName} was refused (403): someone tried to read a secret they may not. The rows name the caller's object id and IP.`,
      2,
      refusedReadsQuery(props.keyVaultId),
    );
    this.secretChanges = query(
      props.names.secretChanges,
      `A secret or the vault ${props.keyVaultName} was changed, deleted or restored by someone other than the pipeline's deployer or the rotation function.`,
      1,
      secretChangesQuery(props.keyVaultId, props.expectedWriters),
    );
    // Scopes are prefixes of the events' resource ids (Activity Log Alerts REST API, properties.scopes), so the vault's
    // id also covers role assignments on its secrets (<vault>/secrets/<name>/providers/Microsoft.Authorization/...).
    const activity = (name: string, operationName: string, verb: string) =>
      new MonitorActivityLogAlert(this, name, {
        name,
        description: `A role assignment at ${props.keyVaultName} or one of its secrets was ${verb}: access changed. A deploy that changes who reads what raises it too.`,
        location: "global",
        resourceGroupName: props.resourceGroupName,
        scopes: [props.keyVaultId],
        criteria: { category: "Administrative", operationName },
        action: props.actionGroupId ? [{ actionGroupId: props.actionGroupId }] : undefined,
        tags: props.tags,
      });
    this.roleAssignmentWrites = activity(props.names.roleAssignmentWrites, ROLE_ASSIGNMENT_OPERATIONS.write, "written");
    this.roleAssignmentDeletes = activity(props.names.roleAssignmentDeletes, ROLE_ASSIGNMENT_OPERATIONS.delete, "deleted");
  }
}
