import type { ResourceRule } from "../../rule";

export const keyVaultWithoutPurgeProtection: ResourceRule = {
  id: "SP-AZR-002",
  name: "Key Vault without purge protection",
  reason: "Without purge protection a deleted vault or secret can be purged at once, and with it every secret, before anyone notices.",
  fix: "Set purge_protection_enabled = true (it cannot be turned off later, which is the point).",
  appliesTo: ["azurerm_key_vault"],
  check(r) {
    return r.attributes.purge_protection_enabled === true ? [] : [`purge_protection_enabled is ${JSON.stringify(r.attributes.purge_protection_enabled ?? "not set")}`];
  },
};
