// The S3 bucket that holds Terraform state for an environment's stacks: versioned (a bad apply can be rolled back to
// the previous state), encrypted with a customer-managed key used only through S3, closed to the public and to
// plain HTTP. Terraform's S3 backend locks with a lock file next to the state (use_lockfile), so no DynamoDB table.
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { Construct } from "constructs";
import { AccountRegion, accountRootArn, viaService } from "./arns";
import { PolicyDocument } from "./policy-document";

export interface StateBucketProps {
  readonly account: AccountRegion;
  readonly bucketName: string;
  /** Alias of the key that encrypts the state, without alias/. */
  readonly keyAlias: string;
  /** @default - no tags beyond the provider's default tags */
  readonly tags?: Record<string, string>;
}

export class StateBucket extends Construct {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;
  readonly bucketArn: string;
  readonly keyArn: string;

  constructor(scope: Construct, id: string, props: StateBucketProps) {
    super(scope, id);
    const root = accountRootArn(props.account);
    const keyPolicy = new PolicyDocument([
      {
        sid: "AccountAdministersKey",
        principals: { AWS: [root] },
        actions: [
          "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation",
          "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:CreateAlias",
          "kms:UpdateAlias", "kms:DeleteAlias", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
        ],
        resources: ["*"], // in a key policy, "*" is this key
      },
      {
        // IAM decides who reads and writes state; the key only works through S3.
        sid: "AccountUsesKeyThroughS3",
        principals: { AWS: [root] },
        actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
        resources: ["*"],
        conditions: { StringEquals: { "kms:ViaService": viaService(props.account, "s3") } },
      },
    ]);
    this.key = new KmsKey(this, "key", {
      description: `Encrypts the Terraform state in ${props.bucketName}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy.toJson(),
      tags: props.tags,
    });
    this.keyArn = this.key.arn;
    new KmsAlias(this, "alias", { name: `alias/${props.keyAlias}`, targetKeyId: this.key.keyId });

    this.bucket = new S3Bucket(this, "bucket", { bucket: props.bucketName, tags: props.tags });
    this.bucketArn = this.bucket.arn;
    new S3BucketVersioningA(this, "versioning", { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      // bucket_key_enabled: S3 derives per-object keys from one KMS call per bucket key period (fewer KMS requests).
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, "public-access-block", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    // ACLs off: the bucket owner owns every object, access is IAM and the bucket policy only.
    new S3BucketOwnershipControls(this, "ownership", { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } });
    const bucketArn = `arn:${props.account.partition ?? "aws"}:s3:::${props.bucketName}`;
    const policy = new PolicyDocument([
      {
        sid: "DenyPlainHttp",
        effect: "Deny",
        principals: "*",
        actions: ["s3:*"],
        resources: [bucketArn, `${bucketArn}/*`],
        conditions: { Bool: { "aws:SecureTransport": false } },
      },
    ]);
    new S3BucketPolicy(this, "tls-only", { bucket: this.bucket.id, policy: policy.toJson() });
  }
}
