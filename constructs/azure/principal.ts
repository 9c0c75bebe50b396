// What Azure RBAC grants roles to, and the built-in roles this package grants.
import type { IConstruct } from "constructs";

/** A principal in Microsoft Entra ID that role assignments can name. */
export interface IAzurePrincipal extends IConstruct {
  /** Object id of the principal (for a managed identity: its principal id). */
  readonly principalId: string;
  /**
   * Telling Azure the type lets it create a role assignment for a principal that Entra ID has not replicated yet.
   * @default - not given; Azure looks the principal up
   */
  readonly principalType?: "ServicePrincipal" | "User" | "Group";
}

/** Built-in Key Vault data-plane roles (Azure RBAC), by their role definition names. */
export const KeyVaultRole = {
  /** Read secret values and metadata. */
  SECRETS_USER: "Key Vault Secrets User",
  /** Create, update, delete and read secrets (no role management). */
  SECRETS_OFFICER: "Key Vault Secrets Officer",
} as const;
export type KeyVaultRole = (typeof KeyVaultRole)[keyof typeof KeyVaultRole];
