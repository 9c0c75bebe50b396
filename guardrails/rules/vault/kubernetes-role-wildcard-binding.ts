import type { ResourceRule, Violation } from "../../rule";
import { asList } from "../../../readers/synthesized";

export const kubernetesRoleWildcardBinding: ResourceRule = {
  id: "SP-VLT-004",
  name: "Vault Kubernetes role with a wildcard binding",
  reason: "A role bound to \"*\" (or a namespace selector) lets any matching service account log in with the workload's policy.",
  fix: "Bind exactly one service account name and one namespace, and no bound_service_account_namespace_selector.",
  appliesTo: ["vault_kubernetes_auth_backend_role"],
  check(r) {
    const out: Violation[] = [];
    for (const attr of ["bound_service_account_names", "bound_service_account_namespaces"]) {
      const wild = asList(r.attributes[attr]).filter((v: unknown) => String(v).includes("*"));
      if (wild.length > 0) out.push(`${attr} has ${wild.map((w) => JSON.stringify(w)).join(", ")}`);
    }
    const selector = r.attributes.bound_service_account_namespace_selector;
    if (typeof selector === "string" && selector.trim() !== "") out.push(`bound_service_account_namespace_selector is ${JSON.stringify(selector)}`);
    return out;
  },
};
