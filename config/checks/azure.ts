// The Azure side: Key Vault and managed identity names that Azure must accept and that must not meet, resources two
// environments must not share, and combinations of an environment's azure block.
import { azureIdentityName, KEY_VAULT_NAME, keyVaultName, keyVaultSecretName } from "../naming";
import { Add, Check, entries, isMap, Loose, workloadsOf } from "./shared";

export const checkAzure: Check = ({ apps, envs, org }, add) => {
  const kvNames = new Map<string, string>();
  for (const [app, spec] of apps) {
    for (const [secret] of entries(spec.secrets)) {
      const at = `applications.${app}.secrets.${secret}`;
      const kv = keyVaultSecretName(app, secret);
      const twin = kvNames.get(kv);
      if (twin) add(at, `its Key Vault name "${kv}" is the same as that of ${twin}; rename one of them`);
      else kvNames.set(kv, at);
    }
  }

  const hasVault = envs.some(([, e]) => isMap(e.vault));
  const hasAzure = envs.some(([, e]) => isMap(e.azure));
  const azureIdentityNames = new Map<string, string>();
  for (const [app, workload, w] of workloadsOf(apps)) {
    if (w.kubernetes === undefined) continue; // approle workloads get no Azure identity
    const at = `applications.${app}.workloads.${workload}`;
    if (!hasVault && hasAzure) {
      // Without Vault the same meeting as in Vault policy names happens in the Azure managed identity names
      // <org>-<env>-<app>-<workload> (the Vault check covers every workload when there is Vault).
      const identity = azureIdentityName("<org>", "<env>", app, workload);
      const twin = azureIdentityNames.get(identity);
      if (twin) add(at, `its Azure managed identity name "${identity}" is the same as that of ${twin}; rename one of them`);
      else azureIdentityNames.set(identity, at);
    }
    // No length check: azureIdentityName shortens a name past Azure's 128 characters with a hash (config/azure-names.ts).
  }

  checkSharedAzureResources(envs, add);

  for (const [env, e] of envs) {
    if (!isMap(e.azure)) continue;
    const at = `environments.${env}`;
    if (org) {
      const name = azureVaultName(org, env, e.azure);
      if (!KEY_VAULT_NAME.test(name)) {
        add(
          e.azure.keyVaultName ? `${at}.azure.keyVaultName` : at,
          `the Key Vault name "${name}" is invalid: Azure allows 3-24 letters, digits and single dashes, starting with a letter and ending with a letter or digit${e.azure.keyVaultName ? "" : "; shorten the organization or environment name, or set azure.keyVaultName"}`,
        );
      }
      const twin = envs.slice(0, envs.findIndex(([n]) => n === env)).find(([n, o]) => isMap(o.azure) && azureVaultName(org, n, o.azure) === name);
      if (twin) add(e.azure.keyVaultName ? `${at}.azure.keyVaultName` : at, `its Key Vault name "${name}" is the same as environment ${twin[0]}'s; vault names are global, give each environment its own`);
    }
    checkAzureEnvironment(`${at}.azure`, e.azure, add);
  }
};

/**
 * Each azure stack creates and owns its resource group, and creates its own privatelink.vaultcore.azure.net zone linked
 * to its virtual network. Two environments sharing either would fight over it: the second resource group already
 * exists (and destroying one environment would delete the other's), and Azure refuses to link one virtual network to
 * two zones of the same name ("A virtual network cannot be linked to multiple zones with overlapping namespaces").
 */
function checkSharedAzureResources(envs: [string, Loose][], add: Add): void {
  const groups = new Map<string, string>();
  const networks = new Map<string, string>();
  for (const [env, e] of envs) {
    if (!isMap(e.azure)) continue;
    const a = e.azure;
    const at = `environments.${env}.azure`;
    // An existing resource group is owned elsewhere, and a zone given by id is linked elsewhere: sharing them is fine.
    if (typeof a.subscriptionId === "string" && typeof a.resourceGroupName === "string" && a.existingResourceGroup !== true) {
      // Resource group names are case-insensitive.
      const key = `${a.subscriptionId.toLowerCase()}/${a.resourceGroupName.toLowerCase()}`;
      const twin = groups.get(key);
      if (twin) {
        add(`${at}.resourceGroupName`, `is also the resource group of environment ${twin} in subscription ${a.subscriptionId}; each Azure stack creates and owns its resource group, so give each environment its own`);
      } else groups.set(key, env);
    }
    const vnet = isMap(a.privateEndpoint) ? a.privateEndpoint.virtualNetworkId : undefined;
    if (typeof vnet === "string" && !(isMap(a.privateEndpoint) && a.privateEndpoint.privateDnsZoneId !== undefined)) {
      const key = vnet.toLowerCase();
      const twin = networks.get(key);
      if (twin) {
        add(`${at}.privateEndpoint.virtualNetworkId`, `is also the virtual network of environment ${twin}; each Azure stack links its own privatelink.vaultcore.azure.net zone to it, and Azure links a virtual network to only one zone of a name: give each environment its own virtual network`);
      } else networks.set(key, env);
    }
  }
}

/** Azure-specific combinations that the schema's field formats cannot see. */
function checkAzureEnvironment(at: string, a: Loose, add: Add): void {
  const pe = isMap(a.privateEndpoint) ? a.privateEndpoint : {};
  const subscriptionOf = (id: unknown) => (typeof id === "string" ? /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1]?.toLowerCase() : undefined);
  const subnetSubscription = subscriptionOf(pe.subnetId);
  if (typeof a.subscriptionId === "string" && subnetSubscription && subnetSubscription !== a.subscriptionId.toLowerCase()) {
    add(`${at}.privateEndpoint.subnetId`, `is in subscription ${subnetSubscription}, not in this environment's subscription ${a.subscriptionId}; a private endpoint must be in the subscription of its virtual network`);
  }
  if (typeof a.aksOidcIssuerUrl === "string") {
    try {
      const issuer = new URL(a.aksOidcIssuerUrl);
      // Federated credentials compare the issuer as a string; AKS issuers end with "/", so a missing one fails at sign-in.
      if (issuer.hostname.endsWith(".oic.prod-aks.azure.com") && !a.aksOidcIssuerUrl.endsWith("/")) {
        add(`${at}.aksOidcIssuerUrl`, `must end with "/" exactly as AKS issues it (az aks show --query oidcIssuerProfile.issuerUrl); federated credentials compare the issuer character for character`);
      }
    } catch {
      // the schema reports a malformed URL
    }
  }
}

const azureVaultName = (org: string, env: string, a: Loose): string =>
  keyVaultName(org, env, typeof a.keyVaultName === "string" ? a.keyVaultName : undefined);
