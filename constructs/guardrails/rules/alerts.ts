// Guardrails for the alerts on what policy cannot prevent (issue 22, docs/alerts.md): a production stack that holds
// secrets must also tell someone when a read is refused or the rules change outside the pipeline.
import type { RulePack, StackRule, SynthesizedResource, SynthesizedStack, Violation } from "../rule";
import { asList, references } from "../synthesized";
import { KEY_CHANGE_EVENTS, ROLE_CHANGE_EVENTS, SECRET_CHANGE_EVENTS, SECRET_READ_EVENTS } from "../../aws/alert-patterns";
import { ROLE_ASSIGNMENT_OPERATIONS } from "../../azure/key-vault-alerts";

/** Every value a pattern lists under eventName, at any depth (inside $or too). */
function eventNames(pattern: unknown): string[] {
  if (Array.isArray(pattern)) return pattern.flatMap(eventNames);
  if (typeof pattern !== "object" || pattern === null) return [];
  return Object.entries(pattern).flatMap(([k, v]) => (k === "eventName" ? asList(v).filter((x): x is string => typeof x === "string") : eventNames(v)));
}

function parsePattern(rule: SynthesizedResource): unknown {
  try {
    return JSON.parse(String(rule.attributes.event_pattern ?? ""));
  } catch {
    return undefined;
  }
}

const targeted = (stack: SynthesizedStack, rule: SynthesizedResource) =>
  stack.ofType("aws_cloudwatch_event_target").some((t) => references(t.attributes.rule).some((r) => r.address === rule.address));

/** What each AWS alert must watch; a rule counts when its pattern lists every event and it has a target. */
const AWS_ALERTS: ReadonlyArray<{ readonly what: string; readonly events: readonly string[]; readonly state?: string; readonly mustName?: string }> = [
  { what: "refused secret reads", events: SECRET_READ_EVENTS, state: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" },
  { what: "secret policy, deletion, rotation and replication changes", events: SECRET_CHANGE_EVENTS },
  { what: "changes to the environment key", events: KEY_CHANGE_EVENTS, mustName: "aws_kms_key" },
  { what: "changes to the platform's IAM roles", events: ROLE_CHANGE_EVENTS },
];

export const awsProductionWithoutAlerts: StackRule = {
  id: "SP-ALR-001",
  name: "Production AWS secrets without alerts on refused reads and outside changes",
  reason: "Whoever may change a secret's policy, the key or a role can widen access, and a refused read is someone trying; without alerts nobody hears of either until the audit log is read.",
  fix: "Leave aws.alerts on in production (the default): EventBridge rules on the CloudTrail events of docs/alerts.md, each with a target (SecretAlerts builds them).",
  appliesTo: "stack",
  check(stack, { production }) {
    if (!production || stack.ofType("aws_secretsmanager_secret").length === 0) return [];
    const rules = stack.ofType("aws_cloudwatch_event_rule").filter((r) => targeted(stack, r));
    const out: Violation[] = [];
    for (const alert of AWS_ALERTS) {
      const found = rules.find((r) => {
        const names = eventNames(parsePattern(r));
        if (!alert.events.every((e) => names.includes(e))) return false;
        if (alert.state && r.attributes.state !== alert.state) return false;
        // The key alert must watch this stack's key (a reference to its ARN in the pattern).
        if (alert.mustName) return references(r.attributes.event_pattern).some((ref) => ref.type === alert.mustName);
        return true;
      });
      if (!found) {
        out.push(`no EventBridge rule with a target alerts on ${alert.what} (${alert.events.join(", ")}${alert.state ? `, with state ${alert.state}: read-only calls reach no other rule` : ""})`);
      }
    }
    return out;
  },
};

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

export const ALERT_RULES: RulePack = {
  name: "alerts",
  rules: [awsProductionWithoutAlerts, azureProductionWithoutAlerts],
};
