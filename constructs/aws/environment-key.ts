// The customer-managed KMS key that encrypts an environment's secrets and rotation logs.
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { Construct } from "constructs";
import { AccountRegion, accountRootArn, logGroupArn, viaService } from "./arns";
import { grant, IGrantable, PolicyDocument, PolicyStatement } from "./policy-document";

export interface EnvironmentKeyProps {
  readonly account: AccountRegion;
  /** Alias without the `alias/` prefix. */
  readonly alias: string;
  readonly description: string;
  /**
   * Days KMS waits before deleting the key once deletion is scheduled.
   * @default 30 - the maximum, since every secret it encrypts dies with it
   */
  readonly deletionWindowInDays?: number;
  /** @default - no tags beyond the provider's default tags */
  readonly tags?: Record<string, string>;
}

/** Actions the account keeps to administer the key through IAM; no key use, no wildcard. */
const ADMIN_ACTIONS = [
  "kms:DescribeKey",
  "kms:GetKeyPolicy",
  "kms:PutKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:EnableKeyRotation",
  "kms:ListKeyRotations",
  "kms:RotateKeyOnDemand",
  "kms:ListResourceTags",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateKeyDescription",
  "kms:ListAliases",
  "kms:CreateAlias",
  "kms:UpdateAlias",
  "kms:DeleteAlias",
  "kms:ListGrants",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:CancelKeyDeletion",
];

/**
 * A symmetric KMS key with yearly rotation and a key policy without wildcard principals: the
 * account administers it, and principals of the account use it only through Secrets Manager.
 */
export class EnvironmentKey extends Construct {
  readonly key: KmsKey;
  readonly alias: KmsAlias;
  readonly policy: PolicyDocument;
  /** One token for the key's ARN, so policies that name it several times dedupe to one entry. */
  readonly arn: string;
  private readonly account: AccountRegion;
  private readonly logGroupArns: string[] = [];

  constructor(scope: Construct, id: string, props: EnvironmentKeyProps) {
    super(scope, id);
    this.account = props.account;
    const root = accountRootArn(props.account);
    this.policy = new PolicyDocument([
      {
        sid: "AccountAdministersKey",
        principals: { AWS: [root] },
        actions: ADMIN_ACTIONS,
        resources: ["*"], // in a key policy, "*" is this key
      },
      {
        // Delegates use to IAM, but only for calls Secrets Manager makes on a principal's behalf.
        sid: "AccountUsesKeyThroughSecretsManager",
        principals: { AWS: [root] },
        actions: ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        resources: ["*"],
        conditions: this.viaSecretsManager(),
      },
    ]);
    this.key = new KmsKey(this, "key", {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: props.deletionWindowInDays ?? 30,
      keyUsage: "ENCRYPT_DECRYPT",
      customerMasterKeySpec: "SYMMETRIC_DEFAULT",
      policy: this.policy.toJson(),
      tags: props.tags,
    });
    this.arn = this.key.arn;
    this.alias = new KmsAlias(this, "alias", { name: `alias/${props.alias}`, targetKeyId: this.key.keyId });
  }

  /** Lets the grantee decrypt secrets it may read, only when Secrets Manager calls KMS for it. */
  grantDecryptViaSecretsManager(grantee: IGrantable): PolicyStatement {
    return grant(grantee, { actions: ["kms:Decrypt"], resources: [this.arn], conditions: this.viaSecretsManager() });
  }

  /** Lets the grantee write new secret versions (encrypt) and read them, only through Secrets Manager. */
  grantEncryptDecryptViaSecretsManager(grantee: IGrantable): PolicyStatement {
    return grant(grantee, {
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: [this.arn],
      conditions: this.viaSecretsManager(),
    });
  }

  /** Lets CloudWatch Logs encrypt exactly the named log group with the key. */
  allowLogGroup(name: string): void {
    if (this.logGroupArns.length === 0) {
      // One statement for all log groups; the list is read when the policy renders.
      this.policy.addStatements({
        sid: "CloudWatchLogsEncryptsNamedLogGroups",
        principals: { Service: [viaService(this.account, "logs")] },
        actions: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"],
        resources: ["*"],
        conditions: { ArnEquals: { "kms:EncryptionContext:aws:logs:arn": this.logGroupArns } },
      });
    }
    this.logGroupArns.push(logGroupArn(this.account, name));
  }

  /**
   * Lets an AWS service publish to one SNS topic encrypted with the key: SNS asks KMS for data keys with the
   * encryption context aws:sns:topicArn, on the publisher's behalf
   * (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
   */
  allowServiceForSnsTopic(servicePrincipal: string, topicArn: string): void {
    this.policy.addStatements({
      // One Sid per service: Sids are unique within a policy.
      sid: `${servicePrincipal.split(".")[0].replace(/^./, (c) => c.toUpperCase())}PublishesToEncryptedTopic`,
      principals: { Service: [servicePrincipal] },
      // GenerateDataKey, the call SNS makes (the page's GenerateDataKey* would also allow the WithoutPlaintext variant).
      actions: ["kms:GenerateDataKey", "kms:Decrypt"],
      resources: ["*"],
      conditions: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": topicArn } },
    });
  }

  /** The account's principals may use the key through Secrets Manager; their IAM policies decide who. */
  private viaSecretsManager() {
    return {
      StringEquals: {
        "kms:ViaService": viaService(this.account, "secretsmanager"),
        "kms:CallerAccount": this.account.accountId,
      },
    };
  }
}
