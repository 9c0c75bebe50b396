// The azurerm provider block every stack of this platform emits (azure-<env>, azure-<env>-<group>, bootstrap-<env>):
// two settings that a first apply by a resource-group-scoped deployer, into a storage account without shared keys,
// cannot do without. Built here only, so that no stack configures the provider differently.
//
// Verified against the provider's source at the version @cdktf/provider-azurerm 14.23.1 is generated from
// (hashicorp/azurerm 4.55.0, its package.json's cdktf.provider.version), tag v4.55.0 of hashicorp/terraform-provider-azurerm:
//
// - resource_provider_registrations: internal/provider/provider.go defaults it to "legacy" (ARM_RESOURCE_PROVIDER_
//   REGISTRATIONS), and buildClient calls resourceproviders.EnsureRegistered for that set at provider configuration,
//   which registers every provider of the set not yet registered in the subscription (a subscription-scope
//   `Microsoft.<Namespace>/register/action`, which a deployer holding roles on one resource group lacks). "none"
//   registers nothing: a subscription owner registers the namespaces in resource-providers.ts once (docs/azure.md).
// - features.storage.data_plane_available: internal/services/storage/storage_account_resource.go, on create, after the
//   ARM call, runs waitForDataPlaneToBecomeAvailableForAccount (blob, queue, file, static website pollers), and on read
//   fetches queue and static website properties, only `if !features.FivePointOh() && dataPlaneAvailable`. Those calls
//   are signed with a shared key unless storage_use_azuread is set (storage/client/data_plane.go, configureDataPlane),
//   so with shared_access_key_enabled = false they fail with 403 KeyBasedAuthenticationNotPermitted. Turning the
//   data plane off skips them; its only cost is that queue_properties and static_website cannot be set (the schema's
//   CustomizeDiff refuses them), which no construct here uses. storage_use_azuread = true would instead send those
//   calls with an Entra token: every identity that plans or applies (the CI planner included, since read makes them
//   too and a 403 there is not tolerated) would need Storage Blob and Queue data roles on the function's account.
//   Containers are created through Resource Manager either way (storage_container with storage_account_id).
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";

/** What the provider registers by itself: nothing (a subscription owner registers AZURE_RESOURCE_PROVIDERS once). */
export const RESOURCE_PROVIDER_REGISTRATIONS = "none";

export interface PlatformAzurermProviderProps {
  readonly subscriptionId: string;
  readonly tenantId: string;
  /** Key Vault features (soft delete and purge on destroy). @default - the provider's defaults */
  readonly keyVault?: {
    readonly purgeSoftDeleteOnDestroy: boolean;
    readonly purgeSoftDeletedSecretsOnDestroy: boolean;
    readonly recoverSoftDeletedKeyVaults: boolean;
    readonly recoverSoftDeletedSecrets: boolean;
  };
}

/** The azurerm provider, configured as every stack of the platform needs it (see the comment above). */
export function platformAzurermProvider(scope: Construct, id: string, props: PlatformAzurermProviderProps): AzurermProvider {
  return new AzurermProvider(scope, id, {
    subscriptionId: props.subscriptionId,
    tenantId: props.tenantId,
    resourceProviderRegistrations: RESOURCE_PROVIDER_REGISTRATIONS,
    features: [
      {
        ...(props.keyVault ? { keyVault: [props.keyVault] } : {}),
        storage: [{ dataPlaneAvailable: false }],
      },
    ],
  });
}
