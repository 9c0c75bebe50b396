// The blob container that holds an environment's Terraform state (azurerm backend) in an existing storage account.
import { Construct } from "constructs";
import { StorageContainer } from "@cdktf/provider-azurerm/lib/storage-container";

export interface StateContainerProps {
  readonly subscriptionId: string;
  readonly resourceGroupName: string;
  readonly storageAccountName: string;
  readonly containerName: string;
}

export class StateContainer extends Construct {
  readonly container: StorageContainer;
  /** The container's ARM id, the scope of the blob data roles granted on it. */
  readonly scope: string;

  constructor(scope: Construct, id: string, props: StateContainerProps) {
    super(scope, id);
    const account = `/subscriptions/${props.subscriptionId}/resourceGroups/${props.resourceGroupName}/providers/Microsoft.Storage/storageAccounts/${props.storageAccountName}`;
    this.container = new StorageContainer(this, "container", {
      name: props.containerName,
      storageAccountId: account,
      // No anonymous read of state, ever.
      containerAccessType: "private",
    });
    this.scope = `${account}/blobServices/default/containers/${props.containerName}`;
  }
}
