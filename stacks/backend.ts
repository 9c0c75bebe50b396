// Terraform state backend per stack: local by default (cdktf's own), or the remote backend that the
// environment's description names. State never holds a secret value, but it still maps the estate, so
// remote state is encrypted and locked.
import { AzurermBackend, S3Backend, TerraformStack } from "cdktf";
import type { StateBackend } from "../config/schema";

/** The managed-by tag on everything the platform creates, on every backend. */
export const MANAGED_BY = "secrets-platform";

export function configureStateBackend(stack: TerraformStack, stackName: string, backend: StateBackend | undefined): void {
  if (!backend) return;
  const key = backend.key ?? `secrets-platform/${stackName}.tfstate`;
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
