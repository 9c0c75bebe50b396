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
}
