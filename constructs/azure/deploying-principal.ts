// The principal Terraform runs as (az login user, service principal or managed identity), as a grantee.
import { Construct } from "constructs";
import { DataAzurermClientConfig } from "@cdktf/provider-azurerm/lib/data-azurerm-client-config";
import type { IAzurePrincipal } from "./principal";

export interface DeployingPrincipalProps {
  /**
   * The object id of the one principal that deploys (a pipeline's identity). Pinned, its role stays put
   * whoever runs a plan; otherwise the role follows whoever runs Terraform, and moves when they change.
   * @default - the object id of the credentials Terraform runs with (azurerm_client_config)
   */
  readonly objectId?: string;
}

export class DeployingPrincipal extends Construct implements IAzurePrincipal {
  /** Present when the object id is read from the provider's credentials (no network access needed). */
  readonly clientConfig?: DataAzurermClientConfig;
  readonly principalId: string;

  constructor(scope: Construct, id: string, props: DeployingPrincipalProps = {}) {
    super(scope, id);
    if (props.objectId) {
      this.principalId = props.objectId;
    } else {
      this.clientConfig = new DataAzurermClientConfig(this, "current", {});
      this.principalId = this.clientConfig.objectId;
    }
  }
}
