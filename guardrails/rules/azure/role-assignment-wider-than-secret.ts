import type { ResourceRule, SynthesizedResource } from "../../rule";
import { references, wholeReference } from "../../../readers/synthesized";

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
