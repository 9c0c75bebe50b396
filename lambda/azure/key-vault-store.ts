// The rotation protocol's store on Key Vault. What readers get is the secret's latest version (GET /secrets/<name>
// with no version), so the stages map as follows:
// - AWSCURRENT: the latest version of `<name>`. Terraform's first version holds a marker, not a value: it reads as
//   "no value yet", as a secret without AWSCURRENT does on Secrets Manager.
// - AWSPENDING: the earliest version of the companion secret `<name>--rotation` tagged with this rotation's id
//   (earliest by `created`, then by version id). Not the latest: Key Vault has no conditional write, so two
//   deliveries running at once on two instances can both find no pending value and both write one; every reader
//   must then agree on the same one, and keep agreeing, or one instance sets the database password to a value the
//   other then replaces in the companion, and that password is lost (see putPendingValue). The pending value cannot be a new version of `<name>` itself: any version written there becomes
//   the latest, which readers get at once, and a disabled latest version makes versionless reads fail ("Operation
//   get is not allowed on a disabled secret", 403 SecretDisabled: github.com/Azure/azure-sdk-for-js/issues/24756,
//   github.com/nagyesta/lowkey-vault/issues/467). Nor can nbf hold it back: Key Vault documents nbf/exp of a secret
//   as attributes (learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-attributes) and gets of an
//   expired secret still succeed (github.com/Azure/AzureKeyVault/issues/19), so readers would get it anyway.
//   `<app>--<secret>` names hold exactly one "--" (the schema allows single dashes only, config/naming.ts), so
//   `<app>--<secret>--rotation` cannot be another secret's name.
// - AWSPREVIOUS: the version that the latest one replaced, which this function records in a tag on every version
//   it writes (versions are not ordered by the list API, and `created` has one-second resolution).
// - finishSecret writes the pending value as a new version of `<name>`: readers move to it in one step. The new
//   version carries forward the content type and the tags of the latest version (Terraform's: the azurerm provider
//   reads the latest version's tags; and a person's), adds the function's own tags (below), and expires
//   `everyDays + NEAR_EXPIRY_LEAD_DAYS` from now, since
//   Key Vault raises SecretNearExpiry 30 days before the current version's expiry
//   (learn.microsoft.com/azure/event-grid/event-schema-key-vault): the next rotation starts `everyDays` from now.
import type { KeyVaultSecret, SecretClient, SecretProperties } from "@azure/keyvault-secrets";
import { AZURE_PENDING_FOR_TAG, AZURE_PENDING_SUFFIX, pendingSecretName, type AzureRotatedSecret } from "../../config/azure-rotation";
import { RotationError } from "../shared/errors";
import { registerSecret } from "../shared/log";
import { parseValue } from "../shared/json-value";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, PasswordOptions, SecretStore, SecretVersion } from "../shared/store";
import { randomPasswordSync } from "./password";

// Key Vault takes at most 15 tags per secret version ("Key Vault supports up to 15 tags, each of which can have a 256
// character name and a 256 character value": learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-tags).
// A write beyond that is refused, so the version that publishes a new password must never need more: the function's
// state on it is kept to two tags that must be there (REQUIRED_OWN_TAGS), the rest goes on the companion's pending
// version (which holds the function's tags only) and onto the published version only while there is room.
export const MAX_TAGS_PER_SECRET = 15;

/** The value Terraform gives a new Key Vault secret (constructs/azure/key-vault-secret.ts; a test checks they agree). */
export const UNSET_MARKER = "unset: put the value with az keyvault secret set";

export const NEAR_EXPIRY_LEAD_DAYS = 30;
export const COMPANION_SUFFIX = AZURE_PENDING_SUFFIX;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Tags on the versions this function writes. */
export const ROTATION_TAGS = {
  /** On every version it writes: who wrote it (the function ignores SecretNewVersionCreated of these). */
  rotatedBy: "rotated-by",
  rotationId: "rotation-id",
  strategy: "rotation-strategy",
  previousVersion: "rotation-previous-version",
  /** On the companion's versions: the secret they are the pending value of. */
  pendingFor: AZURE_PENDING_FOR_TAG,
} as const;
export const ROTATED_BY = "secrets-platform-rotation";

const OWN_TAGS: readonly string[] = Object.values(ROTATION_TAGS);
/**
 * The tags a published version needs: rotated-by (so its own SecretNewVersionCreated is not taken for a person's
 * value) and rotation-previous-version (AWSPREVIOUS). rotation-id and rotation-strategy are on the companion too.
 */
export const REQUIRED_OWN_TAGS: readonly string[] = [ROTATION_TAGS.rotatedBy, ROTATION_TAGS.previousVersion];
/** How many of a version's pending values, newest first, a recovery tries (earlierPendingValues). */
const EARLIER_PENDING_TRIED = 3;

export const companionName = pendingSecretName;

/** The Key Vault client calls the store makes (a subset of SecretClient, so tests can see what is used). */
export type KeyVaultClient = Pick<SecretClient, "getSecret" | "setSecret" | "listPropertiesOfSecretVersions">;

/**
 * How long putPendingValue waits after its write before it reads which pending value won. Longer than Key Vault's
 * one-second `created` resolution, so a concurrent write that lands after the wait has a later `created` and loses.
 */
export const PENDING_SETTLE_MS = 2000;

function statusOf(err: unknown): number | undefined {
  const s = (err as { statusCode?: unknown })?.statusCode;
  return typeof s === "number" ? s : undefined;
}

/** The latest (or a given) version; undefined when the secret or version does not exist. */
export async function readSecret(client: KeyVaultClient, name: string, version?: string): Promise<KeyVaultSecret | undefined> {
  try {
    const secret = await client.getSecret(name, version ? { version } : {});
    registerSecret(secret.value);
    return secret;
  } catch (err) {
    if (statusOf(err) === 404) return undefined;
    throw err;
  }
}

export function isMarker(secret: KeyVaultSecret | undefined): boolean {
  return secret?.value === UNSET_MARKER;
}

export function writtenByRotation(secret: KeyVaultSecret | undefined): boolean {
  return secret?.properties.tags?.[ROTATION_TAGS.rotatedBy] === ROTATED_BY;
}

export class KeyVaultStore implements SecretStore {
  constructor(
    private readonly client: KeyVaultClient,
    private readonly vaultUrl: string,
    /** The secret this store rotates; every other name is refused but the master it may read. */
    private readonly name: string,
    private readonly settings: AzureRotatedSecret,
    /** For the strategy tag, e.g. `postgres/single-user`. */
    private readonly strategy: string,
    private readonly now: () => Date = () => new Date(),
    private readonly settleMs: number = PENDING_SETTLE_MS,
  ) {}

  /** token secrets hold the bare token (text/plain, as Terraform declares them); the rotator sees {"token": ...}. */
  private decode(text: string | undefined, what: string): Record<string, unknown> {
    if (this.settings.type === "token") {
      if (typeof text !== "string" || text.length === 0) throw new RotationError(`The ${what} version of ${this.name} is empty.`, "BAD_VALUE");
      registerSecret(text);
      return { token: text };
    }
    return parseValue(this.name, what, text);
  }

  private encode(value: Record<string, unknown>): string {
    if (this.settings.type === "token") {
      if (typeof value.token !== "string") throw new RotationError(`The pending value of ${this.name} has no token.`, "BAD_VALUE");
      return value.token;
    }
    return JSON.stringify(value);
  }

  /** The secret's id as the rotators see it: its URL without a version, unique across vaults like an ARN. */
  get secretId(): string {
    return `${this.vaultUrl}/secrets/${this.name}`;
  }

  private own(secretId: string): void {
    if (secretId !== this.secretId) throw new RotationError(`This rotation is for ${this.name}; it does not write ${secretId}.`, "WRONG_SECRET");
  }

  /** The pending value of rotation `token`: the earliest companion version tagged with it, so every delivery agrees. */
  private async pending(token: string): Promise<KeyVaultSecret | undefined> {
    const candidates: SecretProperties[] = [];
    try {
      for await (const p of this.client.listPropertiesOfSecretVersions(companionName(this.name))) {
        const tags = p.tags ?? {};
        if (p.enabled !== false && p.version && tags[ROTATION_TAGS.rotationId] === token && tags[ROTATION_TAGS.pendingFor] === this.name) candidates.push(p);
      }
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    if (candidates.length === 0) return undefined;
    // The list API has no order; `created` has one-second resolution, so ties fall to the version id.
    candidates.sort((a, b) => (a.createdOn?.getTime() ?? 0) - (b.createdOn?.getTime() ?? 0) || (a.version! < b.version! ? -1 : a.version! > b.version! ? 1 : 0));
    return readSecret(this.client, companionName(this.name), candidates[0].version);
  }

  async getSecretVersion(secretId: string, stage: string, versionId?: string): Promise<SecretVersion | undefined> {
    this.own(secretId);
    if (stage === AWSPENDING) {
      if (!versionId) return undefined;
      const pending = await this.pending(versionId);
      return pending ? { versionId, value: parseValue(this.name, AWSPENDING, pending.value) } : undefined;
    }
    const latest = await readSecret(this.client, this.name);
    if (stage === AWSCURRENT) {
      if (!latest || isMarker(latest) || (versionId && latest.properties.version !== versionId)) return undefined;
      return { versionId: latest.properties.version ?? "", value: this.decode(latest.value, AWSCURRENT) };
    }
    if (stage === AWSPREVIOUS) {
      const previousId = writtenByRotation(latest) ? latest?.properties.tags?.[ROTATION_TAGS.previousVersion] : undefined;
      if (!previousId) return undefined;
      const previous = await readSecret(this.client, this.name, previousId);
      if (!previous || isMarker(previous)) return undefined;
      return { versionId: previousId, value: this.decode(previous.value, AWSPREVIOUS) };
    }
    throw new RotationError(`Unknown stage ${stage}.`, "BAD_STAGE");
  }

  async getOtherSecret(secretId: string, purpose: string): Promise<SecretVersion> {
    let secret: KeyVaultSecret | undefined;
    try {
      secret = await readSecret(this.client, secretId);
    } catch (err) {
      throw new RotationError(
        `Cannot read ${purpose} ${secretId}: ${(err as Error).name}: ${(err as Error).message}. ` +
          `The function's identity needs the Key Vault Secrets User role on it.`,
        (err as { code?: string }).code ?? "MASTER_SECRET_UNREADABLE",
      );
    }
    if (!secret || isMarker(secret)) {
      throw new RotationError(`${purpose} ${secretId} has no value yet; a person puts the master's connection details first.`, "MASTER_SECRET_UNSET");
    }
    return { versionId: secret.properties.version ?? "", value: parseValue(secretId, AWSCURRENT, secret.value) };
  }

  async putPendingValue(secretId: string, token: string, value: Record<string, unknown>): Promise<void> {
    this.own(secretId);
    const text = JSON.stringify(value);
    registerSecret(text);
    const existing = await this.pending(token);
    if (existing) {
      if (existing.value === text) return;
      // As PutSecretValue with a used ClientRequestToken: another delivery of this rotation got there first; the
      // retry finds its value and goes on with it.
      throw new RotationError(`Rotation ${token} of ${this.name} already has another pending value (a concurrent delivery); retry.`, "PENDING_CONFLICT");
    }
    await this.client.setSecret(companionName(this.name), text, {
      contentType: "application/json",
      tags: {
        [ROTATION_TAGS.rotationId]: token,
        [ROTATION_TAGS.pendingFor]: this.name,
        [ROTATION_TAGS.rotatedBy]: ROTATED_BY,
        [ROTATION_TAGS.strategy]: this.strategy,
      },
    });
    // Another delivery may have passed the check above at the same time and be writing its own value. Wait until
    // any such write is visible, then go on only if this value is the one every reader takes (the earliest); a
    // write landing after the wait is in a later second and loses. The loser fails, and its retry finds the winner.
    await new Promise((resolve) => setTimeout(resolve, this.settleMs));
    const winner = await this.pending(token);
    if (winner?.value !== text) {
      throw new RotationError(`Rotation ${token} of ${this.name}: a concurrent delivery's pending value came first; retry.`, "PENDING_CONFLICT");
    }
  }

  async randomPassword(options: PasswordOptions): Promise<string> {
    return randomPasswordSync(options);
  }

  /** The vault's name, from its URL (https://<name>.vault.azure.net). */
  private get vaultName(): string {
    return new URL(this.vaultUrl).hostname.split(".")[0];
  }

  putValueCommand(secretId: string): string {
    this.own(secretId);
    return `az keyvault secret set --vault-name ${this.vaultName} --name ${this.name} --file value.json`;
  }

  /** The latest version's tags that the published version carries: every tag but the function's own. */
  private carriedTags(latest: KeyVaultSecret | undefined): Record<string, string> {
    return Object.fromEntries(Object.entries(latest?.properties.tags ?? {}).filter(([k]) => !OWN_TAGS.includes(k)));
  }

  async checkCanPublish(secretId: string): Promise<void> {
    this.own(secretId);
    const latest = await readSecret(this.client, this.name);
    const carried = Object.keys(this.carriedTags(latest)).length;
    const room = MAX_TAGS_PER_SECRET - REQUIRED_OWN_TAGS.length;
    if (carried > room) {
      throw new RotationError(
        `The latest version of ${this.name} has ${carried} tags of its own; Key Vault takes at most ${MAX_TAGS_PER_SECRET} per version ` +
          `(learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-tags) and the rotated version needs ${REQUIRED_OWN_TAGS.length} ` +
          `more (${REQUIRED_OWN_TAGS.join(", ")}), so its write would be refused. Nothing was changed. Remove at least ${carried - room} ` +
          `with az keyvault secret set-attributes --vault-name ${this.vaultName} --name ${this.name} --tags <at most ${room} tags>; ` +
          `the next delivery or the daily sweep rotates it.`,
        "TAG_LIMIT",
      );
    }
  }

  async earlierPendingValues(secretId: string, token: string): Promise<SecretVersion[]> {
    this.own(secretId);
    const found: SecretProperties[] = [];
    try {
      for await (const p of this.client.listPropertiesOfSecretVersions(companionName(this.name))) {
        const tags = p.tags ?? {};
        if (p.enabled !== false && p.version && tags[ROTATION_TAGS.pendingFor] === this.name && tags[ROTATION_TAGS.rotationId] !== token) found.push(p);
      }
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
    found.sort((a, b) => (b.createdOn?.getTime() ?? 0) - (a.createdOn?.getTime() ?? 0));
    const out: SecretVersion[] = [];
    for (const p of found.slice(0, EARLIER_PENDING_TRIED)) {
      const secret = await readSecret(this.client, companionName(this.name), p.version);
      if (!secret?.value) continue;
      try {
        out.push({ versionId: p.version!, value: parseValue(this.name, "earlier pending", secret.value) });
      } catch {
        // not a value this function can use: skip it
      }
    }
    return out;
  }

  async moveCurrentTo(secretId: string, token: string): Promise<{ previousVersionId?: string; moved: boolean }> {
    this.own(secretId);
    const latest = await readSecret(this.client, this.name);
    const pending = await this.pending(token);
    if (!pending) throw new RotationError(`Rotation ${token} of ${this.name} has no pending value; createSecret has not run.`, "NO_PENDING_VALUE");
    const value = parseValue(this.name, AWSPENDING, pending.value);
    // Done already only if the latest version holds this rotation's value (a tag alone proves nothing: anyone who may
    // write a version may write its tags, and taking the tag would end the rotation with the new password set in the
    // database but never published). Pending values are random: the same value is this rotation's write.
    if (latest?.value === this.encode(value)) return { previousVersionId: undefined, moved: false };
    const carried = this.carriedTags(latest);
    const previousVersionId = latest?.properties.version;
    const own: Array<[string, string]> = [
      [ROTATION_TAGS.rotatedBy, ROTATED_BY],
      ...(previousVersionId ? ([[ROTATION_TAGS.previousVersion, previousVersionId]] as Array<[string, string]>) : []),
      [ROTATION_TAGS.rotationId, token],
      [ROTATION_TAGS.strategy, this.strategy],
    ];
    // The database may already hold this value: this write must not be refusable. checkCanPublish made room before the
    // database changed; if a person wrote a version with more tags since, their tags are kept and the function's own
    // are left off, in that order, rather than losing the value.
    const room = Math.max(0, MAX_TAGS_PER_SECRET - Object.keys(carried).length);
    const kept = own.slice(0, room);
    await this.client.setSecret(this.name, this.encode(value), {
      contentType: latest?.properties.contentType ?? (this.settings.type === "token" ? "text/plain" : "application/json"),
      tags: { ...carried, ...Object.fromEntries(kept) },
      expiresOn: new Date(this.now().getTime() + (this.settings.everyDays + NEAR_EXPIRY_LEAD_DAYS) * DAY_MS),
    });
    return { previousVersionId, moved: true };
  }
}
