// Terraform state backend per stack: local by default (cdktf's own), or the remote backend that the
// environment's description names. State never holds a secret value, but it still maps the estate, so
// remote state is encrypted and locked.
import { Annotations, AzurermBackend, LocalBackend, S3Backend, TerraformStack } from "cdktf";
import { stateKey } from "../config/naming";
import type { StateBackend } from "../config/schema";

/**
 * Where local state lives: terraform.<stack>.tfstate in the folder that holds cdktf.out (the project folder, where
 * cdktf itself puts it), written relative to the stack's folder cdktf.out/stacks/<stack>, where Terraform runs.
 * cdktf writes that path absolute, which ties a saved plan to one checkout.
 */
export function localStatePath(stackName: string): string {
  return `../../../terraform.${stackName}.tfstate`;
}

/**
 * bootstrap-<env>'s state: a person applies it once, from a checkout, so it keeps local state at the same relative path
 * as every other stack (cdktf's default would write an absolute path, tying it to one machine's checkout). No warning:
 * local state is its design (it creates the remote storage the other stacks use), and the description has no backend
 * for it that would silence one; docs/pipeline.md says to keep the file.
 */
export function configureBootstrapState(stack: TerraformStack, stackName: string): void {
  new LocalBackend(stack, { path: localStatePath(stackName) });
}

export function configureStateBackend(stack: TerraformStack, stackName: string, backend: StateBackend | undefined, production = false): void {
  if (!backend) {
    new LocalBackend(stack, { path: localStatePath(stackName) });
    if (production) {
      Annotations.of(stack).addWarning(
        `${stackName} keeps its Terraform state in a local file: nobody else can apply it, nothing locks it, and losing the file loses track of every resource. Give the environment a remote state backend (backend: s3 for AWS, azurerm for Vault and Azure).`,
      );
    }
    return;
  }
  const key = stateKey(stackName, backend.key);
  if (backend.type === "s3") {
    new S3Backend(stack, {
      bucket: backend.bucket,
      key,
      region: backend.region,
      encrypt: true,
      kmsKeyId: backend.kmsKeyId,
    });
    // S3's native lock file (Terraform >= 1.10); cdktf 0.21's S3Backend props predate it.
    stack.addOverride("terraform.backend.s3.use_lockfile", true);
  } else {
    new AzurermBackend(stack, {
      resourceGroupName: backend.resourceGroupName,
      storageAccountName: backend.storageAccountName,
      containerName: backend.containerName,
      key,
      useAzureadAuth: true,
    });
  }
}
