import type { ResourceRule } from "../../rule";

export const keyVaultPublicAccess: ResourceRule = {
  id: "SP-AZR-001",
  name: "Key Vault with public network access",
  reason: "A vault reachable from the internet is one leaked token away from its secrets; the platform reaches it through a private endpoint.",
  fix: "Set public_network_access_enabled = false and reach the vault through its private endpoint (KeyVault.addPrivateEndpoint).",
  appliesTo: ["azurerm_key_vault"],
  check(r) {
    const v = r.attributes.public_network_access_enabled;
    return v === false ? [] : [`public_network_access_enabled is ${v === undefined ? "not set (Azure's default: enabled)" : JSON.stringify(v)}`];
  },
};
