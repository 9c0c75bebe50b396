// A private DNS zone (e.g. privatelink.vaultcore.azure.net) and its links to the virtual networks that resolve it.
import { Construct } from "constructs";
import { PrivateDnsZone as AzPrivateDnsZone } from "@cdktf/provider-azurerm/lib/private-dns-zone";
import { PrivateDnsZoneVirtualNetworkLink } from "@cdktf/provider-azurerm/lib/private-dns-zone-virtual-network-link";

export interface PrivateDnsZoneProps {
  /** The zone name, e.g. privatelink.vaultcore.azure.net for Key Vault in Azure's public cloud. */
  readonly zoneName: string;
  readonly resourceGroupName: string;
  /** Virtual networks whose resolvers answer from this zone. */
  readonly virtualNetworkIds: readonly string[];
  /** Prefix of the link names. @default - the zone's construct id */
  readonly linkNamePrefix?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

export class PrivateDnsZone extends Construct {
  readonly zone: AzPrivateDnsZone;
  readonly links: PrivateDnsZoneVirtualNetworkLink[];

  constructor(scope: Construct, id: string, props: PrivateDnsZoneProps) {
    super(scope, id);
    if (props.virtualNetworkIds.length === 0) {
      throw new Error(`${this.node.path}: give at least one virtual network to link, or nothing resolves the zone`);
    }
    this.zone = new AzPrivateDnsZone(this, "zone", {
      name: props.zoneName,
      resourceGroupName: props.resourceGroupName,
      tags: props.tags,
    });
    const prefix = props.linkNamePrefix ?? id;
    this.links = props.virtualNetworkIds.map(
      (vnetId, i) =>
        new PrivateDnsZoneVirtualNetworkLink(this, `link-${i}`, {
          name: linkName(`${prefix}-${vnetName(vnetId) ?? i}`, i),
          resourceGroupName: props.resourceGroupName,
          privateDnsZoneName: this.zone.name,
          virtualNetworkId: vnetId,
          // Resolution only: VMs of the network must not register their own names in a privatelink zone.
          registrationEnabled: false,
          tags: props.tags,
        }),
    );
  }

  get zoneId(): string {
    return this.zone.id;
  }
}

/** Link names: at most 80 characters, ending with a letter, digit or underscore. A longer one is cut and keeps its index. */
const LINK_NAME_MAX = 80;
function linkName(name: string, index: number): string {
  if (name.length <= LINK_NAME_MAX) return name;
  const suffix = `-${index}`;
  return `${name.slice(0, LINK_NAME_MAX - suffix.length).replace(/[^A-Za-z0-9_]+$/, "")}${suffix}`;
}

function vnetName(id: string): string | undefined {
  return /\/virtualNetworks\/([^/]+)$/i.exec(id)?.[1];
}
