import type { ResourceRule } from "../../rule";

export const kubernetesRoleWithoutAudience: ResourceRule = {
  id: "SP-VLT-005",
  name: "Vault Kubernetes role without an audience",
  reason: "Without an audience Vault accepts service account tokens minted for any other service, which can then be replayed to Vault.",
  fix: "Set audience on the role (vault.kubernetes.audience): the Kubernetes API server's audience, https://kubernetes.default.svc by default, since Vault reviews each login with the login token itself.",
  appliesTo: ["vault_kubernetes_auth_backend_role"],
  check(r) {
    const audience = r.attributes.audience;
    return typeof audience === "string" && audience.trim() !== "" ? [] : ["audience is not set"];
  },
};
