// The permissions boundary of every IAM role aws-<env> creates. The CI deployer may create and change roles named
// <org>-<env>-*, with any policy it writes; the boundary caps what such a role can ever do at what the environment's
// roles are granted by this project's constructs, so the deployer cannot grant itself (or a role it passes to Lambda)
// more than the environment needs. A role's effective rights are the intersection of its policies and its boundary
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
//
// What the roles are granted, and so what the boundary allows:
//   - rotation functions (rotation-function.ts, application-secret.ts grantRotate, environment-key.ts): read and write
//     versions of the secrets they rotate, KMS through Secrets Manager, their own log streams, VPC ENIs when the
//     environment has a network, and GetRandomPassword for PostgreSQL;
//   - IRSA workload roles (workload-role.ts, application-secret.ts grantRead): read their secrets, kms:Decrypt
//     through Secrets Manager.
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { Construct } from "constructs";
import { AccountRegion, logGroupArn, viaService } from "./arns";
import { PolicyDocument, PolicyStatement } from "./policy-document";

export interface WorkloadBoundaryScope {
  readonly account: AccountRegion;
  /** Prefix of every role, function and log group name, e.g. acme-dev- */
  readonly namePrefix: string;
  /** Prefix of every secret name, e.g. dev/ */
  readonly secretPrefix: string;
  /** The subnets and security groups rotation functions run in. @default - no VPC: no ENI actions */
  readonly network?: { readonly subnetIds: readonly string[]; readonly securityGroupIds: readonly string[] };
  /**
   * The alerts forward IAM events from us-east-1 to the environment region's default event bus (secret-alerts.ts):
   * their role may put events there. @default false
   */
  readonly forwardsGlobalEvents?: boolean;
}

/** Actions whose Service Authorization Reference entry has no resource type: only "*" can name them. */
export const BOUNDARY_ACTIONS_WITHOUT_RESOURCES = ["secretsmanager:GetRandomPassword", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"];

export function workloadBoundaryStatements(s: WorkloadBoundaryScope): PolicyStatement[] {
  const { account } = s;
  const partition = account.partition ?? "aws";
  const ec2 = (resource: string) => `arn:${partition}:ec2:${account.region}:${account.accountId}:${resource}`;
  const statements: PolicyStatement[] = [
    {
      // The union of grantRead and grantRotate, on the environment's secrets only.
      sid: "EnvironmentSecrets",
      actions: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      resources: [`arn:${partition}:secretsmanager:${account.region}:${account.accountId}:secret:${s.secretPrefix}*`],
    },
    {
      // Keys get ids at creation; kms:ViaService confines use to Secrets Manager calls on the secrets above.
      sid: "KmsThroughSecretsManager",
      actions: ["kms:Decrypt", "kms:GenerateDataKey"],
      resources: [`arn:${partition}:kms:${account.region}:${account.accountId}:key/*`],
      conditions: { StringEquals: { "kms:ViaService": viaService(account, "secretsmanager"), "kms:CallerAccount": account.accountId } },
    },
    {
      sid: "OwnLogStreams",
      actions: ["logs:CreateLogStream", "logs:PutLogEvents"],
      resources: [`${logGroupArn(account, `/aws/lambda/${s.namePrefix}*`)}:log-stream:*`],
    },
    { sid: "GeneratePasswords", actions: ["secretsmanager:GetRandomPassword"], resources: ["*"] },
  ];
  if (s.forwardsGlobalEvents) {
    statements.push({ sid: "ForwardAlertEventsToTheEnvironmentsBus", actions: ["events:PutEvents"], resources: [`arn:${partition}:events:${account.region}:${account.accountId}:event-bus/default`] });
  }
  if (s.network) {
    statements.push(
      { sid: "DescribeNetworkForVpcAttachment", actions: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], resources: ["*"] },
      {
        // ENI ids are assigned at creation; subnets and security groups are the description's.
        sid: "NetworkInterfacesInEnvironmentNetwork",
        actions: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"],
        resources: [
          ec2("network-interface/*"),
          ...s.network.subnetIds.map((id) => ec2(`subnet/${id}`)),
          ...s.network.securityGroupIds.map((id) => ec2(`security-group/${id}`)),
        ],
      },
    );
  }
  return statements;
}

export interface WorkloadBoundaryProps extends WorkloadBoundaryScope {
  readonly policyName: string;
  /** IAM path, e.g. /secrets-platform-ci/ */
  readonly path: string;
  readonly description: string;
}

export class WorkloadBoundary extends Construct {
  readonly policy: IamPolicy;
  readonly document: PolicyDocument;

  constructor(scope: Construct, id: string, props: WorkloadBoundaryProps) {
    super(scope, id);
    this.document = new PolicyDocument(workloadBoundaryStatements(props));
    this.policy = new IamPolicy(this, "policy", {
      name: props.policyName,
      path: props.path,
      description: props.description,
      policy: this.document.toJson(),
    });
  }

  get arn(): string {
    return this.policy.arn;
  }
}
