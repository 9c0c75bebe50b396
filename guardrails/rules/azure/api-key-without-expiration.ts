import type { ResourceRule, SynthesizedResource } from "../../rule";
import { TAGS } from "../../../contracts/tags";

/** How the platform marks what a Key Vault secret holds: tag `type` (Azure stack) or `secret-type` (AWS naming). */
export function keyVaultSecretType(r: SynthesizedResource): string | undefined {
  const tags = r.attributes.tags ?? {};
  return tags[TAGS.keyVaultSecretType] ?? tags[TAGS.secretType];
}

export const apiKeyWithoutExpiration: ResourceRule = {
  id: "SP-AZR-005",
  name: "Key Vault api-key secret without an expiration",
  reason: "An api key put by a person is never rotated by the platform; an expiration date makes Key Vault report it before it is forgotten.",
  fix: "Give the secret expiresAfterDays in the description, which sets expiration_date on the Key Vault secret.",
  appliesTo: ["azurerm_key_vault_secret"],
  check(r) {
    if (keyVaultSecretType(r) !== "api-key") return [];
    const date = r.attributes.expiration_date;
    return typeof date === "string" && date.trim() !== "" ? [] : [`api-key secret ${r.attributes.name ?? r.name} has no expiration_date`];
  },
};
