// The principal Terraform runs as (az login user, service principal or managed identity), as a grantee.
import { Construct } from "constructs";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import type { IAzurePrincipal } from "./principal";

/** Reads the deploying principal's object id from the provider's credentials; no network access needed. */
export class DeployingPrincipal extends Construct implements IAzurePrincipal {
  readonly clientConfig: DataAzurermClientConfig;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.clientConfig = new DataAzurermClientConfig(this, "current", {});
  }

  get principalId(): string {
    return this.clientConfig.objectId;
  }
}
