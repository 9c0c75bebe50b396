import type { ResourceRule } from "../../rule";

export const storageAccountWithKeysOrPublicBlobs: ResourceRule = {
  id: "SP-AZR-007",
  name: "Storage account with shared keys, public blobs or TLS below 1.2",
  reason: "An account key or a SAS signed with it opens every container to whoever holds it, outside RBAC and its audit; a public container needs no credential at all.",
  fix: "Set shared_access_key_enabled = false, allow_nested_items_to_be_public = false and min_tls_version = \"TLS1_2\" (FunctionStorage does); grant Storage Blob roles per container.",
  appliesTo: ["azurerm_storage_account"],
  check(r) {
    const a = r.attributes;
    const out: string[] = [];
    if (a.shared_access_key_enabled !== false) out.push(`shared_access_key_enabled is ${a.shared_access_key_enabled === undefined ? "not set (Azure's default: enabled)" : JSON.stringify(a.shared_access_key_enabled)}`);
    if (a.allow_nested_items_to_be_public !== false) out.push(`allow_nested_items_to_be_public is ${a.allow_nested_items_to_be_public === undefined ? "not set (the provider's default: allowed)" : JSON.stringify(a.allow_nested_items_to_be_public)}`);
    if (a.min_tls_version !== undefined && a.min_tls_version !== "TLS1_2" && a.min_tls_version !== "TLS1_3") out.push(`min_tls_version is ${JSON.stringify(a.min_tls_version)}`);
    return out;
  },
};
