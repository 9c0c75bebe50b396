// A structural check of SecretProviderClass objects (no @kubernetes-models package covers this CRD). Derived from the
// CRD's v1 schema in kubernetes-sigs/secrets-store-csi-driver (config/crd/bases/
// secrets-store.csi.x-k8s.io_secretproviderclasses.yaml, at 0aad886f70e9): spec has provider (string), parameters (map
// of strings) and secretObjects (array of {secretName, type, labels, annotations, data: [{objectName, key}]}); the API
// server prunes any other field, so one here would silently not exist. Plus what each provider reads from parameters.
import { parse } from "yaml";

const isMap = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const stringMap = (v: unknown) => isMap(v) && Object.values(v).every((x) => typeof x === "string");

/** The parameters each provider needs (its source, see constructs/kubernetes/secret-provider-class.ts). */
const REQUIRED: Record<string, readonly string[]> = {
  aws: ["objects"],
  azure: ["keyvaultName", "objects", "clientID"],
  vault: ["roleName", "objects"],
};

export function secretProviderClassProblems(m: any): string[] {
  const out: string[] = [];
  if (m.apiVersion !== "secrets-store.csi.x-k8s.io/v1") out.push(`apiVersion ${m.apiVersion} is not secrets-store.csi.x-k8s.io/v1`);
  if (m.kind !== "SecretProviderClass") out.push(`kind ${m.kind}`);
  if (typeof m.metadata?.name !== "string" || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(m.metadata.name)) out.push("metadata.name is not a DNS subdomain name");
  if (typeof m.metadata?.namespace !== "string") out.push("metadata.namespace is missing (the CRD is namespaced)");
  const spec = m.spec;
  if (!isMap(spec)) return [...out, "spec is not an object"];
  for (const k of Object.keys(spec)) if (!["provider", "parameters", "secretObjects"].includes(k)) out.push(`spec.${k} is not in the CRD's schema`);
  if (typeof spec.provider !== "string") out.push("spec.provider is not a string");
  if (spec.parameters !== undefined && !stringMap(spec.parameters)) out.push("spec.parameters is not a map of strings");
  if (spec.secretObjects !== undefined) {
    if (!Array.isArray(spec.secretObjects)) out.push("spec.secretObjects is not an array");
    else
      spec.secretObjects.forEach((o: any, i: number) => {
        for (const k of Object.keys(o)) if (!["secretName", "type", "labels", "annotations", "data"].includes(k)) out.push(`spec.secretObjects[${i}].${k} is not in the CRD's schema`);
        for (const d of o.data ?? []) for (const k of Object.keys(d)) if (!["objectName", "key"].includes(k)) out.push(`spec.secretObjects[${i}].data.${k} is not in the CRD's schema`);
      });
  }
  const params = (spec.parameters ?? {}) as Record<string, string>;
  for (const p of REQUIRED[String(spec.provider)] ?? []) if (!params[p]) out.push(`parameters.${p} is required by the ${spec.provider} provider`);
  if (spec.provider === "azure" && !params.tenantID && !params.tenantId) out.push("parameters.tenantID is required by the azure provider");
  try {
    const objects = parse(params.objects ?? "");
    if (spec.provider === "azure" ? !Array.isArray(objects?.array) : !Array.isArray(objects)) out.push("parameters.objects is not the provider's list of objects");
  } catch (e) {
    out.push(`parameters.objects is not YAML: ${(e as Error).message}`);
  }
  return out;
}
