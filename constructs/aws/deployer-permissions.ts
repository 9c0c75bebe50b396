// What a CI deployer needs in IAM to create, update and delete each Terraform resource type, scoped to the names an
// environment's stack uses. The table is keyed by resource type so that a stack's permissions are derived from the
// resources it actually has: a type missing here stops the bootstrap instead of deploying with a silent gap.
//
// Actions and resource types: the Service Authorization Reference
// (https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html),
// per service. Where an action has no resource-level permissions or the ARN holds an id unknown before creation
// (KMS keys, EC2 security groups and endpoints), the statement is narrowed by the environment tag the stack's
// provider puts on everything (aws:RequestTag on create, aws:ResourceTag afterwards).
import { AccountRegion, logGroupArn } from "./arns";
import type { PolicyStatement } from "./policy-document";

export interface DeployerScope {
  readonly account: AccountRegion;
  /** Prefix of every IAM role, Lambda function, log group and alarm name of the stack, e.g. acme-dev- */
  readonly namePrefix: string;
  /** Prefix of every secret name, e.g. dev/ */
  readonly secretPrefix: string;
  /** The KMS aliases the stacks create, without alias/: one, or one per stack group. */
  readonly keyAlias: string | readonly string[];
  /** The tag the stack's provider puts on every resource, which narrows actions on ids unknown in advance. */
  readonly tag: { readonly key: string; readonly value: string };
  /** The permissions boundary every role the deployer creates or changes must carry (workload-boundary.ts). */
  readonly permissionsBoundaryArn: string;
}

/**
 * The role actions that change what a role may do, each authorized only when the role carries (or, for CreateRole
 * and PutRolePermissionsBoundary, is given) the environment's boundary. These are the role actions for which the
 * Service Authorization Reference lists the iam:PermissionsBoundary condition key
 * (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html);
 * UpdateAssumeRolePolicy is not among them (a condition on it would never match and block trust updates), and a
 * new trust cannot widen a bounded role's rights.
 */
export const BOUNDED_ROLE_ACTIONS = [
  "iam:CreateRole",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
];

const bounded = (s: DeployerScope) => ({ StringEquals: { "iam:PermissionsBoundary": s.permissionsBoundaryArn } });

/**
 * Denies that keep the boundary in place whatever else the deployer is allowed: it may neither take a role's boundary
 * off nor rewrite or delete the boundary policy.
 */
export function boundaryProtectionStatements(s: DeployerScope): PolicyStatement[] {
  return [
    { sid: "NeverRemoveBoundaries", effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary"], resources: ["*"] },
    {
      sid: "NeverChangeTheBoundary",
      effect: "Deny",
      actions: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
      resources: [s.permissionsBoundaryArn],
    },
  ];
}

const arn = (s: DeployerScope, service: string, resource: string, regional = true) =>
  `arn:${s.account.partition ?? "aws"}:${service}:${regional ? s.account.region : ""}:${s.account.accountId}:${resource}`;

const tagged = (s: DeployerScope) => ({ StringEquals: { [`aws:ResourceTag/${s.tag.key}`]: s.tag.value } });
const tagging = (s: DeployerScope) => ({ StringEquals: { [`aws:RequestTag/${s.tag.key}`]: s.tag.value } });

const secrets = (s: DeployerScope) => [arn(s, "secretsmanager", `secret:${s.secretPrefix}*`)];
const roles = (s: DeployerScope) => [arn(s, "iam", `role/${s.namePrefix}*`, false)];
const functions = (s: DeployerScope) => [arn(s, "lambda", `function:${s.namePrefix}*`)];
const keys = (s: DeployerScope) => [arn(s, "kms", "key/*")];
const securityGroups = (s: DeployerScope) => [arn(s, "ec2", "security-group/*")];

/** Terraform resource type -> the statements that create, read, update and delete it. */
export const DEPLOYER_STATEMENTS: Readonly<Record<string, (s: DeployerScope) => PolicyStatement[]>> = {
  aws_kms_key: (s) => [
    // CreateKey has no resource; the new key must carry the environment tag.
    { sid: "CreateEnvironmentKey", actions: ["kms:CreateKey", "kms:TagResource"], resources: ["*"], conditions: tagging(s) },
    {
      sid: "ManageEnvironmentKey",
      actions: [
        "kms:DescribeKey", "kms:GetKeyPolicy", "kms:PutKeyPolicy", "kms:GetKeyRotationStatus", "kms:EnableKeyRotation",
        "kms:ListResourceTags", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription", "kms:ScheduleKeyDeletion",
      ],
      resources: keys(s),
      conditions: tagged(s),
    },
  ],
  aws_kms_alias: (s) => [
    // An alias call is authorized on the alias and on its key.
    { sid: "ManageEnvironmentKeyAlias", actions: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], resources: (typeof s.keyAlias === "string" ? [s.keyAlias] : s.keyAlias).map((a) => arn(s, "kms", `alias/${a}`)) },
    { sid: "AliasEnvironmentKey", actions: ["kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias"], resources: keys(s), conditions: tagged(s) },
    { sid: "ListAliases", actions: ["kms:ListAliases"], resources: ["*"] },
  ],
  aws_secretsmanager_secret: (s) => [
    {
      sid: "ManageEnvironmentSecrets",
      actions: [
        "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret", "secretsmanager:UpdateSecret",
        "secretsmanager:TagResource", "secretsmanager:UntagResource", "secretsmanager:GetResourcePolicy", "secretsmanager:RestoreSecret",
      ],
      resources: secrets(s),
    },
  ],
  aws_secretsmanager_secret_policy: (s) => [
    {
      sid: "ManageEnvironmentSecretPolicies",
      actions: ["secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:GetResourcePolicy", "secretsmanager:ValidateResourcePolicy", "secretsmanager:DescribeSecret"],
      resources: secrets(s),
    },
  ],
  aws_secretsmanager_secret_rotation: (s) => [
    { sid: "ManageEnvironmentRotation", actions: ["secretsmanager:RotateSecret", "secretsmanager:CancelRotateSecret", "secretsmanager:DescribeSecret"], resources: secrets(s) },
  ],
  aws_iam_role: (s) => [
    // Created with the boundary, or given it in place (an environment that existed before the boundary).
    { sid: "CreateBoundedEnvironmentRoles", actions: ["iam:CreateRole", "iam:PutRolePermissionsBoundary"], resources: roles(s), conditions: bounded(s) },
    {
      sid: "ManageEnvironmentRoles",
      actions: [
        "iam:DeleteRole", "iam:GetRole", "iam:UpdateRole", "iam:UpdateRoleDescription", "iam:UpdateAssumeRolePolicy",
        "iam:TagRole", "iam:UntagRole", "iam:ListRolePolicies", "iam:ListAttachedRolePolicies", "iam:ListInstanceProfilesForRole",
      ],
      resources: roles(s),
    },
  ],
  // IAM OIDC providers of clusters without one (kubernetes.clusters): the oidc-provider resource type takes
  // aws:ResourceTag, and CreateOpenIDConnectProvider and TagOpenIDConnectProvider aws:RequestTag (Service Authorization
  // Reference, IAM), so the deployer creates and changes only providers carrying the environment's tag.
  aws_iam_openid_connect_provider: (s) => [
    { sid: "CreateEnvironmentOidcProviders", actions: ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"], resources: [arn(s, "iam", "oidc-provider/*", false)], conditions: tagging(s) },
    {
      sid: "ManageEnvironmentOidcProviders",
      actions: [
        "iam:DeleteOpenIDConnectProvider", "iam:GetOpenIDConnectProvider", "iam:AddClientIDToOpenIDConnectProvider", "iam:RemoveClientIDFromOpenIDConnectProvider",
        "iam:UpdateOpenIDConnectProviderThumbprint", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider", "iam:ListOpenIDConnectProviderTags",
      ],
      resources: [arn(s, "iam", "oidc-provider/*", false)],
      conditions: tagged(s),
    },
  ],
  aws_iam_role_policy: (s) => [
    // Only on roles that carry the boundary: whatever the policy says, the role can do no more than the boundary.
    { sid: "ManageBoundedEnvironmentRolePolicies", actions: ["iam:PutRolePolicy", "iam:DeleteRolePolicy"], resources: roles(s), conditions: bounded(s) },
    { sid: "ReadEnvironmentRolePolicies", actions: ["iam:GetRolePolicy", "iam:ListRolePolicies"], resources: roles(s) },
  ],
  aws_lambda_function: (s) => [
    {
      sid: "ManageEnvironmentFunctions",
      actions: [
        "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration", "lambda:ListVersionsByFunction", "lambda:GetFunctionCodeSigningConfig", "lambda:TagResource",
        "lambda:UntagResource", "lambda:ListTags",
      ],
      resources: functions(s),
    },
    // Only to Lambda, only the environment's own roles.
    { sid: "PassEnvironmentRolesToLambda", actions: ["iam:PassRole"], resources: roles(s), conditions: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } } },
  ],
  aws_lambda_permission: (s) => [
    { sid: "ManageEnvironmentFunctionPermissions", actions: ["lambda:AddPermission", "lambda:RemovePermission", "lambda:GetPolicy"], resources: functions(s) },
  ],
  aws_cloudwatch_log_group: (s) => [
    {
      sid: "ManageEnvironmentLogGroups",
      actions: [
        "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy", "logs:AssociateKmsKey",
        "logs:DisassociateKmsKey", "logs:TagResource", "logs:UntagResource", "logs:ListTagsForResource", "logs:PutDataProtectionPolicy",
      ],
      resources: [logGroupArn(s.account, `/aws/lambda/${s.namePrefix}*`)],
    },
    { sid: "DescribeLogGroups", actions: ["logs:DescribeLogGroups"], resources: [arn(s, "logs", "log-group:*")] },
  ],
  aws_cloudwatch_metric_alarm: (s) => [
    {
      sid: "ManageEnvironmentAlarms",
      actions: ["cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:TagResource", "cloudwatch:UntagResource", "cloudwatch:ListTagsForResource"],
      resources: [arn(s, "cloudwatch", `alarm:${s.namePrefix}*`)],
    },
  ],
  aws_security_group: (s) => [
    { sid: "CreateEnvironmentSecurityGroups", actions: ["ec2:CreateSecurityGroup", "ec2:CreateTags"], resources: securityGroups(s), conditions: tagging(s) },
    // The VPC side of CreateSecurityGroup carries no tag of ours.
    { sid: "CreateSecurityGroupsInVpcs", actions: ["ec2:CreateSecurityGroup"], resources: [arn(s, "ec2", "vpc/*")] },
    {
      sid: "ManageEnvironmentSecurityGroups",
      actions: ["ec2:DeleteSecurityGroup", "ec2:AuthorizeSecurityGroupEgress", "ec2:RevokeSecurityGroupEgress", "ec2:CreateTags", "ec2:DeleteTags"],
      resources: securityGroups(s),
      conditions: tagged(s),
    },
    { sid: "DescribeNetwork", actions: ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeVpcs", "ec2:DescribeSubnets"], resources: ["*"] },
  ],
  aws_vpc_security_group_ingress_rule: (s) => [
    {
      sid: "ManageEnvironmentIngressRules",
      actions: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:ModifySecurityGroupRules"],
      resources: securityGroups(s),
      conditions: tagged(s),
    },
    { sid: "TagIngressRules", actions: ["ec2:CreateTags"], resources: [arn(s, "ec2", "security-group-rule/*")], conditions: tagging(s) },
    { sid: "DescribeNetwork", actions: ["ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules", "ec2:DescribeVpcs", "ec2:DescribeSubnets"], resources: ["*"] },
  ],
  aws_vpc_endpoint: (s) => [
    { sid: "CreateEnvironmentEndpoints", actions: ["ec2:CreateVpcEndpoint", "ec2:CreateTags"], resources: [arn(s, "ec2", "vpc-endpoint/*")], conditions: tagging(s) },
    // The VPC, subnets and security groups an endpoint is placed in are given ids, not tagged by this stack.
    { sid: "PlaceEndpoints", actions: ["ec2:CreateVpcEndpoint", "ec2:ModifyVpcEndpoint"], resources: [arn(s, "ec2", "vpc/*"), arn(s, "ec2", "subnet/*"), arn(s, "ec2", "security-group/*")] },
    { sid: "ManageEnvironmentEndpoints", actions: ["ec2:ModifyVpcEndpoint", "ec2:DeleteVpcEndpoints", "ec2:CreateTags", "ec2:DeleteTags"], resources: [arn(s, "ec2", "vpc-endpoint/*")], conditions: tagged(s) },
    { sid: "DescribeEndpoints", actions: ["ec2:DescribeVpcEndpoints", "ec2:DescribePrefixLists", "ec2:DescribeVpcs", "ec2:DescribeSubnets"], resources: ["*"] },
  ],
};

/** A read-only verb: what a plan (refresh) calls, never what changes a resource. */
export const READ_ONLY_ACTION = /^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*$/;
/** Reads that return secret material; a planner must be denied them explicitly. */
export const SECRET_READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"];

/** The deployer's statements for the resource types of a stack; throws on a type this table does not know. */
export function deployerStatements(types: Iterable<string>, scope: DeployerScope): PolicyStatement[] {
  const unknown: string[] = [];
  const out: PolicyStatement[] = [];
  const seen = new Set<string>();
  for (const type of [...new Set(types)].sort()) {
    const build = DEPLOYER_STATEMENTS[type];
    if (!build) {
      unknown.push(type);
      continue;
    }
    for (const st of build(scope)) {
      // Types may share a statement (DescribeNetwork); keep one.
      const key = JSON.stringify(st);
      if (!seen.has(key)) out.push(st);
      seen.add(key);
    }
  }
  if (unknown.length > 0) {
    throw new Error(
      `the CI deployer has no permissions defined for ${unknown.join(", ")}: add them to DEPLOYER_STATEMENTS in constructs/aws/deployer-permissions.ts`,
    );
  }
  return out;
}

/** The read-only part of the deployer's statements: what a planner needs to refresh the same resources. */
export function plannerStatements(types: Iterable<string>, scope: DeployerScope): PolicyStatement[] {
  const out: PolicyStatement[] = [];
  for (const st of deployerStatements(types, scope)) {
    const actions = st.actions.filter((a) => READ_ONLY_ACTION.test(a) && !SECRET_READ_ACTIONS.includes(a));
    if (actions.length === 0) continue;
    // Read statements need no request-tag condition (nothing is created).
    const conditions = st.conditions && JSON.stringify(st.conditions).includes("aws:RequestTag") ? undefined : st.conditions;
    out.push({ ...st, sid: st.sid ? `Read${st.sid}` : undefined, actions, conditions });
  }
  return out;
}
