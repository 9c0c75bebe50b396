import type { ResourceRule } from "../../rule";
import { policyRules, segments } from "./policy-paths";

const hasWildcard = (path: string) => path.includes("*") || segments(path).includes("+");

export const policyWildcard: ResourceRule = {
  id: "SP-VLT-003",
  name: "Vault policy with a wildcard path",
  reason: "A glob (*) or segment wildcard (+) matches secrets added later, which nobody reviewed for this workload.",
  fix: "Name every secret path exactly; the platform grants data/ and metadata/ of each secret the workload reads.",
  appliesTo: ["vault_policy"],
  check(r, { stack }) {
    const rules = policyRules(r, stack);
    if (typeof rules === "string") return [];
    return rules.filter((rule) => hasWildcard(rule.path)).map((rule) => `path "${rule.path}" has a wildcard`);
  },
};
