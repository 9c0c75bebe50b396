// The rule packs applied to every stack by default. Each rule only inspects its own resource types, so every
// pack can be applied to every stack.
import type { RulePack } from "./rule";
import { AWS_RULES } from "./rules/aws";
import { AZURE_RULES } from "./rules/azure";
import { KUBERNETES_RULES } from "./rules/kubernetes";
import { VAULT_RULES } from "./rules/vault";
import { PIPELINE_RULES } from "./rules/pipeline";
import { ALERT_RULES } from "./rules/alerts";

export { ALERT_RULES, AWS_RULES, AZURE_RULES, KUBERNETES_RULES, PIPELINE_RULES, VAULT_RULES };

export const DEFAULT_PACKS: readonly RulePack[] = [AWS_RULES, VAULT_RULES, AZURE_RULES, KUBERNETES_RULES, PIPELINE_RULES, ALERT_RULES];
