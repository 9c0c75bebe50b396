// The contract between the Azure stack and the Azure rotation function (lambda/azure): which Key Vault secrets the
// function may rotate, and how. The stack writes it as one app setting of the function app; the function reads it
// on every event and refuses a secret it does not list, so an event about another secret, or a tag someone wrote on
// a version, cannot make it rotate something the description did not ask for.
// This module imports nothing: the function's bundle includes it, and lambda/** must not pull in cdktf or constructs.

/** The function app setting that holds the JSON of `AzureRotationSettings`. */
export const AZURE_ROTATION_SETTING = "ROTATION_SECRETS";

/** The function app setting that holds the vault's URL (https://<vault>.vault.azure.net/). */
export const AZURE_ROTATION_VAULT_URL_SETTING = "KEY_VAULT_URL";

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
