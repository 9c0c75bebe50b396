import type { ResourceRule } from "../../rule";
import { blocks } from "../../../readers/synthesized";

export const keyVaultFirewallAllows: ResourceRule = {
  id: "SP-AZR-003",
  name: "Key Vault firewall with default action Allow",
  reason: "The firewall is the second fence behind disabled public access; default Allow (or no network_acls, Azure's default) lets every network in.",
  fix: "Set network_acls { default_action = \"Deny\", bypass = \"AzureServices\" } and list only the networks that need the vault.",
  appliesTo: ["azurerm_key_vault"],
  check(r) {
    const acl = blocks(r.attributes.network_acls)[0];
    if (!acl) return ["no network_acls: Azure allows every network"];
    return acl.default_action === "Deny" ? [] : [`network_acls.default_action is ${JSON.stringify(acl.default_action)}`];
  },
};
