// Guardrails for the alerts on what policy cannot prevent (issue 22, docs/alerts.md): a production stack that holds
// secrets must also tell someone when a read is refused or the rules change outside the pipeline.
import type { RulePack } from "../../rule";
import { awsProductionWithoutAlerts } from "./aws-production-without-alerts";
import { azureProductionWithoutAlerts } from "./azure-production-without-alerts";

export { awsProductionWithoutAlerts } from "./aws-production-without-alerts";
export { azureProductionWithoutAlerts } from "./azure-production-without-alerts";

export const ALERT_RULES: RulePack = {
  name: "alerts",
  rules: [awsProductionWithoutAlerts, azureProductionWithoutAlerts],
};
