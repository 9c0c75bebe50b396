// The review lists the environment's alerts and where they go (issue 22).
import { buildReview } from "../scripts/review/build";
import { renderMarkdown } from "../scripts/review/markdown";
import { parsePlatform } from "../config/load";
import { exampleDescription, toYaml } from "./helpers/descriptions";
import { synthExample, synthPlatform } from "./helpers/synth";

const review = (env: string, json: Record<string, any>) =>
  buildReview({
    environment: env,
    production: env === "prod",
    stacks: [
      { name: `aws-${env}`, backend: "aws", json: json[`aws-${env}`] },
      { name: `azure-${env}`, backend: "azure", json: json[`azure-${env}`] },
    ],
    guardrails: [],
  });

describe("the review's Alerts section", () => {
  it("lists prod's alerts with what each watches and where it goes", () => {
    const r = review("prod", synthExample(["aws", "azure"]).json);
    const byName = Object.fromEntries((r.alerts ?? []).map((a) => [a.alert, a]));
    expect(byName["acme-prod-alert-denied-reads"].destination).toBe("SNS topic acme-prod-secrets-alerts (this stack)");
    expect(byName["acme-prod-alert-role-changes"].watches).toMatch(/\(EventBridge, us-east-1\)$/);
    const group = exampleDescription().environments.prod.azure.rotation.actionGroupId;
    for (const name of ["acme-prod-alert-refused-reads", "acme-prod-alert-secret-changes", "acme-prod-alert-role-assignment-writes", "acme-prod-alert-role-assignment-deletes"]) {
      expect(byName[name].destination).toBe(group);
    }
    // The rotation error alarms go to the same topic.
    const alarms = (r.alerts ?? []).filter((a) => a.watches.startsWith("rotation function errors"));
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) expect(a.destination).toBe("SNS topic acme-prod-secrets-alerts (this stack)");
    const text = renderMarkdown(r);
    expect(text).toContain("## Alerts\n\nEvery alert has a destination.");
    expect(text).toMatch(/\| aws-prod \| `acme-prod-alert-key-changes` \| .* \| SNS topic acme-prod-secrets-alerts \(this stack\) \| ok \|/);
  });

  it("says so when an environment has no alerts, and flags alerts that tell nobody", () => {
    const dev = review("dev", synthExample(["aws", "azure"]).json);
    // dev's rotation alarms and its Azure rotation alert exist, without destinations.
    expect(renderMarkdown(dev)).toMatch(/\*\*\d+ alerts? that tell nobody:\*\*/);
    const d = exampleDescription();
    for (const e of Object.values<any>(d.environments)) {
      e.aws.alerts = { enabled: false };
      e.azure.alerts = { enabled: false };
      delete e.azure.rotation;
    }
    d.applications.myapp.secrets = { openai: d.applications.myapp.secrets.openai };
    d.applications.myapp.workloads = { api: { ...d.applications.myapp.workloads.api, reads: ["openai"] } };
    delete d.applications.dbadmin;
    const json = synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["aws", "azure"] }).json;
    expect(renderMarkdown(review("staging", json))).toContain("**No alerts:** nobody is told");
  });
});
