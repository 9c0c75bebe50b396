// The azure-<env> stacks of the example description (config/platform.yaml): every promise of the Azure issue,
// checked on the synthesized Terraform JSON (no azurerm provider binary on these machines), plus a snapshot.
import { pendingSecretName } from "../contracts/azure-rotation";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { environmentModel } from "../config/model";
import { keyVaultSecretName } from "../config/naming";
import { StackJson, onlyResource, resources, synthExample } from "./helpers/synth";
import { stableForSnapshot } from "./helpers/snapshot";

const platform = loadPlatform(DEFAULT_CONFIG);
const { json } = synthExample(["azure"]);
const azureEnvs = Object.entries(platform.environments).filter(([, e]) => e.azure);

/** "${azurerm_x.name.attr}" for a resource of the stack. */
const ref = (type: string, name: string, attr: string) => `\${${type}.${name}.${attr}}`;
/** The Terraform name of the only resource of a type. */
const onlyName = (stack: StackJson, type: string): string => {
  const names = Object.keys(resources(stack, type));
  if (names.length !== 1) throw new Error(`expected one ${type}, found ${names.length}`);
  return names[0];
};
const rolesNamed = (stack: StackJson, role: string) =>
  Object.entries(resources(stack, "azurerm_role_assignment")).filter(([, r]) => r.role_definition_name === role);

test("the example builds one Azure stack per environment with an azure block", () => {
  expect(Object.keys(json).sort()).toEqual(azureEnvs.map(([env]) => `azure-${env}`).sort());
  expect(azureEnvs.length).toBe(3);
});

describe.each(azureEnvs)("azure-%s", (env, spec) => {
  const azure = spec.azure!;
  const model = environmentModel(platform, env);
  const stack = json[`azure-${env}`];
  const vaultName = onlyName(stack, "azurerm_key_vault");
  const vaultId = ref("azurerm_key_vault", vaultName, "id");
  const vault = resources(stack, "azurerm_key_vault")[vaultName];
  const secretsByName: Record<string, { tfName: string; s: any }> = Object.fromEntries(
    Object.entries(resources(stack, "azurerm_key_vault_secret")).map(([tfName, s]) => [s.name, { tfName, s }]),
  );

  test("matches the snapshot", () => {
    // The rotation package's hash and deployment command are masked (asserted in azure-rotation.test.ts).
    expect(stableForSnapshot(stack)).toMatchSnapshot();
  });

  describe("the vault", () => {
    test("is named <org>-<env>-kv in the description's tenant, group and location", () => {
      expect(vault.name).toBe(`acme-${env}-kv`);
      expect(vault.tenant_id).toBe(azure.tenantId);
      expect(vault.location).toBe(azure.location);
      expect(vault.resource_group_name).toBe(ref("azurerm_resource_group", onlyName(stack, "azurerm_resource_group"), "name"));
      expect(onlyResource(stack, "azurerm_resource_group").name).toBe(azure.resourceGroupName);
    });
    test("authorizes with RBAC only: rbac on, no access policies", () => {
      expect(vault.rbac_authorization_enabled).toBe(true);
      expect(vault.enable_rbac_authorization).toBeUndefined();
      expect(vault.access_policy).toBeUndefined();
      expect(resources(stack, "azurerm_key_vault_access_policy")).toEqual({});
    });
    test("has purge protection", () => {
      expect(vault.purge_protection_enabled).toBe(true);
    });
    test("keeps deleted secrets for 90 days", () => {
      expect(vault.soft_delete_retention_days).toBe(90);
    });
    test("refuses public network access", () => {
      expect(vault.public_network_access_enabled).toBe(false);
    });
    test("network ACLs deny by default, bypass only for trusted Azure services, no allowed IPs or subnets", () => {
      expect(vault.network_acls).toEqual({ default_action: "Deny", bypass: "AzureServices", ip_rules: [], virtual_network_subnet_ids: [] });
    });
    test("is tagged with organization and environment", () => {
      expect(vault.tags).toMatchObject({ organization: "acme", environment: env, "managed-by": "secrets-platform" });
    });
    test("the provider targets the description's subscription and tenant and never purges on destroy", () => {
      const provider = stack.provider!.azurerm[0];
      expect(provider.subscription_id).toBe(azure.subscriptionId);
      expect(provider.tenant_id).toBe(azure.tenantId);
      expect(provider.features[0].key_vault[0]).toMatchObject({ purge_soft_delete_on_destroy: false, purge_soft_deleted_secrets_on_destroy: false });
      expect(stack.terraform!.required_providers.azurerm.version).toBe("~> 4.55");
      // Ephemeral variable and write-only value_wo: an older Terraform is told which version it needs.
      expect(stack.terraform!.required_version).toBe(">= 1.11");
    });
  });

  describe("private network access", () => {
    const zoneName = onlyName(stack, "azurerm_private_dns_zone");
    const endpoint = onlyResource(stack, "azurerm_private_endpoint");
    test("the private DNS zone is privatelink.vaultcore.azure.net", () => {
      expect(resources(stack, "azurerm_private_dns_zone")[zoneName].name).toBe("privatelink.vaultcore.azure.net");
    });
    test("the zone is linked to the description's virtual network, without auto-registration", () => {
      const link = onlyResource(stack, "azurerm_private_dns_zone_virtual_network_link");
      expect(link.virtual_network_id).toBe(azure.privateEndpoint.virtualNetworkId);
      expect(link.private_dns_zone_name).toBe(ref("azurerm_private_dns_zone", zoneName, "name"));
      expect(link.registration_enabled).toBe(false);
    });
    test("the endpoint sits in the description's subnet and connects to the vault's 'vault' sub-resource", () => {
      expect(endpoint.subnet_id).toBe(azure.privateEndpoint.subnetId);
      expect(endpoint.private_service_connection).toEqual({
        name: `acme-${env}-kv-pe-connection`,
        private_connection_resource_id: vaultId,
        subresource_names: ["vault"],
        is_manual_connection: false,
      });
    });
    test("the endpoint's DNS zone group registers it in the private zone", () => {
      expect(endpoint.private_dns_zone_group.private_dns_zone_ids).toEqual([ref("azurerm_private_dns_zone", zoneName, "id")]);
    });
  });

  test("diagnostics send AuditEvent logs and all metrics of the vault to the description's workspace", () => {
    const diag = onlyResource(stack, "azurerm_monitor_diagnostic_setting");
    expect(diag.target_resource_id).toBe(vaultId);
    expect(diag.log_analytics_workspace_id).toBe(azure.logAnalyticsWorkspaceId);
    expect(diag.enabled_log).toEqual([{ category: "AuditEvent" }]);
    expect(diag.enabled_metric).toEqual([{ category: "AllMetrics" }]);
  });

  describe("workload identity", () => {
    const k8sWorkloads = model.workloads.filter((w) => w.spec.kubernetes);
    const identities = resources(stack, "azurerm_user_assigned_identity");
    const credentials = Object.values(resources(stack, "azurerm_federated_identity_credential"));
    const identityOf = (app: string, workload: string) => {
      const found = Object.entries(identities).filter(([, i]) => i.name === `acme-${env}-${app}-${workload}`);
      expect(found).toHaveLength(1);
      return found[0][0];
    };

    test("one user-assigned identity and one federated credential per Kubernetes workload, besides the rotation function's", () => {
      expect(k8sWorkloads.length).toBeGreaterThan(0);
      const workloadIdentities = Object.values(identities).filter((i) => i.name !== `acme-${env}-rotation`);
      expect(workloadIdentities).toHaveLength(k8sWorkloads.length);
      expect(Object.keys(identities)).toHaveLength(k8sWorkloads.length + 1);
      expect(credentials).toHaveLength(k8sWorkloads.length);
    });
    test.each(model.workloads.filter((w) => w.spec.kubernetes).map((w) => [`${w.app}/${w.name}`, w] as const))(
      "%s: credential has the cluster issuer, its service account subject and the token-exchange audience",
      (_, w) => {
        const identity = identityOf(w.app, w.name);
        const credential = credentials.filter((c) => c.parent_id === ref("azurerm_user_assigned_identity", identity, "id"));
        expect(credential).toHaveLength(1);
        expect(credential[0].issuer).toBe(azure.aksOidcIssuerUrl);
        expect(credential[0].subject).toBe(`system:serviceaccount:${w.spec.kubernetes!.namespace}:${w.spec.kubernetes!.serviceAccount}`);
        expect(credential[0].audience).toEqual(["api://AzureADTokenExchange"]);
      },
    );
    test("each workload holds Key Vault Secrets User on exactly the secrets it reads, each scoped to that one secret", () => {
      const expected = k8sWorkloads
        .flatMap((w) =>
          w.reads.map((r) => ({
            principal: ref("azurerm_user_assigned_identity", identityOf(w.app, w.name), "principal_id"),
            scope: ref("azurerm_key_vault_secret", secretsByName[keyVaultSecretName(r.app, r.name)].tfName, "resource_versionless_id"),
          })),
        )
        .sort((a, b) => a.scope.localeCompare(b.scope) || a.principal.localeCompare(b.principal));
      const actual = rolesNamed(stack, "Key Vault Secrets User")
        .map(([, r]) => ({ principal: r.principal_id, scope: r.scope }))
        .sort((a, b) => a.scope.localeCompare(b.scope) || a.principal.localeCompare(b.principal));
      expect(actual).toEqual(expected);
      expect(actual.length).toBe(6); // api reads 3, worker 2, web 1
    });
    test("no reader role is scoped to the vault, the resource group or anything but a single secret's versionless id", () => {
      for (const [, r] of rolesNamed(stack, "Key Vault Secrets User")) {
        expect(r.scope).toMatch(/^\$\{azurerm_key_vault_secret\.[^.]+\.resource_versionless_id\}$/);
        expect(r.principal_type).toBe("ServicePrincipal");
      }
    });
    test("the only other Key Vault role on the vault is the deployer's Secrets Officer; the rotation function's are per secret", () => {
      const officers = rolesNamed(stack, "Key Vault Secrets Officer").filter(([, r]) => r.scope === vaultId);
      expect(officers).toHaveLength(1);
      const [, officer] = officers[0];
      expect(officer.principal_id).toBe(ref("data.azurerm_client_config", onlyName({ resource: stack.data }, "azurerm_client_config"), "object_id"));
      const perSecret = rolesNamed(stack, "Key Vault Secrets Officer").filter(([, r]) => r.scope !== vaultId);
      for (const [, r] of perSecret) expect(r.scope).toMatch(/^\$\{azurerm_key_vault_secret\.[^.]+\.resource_versionless_id\}$/);
      // The rest are the rotation function's storage and telemetry roles (test/azure-rotation.test.ts).
      const others = Object.values(resources(stack, "azurerm_role_assignment")).filter((r) => !r.role_definition_name.startsWith("Key Vault"));
      expect([...new Set(others.map((r) => r.role_definition_name))].sort()).toEqual(["Monitoring Metrics Publisher", "Storage Blob Data Contributor", "Storage Blob Data Owner"]);
    });
    test("the client ids are outputs for the service account annotations", () => {
      const value = stack.output!.workload_client_ids.value as Record<string, string>;
      expect(value).toEqual(Object.fromEntries(k8sWorkloads.map((w) => [`${w.app}/${w.name}`, ref("azurerm_user_assigned_identity", identityOf(w.app, w.name), "client_id")])));
    });
  });

  describe("secrets", () => {
    test("every secret of the description is <app>--<secret> in the vault, beside a pending companion per rotated one", () => {
      const rotated = model.secrets.filter((s) => s.spec.type !== "api-key" && s.spec.rotation).map((s) => keyVaultSecretName(s.app, s.name));
      expect(rotated.length).toBeGreaterThan(0);
      expect(Object.keys(secretsByName).sort()).toEqual([...model.secrets.map((s) => keyVaultSecretName(s.app, s.name)), ...rotated.map(pendingSecretName)].sort());
      for (const { s } of Object.values(secretsByName)) expect(s.key_vault_id).toBe(vaultId);
    });
    test("content type by secret type, tags with the logical path", () => {
      for (const m of model.secrets) {
        const { s } = secretsByName[keyVaultSecretName(m.app, m.name)];
        expect(s.content_type).toBe(m.spec.type === "token" ? "text/plain" : "application/json");
        expect(s.tags).toMatchObject({ app: m.app, secret: m.name, type: m.spec.type, path: `${env}/${m.app}/${m.name}` });
      }
    });
    test("the api-key expires expiresAfterDays after creation, fixed once (no churn in synth or plan)", () => {
      const { s } = secretsByName["myapp--openai"];
      expect(s.expiration_date).toBe('${timeadd(plantimestamp(), "2160h")}'); // 90 days
      expect(s.lifecycle.ignore_changes).toEqual(["expiration_date"]);
      for (const name of ["dbadmin--master", "myapp--database", "myapp--jwt"]) {
        expect(secretsByName[name].s.expiration_date).toBeUndefined();
      }
    });
    test("no value in the synthesized JSON: only the write-only value_wo, from the ephemeral variable unless the secret rotates", () => {
      for (const [name, { s }] of Object.entries(secretsByName)) {
        expect(s.value).toBeUndefined();
        if (name === "myapp--openai") expect(s.value_wo).toBe(`\${lookup(var.secret_values, "${name}", "unset: put the value with az keyvault secret set")}`);
        // Rotated secrets: the marker, never secret_values; the function writes the first value (azure-rotation.test.ts).
        else expect(s.value_wo).toBe("unset: put the value with az keyvault secret set");
      }
      expect(stack.variable!.secret_values).toEqual(expect.objectContaining({ ephemeral: true, sensitive: true, type: "map(string)", default: {} }));
      expect(Object.keys(stack.variable!)).toEqual(["secret_values"]);
    });
    test("Terraform writes a value only when it creates the secret: value_wo_version never changes", () => {
      for (const { s } of Object.values(secretsByName)) expect(s.value_wo_version).toBe(1);
    });
  });

  describe("ordering in one apply", () => {
    const endpointName = onlyName(stack, "azurerm_private_endpoint");
    const linkName = onlyName(stack, "azurerm_private_dns_zone_virtual_network_link");
    const [officerName] = rolesNamed(stack, "Key Vault Secrets Officer").find(([, r]) => r.scope === vaultId)!;
    const waitName = Object.keys(resources(stack, "terraform_data")).find((n) => n.startsWith("rbac-propagation"))!;
    const ready = [
      `azurerm_private_endpoint.${endpointName}`, // carries the DNS zone group
      `azurerm_private_dns_zone_virtual_network_link.${linkName}`,
      `azurerm_role_assignment.${officerName}`,
      `terraform_data.${waitName}`,
    ];
    test("every secret waits for the endpoint, its DNS, the deployer's role and the RBAC propagation wait", () => {
      // Rotated secrets also wait for their event subscription (azure-rotation.test.ts).
      for (const { s } of Object.values(secretsByName)) expect(s.depends_on.slice(0, ready.length)).toEqual(ready);
      expect(secretsByName["myapp--openai"].s.depends_on).toEqual(ready);
    });
    test("every Key Vault role assignment on a secret waits for the same", () => {
      const onSecrets = Object.values(resources(stack, "azurerm_role_assignment")).filter((r) => String(r.scope).startsWith("${azurerm_key_vault_secret."));
      expect(onSecrets.length).toBeGreaterThan(6);
      for (const r of onSecrets) expect(r.depends_on).toEqual(ready);
    });
    test("the wait runs after the deployer's role, once per role assignment, with no extra provider", () => {
      const wait = resources(stack, "terraform_data")[waitName];
      expect(wait.triggers_replace).toEqual({ roleAssignments: [ref("azurerm_role_assignment", officerName, "id")] });
      expect(wait.provisioner).toEqual([{ "local-exec": { command: "sleep 60" } }]);
      expect(Object.keys(stack.terraform!.required_providers)).toEqual(["azurerm"]);
    });
    test("the deployer's role waits for nothing that waits for it (no cycle)", () => {
      expect(resources(stack, "azurerm_role_assignment")[officerName].depends_on).toBeUndefined();
    });
  });

  test(env === "prod" ? "production: a CanNotDelete lock on the vault" : "not production: no lock by default", () => {
    const locks = Object.values(resources(stack, "azurerm_management_lock"));
    if (env === "prod") {
      expect(locks).toEqual([expect.objectContaining({ lock_level: "CanNotDelete", scope: vaultId })]);
    } else {
      expect(locks).toEqual([]);
    }
  });
});
