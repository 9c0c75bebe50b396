// Secrets Manager calls a rotation makes, on one secret and one version (the rotation's token).
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { RotationError, awsErrorName } from "./errors";
import { registerSecret, registerSecretValue } from "./log";
import { parseValue } from "./json-value";
import type { PasswordOptions, SecretStore, SecretVersion } from "./store";

export type { PasswordOptions, SecretVersion } from "./store";

import { AWSCURRENT, AWSPENDING } from "./store";

export { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from "./store";

let client: SecretsManagerClient | undefined;

/**
 * The Secrets Manager client, created once per Lambda instance with the SDK's default
 * configuration: region and credentials from the Lambda environment, and the endpoint from
 * `AWS_ENDPOINT_URL_SECRETS_MANAGER` / `AWS_ENDPOINT_URL` when set (tests, VPC endpoints).
 */
export function secretsManager(): SecretsManagerClient {
  client ??= new SecretsManagerClient({});
  return client;
}

export interface SecretMetadata {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  /** Version id -> staging labels, for versions that have at least one label. */
  readonly versions: Readonly<Record<string, readonly string[]>>;
  readonly tags: Readonly<Record<string, string>>;
}

export async function describeSecret(secretId: string): Promise<SecretMetadata> {
  const out = await secretsManager().send(new DescribeSecretCommand({ SecretId: secretId }));
  const tags: Record<string, string> = {};
  for (const tag of out.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? "";
  return {
    arn: out.ARN ?? secretId,
    name: out.Name ?? secretId,
    rotationEnabled: out.RotationEnabled === true,
    versions: out.VersionIdsToStages ?? {},
    tags,
  };
}


/**
 * Reads a version by staging label (and version id, when given). Returns undefined when there is
 * no such version or it has no value yet (RotateSecret labels the new version AWSPENDING before
 * createSecret puts its value).
 */
export async function getSecretVersion(
  secretId: string,
  stage: string,
  versionId?: string,
): Promise<SecretVersion | undefined> {
  try {
    const out = await secretsManager().send(
      new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage, VersionId: versionId }),
    );
    return { versionId: out.VersionId ?? versionId ?? "", value: parseValue(secretId, stage, out.SecretString) };
  } catch (err) {
    if (awsErrorName(err) === "ResourceNotFoundException") return undefined;
    throw err;
  }
}

/**
 * Whether a version has a value. RotateSecret labels a new version AWSPENDING before createSecret
 * puts its value; Secrets Manager's configuration test (rotation set up with RotateImmediately=false)
 * makes such a version, runs only testSecret on it, and removes it, so it never gets one.
 */
export async function versionHasValue(secretId: string, versionId: string): Promise<boolean> {
  try {
    const out = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId, VersionId: versionId }));
    registerSecret(out.SecretString);
    return out.SecretString !== undefined || out.SecretBinary !== undefined;
  } catch (err) {
    if (awsErrorName(err) === "ResourceNotFoundException") return false;
    throw err;
  }
}

/** Reads another secret's AWSCURRENT value (the master secret of alternating rotation). */
export async function getOtherSecret(secretId: string, purpose: string): Promise<SecretVersion> {
  try {
    const out = await secretsManager().send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: AWSCURRENT }));
    return { versionId: out.VersionId ?? "", value: parseValue(secretId, AWSCURRENT, out.SecretString) };
  } catch (err) {
    if (err instanceof RotationError) throw err;
    const name = awsErrorName(err) ?? (err as Error).name;
    throw new RotationError(
      `Cannot read ${purpose} ${secretId}: ${name}: ${(err as Error).message}. ` +
        `The rotation function needs secretsmanager:GetSecretValue on it (and kms:Decrypt on its key).`,
      name ?? "MASTER_SECRET_UNREADABLE",
    );
  }
}

/** Puts `value` as the version `token`, labelled AWSPENDING. Idempotent for the same value. */
export async function putPendingValue(
  secretId: string,
  token: string,
  value: Record<string, unknown>,
  rotationToken?: string,
): Promise<void> {
  const text = JSON.stringify(value);
  registerSecret(text);
  registerSecretValue(value);
  await secretsManager().send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: token,
      SecretString: text,
      VersionStages: [AWSPENDING],
      RotationToken: rotationToken,
    }),
  );
}

export async function randomPassword(options: PasswordOptions): Promise<string> {
  const out = await secretsManager().send(
    new GetRandomPasswordCommand({
      PasswordLength: options.length,
      ExcludeCharacters: options.excludeCharacters || undefined,
      RequireEachIncludedType: true,
      IncludeSpace: false,
    }),
  );
  if (!out.RandomPassword) throw new RotationError("GetRandomPassword returned no password.", "NO_PASSWORD");
  registerSecret(out.RandomPassword);
  return out.RandomPassword;
}

/**
 * finishSecret for every type: moves AWSCURRENT to the rotation's version. Secrets Manager puts
 * AWSPREVIOUS on the version AWSCURRENT leaves. Reads the labels afresh so that a retry after
 * a partial failure sees the state as it is now.
 */
export async function moveCurrentTo(secretId: string, token: string): Promise<{ previousVersionId?: string; moved: boolean }> {
  const { versions } = await describeSecret(secretId);
  const current = Object.entries(versions).find(([, stages]) => stages.includes(AWSCURRENT))?.[0];
  if (current === token) return { previousVersionId: undefined, moved: false };
  await secretsManager().send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: AWSCURRENT,
      MoveToVersionId: token,
      RemoveFromVersionId: current,
    }),
  );
  return { previousVersionId: current, moved: true };
}

/** The Lambda's store: Secrets Manager, through the functions above. */
export const secretsManagerStore: SecretStore = {
  getSecretVersion,
  getOtherSecret,
  putPendingValue,
  randomPassword,
  moveCurrentTo,
  putValueCommand: (secretId) => `aws secretsmanager put-secret-value --secret-id ${secretId} --secret-string file://value.json`,
  checkCanPublish: async () => undefined,
  earlierPendingValues: async () => [],
};
