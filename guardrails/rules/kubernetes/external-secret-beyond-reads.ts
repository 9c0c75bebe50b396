import type { ResourceRule, SynthesizedResource, SynthesizedStack } from "../../rule";
import { blocks } from "../../../readers/synthesized";
import { READS_ANNOTATION as READS } from "../../../constructs/kubernetes/labels";
import { isKind, manifestOf, metadataOf, remoteNames, storeServiceAccount } from "./manifests";

function serviceAccount(stack: SynthesizedStack, namespace: string, name: string): SynthesizedResource | undefined {
  return stack.ofType("kubernetes_service_account_v1").find((sa) => {
    const m = metadataOf(sa);
    return m.namespace === namespace && m.name === name;
  });
}

export const externalSecretBeyondReads: ResourceRule = {
  id: "SP-KUB-001",
  name: "ExternalSecret syncing a secret its workload does not read",
  reason: "A synced Secret is readable by every pod of the namespace that mounts it; a secret outside the workload's reads widens what it holds beyond the description.",
  fix: "Sync only the secrets listed in the workload's reads, through the SecretStore of that workload's service account (the kubernetes stack builds exactly these).",
  appliesTo: ["kubernetes_manifest"],
  check(r, { stack }) {
    if (!isKind(r, "ExternalSecret")) return [];
    const m = manifestOf(r);
    const namespace = m.metadata?.namespace;
    const storeName = m.spec?.secretStoreRef?.name;
    if (m.spec?.secretStoreRef?.kind && m.spec.secretStoreRef.kind !== "SecretStore") {
      return [`ExternalSecret ${namespace}/${m.metadata?.name} reads through a ${m.spec.secretStoreRef.kind}, which no single workload's service account bounds`];
    }
    const store = stack.ofType("kubernetes_manifest").find((s) => isKind(s, "SecretStore") && manifestOf(s).metadata?.namespace === namespace && manifestOf(s).metadata?.name === storeName);
    const saName = store ? storeServiceAccount(manifestOf(store).spec?.provider ?? {}) : undefined;
    const sa = saName ? serviceAccount(stack, namespace, saName) : undefined;
    const reads = String(metadataOf(sa ?? ({ attributes: {} } as SynthesizedResource)).annotations?.[READS] ?? "")
      .split(",")
      .filter(Boolean);
    if (!sa) return [`ExternalSecret ${namespace}/${m.metadata?.name}: its SecretStore ${storeName} does not authenticate as a service account of this stack, so what its workload reads is unknown`];
    const allowed = new Set(reads.flatMap(remoteNames));
    const keys = [...blocks(m.spec?.dataFrom).map((d) => d.extract?.key ?? d.find ?? d.sourceRef), ...blocks(m.spec?.data).map((d) => d.remoteRef?.key)];
    return keys
      .filter((k) => typeof k !== "string" || !allowed.has(k))
      .map((k) => `ExternalSecret ${namespace}/${m.metadata?.name} syncs ${JSON.stringify(k)}, which ${saName} (reads ${reads.join(", ") || "nothing"}) does not read`);
  },
};
