// The contract between the Azure stack and the Azure rotation function (lambda/azure): which Key Vault secrets the
// function may rotate, and how. The stack writes it as one app setting of the function app; the function reads it
// on every event and refuses a secret it does not list, so an event about another secret, or a tag someone wrote on
// a version, cannot make it rotate something the description did not ask for.
// This module imports nothing: the function's bundle includes it, and lambda/** must not pull in cdktf or constructs.

/** The function app setting that holds the JSON of `AzureRotationSettings`. */
export const AZURE_ROTATION_SETTING = "ROTATION_SECRETS";

/** The function app setting that holds the vault's URL (https://<vault>.vault.azure.net/). */
export const AZURE_ROTATION_VAULT_URL_SETTING = "KEY_VAULT_URL";

/**
 * The companion secret that holds a rotation's pending value: `<name>--rotation`. A pending value cannot be a version
 * of the secret itself, since readers get its latest version at once (lambda/azure/key-vault-store.ts says why). The
 * stack creates the companion with a marker and grants the function Key Vault Secrets Officer on it (per-secret RBAC
 * needs the secret to exist); no workload may read it. Application secrets are named `<app>--<secret>` with exactly
 * one "--" (the schema allows single dashes only), so a companion's name is never an application secret's.
 */
export const AZURE_PENDING_SUFFIX = "--rotation";

export function pendingSecretName(name: string): string {
  return name + AZURE_PENDING_SUFFIX;
}

/** On the companion and on every version of it: the Key Vault name of the secret it holds the pending value of. */
export const AZURE_PENDING_FOR_TAG = "rotation-pending-for";

/** One rotating secret, by its Key Vault name (<app>--<secret>). */
export type AzureRotatedSecret =
  | {
      readonly type: "postgres";
      readonly strategy: "single-user" | "alternating-users";
      readonly everyDays: number;
      /** alternating-users: the Key Vault name of the master secret whose user manages this one's users. */
      readonly masterSecret?: string;
    }
  | {
      readonly type: "jwt";
      readonly everyDays: number;
      readonly algorithm: string;
      readonly expiryHours?: number;
    }
  | {
      readonly type: "token";
      readonly everyDays: number;
      readonly length?: number;
    };

/** Key Vault secret name -> how it rotates. */
export type AzureRotationSettings = Readonly<Record<string, AzureRotatedSecret>>;

/**
 * The function app's functions (lambda/azure/index.ts registers them under these names): `rotate`, triggered by Event
 * Grid, which the vault's event subscription targets as <function app id>/functions/rotate; and `sweep`, the daily
 * timer, which the failure alert watches with rotate.
 */
export const AZURE_ROTATE_FUNCTION_NAME = "rotate";
export const AZURE_SWEEP_FUNCTION_NAME = "sweep";

/** The package the build writes (dist/lambda/<this>) and the Azure stack deploys to the function app. */
export const AZURE_FUNCTION_ZIP = "azure-rotation.zip";

/**
 * What Terraform writes as a new Key Vault secret's first version when no value is given (Key Vault has no secret
 * without a value): it says what to do and is no secret. The function reads a latest version holding exactly this as
 * "no current value yet" (lambda/azure/key-vault-store.ts).
 */
export const AZURE_UNSET_VALUE = "unset: put the value with az keyvault secret set";
