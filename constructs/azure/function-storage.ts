// The storage account of one function app: Entra ID only (no shared keys), private containers for the deployment
// package, the Functions host's own blobs and dead-lettered events, each granted on the container alone.
import { Construct } from "constructs";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";
import type { IAzurePrincipal } from "./principal";
import { RoleGrant } from "./role-grant";

/** Built-in Azure Storage data-plane roles (Azure RBAC), by their role definition names. */
export const StorageRole = {
  /** Read, write and delete blobs and containers. */
  BLOB_DATA_CONTRIBUTOR: "Storage Blob Data Contributor",
  /** Contributor plus POSIX ACLs; what the Functions host and Flex Consumption deployment are documented with. */
  BLOB_DATA_OWNER: "Storage Blob Data Owner",
} as const;

/** Containers the Functions host uses with identity-based AzureWebJobsStorage: leases, and the function keys. */
export const FUNCTIONS_HOST_CONTAINERS = ["azure-webjobs-hosts", "azure-webjobs-secrets"] as const;

const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

export interface FunctionStorageProps {
  /** Globally unique, 3-24 lowercase letters and digits. */
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** @default "deployment-package" */
  readonly deploymentContainerName?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

export class FunctionStorage extends Construct {
  readonly account: StorageAccount;
  /** Where Flex Consumption keeps the app's deployment package. */
  readonly deploymentContainer: StorageContainer;
  /** Where Event Grid puts events it could not deliver. */
  readonly deadLetterContainer: StorageContainer;
  readonly hostContainers: readonly StorageContainer[];

  constructor(scope: Construct, id: string, props: FunctionStorageProps) {
    super(scope, id);
    if (!ACCOUNT_NAME.test(props.name)) {
      throw new Error(`${this.node.path}: storage account name "${props.name}" is invalid; Azure allows 3-24 lowercase letters and digits`);
    }
    this.account = new StorageAccount(this, "account", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      accountKind: "StorageV2",
      accountTier: "Standard",
      accountReplicationType: "LRS",
      // No account keys or SAS signed with them: every request carries an Entra ID token, so access is what RBAC
      // grants, per container (azurerm_storage_account shared_access_key_enabled; Azure Storage "Prevent Shared Key
      // authorization"). The portal and data-plane calls default to Entra ID too (default_to_oauth_authentication).
      sharedAccessKeyEnabled: false,
      defaultToOauthAuthentication: true,
      // No container may be made anonymously readable (allow_nested_items_to_be_public).
      allowNestedItemsToBePublic: false,
      minTlsVersion: "TLS1_2",
      httpsTrafficOnlyEnabled: true,
      // Local (SFTP) users would be a second, key-based way in.
      localUserEnabled: false,
      crossTenantReplicationEnabled: false,
      tags: props.tags,
    });
    const container = (cid: string, name: string) =>
      new StorageContainer(this, cid, { name, storageAccountId: this.account.id, containerAccessType: "private" });
    this.deploymentContainer = container("deployment", props.deploymentContainerName ?? "deployment-package");
    this.deadLetterContainer = container("dead-letter", "dead-letter");
    // Created here, so that the host's identity needs rights on these two containers only, not the account.
    this.hostContainers = FUNCTIONS_HOST_CONTAINERS.map((name) => container(name, name));
  }

  /** The blob endpoint URL of the deployment container, as Flex Consumption's storage_container_endpoint wants it. */
  get deploymentContainerEndpoint(): string {
    return `${this.account.primaryBlobEndpoint}${this.deploymentContainer.name}`;
  }

  /** A data-plane role on one container of this account, and nothing wider. */
  grantOnContainer(grantee: IAzurePrincipal, container: StorageContainer, role: string, description: string): RoleGrant {
    return new RoleGrant(this, `${container.node.id}-${grantee.node.id}`, {
      grantee,
      roleDefinitionName: role,
      scope: container.resourceManagerId,
      description,
    });
  }
}
