import type { StackRule, SynthesizedResource, SynthesizedStack, Violation } from "../../rule";
import { asList, references } from "../../../readers/synthesized";
import { KEY_CHANGE_EVENTS, ROLE_CHANGE_EVENTS, SECRET_CHANGE_EVENTS, SECRET_READ_EVENTS } from "../../../constructs/aws/alert-patterns";

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
