// Guardrails for Azure Key Vault stacks: a private, purge-protected vault behind a deny-by-default firewall,
// workload role assignments on single secrets, api keys that expire, and rotation functions in the network with
// key-less storage and exactly the Key Vault rights their settings name.
import type { ResourceRule, RulePack, StackRule, SynthesizedResource, Violation } from "../rule";
import { asList, blocks, references, wholeReference } from "../../readers/synthesized";
import { TAGS } from "../../contracts/tags";
import { AZURE_PENDING_SUFFIX, AZURE_ROTATION_SETTING, pendingSecretName } from "../../contracts/azure-rotation";
import { KeyVaultRole } from "../../constructs/azure/principal";

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

/** Azure's built-in Key Vault data roles all begin so (Secrets User, Secrets Officer, Administrator, ...). */
const isKeyVaultRole = (role: unknown) => typeof role !== "string" || role.startsWith("Key Vault");

/**
 * The narrow scopes of the platform's non-Key Vault roles: one storage container (a function's package, host or
 * dead-letter container) or one Application Insights resource (a function's telemetry).
 */
function isSingleResourceScope(scope: unknown): boolean {
  const ref = wholeReference(scope);
  if (!ref) return false;
  return (ref.type === "azurerm_storage_container" && ref.attribute === "resource_manager_id") || (ref.type === "azurerm_application_insights" && ref.attribute === "id");
}

export const roleAssignmentWiderThanSecret: ResourceRule = {
  id: "SP-AZR-004",
  name: "Role assignment scoped wider than one secret (or one container or telemetry resource)",
  reason: "A role on the vault, its resource group or subscription lets the workload or function read (or write) every secret there, including other applications'; a storage role on the account reaches every container.",
  fix: "Assign Key Vault roles on each secret (KeyVaultSecret.grantRead, grantRotate: scope = the secret's resource_versionless_id); storage roles on one container's resource_manager_id, telemetry roles on one Application Insights resource.",
  appliesTo: ["azurerm_role_assignment"],
  check(r) {
    // The deployer's Secrets Officer role on the vault is how Terraform writes secret metadata; workloads are everyone else.
    if (isDeployer(r)) return [];
    if (isSingleSecretScope(r.attributes.scope)) return [];
    const role = r.attributes.role_definition_name ?? r.attributes.role_definition_id ?? "a role";
    if (!isKeyVaultRole(r.attributes.role_definition_name) && isSingleResourceScope(r.attributes.scope)) return [];
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

const FUNCTION_APP_TYPES = ["azurerm_function_app_flex_consumption", "azurerm_linux_function_app", "azurerm_windows_function_app"];

export const functionAppOutsideNetworkOrWeakTls: ResourceRule = {
  id: "SP-AZR-008",
  name: "Function app without VNet integration, HTTPS only, TLS 1.2 or with basic publishing credentials",
  reason: "A rotation function outside the virtual network cannot reach the private vault or databases (or reaches them some other way); plain HTTP, old TLS or a publishing password weaken the one endpoint that rotates secrets.",
  fix: "Set virtual_network_subnet_id (azure.rotation.subnetId), https_only = true, site_config.minimum_tls_version = \"1.2\" and webdeploy_publish_basic_authentication_enabled = false (RotationFunctionApp does).",
  appliesTo: FUNCTION_APP_TYPES,
  check(r) {
    const a = r.attributes;
    const out: string[] = [];
    if (typeof a.virtual_network_subnet_id !== "string" || a.virtual_network_subnet_id === "") out.push("no virtual_network_subnet_id: not integrated into a virtual network");
    if (a.https_only !== true) out.push(`https_only is ${JSON.stringify(a.https_only ?? "not set")}`);
    const tls = blocks(a.site_config)[0]?.minimum_tls_version;
    if (tls !== "1.2" && tls !== "1.3") out.push(`site_config.minimum_tls_version is ${JSON.stringify(tls ?? "not set")}`);
    if (r.type === "azurerm_function_app_flex_consumption" && a.webdeploy_publish_basic_authentication_enabled !== false) {
      out.push(`webdeploy_publish_basic_authentication_enabled is ${JSON.stringify(a.webdeploy_publish_basic_authentication_enabled ?? "not set (the provider's default: enabled)")}`);
    }
    return out;
  },
};

/** The user-assigned identities a function app runs as, by Terraform address. */
const identitiesOf = (app: SynthesizedResource): string[] =>
  blocks(app.attributes.identity)
    .flatMap((i) => asList(i.identity_ids))
    .map((id) => wholeReference(id))
    .filter((ref): ref is NonNullable<typeof ref> => ref?.type === "azurerm_user_assigned_identity")
    .map((ref) => ref.address);

export const rotationSettingsBeyondGrants: StackRule = {
  id: "SP-AZR-009",
  name: "Rotation function whose ROTATION_SECRETS and Key Vault Secrets Officer grants differ",
  reason: "A listed secret the identity may not write fails to rotate at run time, not at deploy; a secret it may write but does not list is write access nobody needs.",
  fix: "Grant Key Vault Secrets Officer on each secret ROTATION_SECRETS lists and on its <name>--rotation companion, and no other (KeyVaultSecret.grantRotate for exactly the rotated secrets).",
  appliesTo: "stack",
  check(stack) {
    const out: Violation[] = [];
    for (const app of FUNCTION_APP_TYPES.flatMap((t) => stack.ofType(t))) {
      const settings = app.attributes.app_settings?.[AZURE_ROTATION_SETTING];
      if (settings === undefined) continue;
      let listed: string[];
      try {
        listed = Object.keys(JSON.parse(String(settings)));
      } catch {
        out.push(`${app.address}: ${AZURE_ROTATION_SETTING} is not JSON`);
        continue;
      }
      const identities = identitiesOf(app);
      // Secret names (literal) of the secrets on which one of the app's identities holds Secrets Officer.
      const writable = new Set(
        stack
          .ofType("azurerm_role_assignment")
          .filter((ra) => ra.attributes.role_definition_name === KeyVaultRole.SECRETS_OFFICER)
          .filter((ra) => references(ra.attributes.principal_id).some((ref) => identities.includes(ref.address)))
          .map((ra) => stack.referenced(ra.attributes.scope))
          .filter((secret): secret is SynthesizedResource => secret?.type === "azurerm_key_vault_secret")
          .map((secret) => String(secret.attributes.name)),
      );
      // Each listed secret and its companion, which holds the pending value (contracts/azure-rotation.ts).
      const needed = listed.flatMap((name) => [name, pendingSecretName(name)]);
      for (const name of needed) if (!writable.has(name)) out.push(`${app.address} rotates ${name.endsWith(AZURE_PENDING_SUFFIX) ? `through ${name}` : name} but its identity has no Key Vault Secrets Officer on that secret`);
      for (const name of writable) if (!needed.includes(name)) out.push(`${app.address}'s identity may write ${name}, which its ${AZURE_ROTATION_SETTING} does not list`);
    }
    return out;
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
    storageAccountWithKeysOrPublicBlobs,
    functionAppOutsideNetworkOrWeakTls,
    rotationSettingsBeyondGrants,
  ],
};
