// The Kubernetes table of the review: per workload, its service account, the identities it is annotated with, how its
// pods get secrets (delivery), the SecretStore, and each secret synced or rendered, read from the kubernetes stack's
// synthesized JSON. A secret synced into a native Secret that is never refreshed is flagged: a rotated value would
// never reach the pods that read it.
import { vaultAgentOutputName } from "../config/naming";
import { storeServiceAccount } from "../guardrails/rules/kubernetes";
import { durationSeconds } from "../constructs/kubernetes/refresh-interval";
import { AZURE_CLIENT_ID_ANNOTATION, IRSA_ROLE_ANNOTATION, SECRET_PATH_ANNOTATION, WORKLOAD_ANNOTATION as WORKLOAD } from "../constructs/kubernetes/labels";
import type { KubernetesRow, ReviewedStack } from "./model";
import { parse as parseYaml } from "yaml";

const meta = (r: any) => (Array.isArray(r.metadata) ? r.metadata[0] : r.metadata) ?? {};

/** Why an ExternalSecret never refreshes, or undefined when it does. */
export function noRefresh(spec: Record<string, any>): string | undefined {
  // ESO's refreshPolicy (v0.16+): CreatedOnce and OnChange never poll the backend again.
  if (spec.refreshPolicy === "CreatedOnce" || spec.refreshPolicy === "OnChange") return `refreshPolicy ${spec.refreshPolicy}`;
  // refreshInterval 0 syncs once; ESO's own default (1h) applies when it is absent.
  if (spec.refreshInterval !== undefined && durationSeconds(String(spec.refreshInterval)) === 0) return `refreshInterval ${spec.refreshInterval}`;
  return undefined;
}

/** The files a SecretProviderClass mounts and what each reads, from its provider's objects parameter (YAML). */
export function csiObjects(provider: string, parameters: Record<string, string>): string[] {
  let objects: any;
  try {
    objects = parseYaml(String(parameters.objects ?? ""));
  } catch {
    return [`objects unreadable`];
  }
  if (provider === "azure") {
    return (objects?.array ?? []).map((doc: string) => parseYaml(doc)).map((o: any) => `file ${o.objectAlias ?? o.objectName} <- Key Vault ${parameters.keyvaultName}/${o.objectName}`);
  }
  if (provider === "aws") {
    return (objects ?? []).flatMap((o: any) => [
      ...(o.objectAlias ? [`file ${o.objectAlias} <- ${o.objectName}`] : []),
      ...(o.jmesPath ?? []).map((j: any) => `file ${j.objectAlias} <- ${o.objectName} .${j.path}`),
    ]);
  }
  return (objects ?? []).map((o: any) => `file ${o.objectName} <- ${o.secretPath}${o.secretKey ? ` .${o.secretKey}` : ""}`);
}

export function kubernetesTable(stacks: readonly ReviewedStack[]): KubernetesRow[] {
  const rows: KubernetesRow[] = [];
  for (const s of stacks.filter((x) => x.backend === "kubernetes")) {
    const res = (s.json.resource ?? {}) as Record<string, Record<string, any>>;
    const outputs = ((s.json as any).output ?? {}) as Record<string, { value: unknown }>;
    const manifests = Object.values(res.kubernetes_manifest ?? {}).map((r) => r.manifest);
    const bindings = Object.values(res.kubernetes_cluster_role_binding_v1 ?? {});
    for (const sa of Object.values(res.kubernetes_service_account_v1 ?? {})) {
      const m = meta(sa);
      const a = m.annotations ?? {};
      const workload = String(a[WORKLOAD] ?? "?");
      const identities = [
        a[IRSA_ROLE_ANNOTATION] !== undefined ? "IRSA role" : undefined,
        a[AZURE_CLIENT_ID_ANNOTATION] !== undefined ? "Azure managed identity" : undefined,
        bindings.some((b) => (b.subject ?? []).some((x: any) => x.name === m.name && x.namespace === m.namespace)) ? "Vault login (system:auth-delegator)" : undefined,
      ].filter(Boolean) as string[];
      const stores = manifests.filter(
        (x) => x.kind === "SecretStore" && x.metadata?.namespace === m.namespace && storeServiceAccount(x.spec?.provider ?? {}) === m.name,
      );
      const externalSecrets = manifests.filter((x) => x.kind === "ExternalSecret" && x.metadata?.namespace === m.namespace && stores.some((st) => st.metadata?.name === x.spec?.secretStoreRef?.name));
      const agent = outputs[vaultAgentOutputName(...(workload.split("/") as [string, string]))]?.value as Record<string, string> | undefined;
      const synced = externalSecrets.map((x) => `Secret ${x.spec?.target?.name ?? x.metadata?.name} <- ${x.metadata?.annotations?.[SECRET_PATH_ANNOTATION] ?? "?"} (every ${x.spec?.refreshInterval ?? "1h, ESO's default"})`);
      const rendered = Object.entries(agent ?? {})
        .filter(([k]) => k.startsWith("vault.hashicorp.com/agent-inject-secret-"))
        .map(([k, v]) => `/vault/secrets/${k.slice("vault.hashicorp.com/agent-inject-secret-".length)} <- ${v}`);
      // delivery csi: the SecretProviderClass built for this workload, and the files its provider mounts.
      const providerClasses = manifests.filter((x) => x.kind === "SecretProviderClass" && x.metadata?.namespace === m.namespace && x.metadata?.annotations?.[WORKLOAD] === workload);
      const mounted = providerClasses.flatMap((x) => csiObjects(x.spec?.provider, x.spec?.parameters ?? {}));
      const stale = externalSecrets.map((x) => [x, noRefresh(x.spec ?? {})] as const).filter(([, why]) => why);
      rows.push({
        stack: s.name,
        workload,
        serviceAccount: `${m.namespace}/${m.name}`,
        delivery: stores.length > 0 ? "external-secrets" : agent ? "vault-agent" : providerClasses.length > 0 ? "csi" : "sdk",
        identities,
        store:
          [
            ...stores.map((st) => `SecretStore ${st.metadata?.name} (${Object.keys(st.spec?.provider ?? {}).join(", ")})`),
            ...providerClasses.map((x) => `SecretProviderClass ${x.metadata?.name} (${x.spec?.provider})`),
          ].join(", ") || "-",
        secrets: [...synced, ...rendered, ...mounted],
        flag: stale.length > 0 ? `synced into native Secrets with no refresh: ${stale.map(([x, why]) => `${x.spec?.target?.name ?? x.metadata?.name} (${why})`).join(", ")}` : undefined,
      });
    }
  }
  return rows.sort((a, b) => a.stack.localeCompare(b.stack) || a.workload.localeCompare(b.workload));
}
