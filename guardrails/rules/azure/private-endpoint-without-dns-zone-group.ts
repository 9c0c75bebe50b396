import type { ResourceRule } from "../../rule";
import { asList, blocks } from "../../../readers/synthesized";

export const privateEndpointWithoutDnsZoneGroup: ResourceRule = {
  id: "SP-AZR-006",
  name: "Private endpoint without a private DNS zone group",
  reason: "Nothing registers the endpoint's private address, so clients keep resolving the service's public name, which a private-only service refuses.",
  fix: "Give the endpoint a private_dns_zone_group with the privatelink zone's id: one the stack creates and links, or an existing one (azure.privateEndpoint.privateDnsZoneId).",
  appliesTo: ["azurerm_private_endpoint"],
  check(r) {
    const zones = blocks(r.attributes.private_dns_zone_group).flatMap((g) => asList(g.private_dns_zone_ids).filter((z: unknown) => typeof z === "string" && z !== ""));
    return zones.length > 0 ? [] : [`${r.attributes.name ?? r.name} has no private_dns_zone_group with a zone id`];
  },
};
