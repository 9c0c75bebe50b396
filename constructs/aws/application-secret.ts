// One Secrets Manager secret at a logical path, encrypted with the environment key. It is created
// without a value: rotation writes the first version, or a person puts it out of band.
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { ITerraformDependable, Lazy } from "cdktf";
import { Construct } from "constructs";
import { AccountRegion, secretArnPattern } from "./arns";
import { EnvironmentKey } from "./environment-key";
import { grant, IGrantable, PolicyDocument, PolicyStatement } from "./policy-document";
import { RotationFunction } from "./rotation-function";

export interface RotationScheduleOptions {
  readonly rotationFunction: RotationFunction;
  /** Rotate every N days. Give this or scheduleExpression. */
  readonly everyDays?: number;
  /** rate(...) or cron(...), as Secrets Manager takes it. */
  readonly scheduleExpression?: string;
  /**
   * Rotate as soon as the schedule is created, which writes the first value.
   * @default true
   */
  readonly rotateImmediately?: boolean;
  /**
   * What must exist before Secrets Manager first invokes the function, such as the VPC endpoint the function
   * reaches Secrets Manager through.
   * @default - the function and its invoke permission only
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

export interface ApplicationSecretProps {
  readonly account: AccountRegion;
  /** The secret's name, `<env>/<app>/<secret>`. */
  readonly secretName: string;
  readonly encryptionKey: EnvironmentKey;
  /** @default - none */
  readonly description?: string;
  /**
   * Days a deleted secret can still be restored.
   * @default 30
   */
  readonly recoveryWindowInDays?: number;
  /**
   * Roles that may read the value besides those granted with grantRead or grantRotate (break-glass roles, whose
   * own IAM policies are managed elsewhere). Role ARNs; a path or wildcard is matched as ArnLike would.
   * @default - none
   */
  readonly breakGlassRoleArns?: readonly string[];
  /** @default - none */
  readonly tags?: Record<string, string>;
  /**
   * Adopt a secret that exists already instead of creating one: its ARN or name, for a Terraform import block (cdktf's
   * importFrom). The provider imports by passing the id through to DescribeSecret, which takes either
   * (terraform-provider-aws internal/service/secretsmanager/secret.go: ImportStatePassthroughContext, findSecretByID).
   * aws_secretsmanager_secret holds no value, so none is read into state; on the first apply the secret gets this
   * construct's key (UpdateSecret with KmsKeyId, no value), description, tags and resource policy. `secretName` must be
   * the existing secret's name: the name forces replacement.
   * @default - a new secret is created
   */
  readonly existingSecretId?: string;
}

export const SECRET_READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];
export const SECRET_ROTATE_ACTIONS = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecretVersionStage",
];

/** The read-deny statement's Sid; the review and the guardrails find the statement by its shape, not by this. */
export const READ_DENY_SID = "DenyReadingExceptListedPrincipals";

/**
 * A secret with a resource policy that Secrets Manager checks for public access (blocked), that denies every
 * request not made over TLS, and that denies reading the value to every principal except the roles granted it
 * here and the break-glass roles: who can read is answerable from the secret alone, whatever IAM policies
 * (such as an administrator's secretsmanager:* on *) say elsewhere in the account.
 */
export class ApplicationSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly resourcePolicy: SecretsmanagerSecretPolicy;
  /** The ARN as a pattern that matches this secret only; known before the secret exists. */
  readonly arnPattern: string;
  readonly secretName: string;
  /** Whether the secret existed before and is imported (existingSecretId). */
  readonly adopted: boolean;
  private readonly key: EnvironmentKey;
  /** Role ARNs not denied GetSecretValue, in the order they were granted. */
  private readonly readers: string[] = [];

  constructor(scope: Construct, id: string, props: ApplicationSecretProps) {
    super(scope, id);
    const recoveryWindowInDays = props.recoveryWindowInDays ?? 30;
    if (recoveryWindowInDays < 7 || recoveryWindowInDays > 30) {
      throw new Error(`${props.secretName}: recoveryWindowInDays must be 7 to 30 (Secrets Manager's range), got ${recoveryWindowInDays}`);
    }
    this.key = props.encryptionKey;
    this.secretName = props.secretName;
    this.arnPattern = secretArnPattern(props.account, props.secretName);
    this.secret = new SecretsmanagerSecret(this, "secret", {
      name: props.secretName,
      description: props.description,
      kmsKeyId: props.encryptionKey.arn,
      recoveryWindowInDays,
      tags: props.tags,
    });
    if (props.existingSecretId !== undefined) this.secret.importFrom(props.existingSecretId);
    this.adopted = props.existingSecretId !== undefined;
    this.readers.push(...(props.breakGlassRoleArns ?? []));
    this.resourcePolicy = new SecretsmanagerSecretPolicy(this, "policy", {
      secretArn: this.secret.arn,
      // Rendered at synth, once every grant is known. Free of references, so `terraform plan` shows it whole.
      policy: Lazy.stringValue({ produce: () => JSON.stringify(this.resourcePolicyDocument().toObject()) }),
      blockPublicPolicy: true,
    });
  }

  /** The principals that may read the value: every other one is denied by the resource policy. */
  get readerArns(): readonly string[] {
    return [...new Set(this.readers)];
  }

  private resourcePolicyDocument(): PolicyDocument {
    const readers = this.readerArns;
    // In a secret's resource policy, Resource "*" is the secret the policy is attached to (Secrets Manager user
    // guide, "Permissions policy examples").
    return new PolicyDocument([
      {
        sid: "DenyRequestsWithoutTls",
        effect: "Deny",
        principals: "*",
        actions: ["secretsmanager:*"],
        resources: ["*"],
        conditions: { Bool: { "aws:SecureTransport": false } },
      },
      {
        // Only GetSecretValue: the deployer (and any administrator) still describes, tags, rotates, deletes the
        // secret and replaces this very policy, so nobody is locked out of managing it.
        // aws:PrincipalArn is the role's ARN for every session of the role (IRSA's AssumeRoleWithWebIdentity,
        // a Lambda's execution role), not the session's sts ARN (IAM user guide, global condition keys), so
        // ArnNotLike on role ARNs covers their sessions.
        sid: READ_DENY_SID,
        effect: "Deny",
        principals: "*",
        actions: ["secretsmanager:GetSecretValue"],
        resources: ["*"],
        // Nobody granted yet (a value a person puts, that no workload reads): nobody reads it.
        conditions: readers.length > 0 ? { ArnNotLike: { "aws:PrincipalArn": readers } } : undefined,
      },
    ]);
  }

  get arn(): string {
    return this.secret.arn;
  }

  /** Read the value and metadata of this secret only, and decrypt it through Secrets Manager. Returns the statements granted. */
  grantRead(grantee: IGrantable): PolicyStatement[] {
    this.readers.push(grantee.principalArn);
    return [grant(grantee, { actions: SECRET_READ_ACTIONS, resources: [this.arnPattern] }), this.key.grantDecryptViaSecretsManager(grantee)];
  }

  /** Rotates this secret with the function, which is granted exactly what rotating it needs. */
  addRotationSchedule(id: string, options: RotationScheduleOptions): SecretsmanagerSecretRotation {
    if ((options.everyDays === undefined) === (options.scheduleExpression === undefined)) {
      throw new Error(`${this.secretName}: give exactly one of everyDays or scheduleExpression`);
    }
    const fn = options.rotationFunction;
    this.grantRotate(fn);
    return new SecretsmanagerSecretRotation(this, id, {
      secretId: this.secret.arn,
      rotationLambdaArn: fn.arn,
      rotateImmediately: options.rotateImmediately ?? true,
      rotationRules: { automaticallyAfterDays: options.everyDays, scheduleExpression: options.scheduleExpression },
      // Secrets Manager invokes the function as soon as rotation is set.
      dependsOn: [fn.permission, fn.function, ...(options.dependsOn ?? [])],
    });
  }

  /** What a rotation function needs on this secret: read, write versions, move staging labels. Returns the statements granted. */
  grantRotate(grantee: IGrantable): PolicyStatement[] {
    this.readers.push(grantee.principalArn);
    return [grant(grantee, { actions: SECRET_ROTATE_ACTIONS, resources: [this.arnPattern] }), this.key.grantEncryptDecryptViaSecretsManager(grantee)];
  }
}
