// SP-ALR-001 and SP-ALR-002 (issue 22): production without the alerts, or with alerts nobody receives, is a finding.
import { ALERT_RULES } from "../constructs/guardrails/packs";
import { runRules } from "../constructs/guardrails/evaluate";
import { fromJson } from "../constructs/guardrails/synthesized";
import { evaluateStack } from "../constructs/guardrails";
import { parsePlatform } from "../config/load";
import { exampleDescription, toYaml } from "./helpers/descriptions";
import { synthExample, synthPlatform, type StackJson } from "./helpers/synth";

// A stack rule's violations come as one finding, joined by "; ".
const findings = (json: StackJson, name: string, production = true) =>
  runRules(fromJson(json as any, name), [ALERT_RULES], production).flatMap((f) => f.message.split("; ").map((m) => `${f.ruleId}: ${m}`));
const synth = (change: (d: any) => void) => {
  const d = exampleDescription();
  change(d);
  return synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["aws", "azure"] });
};

describe("SP-ALR-001 and SP-ALR-002", () => {
  it("find nothing in the example's production stacks", () => {
    const { json } = synthExample(["aws", "azure"]);
    expect(findings(json["aws-prod"], "aws-prod")).toEqual([]);
    expect(findings(json["azure-prod"], "azure-prod")).toEqual([]);
  });

  it("find production AWS secrets with alerts turned off, alert by alert, and say nothing outside production", () => {
    const { json } = synth((d) => (d.environments.prod.aws.alerts = { enabled: false }));
    const found = findings(json["aws-prod"], "aws-prod");
    expect(found).toHaveLength(4);
    expect(found[0]).toMatch(/^SP-ALR-001: no EventBridge rule with a target alerts on refused secret reads \(GetSecretValue, BatchGetSecretValue, with state ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS/);
    expect(findings(json["aws-dev"], "aws-dev", false)).toEqual([]);
  });

  it("find a rule that lost its target, or a denied-reads rule that would receive no read-only event", () => {
    const json = structuredClone(synthExample(["aws"]).json["aws-prod"]);
    const targets = json.resource!.aws_cloudwatch_event_target;
    const keyTarget = Object.keys(targets).find((k) => k.includes("key-changes"))!;
    delete targets[keyTarget];
    const reads = Object.values<any>(json.resource!.aws_cloudwatch_event_rule).find((r) => r.name.endsWith("denied-reads"));
    reads.state = "ENABLED";
    expect(findings(json, "aws-prod")).toEqual([
      expect.stringMatching(/no EventBridge rule with a target alerts on refused secret reads/),
      expect.stringMatching(/no EventBridge rule with a target alerts on changes to the environment key/),
    ]);
  });

  it("find a production vault without its alerts, and alerts without an action group", () => {
    const off = synth((d) => (d.environments.prod.azure.alerts = { enabled: false })).json["azure-prod"];
    expect(findings(off, "azure-prod")).toEqual([
      "SP-ALR-002: no scheduled query alert on the vault's SecretGet refused with 403",
      "SP-ALR-002: no scheduled query alert on the vault's secret changes (SecretSet, SecretDelete, ...) by others than the deployer",
      "SP-ALR-002: no Activity Log alert on Microsoft.Authorization/roleAssignments/write scoped to the vault",
      "SP-ALR-002: no Activity Log alert on Microsoft.Authorization/roleAssignments/delete scoped to the vault",
    ]);
    const silent = synth((d) => delete d.environments.prod.azure.rotation.actionGroupId).json["azure-prod"];
    expect(findings(silent, "azure-prod")).toEqual([
      "SP-ALR-002: acme-prod-alert-refused-reads notifies no action group: set azure.alerts.actionGroupId",
      "SP-ALR-002: acme-prod-alert-secret-changes notifies no action group: set azure.alerts.actionGroupId",
      "SP-ALR-002: acme-prod-alert-role-assignment-writes notifies no action group: set azure.alerts.actionGroupId",
      "SP-ALR-002: acme-prod-alert-role-assignment-deletes notifies no action group: set azure.alerts.actionGroupId",
    ]);
  });

  it("accept a stack group's stack through its written suppression: the first stack's alerts cover it", () => {
    const { stacks } = synth((d) => {
      d.applications.myapp.stackGroup = "team-b";
      d.applications.dbadmin.stackGroup = "team-b";
    });
    const report = evaluateStack(stacks["aws-prod-team-b"], { production: true });
    expect(report.findings.filter((f) => f.ruleId.startsWith("SP-ALR"))).toEqual([]);
    expect(report.suppressed.map((s) => s.ruleId)).toContain("SP-ALR-001");
  });
});
