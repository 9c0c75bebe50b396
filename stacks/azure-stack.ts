// PLACEHOLDER: replaced by the azure stack (issue). Builds nothing yet.
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentModel } from "../config/model";

export class AzureSecretsStack extends TerraformStack {
  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel) {
    super(scope, id);
  }
}
