// The azure-<env> stack: one Key Vault per environment, reachable only through its private endpoint, audited to
// Log Analytics, holding the secrets of the description as <app>--<secret>, each readable only by the Kubernetes
// workloads that list it in `reads` (AKS workload identity, one role assignment per secret). A stack group's
// applications go to azure-<env>-<group>: their secrets (in the same vault), identities and role assignments.
import { Fn, TerraformOutput, TerraformVariable, Token } from "cdktf";
import { Construct } from "constructs";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { DataAzurermResourceGroup } from "@cdktf/provider-azurerm/lib/data-azurerm-resource-group";
import type { EnvironmentModel, SecretModel } from "../config/model";
import { type AzureEnvironment, DEFAULTS, type SecretSpec } from "../config/schema";
import { environmentTags, MANAGED_BY, TAGS } from "../contracts/tags";
import { azureAlertName, azureIdentityName, keyVaultName, keyVaultSecretName, MIN_TERRAFORM_VERSION } from "../config/naming";
import { PlatformStack } from "./platform-stack";
import { clusterOf } from "../config/clusters";
import { configureStateBackend } from "./backend";
import { DeployingPrincipal } from "../constructs/azure/deploying-principal";
import { platformAzurermProvider } from "../constructs/azure/provider";
import { KeyVault } from "../constructs/azure/key-vault";
import { type IKeyVaultSecret, type ISecretStore, KeyVaultSecret, type KeyVaultSecretProps, UNSET_SECRET_VALUE } from "../constructs/azure/key-vault-secret";
import { ExistingKeyVaultSecret } from "../constructs/azure/existing-key-vault-secret";
import { RbacPropagationWait } from "../constructs/azure/rbac-propagation-wait";
import { WorkloadIdentity } from "../constructs/azure/workload-identity";
import type { KeyVaultSystemTopic } from "../constructs/azure/key-vault-events";
import { AZURE_PENDING_FOR_TAG, pendingSecretName } from "../contracts/azure-rotation";
import { KeyVaultAlerts } from "../constructs/azure/key-vault-alerts";
import { addKeyVaultSystemTopic, addStackRotation, grantRotation, type StackRotation } from "./azure-rotation";

/** What each secret type's value is: JSON documents (DESIGN.md section 2) or, for token, the bare value. */
const CONTENT_TYPES: Record<SecretSpec["type"], string> = {
  postgres: "application/json",
  jwt: "application/json",
  "api-key": "application/json",
  token: "text/plain",
};

/** Terraform input name, also the TF_VAR_ name a deployer sets. */
export const SECRET_VALUES_VARIABLE = "secret_values";

type AddSecret = (name: string, props: Omit<KeyVaultSecretProps, "keyVault">) => KeyVaultSecret;

export interface AzureStackOptions {
  /**
   * The environment's first stack, azure-<env>, when this stack is a stack group's (azure-<env>-<group>): it owns the
   * Key Vault, its private endpoint, diagnostics, lock and the deployer's role; this one only its applications'
   * secrets, workload identities and role assignments, in that vault (a cdktf cross-stack reference to its id, so
   * this stack deploys after it).
   * @default - this is the first stack: it builds the vault
   */
  readonly environmentStack?: AzureSecretsStack;
  /** The stack group of azure-<env>-<group>: names its rotation function. @default - none (azure-<env>) */
  readonly group?: string;
}

export class AzureSecretsStack extends PlatformStack {
  /** The environment's Key Vault (its URI is what External Secrets and applications use): in azure-<env>, also for a group's stack. */
  readonly keyVault: KeyVault;
  /** Managed identities of Kubernetes workloads, by `<app>/<workload>`. */
  readonly workloadIdentities = new Map<string, WorkloadIdentity>();
  /** The vault's Event Grid system topic, in azure-<env> when the environment has azure.rotation. */
  readonly keyVaultEvents?: KeyVaultSystemTopic;
  /** This stack's rotation function and its subscription, when it holds rotating secrets and azure.rotation is set. */
  readonly rotation?: StackRotation;
  /** A stack group's stack, whose vault's data-plane dependencies are azure-<env>'s (deployed first). */
  private readonly isGroupStack: boolean;
  /** The alerts (docs/alerts.md): in azure-<env>, in production or with azure.alerts. */
  readonly alerts?: KeyVaultAlerts;
  /** Whoever deploys: its changes to secrets are the normal course. */
  private deployer?: DeployingPrincipal;

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel, options: AzureStackOptions = {}) {
    super(scope, id);
    const azure = environment.spec.azure;
    if (!azure) throw new Error(`${id}: environment ${environment.name} has no azure block`);
    configureStateBackend(this, id, azure.backend, environment.production);

    // Registers no resource provider and skips the storage data plane (constructs/azure/provider.ts says why).
    platformAzurermProvider(this, "azurerm", {
      subscriptionId: azure.subscriptionId,
      tenantId: azure.tenantId,
      // Never purge on destroy: a destroyed vault or secret stays recoverable for the soft-delete period.
      keyVault: {
        purgeSoftDeleteOnDestroy: false,
        purgeSoftDeletedSecretsOnDestroy: false,
        recoverSoftDeletedKeyVaults: true,
        recoverSoftDeletedSecrets: true,
      },
    });
    // value_wo on secrets and rbac_authorization_enabled on the vault need a release as new as the bindings.
    this.addOverride("terraform.required_providers.azurerm.version", "~> 4.55");
    // Ephemeral variables (1.10) feeding write-only arguments (1.11): an older Terraform would stop on an unknown
    // "ephemeral" argument; this makes it say which version is needed instead.
    this.addOverride("terraform.required_version", MIN_TERRAFORM_VERSION);

    const tags = environmentTags(environment.organization, environment.name);
    this.isGroupStack = options.environmentStack !== undefined;
    let add: AddSecret;
    let resourceGroupName: string;
    if (options.environmentStack) {
      this.keyVault = options.environmentStack.keyVault;
      // The vault's id is computed at apply: a cross-stack reference (an output of azure-<env> read through its remote
      // state), which also makes cdktf deploy azure-<env> first. That stack's data-plane dependencies (private
      // endpoint, the deployer's role and its propagation wait) are then in place: none are needed here.
      const store: ISecretStore = { keyVaultId: this.keyVault.keyVaultId, dataPlaneDependencies: [] };
      this.addDependency(options.environmentStack);
      // The construct path the first stack gives secrets (key-vault/<name>), so that an application moving between
      // groups keeps its Terraform addresses and the review reports a state move.
      const secretScope = new Construct(this, "key-vault");
      add = (name, props) => new KeyVaultSecret(secretScope, name, { ...props, keyVault: store });
      // The group is the environment's (created or read by azure-<env>): known from the description.
      resourceGroupName = azure.resourceGroupName;
    } else {
      // An existing group is read, so that a wrong name fails at plan, and never owned: destroying the stack leaves it.
      const group = azure.existingResourceGroup
        ? new DataAzurermResourceGroup(this, "resource-group", { name: azure.resourceGroupName })
        : new ResourceGroup(this, "resource-group", { name: azure.resourceGroupName, location: azure.location, tags });
      resourceGroupName = group.name;
      this.keyVault = this.buildVault(azure, group.name, tags);
      const vault = this.keyVault;
      add = (name, props) => vault.addSecret(name, props);
      this.keyVaultEvents = addKeyVaultSystemTopic(this, vault.vaultName, vault.keyVaultId, azure, resourceGroupName, tags);
    }

    // Before the secrets: a rotated secret is created after the subscription that delivers its creation event.
    this.rotation = addStackRotation(this, {
      environment,
      azure,
      group: options.group,
      resourceGroupName,
      keyVaultUrl: this.keyVault.vaultUri,
      topic: options.environmentStack ? options.environmentStack.keyVaultEvents : this.keyVaultEvents,
      tags,
    });
    if (!options.environmentStack) this.alerts = this.addAlerts(azure, resourceGroupName, tags);
    const secrets = this.addSecrets(add, environment.secrets, this.rotation);
    if (this.rotation) grantRotation(this.rotation, environment, secrets);
    const adopted = environment.secrets.filter((s) => s.adopt?.azure !== undefined);
    if (adopted.length > 0) {
      // The review lists adoptions from here: the stack manages no resource for an adopted secret.
      new TerraformOutput(this, "adopted_key_vault_secrets", {
        value: Object.fromEntries(adopted.map((s) => [s.path, s.adopt!.azure!])),
        description: "Existing Key Vault secrets adopted (docs/adopting.md), by <env>/<app>/<secret>: granted on by name, never managed by Terraform",
      });
    }
    const clientIds: Record<string, string> = {};
    for (const workload of environment.workloads) {
      const k8s = workload.spec.kubernetes;
      if (!k8s) continue; // approle workloads read from Vault only; they get no Azure identity
      // The federated credential trusts the issuer of the workload's own cluster (config/clusters.ts): an EKS
      // cluster's issuer for a workload on EKS, azure.aksOidcIssuerUrl in the single-cluster form.
      const cluster = clusterOf(environment.spec, k8s);
      if (!cluster?.oidcIssuerUrl) continue; // validation refuses a workload without its cluster
      const identity = new WorkloadIdentity(this, `${workload.app}-${workload.name}`, {
        name: azureIdentityName(environment.organization, environment.name, workload.app, workload.name),
        location: azure.location,
        resourceGroupName,
        oidcIssuerUrl: cluster.oidcIssuerUrl,
        namespace: k8s.namespace,
        serviceAccount: k8s.serviceAccount,
        tags: { ...tags, app: workload.app, workload: workload.name },
      });
      for (const read of workload.reads) secrets.get(read.path)!.grantRead(identity);
      clientIds[`${workload.app}/${workload.name}`] = identity.clientId;
      this.workloadIdentities.set(`${workload.app}/${workload.name}`, identity);
    }

    if (!options.environmentStack) {
      new TerraformOutput(this, "key_vault_name", { value: this.keyVault.vaultName });
      new TerraformOutput(this, "key_vault_uri", { value: this.keyVault.vaultUri, description: "What applications set as the vault URL" });
    }
    new TerraformOutput(this, "workload_client_ids", {
      value: clientIds,
      description: "Per <app>/<workload>: the client id for the service account's azure.workload.identity/client-id annotation",
    });
  }

  /** The vault, reachable only through its private endpoint, audited, locked where asked, and its deployer's role. */
  private buildVault(azure: AzureEnvironment, resourceGroupName: string, tags: Record<string, string>): KeyVault {
    const environment = this.environment;
    const vault = new KeyVault(this, "key-vault", {
      name: keyVaultName(environment.organization, environment.name, azure.keyVaultName),
      location: azure.location,
      resourceGroupName,
      tenantId: azure.tenantId,
      softDeleteRetentionDays: azure.softDeleteRetentionDays,
      tags,
    });
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
    this.deployer = deployer;
    const officer = vault.grantSecretsOfficer(deployer, "Terraform deployer: create and update the platform's secrets");
    vault.addDataPlaneDependency(officer.assignment);
    if (azure.rbacPropagationSeconds > 0) {
      const wait = new RbacPropagationWait(this, "rbac-propagation", {
        after: [officer.assignment],
        seconds: azure.rbacPropagationSeconds,
      });
      vault.addDataPlaneDependency(wait.resource);
    }
    return vault;
  }

  /**
   * Alerts on refused reads, on secret and vault changes by others than the deployer and this stack's rotation
   * function, and on role assignments at the vault: on by default in production, elsewhere with azure.alerts. To
   * azure.alerts.actionGroupId, else the rotation's action group.
   */
  private addAlerts(azure: AzureEnvironment, resourceGroupName: string, tags: Record<string, string>): KeyVaultAlerts | undefined {
    const { organization: org, name: env, production } = this.environment;
    if (!(azure.alerts ? azure.alerts.enabled : production)) return undefined;
    return new KeyVaultAlerts(this, "alerts", {
      keyVaultId: this.keyVault.keyVaultId,
      keyVaultName: keyVaultName(org, env, azure.keyVaultName),
      logAnalyticsWorkspaceId: azure.logAnalyticsWorkspaceId,
      location: azure.location,
      resourceGroupName,
      names: {
        refusedReads: azureAlertName(org, env, "refused-reads"),
        secretChanges: azureAlertName(org, env, "secret-changes"),
        roleAssignmentWrites: azureAlertName(org, env, "role-assignment-writes"),
        roleAssignmentDeletes: azureAlertName(org, env, "role-assignment-deletes"),
      },
      expectedWriters: [this.deployer!.principalId, ...(this.rotation ? [this.rotation.function.principalId] : [])],
      actionGroupId: azure.alerts?.actionGroupId ?? azure.rotation?.actionGroupId,
      tags,
    });
  }

  /**
   * Every secret of the description. Terraform writes a value only when it creates a secret, write-only: the
   * deployer's value from the ephemeral map variable secret_values when given, else a non-secret marker for a
   * person to replace with `az keyvault secret set`. It never writes a value again (value_wo_version stays 1), so
   * no later run can overwrite what a person or a rotation put.
   */
  /**
   * The companion that holds a rotation's pending value (contracts/azure-rotation.ts): created here with the marker,
   * since Key Vault Secrets Officer can be scoped to one secret only once it exists; the function writes its versions
   * (with their own tags), so they are its after creation. Only the function may touch it: no workload reads it.
   */
  private addPendingSecret(add: AddSecret, name: string, s: SecretModel, rotation: StackRotation): void {
    const pending = add(pendingSecretName(name), {
      name: pendingSecretName(name),
      contentType: "application/json",
      tags: { [AZURE_PENDING_FOR_TAG]: name, path: s.path, [TAGS.managedBy]: MANAGED_BY },
      rotated: true,
    });
    pending.grantRotate(rotation.function);
  }

  private addSecrets(add: AddSecret, models: readonly SecretModel[], rotation: StackRotation | undefined): Map<string, IKeyVaultSecret> {
    const values = new TerraformVariable(this, SECRET_VALUES_VARIABLE, {
      type: "map(string)",
      default: {},
      nullable: false,
      sensitive: true,
      description: `First values of secrets Terraform creates in this run, by Key Vault secret name (<app>--<secret>); write-only, never in plan or state. Others get "${UNSET_SECRET_VALUE}".`,
    });
    // cdktf 0.21 has no ephemeral option; Terraform >= 1.10 keeps ephemeral values out of plan and state files.
    values.addOverride("ephemeral", true);

    const secrets = new Map<string, IKeyVaultSecret>();
    for (const s of models) {
      if (s.adopt?.azure !== undefined) {
        // Adopted (docs/adopting.md): granted on by name, never managed, so its value is never read or written.
        // The vault's ARM id and URL from the description, as literals: SP-AZR-004 then sees a single-secret scope.
        const vaultName = keyVaultName(this.environment.organization, this.environment.name, this.environment.spec.azure!.keyVaultName);
        const azureSpec = this.environment.spec.azure!;
        const existing = new ExistingKeyVaultSecret(this, `adopted-${s.app}--${s.name}`, {
          keyVaultId: `/subscriptions/${azureSpec.subscriptionId}/resourceGroups/${azureSpec.resourceGroupName}/providers/Microsoft.KeyVault/vaults/${vaultName}`,
          vaultUri: `https://${vaultName}.vault.azure.net/`,
          name: s.adopt.azure,
          dependsOn: this.isGroupStack ? [] : this.keyVault.dataPlaneDependencies,
        });
        secrets.set(s.path, existing);
        continue;
      }
      const name = keyVaultSecretName(s.app, s.name);
      const secretTags: Record<string, string> = {
        app: s.app,
        secret: s.name,
        [TAGS.keyVaultSecretType]: s.spec.type,
        path: s.path,
        [TAGS.managedBy]: MANAGED_BY,
      };
      if (s.spec.description) secretTags.description = s.spec.description;
      const rotated = rotation?.rotated.has(s.path) ?? false;
      const secret = add(name, {
        name,
        contentType: CONTENT_TYPES[s.spec.type],
        tags: secretTags,
        // A key a person owns must be renewed: a year unless the description says otherwise.
        expiresAfterDays: s.spec.type === "api-key" ? (s.spec.expiresAfterDays ?? DEFAULTS.apiKeyExpiryDays) : undefined,
        // A rotated secret's first value comes from the function (its creation event), never through Terraform:
        // the marker is written, and secret_values is not read for it.
        ...(rotated
          ? { rotated: true, dependsOn: rotation!.secretsDependOn }
          : { value: Token.asString(Fn.lookup(values.value, name, UNSET_SECRET_VALUE)) }),
      });
      secrets.set(s.path, secret);
      if (rotated) this.addPendingSecret(add, name, s, rotation!);
    }
    return secrets;
  }
}
