// The EventBridge patterns of an environment's alerts (issue 22, docs/alerts.md): CloudTrail management events that
// mean "someone tried" (a denied read) or "someone changed the rules" (a secret's policy, the key, a role), the
// latter only when made by anyone but the pipeline's deployer. Pure data, so that tests match the very patterns the
// stack deploys against CloudTrail records (test/alerts-aws.test.ts).
//
// Event shape: CloudTrail delivers each management event to EventBridge with source aws.<service>, detail-type
// "AWS API Call via CloudTrail" and the CloudTrail record as detail
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html). Grammar used: exact
// strings, prefix, anything-but, exists and $or
// (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html).

export const CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail";

/** What an environment's patterns name. Values may be Terraform tokens in the stack; tests give real ARNs. */
export interface AlertPatternScope {
  readonly partition?: string;
  readonly accountId: string;
  /** The environment's region: secret ARNs are regional. */
  readonly region: string;
  /** Every secret name of the environment begins with it, e.g. prod/ */
  readonly secretPrefix: string;
  /** The environment key's ARN. */
  readonly keyArn: string;
  /** Every IAM role the platform creates for the environment begins with it, e.g. acme-prod- */
  readonly rolePrefix: string;
  /**
   * The pipeline's deployer role ARN (with its path): changes it makes are the normal deploy and raise nothing.
   * @default - no pipeline: every change alerts, whoever makes it
   */
  readonly deployerRoleArn?: string;
}

export type AlertKind = "denied-reads" | "secret-changes" | "key-changes" | "role-changes";

export interface AlertRuleSpec {
  readonly kind: AlertKind;
  readonly description: string;
  /**
   * Where the rule must live: IAM is a global service whose CloudTrail events reach EventBridge in us-east-1 only
   * (https://repost.aws/knowledge-center/eventbridge-rule-triggers-iam-single-region).
   */
  readonly region: "environment" | "us-east-1";
  /**
   * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS for read-only calls (GetSecretValue): a rule in state ENABLED
   * receives no read-only management events
   * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail-management.html).
   */
  readonly state: "ENABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";
  readonly pattern: Record<string, unknown>;
}

/** Secrets Manager calls that change who may read a secret, whether it exists, rotates, or which key encrypts it. */
export const SECRET_CHANGE_EVENTS = ["PutResourcePolicy", "DeleteResourcePolicy", "DeleteSecret", "CancelRotateSecret", "RemoveRegionsFromReplication"];
/** KMS calls that change who may use the environment key, or make it unusable. */
export const KEY_CHANGE_EVENTS = ["PutKeyPolicy", "DisableKey", "ScheduleKeyDeletion"];
/** IAM calls that change what a platform role may do or who may assume it. */
export const ROLE_CHANGE_EVENTS = ["UpdateAssumeRolePolicy", "PutRolePolicy", "AttachRolePolicy", "DeleteRolePermissionsBoundary", "PutRolePermissionsBoundary"];
/** Reads that return secret values. */
export const SECRET_READ_EVENTS = ["GetSecretValue", "BatchGetSecretValue"];

/**
 * Anyone but the deployer. A principal that is no assumed role (an IAM user, the root user) has no sessionIssuer:
 * anything-but needs the field present, so the $or also takes events without one (exists false).
 */
function notTheDeployer(deployerRoleArn: string | undefined): Record<string, unknown> {
  if (!deployerRoleArn) return {};
  const issuer = (arn: unknown[]) => ({ userIdentity: { sessionContext: { sessionIssuer: { arn } } } });
  return { $or: [issuer([{ "anything-but": deployerRoleArn }]), issuer([{ exists: false }])] };
}

/** A secret is named in a request by its name or its ARN (GetSecretValue's SecretId accepts both). */
function secretIdMatchers(s: AlertPatternScope): unknown[] {
  const partition = s.partition ?? "aws";
  return [{ prefix: s.secretPrefix }, { prefix: `arn:${partition}:secretsmanager:${s.region}:${s.accountId}:secret:${s.secretPrefix}` }];
}

function cloudTrail(service: string, detail: Record<string, unknown>): Record<string, unknown> {
  return { source: [`aws.${service}`], "detail-type": [CLOUDTRAIL_DETAIL_TYPE], detail: { eventSource: [`${service}.amazonaws.com`], ...detail } };
}

/** The four rules of an environment. */
export function alertRuleSpecs(s: AlertPatternScope): AlertRuleSpec[] {
  const secretIds = secretIdMatchers(s);
  const others = notTheDeployer(s.deployerRoleArn);
  return [
    {
      kind: "denied-reads",
      description: `A read of a ${s.secretPrefix}* secret was refused: someone tried to read a secret they may not`,
      region: "environment",
      state: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
      pattern: cloudTrail("secretsmanager", {
        eventName: SECRET_READ_EVENTS,
        // AccessDenied (IAM or the secret's policy) and AccessDeniedException (KMS refusing the decrypt).
        errorCode: [{ prefix: "AccessDenied" }],
        // BatchGetSecretValue lists its secrets in secretIdList; a match on any element is a match.
        $or: [{ requestParameters: { secretId: secretIds } }, { requestParameters: { secretIdList: secretIds } }],
      }),
    },
    {
      kind: "secret-changes",
      description: `A ${s.secretPrefix}* secret's policy, deletion, rotation, replication or key changed outside the pipeline`,
      region: "environment",
      state: "ENABLED",
      pattern: cloudTrail("secretsmanager", {
        // Two alternatives: the listed calls, or UpdateSecret with a KmsKeyId (another key, possibly one others use).
        $or: [
          { eventName: SECRET_CHANGE_EVENTS, requestParameters: { secretId: secretIds } },
          { eventName: ["UpdateSecret"], requestParameters: { secretId: secretIds, kmsKeyId: [{ exists: true }] } },
        ],
        // Successful or not: a refused attempt to widen a policy is as telling as a successful one.
        ...nest(others),
      }),
    },
    {
      kind: "key-changes",
      description: "The environment key's policy changed, or it was disabled or scheduled for deletion, outside the pipeline",
      region: "environment",
      state: "ENABLED",
      pattern: cloudTrail("kms", {
        eventName: KEY_CHANGE_EVENTS,
        // KMS records the key it acted on in resources[].ARN, whatever the caller named it by (id, ARN or alias).
        resources: { ARN: [s.keyArn] },
        ...nest(others),
      }),
    },
    {
      kind: "role-changes",
      description: `The trust, policies or boundary of a platform role (${s.rolePrefix}*) changed outside the pipeline`,
      region: "us-east-1",
      state: "ENABLED",
      pattern: cloudTrail("iam", {
        eventName: ROLE_CHANGE_EVENTS,
        requestParameters: { roleName: [{ prefix: s.rolePrefix }] },
        ...nest(others),
      }),
    },
  ];
}

/**
 * Two $or at one level would collide: the deployer's $or joins an existing one through $and semantics, by
 * nesting it one level down under userIdentity's own keys (they do not meet the other $or's keys).
 */
function nest(others: Record<string, unknown>): Record<string, unknown> {
  if (!("$or" in others)) return {};
  const alternatives = others.$or as Array<{ userIdentity: unknown }>;
  return { userIdentity: { $or: alternatives.map((a) => a.userIdentity) } };
}

/**
 * What an alert message carries: who did what to which resource, when, and the error. Fields are picked from the
 * CloudTrail record (input transformer), never the whole event. CloudTrail records no secret value for
 * GetSecretValue (responseElements is null for it), and none of these fields can hold one.
 */
export const ALERT_INPUT_PATHS: Readonly<Record<string, string>> = {
  time: "$.detail.eventTime",
  account: "$.account",
  region: "$.detail.awsRegion",
  source: "$.detail.eventSource",
  action: "$.detail.eventName",
  error: "$.detail.errorCode",
  principal: "$.detail.userIdentity.arn",
  sourceIp: "$.detail.sourceIPAddress",
  secret: "$.detail.requestParameters.secretId",
  key: "$.detail.requestParameters.keyId",
  role: "$.detail.requestParameters.roleName",
  eventId: "$.detail.eventID",
};

/** The message template: a JSON object of the picked fields and the alert's kind. */
export function alertInputTemplate(kind: AlertKind, environment: string): string {
  const fields = Object.keys(ALERT_INPUT_PATHS).map((k) => `"${k}": "<${k}>"`);
  return `{"alert": "${kind}", "environment": "${environment}", ${fields.join(", ")}}`;
}
