import type { ResourceRule } from "../../rule";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;

export const kubernetesAuthWithoutCa: ResourceRule = {
  id: "SP-VLT-007",
  name: "Vault Kubernetes auth without the cluster's CA",
  reason: "With no kubernetes_ca_cert (and disable_local_ca_jwt on, or Vault outside the cluster) Vault checks the API server against its system trust store, which does not hold a cluster's own CA: every login fails.",
  fix: "Set kubernetes_ca_cert to the cluster's CA certificate (vault.kubernetes.caCertFile), or set disable_local_ca_jwt = false explicitly when Vault runs in a pod of that cluster.",
  appliesTo: ["vault_kubernetes_auth_backend_config"],
  check(r) {
    const ca = r.attributes.kubernetes_ca_cert;
    if (typeof ca === "string" && ca.trim() !== "") {
      return ca.includes("${") || PEM_CERTIFICATE.test(ca) ? [] : ["kubernetes_ca_cert is not a PEM certificate"];
    }
    // Vault in a pod of the cluster uses the pod's own CA file when local defaults are not disabled.
    if (r.attributes.disable_local_ca_jwt === false) return [];
    return [`kubernetes_ca_cert is not set and disable_local_ca_jwt is ${JSON.stringify(r.attributes.disable_local_ca_jwt ?? "not set")}`];
  },
};
