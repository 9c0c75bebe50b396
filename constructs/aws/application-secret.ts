// One Secrets Manager secret at a logical path, encrypted with the environment key. It is created
// without a value: rotation writes the first version, or a person puts it out of band.
import { SecretsmanagerSecret } from "@cdktf/provider-aws/lib/secretsmanager-secret";
import { SecretsmanagerSecretPolicy } from "@cdktf/provider-aws/lib/secretsmanager-secret-policy";
import { SecretsmanagerSecretRotation } from "@cdktf/provider-aws/lib/secretsmanager-secret-rotation";
import { Construct } from "constructs";
import { AccountRegion, secretArnPattern } from "./arns";
import { EnvironmentKey } from "./environment-key";
import { IGrantable, PolicyDocument } from "./policy-document";
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
  /** @default - none */
  readonly tags?: Record<string, string>;
}

export const SECRET_READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"];
export const SECRET_ROTATE_ACTIONS = [
  "secretsmanager:DescribeSecret",
  "secretsmanager:GetSecretValue",
  "secretsmanager:PutSecretValue",
  "secretsmanager:UpdateSecretVersionStage",
];

/**
 * A secret with a resource policy that Secrets Manager checks for public access (blocked) and
 * that denies every request not made over TLS.
 */
export class ApplicationSecret extends Construct {
  readonly secret: SecretsmanagerSecret;
  readonly resourcePolicy: SecretsmanagerSecretPolicy;
  /** The ARN as a pattern that matches this secret only; known before the secret exists. */
  readonly arnPattern: string;
  readonly secretName: string;
  private readonly key: EnvironmentKey;

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
    const policy = new PolicyDocument([
      {
        sid: "DenyRequestsWithoutTls",
        effect: "Deny",
        principals: "*",
        actions: ["secretsmanager:*"],
        resources: [this.secret.arn],
        conditions: { Bool: { "aws:SecureTransport": false } },
      },
    ]);
    this.resourcePolicy = new SecretsmanagerSecretPolicy(this, "policy", {
      secretArn: this.secret.arn,
      policy: policy.toJson(),
      blockPublicPolicy: true,
    });
  }

  get arn(): string {
    return this.secret.arn;
  }

  /** Read the value and metadata of this secret only, and decrypt it through Secrets Manager. */
  grantRead(grantee: IGrantable): void {
    grantee.addToPolicy({ actions: SECRET_READ_ACTIONS, resources: [this.arnPattern] });
    this.key.grantDecryptViaSecretsManager(grantee);
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
      dependsOn: [fn.permission, fn.function],
    });
  }

  /** What a rotation function needs on this secret: read, write versions, move staging labels. */
  grantRotate(grantee: IGrantable): void {
    grantee.addToPolicy({ actions: SECRET_ROTATE_ACTIONS, resources: [this.arnPattern] });
    this.key.grantEncryptDecryptViaSecretsManager(grantee);
  }
}
