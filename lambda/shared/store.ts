// The secret store a rotation reads and writes, as the rotators see it: Secrets Manager's staging labels
// (AWSCURRENT, AWSPENDING, AWSPREVIOUS) are the protocol's vocabulary, and each host maps them onto its own
// store. The Lambda's adapter is lambda/shared/secrets.ts (Secrets Manager itself); the Azure Function's is
// lambda/azure/key-vault-store.ts (Key Vault, with the pending value in a companion secret). Rotators reach the
// store only through StepContext.store, so one rotator runs unchanged on both.

export const AWSCURRENT = "AWSCURRENT";
export const AWSPENDING = "AWSPENDING";
export const AWSPREVIOUS = "AWSPREVIOUS";

/** A version's value, parsed. */
export interface SecretVersion<T = Record<string, unknown>> {
  readonly versionId: string;
  readonly value: T;
}

export interface PasswordOptions {
  readonly length: number;
  readonly excludeCharacters: string;
}

export interface SecretStore {
  /**
   * Reads a version by stage (and version id, when given). Undefined when there is no such version or it has
   * no value yet (for the pending stage: createSecret has not put it).
   */
  getSecretVersion(secretId: string, stage: string, versionId?: string): Promise<SecretVersion | undefined>;
  /** Reads another secret's current value (the master secret of alternating rotation); throws when unreadable. */
  getOtherSecret(secretId: string, purpose: string): Promise<SecretVersion>;
  /** Puts `value` as the pending version of rotation `token`. Idempotent for the same value. */
  putPendingValue(secretId: string, token: string, value: Record<string, unknown>, rotationToken?: string): Promise<void>;
  /** A random password with at least one character of each included type and none of `excludeCharacters`. */
  randomPassword(options: PasswordOptions): Promise<string>;
  /** Makes rotation `token`'s pending value the current one. `moved` is false when it already was. */
  moveCurrentTo(secretId: string, token: string): Promise<{ previousVersionId?: string; moved: boolean }>;
  /**
   * The command a person runs to put a value into this secret (for messages): `aws secretsmanager put-secret-value ...`
   * on Secrets Manager, `az keyvault secret set ...` on Key Vault.
   */
  putValueCommand(secretId: string): string;
  /**
   * Throws (a RotationError naming what to change) when the write that publishes rotation `token`'s value would be
   * refused by the store. A rotator calls it before it changes anything outside the store (a database password), so
   * a change is never made that no write can record. Secrets Manager's PutSecretValue/UpdateSecretVersionStage take no
   * per-version metadata that could overflow: a no-op there.
   */
  checkCanPublish(secretId: string, token: string): Promise<void>;
  /**
   * Pending values this function wrote for earlier rotations of this secret (newest first, a few at most), for
   * recovering a rotation that was interrupted after it changed the database and before it published. Empty where the
   * store keeps no such values apart from the secret's versions.
   */
  earlierPendingValues(secretId: string, token: string): Promise<SecretVersion[]>;
}
