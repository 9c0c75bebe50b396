import type { ResourceRule } from "../../rule";
import { parse as parseYaml } from "yaml";
import { READS_ANNOTATION as READS, WORKLOAD_ANNOTATION as WORKLOAD } from "../../../constructs/kubernetes/labels";
import { manifestOf, metadataOf, remoteNames } from "./manifests";

/**
 * What a SecretProviderClass mounts, by where the backend keeps it: the objectName of AWS and Azure objects, the
 * secretPath of Vault objects (constructs/kubernetes/secret-provider-class.ts writes them; each provider's objects
 * parameter is YAML in a string).
 */
function providerClassKeys(provider: unknown, parameters: Record<string, unknown>): string[] | undefined {
  let objects: any;
  try {
    objects = parseYaml(String(parameters.objects ?? ""));
  } catch {
    return undefined;
  }
  if (provider === "azure") return Array.isArray(objects?.array) ? objects.array.map((d: string) => String(parseYaml(d)?.objectName)) : undefined;
  if (!Array.isArray(objects)) return undefined;
  return objects.map((o: any) => String(provider === "vault" ? o.secretPath : o.objectName));
}

/** Whether a Vault path reads one of these logical paths: its KV v2 data path, or a role or key named <env>-<app>[--<secret>]. */
function vaultPathReads(vaultPath: string, reads: readonly string[]): boolean {
  return reads.some((read) => {
    const [env, app, secret] = read.split("/");
    const own = `${env}-${app}`;
    return vaultPath.endsWith(`/data/${read}`) || vaultPath.endsWith(`/creds/${own}`) || vaultPath.endsWith(`/${own}--${secret}`);
  });
}

export const secretProviderClassBeyondReads: ResourceRule = {
  id: "SP-KUB-004",
  name: "SecretProviderClass mounting a secret its workload does not read",
  reason: "The CSI driver mounts what the class names into every pod that uses it; a secret outside the workload's reads puts it in pods the description never granted it to.",
  fix: "Name only the secrets listed in the workload's reads, in the SecretProviderClass of that workload (the kubernetes stack builds exactly these).",
  appliesTo: ["kubernetes_manifest"],
  check(r, { stack }) {
    const m = manifestOf(r);
    if (!String(m.apiVersion ?? "").startsWith("secrets-store.csi.x-k8s.io/") || m.kind !== "SecretProviderClass") return [];
    const where = `SecretProviderClass ${m.metadata?.namespace}/${m.metadata?.name}`;
    const workload = m.metadata?.annotations?.[WORKLOAD];
    const sa = stack.ofType("kubernetes_service_account_v1").find((x) => metadataOf(x).namespace === m.metadata?.namespace && metadataOf(x).annotations?.[WORKLOAD] === workload);
    if (!sa) return [`${where} names no workload of this stack (${WORKLOAD}), so what it may mount is unknown`];
    const reads = String(metadataOf(sa).annotations?.[READS] ?? "").split(",").filter(Boolean);
    const keys = providerClassKeys(m.spec?.provider, m.spec?.parameters ?? {});
    if (!keys) return [`${where}: its objects parameter cannot be read at synth`];
    const allowed = new Set(reads.flatMap(remoteNames));
    return keys
      .filter((k) => (m.spec?.provider === "vault" ? !vaultPathReads(k, reads) : !allowed.has(k)))
      .map((k) => `${where} mounts ${JSON.stringify(k)}, which ${workload} (reads ${reads.join(", ") || "nothing"}) does not read`);
  },
};
