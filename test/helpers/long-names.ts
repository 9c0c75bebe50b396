// A description whose every name is at the schema's limit (config/schema.ts): organization 32 characters, environment 24,
// applications, secrets and workloads 40, a stack group 20, a resource group 90, Kubernetes namespace 63 and service
// account 253; with Azure rotation, a stack group, an azurerm backend and a pipeline (bootstrap-<env>), so that every
// Azure resource the platform names is built.
import { exampleDescription } from "./descriptions";

/** A lowercase name of exactly `length` characters, dash-separated, starting with `prefix`. */
export function nameOfLength(prefix: string, length: number): string {
  let name = prefix;
  while (name.length < length) name += name.length % 9 === 8 ? "-" : "x";
  name = name.slice(0, length);
  return name.endsWith("-") ? `${name.slice(0, -1)}z` : name;
}

export const LONG = {
  organization: nameOfLength("org", 32),
  environment: nameOfLength("env", 24),
  app: nameOfLength("app", 40),
  groupedApp: nameOfLength("grp", 40),
  secret: nameOfLength("sec", 40),
  tokenSecret: nameOfLength("tok", 40),
  keySecret: nameOfLength("key", 40),
  workload: nameOfLength("wl", 40),
  group: nameOfLength("g", 20),
  resourceGroup: `rg-${"r".repeat(87)}`,
  namespace: nameOfLength("ns", 63),
  serviceAccount: nameOfLength("sa", 253),
} as const;

export function longNamesDescription(): any {
  const example = exampleDescription();
  const azure = example.environments.dev.azure;
  const sub = "00000000-0000-0000-0000-00000000000f";
  const network = `/subscriptions/${sub}/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworks/${nameOfLength("vnet", 64)}`;
  const secrets = {
    [LONG.secret]: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } },
    [LONG.tokenSecret]: { type: "token", rotation: { everyDays: 30 } },
    [LONG.keySecret]: { type: "api-key" },
  };
  // One service account carries one identity: each application's workload has its own.
  const workloads = (serviceAccount: string) => ({
    [LONG.workload]: { kubernetes: { namespace: LONG.namespace, serviceAccount }, reads: Object.keys(secrets) },
  });
  return {
    organization: LONG.organization,
    environments: {
      [LONG.environment]: {
        azure: {
          ...azure,
          subscriptionId: sub,
          resourceGroupName: LONG.resourceGroup,
          // <org>-<env>-kv cannot be 24 characters at these lengths: validation asks for keyVaultName.
          keyVaultName: "kv-long-names-at-limit-1",
          privateEndpoint: { subnetId: `${network}/subnets/private-endpoints`, virtualNetworkId: network },
          rotation: { subnetId: `${network}/subnets/rotation-function` },
          backend: { type: "azurerm", resourceGroupName: LONG.resourceGroup, storageAccountName: "tfstate0123456789abcdef0", containerName: nameOfLength("state", 63) },
        },
        pipeline: { github: { repository: "acme/secrets-platform", environment: LONG.environment, runsOn: ["self-hosted", "linux"] }, createStateStorage: true },
      },
    },
    applications: {
      [LONG.app]: { secrets, workloads: workloads(LONG.serviceAccount) },
      [LONG.groupedApp]: { stackGroup: LONG.group, secrets, workloads: workloads(`${LONG.serviceAccount.slice(0, 252)}y`) },
    },
  };
}
