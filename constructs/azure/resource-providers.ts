// The Azure resource providers (ARM namespaces) behind each azurerm resource type the platform creates. The azurerm
// provider registers none of them (constructs/azure/provider.ts: resource_provider_registrations = "none"), since a
// deployer scoped to resource groups cannot (`Microsoft.<Namespace>/register/action` is a subscription-scope action):
// a subscription owner registers them once (docs/azure.md, "Before the first apply"). A test checks that every
// resource type in the synthesized stacks has a row here, so a new resource type cannot slip past the list.
//
// Namespaces are the ARM resource types each resource creates (the provider's resource ids, e.g.
// Microsoft.KeyVault/vaults); https://learn.microsoft.com/azure/azure-resource-manager/management/azure-services-resource-providers
// lists which namespaces Azure registers in every subscription by default (Microsoft.Authorization and
// Microsoft.Resources among them): those need no step.

/** Registered in every subscription by default (Azure's "resource providers for Azure services" page). */
export const REGISTERED_BY_DEFAULT: readonly string[] = ["Microsoft.Authorization", "Microsoft.Resources"];

/** azurerm resource type -> the namespaces its creation needs registered in the subscription. */
export const AZURE_RESOURCE_PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  azurerm_resource_group: ["Microsoft.Resources"],
  azurerm_key_vault: ["Microsoft.KeyVault"],
  // A data-plane object, but its ARM id is Microsoft.KeyVault/vaults/secrets (role assignments are scoped to it).
  azurerm_key_vault_secret: ["Microsoft.KeyVault"],
  azurerm_private_endpoint: ["Microsoft.Network"],
  azurerm_private_dns_zone: ["Microsoft.Network"],
  azurerm_private_dns_zone_virtual_network_link: ["Microsoft.Network"],
  azurerm_monitor_diagnostic_setting: ["Microsoft.Insights"],
  azurerm_management_lock: ["Microsoft.Authorization"],
  azurerm_role_assignment: ["Microsoft.Authorization"],
  azurerm_role_definition: ["Microsoft.Authorization"],
  azurerm_user_assigned_identity: ["Microsoft.ManagedIdentity"],
  azurerm_federated_identity_credential: ["Microsoft.ManagedIdentity"],
  azurerm_eventgrid_system_topic: ["Microsoft.EventGrid"],
  azurerm_eventgrid_system_topic_event_subscription: ["Microsoft.EventGrid"],
  azurerm_storage_account: ["Microsoft.Storage"],
  azurerm_storage_container: ["Microsoft.Storage"],
  azurerm_service_plan: ["Microsoft.Web"],
  // Flex Consumption's virtual network integration runs on Azure Container Apps' infrastructure: its subnet is
  // delegated to Microsoft.App/environments (https://learn.microsoft.com/azure/azure-functions/flex-consumption-plan#virtual-network-integration),
  // and the Microsoft.App namespace must be registered for that integration to be set up.
  azurerm_function_app_flex_consumption: ["Microsoft.Web", "Microsoft.App"],
  azurerm_application_insights: ["Microsoft.Insights"],
  azurerm_monitor_scheduled_query_rules_alert_v2: ["Microsoft.Insights"],
  // The alerts on role-assignment changes (issue 22): ARM type Microsoft.Insights/activityLogAlerts.
  azurerm_monitor_activity_log_alert: ["Microsoft.Insights"],
};

/**
 * The namespaces a subscription owner registers before the first apply of stacks holding these resource types: those
 * of the table, less the ones Azure registers by default. Throws on an azurerm type without a row.
 */
export function resourceProvidersToRegister(resourceTypes: Iterable<string>): string[] {
  const needed = new Set<string>();
  for (const type of resourceTypes) {
    if (!type.startsWith("azurerm_")) continue;
    const namespaces = AZURE_RESOURCE_PROVIDERS[type];
    if (!namespaces) throw new Error(`${type}: add the resource providers it needs to AZURE_RESOURCE_PROVIDERS (constructs/azure/resource-providers.ts)`);
    for (const n of namespaces) if (!REGISTERED_BY_DEFAULT.includes(n)) needed.add(n);
  }
  return [...needed].sort();
}
