import type { ResourceRule } from "../../rule";
import { isAdminPath, policyRules } from "./policy-paths";

export const policyTouchesAdminPaths: ResourceRule = {
  id: "SP-VLT-002",
  name: "Vault policy touching sys/, auth/ or identity/",
  reason: "These paths administer Vault itself (mounts, policies, auth methods, entities); a workload never needs them.",
  fix: "Remove the rule; administration belongs to the operators' own policies, outside this platform.",
  appliesTo: ["vault_policy"],
  check(r, { stack }) {
    const rules = policyRules(r, stack);
    if (typeof rules === "string") return []; // SP-VLT-001 reports an unreadable policy
    return rules.filter((rule) => isAdminPath(rule.path)).map((rule) => `path "${rule.path}" (${rule.capabilities.join(", ")})`);
  },
};
