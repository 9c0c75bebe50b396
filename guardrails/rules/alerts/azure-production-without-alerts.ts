import type { StackRule, SynthesizedResource, Violation } from "../../rule";
import { asList, references } from "../../../readers/synthesized";
import { ROLE_ASSIGNMENT_OPERATIONS } from "../../../contracts/azure-roles";

function actionGroups(r: SynthesizedResource): string[] {
  if (r.type === "azurerm_monitor_activity_log_alert") return asList(r.attributes.action).map((a: any) => a?.action_group_id).filter(Boolean);
  return asList(r.attributes.action).flatMap((a: any) => asList(a?.action_groups));
}

export const azureProductionWithoutAlerts: StackRule = {
  id: "SP-ALR-002",
  name: "Production Key Vault without alerts on refused reads, outside changes and role assignments, or with alerts nobody receives",
  reason: "A refused read is someone trying, a secret written by someone other than the pipeline or the rotation function is a change nobody reviewed, and a role assignment at the vault changes who reads what; an alert without an action group tells no one.",
  fix: "Leave azure.alerts on in production (the default) and give azure.alerts.actionGroupId (or azure.rotation.actionGroupId): KeyVaultAlerts builds the scheduled query and Activity Log alerts.",
  appliesTo: "stack",
  check(stack, { production }) {
    if (!production) return [];
    const vaults = stack.ofType("azurerm_key_vault");
    if (vaults.length === 0) return [];
    const queries = stack.ofType("azurerm_monitor_scheduled_query_rules_alert_v2");
    const activity = stack.ofType("azurerm_monitor_activity_log_alert");
    const out: Violation[] = [];
    const query = (r: SynthesizedResource) => asList(r.attributes.criteria).map((c: any) => String(c?.query ?? "")).join("\n");
    const onVault = (r: SynthesizedResource) => references(query(r)).some((ref) => vaults.some((v) => ref.address === v.address));
    const readAlert = queries.find((r) => onVault(r) && /"SecretGet"/.test(query(r)) && /403/.test(query(r)));
    const changeAlert = queries.find((r) => onVault(r) && /"SecretSet"/.test(query(r)) && /"SecretDelete"/.test(query(r)));
    if (!readAlert) out.push("no scheduled query alert on the vault's SecretGet refused with 403");
    if (!changeAlert) out.push("no scheduled query alert on the vault's secret changes (SecretSet, SecretDelete, ...) by others than the deployer");
    const roleAlerts = Object.values(ROLE_ASSIGNMENT_OPERATIONS).map((op) => {
      const found = activity.find((r) => asList(r.attributes.criteria)[0]?.operation_name === op && asList(r.attributes.scopes).some((s) => references(s).some((ref) => vaults.some((v) => ref.address === v.address))));
      if (!found) out.push(`no Activity Log alert on ${op} scoped to the vault`);
      return found;
    });
    for (const r of [readAlert, changeAlert, ...roleAlerts]) {
      if (r && actionGroups(r).length === 0) out.push({ message: `${r.attributes.name} notifies no action group: set azure.alerts.actionGroupId` });
    }
    return out;
  },
};
