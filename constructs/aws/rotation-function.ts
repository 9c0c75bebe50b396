// A rotation Lambda built from a bundle in lambda/, with its own role, encrypted log group,
// invoke permission for Secrets Manager and an alarm on errors.
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { LambdaFunction } from "@cdktf/provider-aws/lib/lambda-function";
import { LambdaPermission } from "@cdktf/provider-aws/lib/lambda-permission";
import { AssetType, ITerraformDependable, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { AccountRegion, logGroupArn, roleArn } from "./arns";
import { EnvironmentKey } from "./environment-key";
import { replaceRoleOnTrustChange } from "./trust-replaces-role";
import { IGrantable, inlinePolicySizeCheck, PolicyDocument, PolicyStatement } from "./policy-document";

export interface RotationFunctionProps {
  readonly account: AccountRegion;
  /** At most 64 characters; also names the role and the log group. */
  readonly functionName: string;
  /** The built zip (index.js exporting `handler`). */
  readonly bundlePath: string;
  /** Encrypts the log group; the function reaches secrets through it too. */
  readonly encryptionKey: EnvironmentKey;
  /** @default - none */
  readonly description?: string;
  /** @default - none */
  readonly environment?: Record<string, string>;
  /**
   * Days CloudWatch keeps the function's logs.
   * @default 365
   */
  readonly logRetentionInDays?: number;
  /** Run in these subnets and security groups (to reach a private database). @default - no VPC */
  readonly network?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
  /** @default 30 */
  readonly timeoutSeconds?: number;
  /** @default 256 */
  readonly memorySize?: number;
  /** Notified when the function fails. @default - the alarm has no action */
  readonly alarmTopicArn?: string;
  /** Further topics notified when the function fails (the environment's alerts topic). @default - none */
  readonly alarmTopicArns?: readonly string[];
  /**
   * What the function needs before it can run, such as the VPC endpoint it reaches Secrets Manager through and
   * that endpoint's ingress rules.
   * @default - only the function's own log group and permissions
   */
  readonly dependsOn?: readonly ITerraformDependable[];
  /** @default - none */
  readonly tags?: Record<string, string>;
  /**
   * ARN of the managed policy that caps what the function's role can do, whatever its policy grants.
   * @default - no boundary
   */
  readonly permissionsBoundary?: string;
}

/** EC2 calls Lambda makes with the function's role to attach it to a VPC. Describe accepts only "*". */
const VPC_DESCRIBE_ACTIONS = ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"];
const VPC_ENI_ACTIONS = [
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:AssignPrivateIpAddresses",
  "ec2:UnassignPrivateIpAddresses",
];

export class RotationFunction extends Construct implements IGrantable {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly logGroup: CloudwatchLogGroup;
  readonly permission: LambdaPermission;
  readonly errorAlarm: CloudwatchMetricAlarm;
  readonly policy = new PolicyDocument();
  /** One token for the ARN, so it dedupes wherever it is named. */
  readonly arn: string;
  /** Its role's ARN, which its requests carry as aws:PrincipalArn. */
  readonly principalArn: string;

  constructor(scope: Construct, id: string, props: RotationFunctionProps) {
    super(scope, id);
    if (props.functionName.length > 64) throw new Error(`function name ${props.functionName} is longer than 64 characters`);
    if (!existsSync(props.bundlePath)) {
      throw new Error(`rotation bundle ${props.bundlePath} is missing: run \`npm run build:lambda\` first`);
    }
    const { account } = props;
    const partition = account.partition ?? "aws";
    const logGroupName = `/aws/lambda/${props.functionName}`;
    this.principalArn = roleArn(account, props.functionName);

    props.encryptionKey.allowLogGroup(logGroupName);
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: logGroupName,
      retentionInDays: props.logRetentionInDays ?? 365,
      kmsKeyId: props.encryptionKey.arn,
      tags: props.tags,
    });

    const trustJson = JSON.stringify(
      new PolicyDocument([
        {
          principals: { Service: ["lambda.amazonaws.com"] },
          actions: ["sts:AssumeRole"],
          conditions: { StringEquals: { "aws:SourceAccount": account.accountId } },
        },
      ]).toObject(),
    );
    this.role = new IamRole(this, "role", {
      name: props.functionName,
      description: `Runs ${props.functionName}`,
      assumeRolePolicy: trustJson,
      permissionsBoundary: props.permissionsBoundary,
      tags: props.tags,
    });
    this.addToPolicy({
      sid: "WriteOwnLogs",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${logGroupArn(account, logGroupName)}:log-stream:*`],
    });
    if (props.network) {
      this.addToPolicy({ sid: "DescribeNetworkForVpcAttachment", actions: VPC_DESCRIBE_ACTIONS, resources: ["*"] });
      this.addToPolicy({
        sid: "ManageOwnNetworkInterfaces",
        actions: VPC_ENI_ACTIONS,
        resources: [
          `arn:${partition}:ec2:${account.region}:${account.accountId}:network-interface/*`,
          ...props.network.subnetIds.map((s) => `arn:${partition}:ec2:${account.region}:${account.accountId}:subnet/${s}`),
          ...props.network.securityGroupIds.map((g) => `arn:${partition}:ec2:${account.region}:${account.accountId}:security-group/${g}`),
        ],
      });
    }
    this.node.addValidation(inlinePolicySizeCheck(props.functionName, this.policy, "let fewer secrets share this function"));
    const rolePolicy = new IamRolePolicy(this, "permissions", {
      name: "rotation",
      role: this.role.id,
      policy: this.policy.toJson(),
    });
    replaceRoleOnTrustChange(this, this.role, trustJson, [rolePolicy]);

    const bundle = new TerraformAsset(this, "bundle", { path: props.bundlePath, type: AssetType.FILE });
    this.function = new LambdaFunction(this, "function", {
      functionName: props.functionName,
      description: props.description,
      role: this.role.arn,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      filename: bundle.path,
      sourceCodeHash: createHash("sha256").update(readFileSync(props.bundlePath)).digest("base64"),
      timeout: props.timeoutSeconds ?? 30,
      memorySize: props.memorySize ?? 256,
      environment: props.environment ? { variables: props.environment } : undefined,
      vpcConfig: props.network
        ? { subnetIds: [...props.network.subnetIds], securityGroupIds: [...props.network.securityGroupIds] }
        : undefined,
      loggingConfig: { logFormat: "JSON", logGroup: this.logGroup.name, applicationLogLevel: "INFO", systemLogLevel: "WARN" },
      tracingConfig: { mode: "PassThrough" },
      tags: props.tags,
      // The log group and the role's permissions exist before the first invocation can log.
      dependsOn: [this.logGroup, rolePolicy, ...(props.dependsOn ?? [])],
    });
    this.arn = this.function.arn;

    this.permission = new LambdaPermission(this, "secrets-manager-invokes", {
      statementId: "SecretsManagerInvokesForRotation",
      action: "lambda:InvokeFunction",
      functionName: this.function.functionName,
      principal: "secretsmanager.amazonaws.com",
      sourceAccount: account.accountId,
    });

    const alarmTopics = [...new Set([...(props.alarmTopicArns ?? []), ...(props.alarmTopicArn ? [props.alarmTopicArn] : [])])];
    this.errorAlarm = new CloudwatchMetricAlarm(this, "errors", {
      alarmName: `${props.functionName}-errors`,
      alarmDescription: `${props.functionName} failed: a secret it rotates may be stuck with an AWSPENDING version. Read its log group ${logGroupName}.`,
      namespace: "AWS/Lambda",
      metricName: "Errors",
      dimensions: { FunctionName: props.functionName },
      statistic: "Sum",
      period: 300,
      evaluationPeriods: 1,
      threshold: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      treatMissingData: "notBreaching",
      alarmActions: alarmTopics.length > 0 ? alarmTopics : undefined,
      okActions: alarmTopics.length > 0 ? alarmTopics : undefined,
      tags: props.tags,
    });
  }

  addToPolicy(statement: PolicyStatement): void {
    this.policy.addStatements(statement);
  }
}
