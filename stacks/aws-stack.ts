// PLACEHOLDER: the AWS stack is being written.
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentModel } from "../config/model";

export class AwsSecretsStack extends TerraformStack {
  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel) {
    super(scope, id);
  }
}
