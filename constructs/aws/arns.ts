// ARNs known before anything is created, so that policies name exact resources and read well in review.

export interface AccountRegion {
  readonly accountId: string;
  readonly region: string;
  /** @default "aws" */
  readonly partition?: string;
}

/**
 * Secrets Manager appends a dash and six random characters to every secret ARN; `-??????` matches
 * exactly that suffix and nothing else, so `a/b` can never match `a/b-other`.
 */
export function secretArnPattern(at: AccountRegion, secretName: string): string {
  return `arn:${at.partition ?? "aws"}:secretsmanager:${at.region}:${at.accountId}:secret:${secretName}-??????`;
}

/** A role's ARN from its name (roles here have the default path "/"), known before the role exists. */
export function roleArn(at: Pick<AccountRegion, "accountId" | "partition">, roleName: string): string {
  return `arn:${at.partition ?? "aws"}:iam::${at.accountId}:role/${roleName}`;
}

export function accountRootArn(at: AccountRegion): string {
  return `arn:${at.partition ?? "aws"}:iam::${at.accountId}:root`;
}

export function logGroupArn(at: AccountRegion, name: string): string {
  return `arn:${at.partition ?? "aws"}:logs:${at.region}:${at.accountId}:log-group:${name}`;
}

/** The service endpoint through which KMS is called on a principal's behalf (kms:ViaService). */
export function viaService(at: AccountRegion, service: string): string {
  return `${service}.${at.region}.amazonaws.com`;
}
