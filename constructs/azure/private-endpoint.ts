// A private endpoint: a NIC in a subnet that reaches one sub-resource of an Azure service, registered in private DNS.
import { Construct } from "constructs";
import { PrivateEndpoint as AzPrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";

export interface PrivateEndpointProps {
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The subnet the endpoint's network interface is placed in. */
  readonly subnetId: string;
  /** The resource reached through the endpoint, e.g. a Key Vault id. */
  readonly targetResourceId: string;
  /** The target's sub-resource, e.g. "vault" for Key Vault. */
  readonly subresourceName: string;
  /** Private DNS zones the endpoint registers its A record in (its DNS zone group). */
  readonly privateDnsZoneIds: readonly string[];
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

export class PrivateEndpoint extends Construct {
  readonly endpoint: AzPrivateEndpoint;

  constructor(scope: Construct, id: string, props: PrivateEndpointProps) {
    super(scope, id);
    // Without a DNS zone group nothing registers the endpoint's address: clients keep resolving the vault's public
    // name, which refuses them (public access is off).
    if (props.privateDnsZoneIds.length === 0) {
      throw new Error(`${this.node.path}: give at least one private DNS zone id, or the endpoint's address is never registered in DNS`);
    }
    this.endpoint = new AzPrivateEndpoint(this, "endpoint", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      subnetId: props.subnetId,
      customNetworkInterfaceName: `${props.name}-nic`,
      privateServiceConnection: {
        name: `${props.name}-connection`,
        privateConnectionResourceId: props.targetResourceId,
        subresourceNames: [props.subresourceName],
        isManualConnection: false,
      },
      privateDnsZoneGroup: {
        name: "default",
        privateDnsZoneIds: [...props.privateDnsZoneIds],
      },
      tags: props.tags,
    });
  }
}
