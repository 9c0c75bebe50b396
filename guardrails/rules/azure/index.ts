// Guardrails for Azure Key Vault stacks: a private, purge-protected vault behind a deny-by-default firewall,
// workload role assignments on single secrets, api keys that expire, and rotation functions in the network with
// key-less storage and exactly the Key Vault rights their settings name.
import type { RulePack } from "../../rule";
import { keyVaultPublicAccess } from "./key-vault-public-access";
import { keyVaultWithoutPurgeProtection } from "./key-vault-without-purge-protection";
import { keyVaultFirewallAllows } from "./key-vault-firewall-allows";
import { roleAssignmentWiderThanSecret } from "./role-assignment-wider-than-secret";
import { apiKeyWithoutExpiration } from "./api-key-without-expiration";
import { privateEndpointWithoutDnsZoneGroup } from "./private-endpoint-without-dns-zone-group";
import { storageAccountWithKeysOrPublicBlobs } from "./storage-account-with-keys-or-public-blobs";
import { functionAppOutsideNetworkOrWeakTls } from "./function-app-outside-network-or-weak-tls";
import { rotationSettingsBeyondGrants } from "./rotation-settings-beyond-grants";

export { keyVaultPublicAccess } from "./key-vault-public-access";
export { keyVaultWithoutPurgeProtection } from "./key-vault-without-purge-protection";
export { keyVaultFirewallAllows } from "./key-vault-firewall-allows";
export { isSingleSecretScope, roleAssignmentWiderThanSecret } from "./role-assignment-wider-than-secret";
export { keyVaultSecretType, apiKeyWithoutExpiration } from "./api-key-without-expiration";
export { privateEndpointWithoutDnsZoneGroup } from "./private-endpoint-without-dns-zone-group";
export { storageAccountWithKeysOrPublicBlobs } from "./storage-account-with-keys-or-public-blobs";
export { functionAppOutsideNetworkOrWeakTls } from "./function-app-outside-network-or-weak-tls";
export { rotationSettingsBeyondGrants } from "./rotation-settings-beyond-grants";

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
