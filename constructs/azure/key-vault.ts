// A Key Vault with the secure defaults the platform promises, and intent methods for what surrounds it.
import { ITerraformDependable, Token } from "cdktf";
import { Construct } from "constructs";
import { KeyVault as AzKeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { Diagnostics } from "./diagnostics";
import { KeyVaultSecret, KeyVaultSecretProps, ISecretStore } from "./key-vault-secret";
import { DeleteLock } from "./management-lock";
import { IAzurePrincipal, KeyVaultRole } from "./principal";
import { PrivateDnsZone } from "./private-dns-zone";
import { PrivateEndpoint } from "./private-endpoint";
import { RoleGrant } from "./role-grant";

/** Key Vault names: 3-24 letters, digits and dashes, starting with a letter, ending with a letter or digit, no "--". */
const VAULT_NAME = /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/;

/** The private DNS zone of Key Vault's private endpoints in Azure's public cloud. */
export const KEY_VAULT_PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net";

export interface KeyVaultProps {
  /** Globally unique vault name. */
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Entra ID tenant that authenticates requests to the vault. */
  readonly tenantId: string;
  /** @default "standard" */
  readonly sku?: "standard" | "premium";
  /** Days a deleted vault or secret stays recoverable (7 to 90). Fixed once the vault exists. @default 90 */
  readonly softDeleteRetentionDays?: number;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

export interface KeyVaultPrivateEndpointOptions {
  /** The subnet the endpoint is placed in. */
  readonly subnetId: string;
  /**
   * Virtual networks that resolve the vault's name to the endpoint (links of the private DNS zone created here).
   * Not used with existingPrivateDnsZoneId, whose links are managed where the zone lives.
   */
  readonly virtualNetworkIds: readonly string[];
  /** @default KEY_VAULT_PRIVATE_DNS_ZONE (use the sovereign cloud's zone there) */
  readonly dnsZoneName?: string;
  /**
   * Resource id of an existing privatelink.vaultcore.azure.net zone (hub and spoke: in the hub, already linked to
   * the networks). The endpoint's DNS zone group registers the vault's A record there; no zone or link is created.
   * @default - a zone is created in the vault's resource group and linked to virtualNetworkIds
   */
  readonly existingPrivateDnsZoneId?: string;
}

export interface KeyVaultDiagnosticsOptions {
  readonly logAnalyticsWorkspaceId: string;
}

/**
 * A Key Vault that authorizes with Azure RBAC only (no access policies), keeps deleted secrets for the soft-delete
 * period with purge protection, and refuses public network access (network ACLs default Deny as a second fence).
 * Reach it through `addPrivateEndpoint`.
 */
export class KeyVault extends Construct implements ISecretStore {
  readonly vault: AzKeyVault;
  private readonly props: KeyVaultProps;
  private readonly readiness: ITerraformDependable[] = [];
  private secretCount = 0;

  constructor(scope: Construct, id: string, props: KeyVaultProps) {
    super(scope, id);
    if (!Token.isUnresolved(props.name) && !VAULT_NAME.test(props.name)) {
      throw new Error(
        `${this.node.path}: Key Vault name "${props.name}" is invalid; use 3-24 letters, digits and single dashes, starting with a letter and ending with a letter or digit`,
      );
    }
    const days = props.softDeleteRetentionDays ?? 90;
    if (!Number.isInteger(days) || days < 7 || days > 90) {
      throw new Error(`${this.node.path}: softDeleteRetentionDays must be a whole number from 7 to 90 (got ${days})`);
    }
    this.props = props;
    this.vault = new AzKeyVault(this, "vault", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tenantId: props.tenantId,
      skuName: props.sku ?? "standard",
      rbacAuthorizationEnabled: true,
      purgeProtectionEnabled: true,
      softDeleteRetentionDays: days,
      publicNetworkAccessEnabled: false,
      networkAcls: { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkSubnetIds: [] },
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      tags: props.tags,
    });
  }

  get keyVaultId(): string {
    return this.vault.id;
  }

  get vaultName(): string {
    return this.vault.name;
  }

  /** https://<name>.vault.azure.net/ */
  get vaultUri(): string {
    return this.vault.vaultUri;
  }

  get dataPlaneDependencies(): readonly ITerraformDependable[] {
    return this.readiness;
  }

  /** Secrets and role assignments added after this call wait for these resources. */
  addDataPlaneDependency(...deps: ITerraformDependable[]): void {
    this.assertNoSecretYet();
    this.readiness.push(...deps);
  }

  private assertNoSecretYet(): void {
    if (this.secretCount > 0) {
      throw new Error(`${this.node.path}: add data-plane dependencies before the first secret; secrets already added would not wait for them`);
    }
  }

  /**
   * A private endpoint in the subnet, the private DNS zone linked to the virtual networks, and the endpoint's DNS
   * zone group, so that the vault's name resolves to the private address. Secrets added later wait for them.
   */
  addPrivateEndpoint(options: KeyVaultPrivateEndpointOptions): { endpoint: PrivateEndpoint; dns?: PrivateDnsZone } {
    this.assertNoSecretYet();
    const dns = options.existingPrivateDnsZoneId ? undefined : new PrivateDnsZone(this, "private-dns", {
      zoneName: options.dnsZoneName ?? KEY_VAULT_PRIVATE_DNS_ZONE,
      resourceGroupName: this.props.resourceGroupName,
      virtualNetworkIds: options.virtualNetworkIds,
      linkNamePrefix: this.props.name,
      tags: this.props.tags,
    });
    const endpoint = new PrivateEndpoint(this, "private-endpoint", {
      name: `${this.props.name}-pe`,
      location: this.props.location,
      resourceGroupName: this.props.resourceGroupName,
      subnetId: options.subnetId,
      targetResourceId: this.vault.id,
      subresourceName: "vault",
      // The private endpoint's DNS zone group writes the vault's A record into the zone, whichever subscription
      // the zone is in (azurerm_private_endpoint, private_dns_zone_group.private_dns_zone_ids).
      privateDnsZoneIds: [options.existingPrivateDnsZoneId ?? dns!.zoneId],
      tags: this.props.tags,
    });
    // The endpoint carries the DNS zone group; the links make the record resolvable from the networks.
    this.addDataPlaneDependency(endpoint.endpoint, ...(dns?.links ?? []));
    return { endpoint, dns };
  }

  /** Sends the AuditEvent log (every data-plane access, allowed or denied) and all metrics to Log Analytics. */
  addDiagnostics(options: KeyVaultDiagnosticsOptions): Diagnostics {
    return new Diagnostics(this, "diagnostics", {
      targetResourceId: this.vault.id,
      logAnalyticsWorkspaceId: options.logAnalyticsWorkspaceId,
      logCategories: ["AuditEvent"],
      metricCategories: ["AllMetrics"],
    });
  }

  /** A CanNotDelete lock: the vault cannot be deleted until the lock is removed. */
  addDeleteLock(): DeleteLock {
    return new DeleteLock(this, "delete-lock", {
      name: `${this.props.name}-cannot-delete`,
      scope: this.vault.id,
      notes: "Holds the platform's secrets; remove this lock on purpose before deleting the vault.",
    });
  }

  /**
   * "Key Vault Secrets Officer" on the whole vault: create, update and delete any secret. Meant for the principal
   * that deploys the secrets' metadata, not for applications (they get `KeyVaultSecret.grantRead`).
   */
  grantSecretsOfficer(grantee: IAzurePrincipal, reason = "Manage the secrets of this vault"): RoleGrant {
    return new RoleGrant(this, `officer-${grantee.node.id}`, {
      grantee,
      roleDefinitionName: KeyVaultRole.SECRETS_OFFICER,
      scope: this.vault.id,
      description: reason,
    });
  }

  /** A secret in this vault; it waits for the data-plane dependencies added so far. */
  addSecret(id: string, props: Omit<KeyVaultSecretProps, "keyVault">): KeyVaultSecret {
    this.secretCount += 1;
    return new KeyVaultSecret(this, id, { ...props, keyVault: this });
  }
}
