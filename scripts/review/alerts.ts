// The alerts table (issue 22, docs/alerts.md): what each alert of the environment watches and where it goes, read
// from the synthesized resources: EventBridge rules and their targets, CloudWatch alarms' actions, and Azure Monitor
// scheduled query and Activity Log alerts with their action groups. An alert that reaches no one is flagged.
import type { SynthesizedResource, SynthesizedStack } from "../../constructs/guardrails/rule";
import { asList, fromJson, references, wholeReference } from "../../constructs/guardrails/synthesized";
import type { AlertRow, ReviewedStack } from "./model";

export function alertsTable(stacks: readonly ReviewedStack[]): AlertRow[] {
  const rows: AlertRow[] = [];
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    if (s.backend === "aws") rows.push(...awsAlerts(view, s.name));
    if (s.backend === "azure") rows.push(...azureAlerts(view, s.name));
  }
  return rows;
}

/** A target or action as a reader knows it: the topic's name for a reference to a topic of the stack. */
function destination(view: SynthesizedStack, value: unknown): string {
  const ref = wholeReference(value);
  if (ref) {
    const r = view.referenced(value);
    if (r?.type === "aws_sns_topic") return `SNS topic ${String(r.attributes.name)} (this stack)`;
    return `${ref.type}.${ref.name}`;
  }
  const s = String(value);
  if (/^arn:[^:]+:events:[^:]+:\d+:event-bus\//.test(s)) return `event bus ${s} (forwarded, then to the topic there)`;
  if (/^arn:[^:]+:sns:/.test(s)) return `SNS topic ${s}`;
  return s;
}

function awsAlerts(view: SynthesizedStack, stack: string): AlertRow[] {
  const targets = view.ofType("aws_cloudwatch_event_target");
  const rows: AlertRow[] = view.ofType("aws_cloudwatch_event_rule").map((rule: SynthesizedResource) => {
    const to = targets.filter((t) => references(t.attributes.rule).some((r) => r.address === rule.address)).map((t) => destination(view, t.attributes.arn));
    const region = typeof rule.attributes.provider === "string" ? rule.attributes.provider.replace(/^aws\./, "") : "the environment's region";
    return {
      stack,
      alert: String(rule.attributes.name),
      watches: `${String(rule.attributes.description ?? "")} (EventBridge, ${region})`,
      destination: to.join(", ") || "-",
      ...(to.length === 0 ? { flag: "no target: nobody is told" } : {}),
    };
  });
  for (const alarm of view.ofType("aws_cloudwatch_metric_alarm")) {
    const to = asList(alarm.attributes.alarm_actions).map((a) => destination(view, a));
    rows.push({
      stack,
      alert: String(alarm.attributes.alarm_name),
      watches: "rotation function errors (CloudWatch alarm)",
      destination: to.join(", ") || "-",
      ...(to.length === 0 ? { flag: "no action: nobody is told" } : {}),
    });
  }
  return rows;
}

function azureAlerts(view: SynthesizedStack, stack: string): AlertRow[] {
  const rows: AlertRow[] = [];
  for (const a of view.ofType("azurerm_monitor_scheduled_query_rules_alert_v2")) {
    const to = asList(a.attributes.action).flatMap((x: any) => asList(x?.action_groups)).map(String);
    rows.push({ stack, alert: String(a.attributes.name), watches: `${String(a.attributes.description ?? "")} (log query every ${String(a.attributes.evaluation_frequency)})`, destination: to.join(", ") || "-", ...(to.length === 0 ? { flag: "no action group: nobody is told" } : {}) });
  }
  for (const a of view.ofType("azurerm_monitor_activity_log_alert")) {
    const to = asList(a.attributes.action).map((x: any) => String(x?.action_group_id));
    const op = asList(a.attributes.criteria)[0]?.operation_name;
    rows.push({ stack, alert: String(a.attributes.name), watches: `${String(op)} (Activity Log)`, destination: to.join(", ") || "-", ...(to.length === 0 ? { flag: "no action group: nobody is told" } : {}) });
  }
  return rows;
}
