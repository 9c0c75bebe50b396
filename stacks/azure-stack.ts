// The azure-<env> stack: one Key Vault per environment, reachable only through its private endpoint, audited to
// Log Analytics, holding every secret of the description as <app>--<secret>, each readable only by the Kubernetes
// workloads that list it in `reads` (AKS workload identity, one role assignment per secret).
import { Fn, TerraformOutput, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { DataAzurermResourceGroup } from "@cdktf/provider-azurerm/lib/data-azurerm-resource-group";
import type { EnvironmentModel, SecretModel } from "../config/model";
import { DEFAULTS, type SecretSpec } from "../config/schema";
import { environmentTags, MANAGED_BY, TAGS } from "../config/tags";
import { azureIdentityName, keyVaultName, keyVaultSecretName, MIN_TERRAFORM_VERSION } from "../config/naming";
import { PlatformStack } from "./platform-stack";
import { configureStateBackend } from "./backend";
import { DeployingPrincipal } from "../constructs/azure/deploying-principal";
import { KeyVault } from "../constructs/azure/key-vault";
import { KeyVaultSecret, UNSET_SECRET_VALUE } from "../constructs/azure/key-vault-secret";
import { RbacPropagationWait } from "../constructs/azure/rbac-propagation-wait";
import { WorkloadIdentity } from "../constructs/azure/workload-identity";

/** What each secret type's value is: JSON documents (DESIGN.md section 2) or, for token, the bare value. */
const CONTENT_TYPES: Record<SecretSpec["type"], string> = {
  postgres: "application/json",
  jwt: "application/json",
  "api-key": "application/json",
  token: "text/plain",
};

/** Terraform input name, also the TF_VAR_ name a deployer sets. */
export const SECRET_VALUES_VARIABLE = "secret_values";

export class AzureSecretsStack extends PlatformStack {
  /** The environment's Key Vault (its URI is what External Secrets and applications use). */
  readonly keyVault: KeyVault;
  /** Managed identities of Kubernetes workloads, by `<app>/<workload>`. */
  readonly workloadIdentities = new Map<string, WorkloadIdentity>();

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel) {
    super(scope, id);
    const azure = environment.spec.azure;
    if (!azure) throw new Error(`${id}: environment ${environment.name} has no azure block`);
    configureStateBackend(this, id, azure.backend, environment.production);

    new AzurermProvider(this, "azurerm", {
      subscriptionId: azure.subscriptionId,
      tenantId: azure.tenantId,
      // Never purge on destroy: a destroyed vault or secret stays recoverable for the soft-delete period.
      features: [
        {
          keyVault: [
            {
              purgeSoftDeleteOnDestroy: false,
              purgeSoftDeletedSecretsOnDestroy: false,
              recoverSoftDeletedKeyVaults: true,
              recoverSoftDeletedSecrets: true,
            },
          ],
        },
      ],
    });
    // value_wo on secrets and rbac_authorization_enabled on the vault need a release as new as the bindings.
    this.addOverride("terraform.required_providers.azurerm.version", "~> 4.55");
    // Ephemeral variables (1.10) feeding write-only arguments (1.11): an older Terraform would stop on an unknown
    // "ephemeral" argument; this makes it say which version is needed instead.
    this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);

    const tags = environmentTags(environment.organization, environment.name);
    // An existing group is read, so that a wrong name fails at plan, and never owned: destroying the stack leaves it.
    const group = azure.existingResourceGroup
      ? new DataAzurermResourceGroup(this, "resource-group", { name: azure.resourceGroupName })
      : new ResourceGroup(this, "resource-group", { name: azure.resourceGroupName, location: azure.location, tags });

    const vault = (this.keyVault = new KeyVault(this, "key-vault", {
      name: keyVaultName(environment.organization, environment.name, azure.keyVaultName),
      location: azure.location,
      resourceGroupName: group.name,
      tenantId: azure.tenantId,
      softDeleteRetentionDays: azure.softDeleteRetentionDays,
      tags,
    }));
    vault.addPrivateEndpoint({
      subnetId: azure.privateEndpoint.subnetId,
      virtualNetworkIds: [azure.privateEndpoint.virtualNetworkId],
      existingPrivateDnsZoneId: azure.privateEndpoint.privateDnsZoneId,
    });
    vault.addDiagnostics({ logAnalyticsWorkspaceId: azure.logAnalyticsWorkspaceId });
    if (azure.managementLock ?? environment.production) vault.addDeleteLock();

    // Terraform itself writes secret metadata through the data plane, so the deployer needs a data-plane role,
    // granted before any secret is created (and given time to propagate).
    const deployer = new DeployingPrincipal(this, "deployer", { objectId: azure.deployerObjectId });
    const officer = vault.grantSecretsOfficer(deployer, "Terraform deployer: create and update the platform's secrets");
    vault.addDataPlaneDependency(officer.assignment);
    if (azure.rbacPropagationSeconds > 0) {
      const wait = new RbacPropagationWait(this, "rbac-propagation", {
        after: [officer.assignment],
        seconds: azure.rbacPropagationSeconds,
      });
      vault.addDataPlaneDependency(wait.resource);
    }

    const secrets = this.addSecrets(vault, environment.secrets);
    const clientIds: Record<string, string> = {};
    for (const workload of environment.workloads) {
      const k8s = workload.spec.kubernetes;
      if (!k8s) continue; // approle workloads read from Vault only; they get no Azure identity
      const identity = new WorkloadIdentity(this, `${workload.app}-${workload.name}`, {
        name: azureIdentityName(environment.organization, environment.name, workload.app, workload.name),
        location: azure.location,
        resourceGroupName: group.name,
        oidcIssuerUrl: azure.aksOidcIssuerUrl,
        namespace: k8s.namespace,
        serviceAccount: k8s.serviceAccount,
        tags: { ...tags, app: workload.app, workload: workload.name },
      });
      for (const read of workload.reads) secrets.get(read.path)!.grantRead(identity);
      clientIds[`${workload.app}/${workload.name}`] = identity.clientId;
      this.workloadIdentities.set(`${workload.app}/${workload.name}`, identity);
    }

    new TerraformOutput(this, "key_vault_name", { value: vault.vaultName });
    new TerraformOutput(this, "key_vault_uri", { value: vault.vaultUri, description: "What applications set as the vault URL" });
    new TerraformOutput(this, "workload_client_ids", {
      value: clientIds,
      description: "Per <app>/<workload>: the client id for the service account's azure.workload.identity/client-id annotation",
    });
  }

  /**
   * Every secret of the description. Terraform writes a value only when it creates a secret, write-only: the
   * deployer's value from the ephemeral map variable secret_values when given, else a non-secret marker for a
   * person to replace with `az keyvault secret set`. It never writes a value again (value_wo_version stays 1), so
   * no later run can overwrite what a person or a rotation put.
   */
  private addSecrets(vault: KeyVault, models: readonly SecretModel[]): Map<string, KeyVaultSecret> {
    const values = new TerraformVariable(this, SECRET_VALUES_VARIABLE, {
      type: "map(string)",
      default: {},
      nullable: false,
      sensitive: true,
      description: `First values of secrets Terraform creates in this run, by Key Vault secret name (<app>--<secret>); write-only, never in plan or state. Others get "${UNSET_SECRET_VALUE}".`,
    });
    // cdktf 0.21 has no ephemeral option; Terraform >= 1.10 keeps ephemeral values out of plan and state files.
    values.addOverride("ephemeral", true);

    const secrets = new Map<string, KeyVaultSecret>();
    for (const s of models) {
      const name = keyVaultSecretName(s.app, s.name);
      const secretTags: Record<string, string> = {
        app: s.app,
        secret: s.name,
        [TAGS.keyVaultSecretType]: s.spec.type,
        path: s.path,
        [TAGS.managedBy]: MANAGED_BY,
      };
      if (s.spec.description) secretTags.description = s.spec.description;
      const secret = vault.addSecret(name, {
        name,
        contentType: CONTENT_TYPES[s.spec.type],
        tags: secretTags,
        // A key a person owns must be renewed: a year unless the description says otherwise.
        expiresAfterDays: s.spec.type === "api-key" ? (s.spec.expiresAfterDays ?? DEFAULTS.apiKeyExpiryDays) : undefined,
        value: Token.asString(Fn.lookup(values.value, name, UNSET_SECRET_VALUE)),
      });
      secrets.set(s.path, secret);
    }
    return secrets;
  }
}
