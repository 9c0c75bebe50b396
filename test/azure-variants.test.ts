// The Azure stack on a description other than the example: settings that override defaults, several workloads
// with different reads, an approle workload, token and non-expiring api-key secrets. Synthesized once. Also the
// constructs' own checks.
import { Testing, TerraformStack } from "cdktf";
import { KeyVault } from "../constructs/azure/key-vault";
import { KeyVaultSecret } from "../constructs/azure/key-vault-secret";
import { RbacPropagationWait } from "../constructs/azure/rbac-propagation-wait";
import { WorkloadIdentity } from "../constructs/azure/workload-identity";
import { StackJson, onlyResource, resources, synthYaml } from "./helpers/synth";

const sub = "11111111-2222-3333-4444-555555555555";
const azureBlock = (env: string, extra: string) => `
    azure:
      subscriptionId: ${sub}
      tenantId: 99999999-8888-7777-6666-555555555555
      location: westeurope
      resourceGroupName: rg-${env}
      privateEndpoint:
        subnetId: /subscriptions/${sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet-${env}/subnets/pe
        virtualNetworkId: /subscriptions/${sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet-${env}
      aksOidcIssuerUrl: https://westeurope.oic.prod-aks.azure.com/99999999-8888-7777-6666-555555555555/c1/
      logAnalyticsWorkspaceId: /subscriptions/${sub}/resourceGroups/mon/providers/Microsoft.OperationalInsights/workspaces/law
${extra}`;

const yaml = `
organization: globex
environments:
  prod:
${azureBlock("prod", `      managementLock: false
      rbacPropagationSeconds: 0
      rotation: { subnetId: /subscriptions/${sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet-prod/subnets/rotation }`)}
  qa:
${azureBlock("qa", `      managementLock: true
      keyVaultName: globex-qa-secrets
      deployerObjectId: 77777777-6666-5555-4444-333333333333
      softDeleteRetentionDays: 30
      backend: { type: azurerm, resourceGroupName: rg-state, storageAccountName: globexstate, containerName: tfstate }`)}
applications:
  shop:
    secrets:
      # Production (prod) requires rotation of what the platform can rotate, on Azure too.
      session_token: { type: token, rotation: { everyDays: 30 } }
      stripe: { type: api-key }
      db: { type: postgres, rotation: { strategy: single-user, everyDays: 30 } }
    workloads:
      web:
        kubernetes: { namespace: shop, serviceAccount: shop.web }
        reads: [session_token, stripe]
      worker:
        kubernetes: { namespace: shop-jobs, serviceAccount: worker }
        reads: [db]
      batch:
        approle: {}
        reads: [db, stripe]
`;

const { json } = synthYaml(yaml, { backends: ["azure"] });
const prod = json["azure-prod"];
const qa = json["azure-qa"];

const secretTfName = (stack: StackJson, name: string) =>
  Object.entries(resources(stack, "azurerm_key_vault_secret")).find(([, s]) => s.name === name)![0];
const identityTfName = (stack: StackJson, name: string) =>
  Object.entries(resources(stack, "azurerm_user_assigned_identity")).find(([, i]) => i.name === name)![0];
const readScopesOf = (stack: StackJson, identity: string) =>
  Object.values(resources(stack, "azurerm_role_assignment"))
    .filter((r) => r.principal_id === `\${azurerm_user_assigned_identity.${identity}.principal_id}`)
    .map((r) => {
      expect(r.role_definition_name).toBe("Key Vault Secrets User");
      return r.scope;
    })
    .sort();

describe("settings that override the defaults", () => {
  test("deployerObjectId pins the Secrets Officer to the pipeline's identity instead of whoever runs Terraform", () => {
    const officer = (stack: StackJson) =>
      // On the vault: the rotation function's Secrets Officer roles are on single secrets (test/azure-rotation.test.ts).
      Object.values(resources(stack, "azurerm_role_assignment")).filter((r) => r.role_definition_name === "Key Vault Secrets Officer" && String(r.scope).startsWith("${azurerm_key_vault."));
    expect(officer(qa).map((r) => r.principal_id)).toEqual(["77777777-6666-5555-4444-333333333333"]);
    expect(qa.data?.azurerm_client_config).toBeUndefined();
    expect(officer(prod).map((r) => r.principal_id)).toEqual([expect.stringMatching(/^\$\{data\.azurerm_client_config\.[^.]+\.object_id\}$/)]);
  });

  test("managementLock: false removes the production lock", () => {
    expect(resources(prod, "azurerm_management_lock")).toEqual({});
  });
  test("managementLock: true locks a non-production vault", () => {
    expect(onlyResource(qa, "azurerm_management_lock")).toMatchObject({ lock_level: "CanNotDelete" });
  });
  test("rbacPropagationSeconds: 0 leaves out the wait, and secrets depend on the rest", () => {
    // The only terraform_data left is the rotation function's code deployment step.
    expect(Object.keys(resources(prod, "terraform_data")).filter((n) => !n.startsWith("rotation_"))).toEqual([]);
    for (const s of Object.values(resources(prod, "azurerm_key_vault_secret"))) {
      // A rotated secret also waits for its event subscription (first values), which lands in depends_on too.
      expect(s.depends_on.filter((d: string) => !d.startsWith("azurerm_eventgrid_"))).toHaveLength(3);
      expect(s.depends_on.some((d: string) => d.startsWith("azurerm_role_assignment."))).toBe(true);
      expect(s.depends_on.some((d: string) => d.startsWith("azurerm_private_endpoint."))).toBe(true);
    }
  });
  test("keyVaultName overrides the vault name and softDeleteRetentionDays the retention", () => {
    expect(onlyResource(qa, "azurerm_key_vault")).toMatchObject({ name: "globex-qa-secrets", soft_delete_retention_days: 30 });
    expect(onlyResource(prod, "azurerm_key_vault")).toMatchObject({ name: "globex-prod-kv", soft_delete_retention_days: 90 });
  });
  test("the azurerm state backend from the description, local state otherwise", () => {
    expect(qa.terraform!.backend.azurerm).toMatchObject({ storage_account_name: "globexstate", container_name: "tfstate", key: "secrets-platform/azure-qa.tfstate", use_azuread_auth: true });
    expect(prod.terraform!.backend?.azurerm).toBeUndefined();
  });
});

describe("workloads and secrets", () => {
  test("each Kubernetes workload reads only its own secrets", () => {
    const web = identityTfName(prod, "globex-prod-shop-web");
    const worker = identityTfName(prod, "globex-prod-shop-worker");
    const scope = (name: string) => `\${azurerm_key_vault_secret.${secretTfName(prod, name)}.resource_versionless_id}`;
    expect(readScopesOf(prod, web)).toEqual([scope("shop--session-token"), scope("shop--stripe")].sort());
    expect(readScopesOf(prod, worker)).toEqual([scope("shop--db")]);
  });
  test("an approle workload gets no Azure identity and no role", () => {
    const identities = Object.values(resources(prod, "azurerm_user_assigned_identity")).map((i) => i.name);
    expect(identities.sort()).toEqual(["globex-prod-rotation", "globex-prod-shop-web", "globex-prod-shop-worker"]);
    // reads + deployer; the rotation function's own roles are counted in test/azure-rotation.test.ts.
    const fn = Object.entries(resources(prod, "azurerm_user_assigned_identity")).find(([, i]) => i.name === "globex-prod-rotation")![0];
    const others = Object.values(resources(prod, "azurerm_role_assignment")).filter((r) => !String(r.principal_id).includes(`.${fn}.`) && !String(r.principal_id).includes("eventgrid"));
    expect(others).toHaveLength(3 + 1);
  });
  test("a service account with a dot gets a valid credential name and the exact subject", () => {
    const web = identityTfName(prod, "globex-prod-shop-web");
    const credential = Object.values(resources(prod, "azurerm_federated_identity_credential")).find(
      (c) => c.parent_id === `\${azurerm_user_assigned_identity.${web}.id}`,
    );
    expect(credential).toMatchObject({ name: "shop-shop-web", subject: "system:serviceaccount:shop:shop.web" });
  });
  test("underscores become dashes; token is text/plain; an api-key without expiresAfterDays expires after a year", () => {
    const secrets = Object.values(resources(prod, "azurerm_key_vault_secret"));
    const byName = Object.fromEntries(secrets.map((s) => [s.name, s]));
    expect(Object.keys(byName).sort()).toEqual(["shop--db", "shop--db--rotation", "shop--session-token", "shop--session-token--rotation", "shop--stripe"]);
    expect(byName["shop--session-token"].content_type).toBe("text/plain");
    // No expiresAfterDays: a key a person owns still expires, a year after creation.
    expect(byName["shop--stripe"].expiration_date).toBe('${timeadd(plantimestamp(), "8760h")}');
    expect(byName["shop--stripe"].lifecycle?.ignore_changes).toEqual(["expiration_date"]);
  });
});

describe("the constructs check their props", () => {
  const stack = () => new TerraformStack(Testing.app(), "t");
  const vaultProps = { location: "eastus", resourceGroupName: "rg", tenantId: "t" };
  test("a vault name Azure would refuse", () => {
    expect(() => new KeyVault(stack(), "v", { ...vaultProps, name: "my--vault" })).toThrow(/Key Vault name "my--vault" is invalid/);
    expect(() => new KeyVault(stack(), "v", { ...vaultProps, name: "a-name-that-is-much-too-long-kv" })).toThrow(/3-24/);
  });
  test("soft delete outside 7 to 90 days", () => {
    expect(() => new KeyVault(stack(), "v", { ...vaultProps, name: "ok-kv", softDeleteRetentionDays: 120 })).toThrow(/7 to 90/);
  });
  test("a secret name with characters Key Vault refuses, and a non-positive expiry", () => {
    const s = stack();
    const vault = new KeyVault(s, "v", { ...vaultProps, name: "ok-kv" });
    expect(() => new KeyVaultSecret(s, "a", { keyVault: vault, name: "my_secret" })).toThrow(/1-127 letters, digits and dashes/);
    expect(() => vault.addSecret("b", { name: "ok", expiresAfterDays: 0 })).toThrow(/at least 1/);
  });
  test("a secret without a value writes the marker once, with no precondition to trip", () => {
    const s = stack();
    const vault = new KeyVault(s, "v", { ...vaultProps, name: "ok-kv" });
    vault.addSecret("plain", { name: "plain" });
    const synthesized = JSON.parse(Testing.synth(s));
    const secret = onlyResource(synthesized, "azurerm_key_vault_secret");
    expect(secret).toMatchObject({ value_wo: "unset: put the value with az keyvault secret set", value_wo_version: 1 });
    expect(secret.value).toBeUndefined();
    expect(secret.lifecycle).toBeUndefined();
    expect(secret.depends_on).toBeUndefined();
  });
  test("data-plane dependencies added after a secret are refused, since the secret would not wait for them", () => {
    const s = stack();
    const vault = new KeyVault(s, "v", { ...vaultProps, name: "ok-kv" });
    vault.addSecret("first", { name: "first" });
    expect(() => vault.addPrivateEndpoint({ subnetId: "/s", virtualNetworkIds: ["/v"] })).toThrow(/before the first secret/);
  });
  test("a long virtual network name still gives DNS link names within Azure's 80 characters, distinct per network", () => {
    const s = stack();
    const vault = new KeyVault(s, "v", { ...vaultProps, name: "globex-staging-secrets" }); // 22 characters
    const vnet = (suffix: string) => `/subscriptions/${sub}/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet-${"x".repeat(55)}-${suffix}`;
    vault.addPrivateEndpoint({ subnetId: `${vnet("a")}/subnets/pe`, virtualNetworkIds: [vnet("a"), vnet("b"), "/subscriptions/x/virtualNetworks/short"] });
    const names = Object.values(resources(JSON.parse(Testing.synth(s)), "azurerm_private_dns_zone_virtual_network_link")).map((l) => l.name as string);
    expect(names).toHaveLength(3);
    for (const n of names) expect(n).toMatch(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}[A-Za-z0-9_]$/);
    expect(new Set(names).size).toBe(3);
    expect(names).toContain("globex-staging-secrets-short"); // short names are unchanged
  });
  test("a workload identity needs an https issuer", () => {
    expect(
      () =>
        new WorkloadIdentity(stack(), "w", {
          name: "w",
          location: "eastus",
          resourceGroupName: "rg",
          oidcIssuerUrl: "http://issuer.example/",
          namespace: "n",
          serviceAccount: "s",
        }),
    ).toThrow(/https/);
  });
  test("an RBAC wait outside 1 to 600 seconds", () => {
    const s = stack();
    const vault = new KeyVault(s, "v", { ...vaultProps, name: "ok-kv" });
    const grant = vault.grantSecretsOfficer(new WorkloadIdentity(s, "w", { name: "w", location: "eastus", resourceGroupName: "rg", oidcIssuerUrl: "https://i/", namespace: "n", serviceAccount: "s" }));
    expect(() => new RbacPropagationWait(s, "wait", { after: [grant.assignment], seconds: 0 })).toThrow(/1 to 600/);
  });
});

describe("enterprise networks: an existing private DNS zone and an existing resource group", () => {
  const hubZone = "/subscriptions/99999999-0000-0000-0000-000000000000/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";
  const hub = (env: string) => azureBlock(env, "").replace(
    "      privateEndpoint:\n",
    `      existingResourceGroup: true\n      privateEndpoint:\n        privateDnsZoneId: ${hubZone}\n`,
  );
  // Two environments on one spoke network share the hub's zone: nothing to link twice.
  const spoke = `
organization: globex
environments:
  dev:
${hub("dev")}
  qa:
${hub("dev").replace("rg-dev", "rg-qa")}
applications:
  shop:
    secrets: { stripe: { type: api-key } }
`;
  const { json } = synthYaml(spoke, { backends: ["azure"] });
  const stack = json["azure-dev"];

  it("registers the endpoint in the hub's zone by id, and creates no zone and no link", () => {
    const pe = onlyResource(stack, "azurerm_private_endpoint");
    expect(pe.private_dns_zone_group).toEqual({ name: "default", private_dns_zone_ids: [hubZone] });
    expect(resources(stack, "azurerm_private_dns_zone")).toEqual({});
    expect(resources(stack, "azurerm_private_dns_zone_virtual_network_link")).toEqual({});
    // Secrets still wait for the endpoint, which carries the zone group.
    const secret = onlyResource(stack, "azurerm_key_vault_secret");
    expect(secret.depends_on).toEqual(expect.arrayContaining([expect.stringMatching(/^azurerm_private_endpoint\./)]));
  });

  it("reads the existing resource group instead of creating (and owning) it", () => {
    expect(resources(stack, "azurerm_resource_group")).toEqual({});
    expect(Object.values(stack.data?.azurerm_resource_group ?? {})).toEqual([expect.objectContaining({ name: "rg-dev" })]);
    const ref = `\${data.azurerm_resource_group.${Object.keys(stack.data!.azurerm_resource_group)[0]}.name}`;
    expect(onlyResource(stack, "azurerm_key_vault").resource_group_name).toBe(ref);
    expect(onlyResource(stack, "azurerm_private_endpoint").resource_group_name).toBe(ref);
  });

  it("refuses a private endpoint without a DNS zone", () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const vault = new KeyVault(stack, "kv", { name: "kv-test-1", location: "westeurope", resourceGroupName: "rg", tenantId: sub });
    expect(() => vault.addPrivateEndpoint({ subnetId: "/subscriptions/x/subnets/pe", virtualNetworkIds: [] })).toThrow(/at least one virtual network/);
  });
});
