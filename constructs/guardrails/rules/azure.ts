// Guardrails for Azure Key Vault stacks: a private, purge-protected vault behind a deny-by-default firewall,
// workload role assignments on single secrets, and api keys that expire.
import type { ResourceRule, RulePack, SynthesizedResource } from "../rule";
import { asList, blocks, references, wholeReference } from "../synthesized";
import { TAGS } from "../../../config/tags";

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

export const keyVaultFirewallAllows: ResourceRule = {
  id: "SP-AZR-003",
  name: "Key Vault firewall with default action Allow",
  reason: "The firewall is the second fence behind disabled public access; default Allow (or no network_acls, Azure's default) lets every network in.",
  fix: "Set network_acls { default_action = \"Deny\", bypass = \"AzureServices\" } and list only the networks that need the vault.",
  appliesTo: ["azurerm_key_vault"],
  check(r) {
    const acl = blocks(r.attributes.network_acls)[0];
    if (!acl) return ["no network_acls: Azure allows every network"];
    return acl.default_action === "Deny" ? [] : [`network_acls.default_action is ${JSON.stringify(acl.default_action)}`];
  },
};

/** The deploying principal (Terraform's own credentials), which manages the vault's secrets by design. */
function isDeployer(assignment: SynthesizedResource): boolean {
  return references(assignment.attributes.principal_id).some((ref) => ref.data && ref.type === "azurerm_client_config");
}

/** A role assignment scope that is one Key Vault secret: a reference to its ARM id, or that id literally. */
export function isSingleSecretScope(scope: unknown): boolean {
  const ref = wholeReference(scope);
  if (ref) return ref.type === "azurerm_key_vault_secret" && (ref.attribute === "resource_versionless_id" || ref.attribute === "resource_id");
  return typeof scope === "string" && /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+\/secrets\/[^/]+$/i.test(scope);
}

function describeScope(scope: unknown): string {
  const ref = wholeReference(scope);
  if (ref) return `${ref.type}.${ref.name}.${ref.attribute}`;
  return JSON.stringify(scope ?? "not set");
}

export const roleAssignmentWiderThanSecret: ResourceRule = {
  id: "SP-AZR-004",
  name: "Workload role assignment scoped wider than one secret",
  reason: "A role on the vault, its resource group or subscription lets the workload read every secret there, including other applications'.",
  fix: "Assign \"Key Vault Secrets User\" on each secret the workload reads (KeyVaultSecret.grantRead), scope = the secret's resource_versionless_id.",
  appliesTo: ["azurerm_role_assignment"],
  check(r) {
    // The deployer's Secrets Officer role on the vault is how Terraform writes secret metadata; workloads are everyone else.
    if (isDeployer(r)) return [];
    if (isSingleSecretScope(r.attributes.scope)) return [];
    const role = r.attributes.role_definition_name ?? r.attributes.role_definition_id ?? "a role";
    return [`${JSON.stringify(role)} at scope ${describeScope(r.attributes.scope)}`];
  },
};

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

export const privateEndpointWithoutDnsZoneGroup: ResourceRule = {
  id: "SP-AZR-006",
  name: "Private endpoint without a private DNS zone group",
  reason: "Nothing registers the endpoint's private address, so clients keep resolving the service's public name, which a private-only service refuses.",
  fix: "Give the endpoint a private_dns_zone_group with the privatelink zone's id: one the stack creates and links, or an existing one (azure.privateEndpoint.privateDnsZoneId).",
  appliesTo: ["azurerm_private_endpoint"],
  check(r) {
    const zones = blocks(r.attributes.private_dns_zone_group).flatMap((g) => asList(g.private_dns_zone_ids).filter((z: unknown) => typeof z === "string" && z !== ""));
    return zones.length > 0 ? [] : [`${r.attributes.name ?? r.name} has no private_dns_zone_group with a zone id`];
  },
};

export const AZURE_RULES: RulePack = {
  name: "azure",
  rules: [
    keyVaultPublicAccess,
    keyVaultWithoutPurgeProtection,
    keyVaultFirewallAllows,
    roleAssignmentWiderThanSecret,
    apiKeyWithoutExpiration,
    privateEndpointWithoutDnsZoneGroup,
  ],
};
