import type { ResourceRule } from "../../rule";
import { blocks } from "../../../readers/synthesized";
import { FUNCTION_APP_TYPES } from "./function-apps";

export const functionAppOutsideNetworkOrWeakTls: ResourceRule = {
  id: "SP-AZR-008",
  name: "Function app without VNet integration, HTTPS only, TLS 1.2 or with basic publishing credentials",
  reason: "A rotation function outside the virtual network cannot reach the private vault or databases (or reaches them some other way); plain HTTP, old TLS or a publishing password weaken the one endpoint that rotates secrets.",
  fix: "Set virtual_network_subnet_id (azure.rotation.subnetId), https_only = true, site_config.minimum_tls_version = \"1.2\" and webdeploy_publish_basic_authentication_enabled = false (RotationFunctionApp does).",
  appliesTo: FUNCTION_APP_TYPES,
  check(r) {
    const a = r.attributes;
    const out: string[] = [];
    if (typeof a.virtual_network_subnet_id !== "string" || a.virtual_network_subnet_id === "") out.push("no virtual_network_subnet_id: not integrated into a virtual network");
    if (a.https_only !== true) out.push(`https_only is ${JSON.stringify(a.https_only ?? "not set")}`);
    const tls = blocks(a.site_config)[0]?.minimum_tls_version;
    if (tls !== "1.2" && tls !== "1.3") out.push(`site_config.minimum_tls_version is ${JSON.stringify(tls ?? "not set")}`);
    if (r.type === "azurerm_function_app_flex_consumption" && a.webdeploy_publish_basic_authentication_enabled !== false) {
      out.push(`webdeploy_publish_basic_authentication_enabled is ${JSON.stringify(a.webdeploy_publish_basic_authentication_enabled ?? "not set (the provider's default: enabled)")}`);
    }
    return out;
  },
};
