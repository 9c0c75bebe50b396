// What a CI deployer needs in IAM to create, read (refresh), update and delete each Terraform resource type, scoped to
// the names an environment's stack uses. PROVIDER_CALLS is the table: per resource type, the API actions the AWS
// provider 5.100.0 calls in each phase, each row group citing the Service Authorization Reference (SAR) page of its
// service and, where the docs do not say what Terraform calls, the provider's source file for that resource
// (hashicorp/terraform-provider-aws, internal/service/<service>/<resource>.go). The deployer's policy and the planner's
// read-only one are derived from it; a type missing here stops the bootstrap instead of deploying with a silent gap,
// and test/deployer-rights.test.ts fails for a type any synthesized stack has and the table does not.
//
// Resources: where an action has no resource-level permissions or the ARN holds an id unknown before creation (KMS
// keys, EC2 security groups and endpoints), the statement is narrowed by the environment tag the stack's provider puts
// on everything (aws:RequestTag on create, aws:ResourceTag afterwards). EC2 tagging is allowed only as part of the
// create call (ec2:CreateAction), so the deployer cannot put the environment tag on a resource it did not create
// (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html).
import { AccountRegion, logGroupArn, viaService } from "./arns";
import type { Conditions, PolicyStatement } from "./policy-document";
import { GITHUB_OIDC_HOST } from "../../contracts/pipeline";

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

/** When Terraform calls an action: create, read (refresh, also what a plan calls), update, delete. */
export type Phase = "create" | "read" | "update" | "delete";

/**
 * What an action is authorized on. Each target is one statement of the deployer's policy (scopeOf below):
 * - secret, role, function, logGroup, alarm, alias: the environment's names (secret:<env>/*, <org>-<env>-*);
 * - boundedRole: the environment's roles, only when iam:PermissionsBoundary is the environment's boundary;
 * - passRole: the environment's roles, only to lambda.amazonaws.com; passRoleToEvents: only to events.amazonaws.com;
 * - topic: the environment's alert topic (<org>-<env>-*); eventRule: its alert rules, in its region and us-east-1;
 * - newKey, newSecurityGroup, newSecurityGroupRule, newVpcEndpoint: a create whose request carries the environment tag;
 * - key, securityGroup, securityGroupRule, vpcEndpoint: an existing resource that carries the environment tag;
 * - newOidcProvider, oidcProvider: a cluster's IAM OIDC provider, created with / carrying the environment tag;
 * - network: the VPCs, subnets and security groups the description names (created elsewhere, placed into);
 * - any: actions that accept no resource narrower than "*" (Describe/List calls);
 * - bootstrap: applied by a person (bootstrap-<env>), never granted to the deployer.
 */
export type Target =
  | "secret" | "role" | "boundedRole" | "passRole" | "passRoleToEvents" | "topic" | "eventRule" | "function" | "logGroup" | "alarm" | "alias" | "anyAlias"
  | "newKey" | "key" | "newSecurityGroup" | "securityGroup" | "newSecurityGroupRule" | "securityGroupRule" | "newVpcEndpoint" | "vpcEndpoint"
  | "newOidcProvider" | "oidcProvider" | "network" | "any" | "bootstrap";

export interface ProviderCall {
  readonly action: string;
  readonly phases: readonly Phase[];
  readonly on: Target;
  /** The documentation page that requires this action when it is not the SAR page of the type, or why it is here. */
  readonly cite?: string;
}

export interface ResourceTypeCalls {
  /** The SAR page(s) of the services the type calls. */
  readonly reference: readonly string[];
  /** The provider's source for what it calls, read at v5.100.0 where the docs are silent. */
  readonly source: string;
  /** Who applies stacks with this type: the CI deployer, or a person (bootstrap-<env> only). */
  readonly appliedBy: "deployer" | "person";
  readonly calls: readonly ProviderCall[];
}

const SAR = "https://docs.aws.amazon.com/service-authorization/latest/reference/";
const KMS = `${SAR}list_awskeymanagementservice.html`;
const SECRETS_MANAGER = `${SAR}list_awssecretsmanager.html`;
const IAM = `${SAR}list_awsidentityandaccessmanagementiam.html`;
const LAMBDA = `${SAR}list_awslambda.html`;
const LOGS = `${SAR}list_amazoncloudwatchlogs.html`;
const CLOUDWATCH = `${SAR}list_amazoncloudwatch.html`;
const EC2 = `${SAR}list_amazonec2.html`;
const S3 = `${SAR}list_amazons3.html`;
const SNS = `${SAR}list_amazonsns.html`;
const EVENTS = `${SAR}list_amazoneventbridge.html`;
const PROVIDER = "https://github.com/hashicorp/terraform-provider-aws/blob/v5.100.0/internal/service/";

/** Compact rows: [action, phases as letters c/r/u/d, target, citation?]. */
type Row = readonly [action: string, phases: string, on: Target, cite?: string];
const PHASE_LETTERS: Record<string, Phase> = { c: "create", r: "read", u: "update", d: "delete" };
const rows = (list: readonly Row[]): ProviderCall[] =>
  list.map(([action, letters, on, cite]) => ({ action, phases: [...letters].map((l) => PHASE_LETTERS[l]), on, ...(cite ? { cite } : {}) }));
const deployed = (reference: string[], source: string, list: readonly Row[]): ResourceTypeCalls => ({ reference, source: PROVIDER + source, appliedBy: "deployer", calls: rows(list) });
const byPerson = (reference: string[], source: string, list: readonly [string, string][]): ResourceTypeCalls => ({
  reference,
  source: PROVIDER + source,
  appliedBy: "person",
  calls: rows(list.map(([a, p]) => [a, p, "bootstrap"] as const)),
});

// Documentation pages relied on for a specific requirement (cited on the rows that need them).
const ROTATE_SECRET = "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_RotateSecret.html: 'You also need lambda:InvokeFunction permissions on the rotation function'";
const CREATE_SECRET_TAGS = "https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html: tags in the request also need secretsmanager:TagResource";
const LAMBDA_VPC = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html (permissions to attach a function to a VPC: ec2:DescribeSecurityGroups, DescribeSubnets, DescribeVpcs)";
const LAMBDA_PASS_ROLE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html: creating or updating a function with a role needs iam:PassRole on it";
const LAMBDA_TAGS = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html: tags on CreateFunction also need lambda:TagResource";
const ALARM_TAGS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html: tags in the request also need cloudwatch:TagResource";
const KMS_TAGS = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html: the Tags parameter needs kms:TagResource";
const KMS_ALIAS = "https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html: CreateAlias/UpdateAlias/DeleteAlias are authorized on the alias and on the key";
const EC2_TAG_ON_CREATE = "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/supported-iam-actions-tagging.html: tag-on-create needs ec2:CreateTags, narrowed by ec2:CreateAction";
const ROLE_TAGS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html (permissions required to tag IAM entities): tags on a role, CreateRole's included, need iam:TagRole";
const LOG_TAGS = "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html: 'To assign tags when you create a log group, you must have either the logs:TagResource or logs:TagLogGroup permission'";
const PRIVATE_DNS =
  "private_dns_enabled is a parameter of CreateVpcEndpoint/ModifyVpcEndpoint (vpc_endpoint.go); the endpoint's private hosted zone is managed by AWS, and the SAR lists no dependent action (no route53:AssociateVPCWithHostedZone) for either";
const SNS_TAGS = "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html: tags in the request also need sns:TagResource";
const EVENTS_TAGS = "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html: tags in the request also need events:TagResource";
const EVENTS_PASS_ROLE = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html: a target with a RoleArn needs iam:PassRole on the role";
const IAM_EVENTS_US_EAST_1 = "https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html: IAM's events reach EventBridge in us-east-1 only, so the role-change rule lives there";
const OIDC_TAGS = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html: tags in the request also need iam:TagOpenIDConnectProvider";
const ENDPOINT_ENIS = "vpc_endpoint.go read: subnet_configuration from the endpoint's network interfaces (DescribeNetworkInterfaces); cidr_blocks from DescribePrefixLists";

/** Terraform resource type -> the actions the provider calls on it, by phase, and what each is authorized on. */
export const PROVIDER_CALLS: Readonly<Record<string, ResourceTypeCalls>> = {
  // kms/key.go: CreateKey with the policy and tags; then waits until GetKeyPolicy, GetKeyRotationStatus and
  // ListResourceTags show what was asked; refresh reads the same and DescribeKey; delete schedules deletion.
  aws_kms_key: deployed([KMS], "kms/key.go", [
    ["kms:CreateKey", "c", "newKey"],
    ["kms:TagResource", "c", "newKey", KMS_TAGS],
    ["kms:DescribeKey", "cru", "key"],
    ["kms:GetKeyPolicy", "cru", "key"],
    ["kms:GetKeyRotationStatus", "cru", "key"],
    ["kms:ListResourceTags", "cru", "key"],
    ["kms:EnableKeyRotation", "cu", "key"],
    ["kms:PutKeyPolicy", "u", "key"],
    ["kms:UpdateKeyDescription", "u", "key"],
    ["kms:TagResource", "u", "key"],
    ["kms:UntagResource", "u", "key"],
    ["kms:ScheduleKeyDeletion", "d", "key"],
  ]),
  // kms/alias.go: the alias is found by name with ListAliases (no resource-level permission).
  aws_kms_alias: deployed([KMS], "kms/alias.go", [
    ["kms:CreateAlias", "c", "alias", KMS_ALIAS],
    ["kms:CreateAlias", "c", "key", KMS_ALIAS],
    ["kms:ListAliases", "cru", "anyAlias"],
    ["kms:UpdateAlias", "u", "alias", KMS_ALIAS],
    ["kms:UpdateAlias", "u", "key", KMS_ALIAS],
    ["kms:DeleteAlias", "d", "alias", KMS_ALIAS],
    ["kms:DeleteAlias", "d", "key", KMS_ALIAS],
  ]),
  // secretsmanager/secret.go: CreateSecret without a value (no KMS call on the caller's behalf), refresh reads the
  // description and the resource policy attribute; DeleteSecret with the recovery window.
  aws_secretsmanager_secret: deployed([SECRETS_MANAGER], "secretsmanager/secret.go", [
    ["secretsmanager:CreateSecret", "c", "secret"],
    ["secretsmanager:TagResource", "cu", "secret", CREATE_SECRET_TAGS],
    ["secretsmanager:DescribeSecret", "cru", "secret"],
    ["secretsmanager:GetResourcePolicy", "cr", "secret"],
    ["secretsmanager:UpdateSecret", "u", "secret"],
    ["secretsmanager:UntagResource", "u", "secret"],
    ["secretsmanager:DeleteSecret", "d", "secret"],
  ]),
  // secretsmanager/secret_policy.go: PutResourcePolicy (with BlockPublicPolicy) on create and update.
  aws_secretsmanager_secret_policy: deployed([SECRETS_MANAGER], "secretsmanager/secret_policy.go", [
    ["secretsmanager:PutResourcePolicy", "cu", "secret"],
    ["secretsmanager:GetResourcePolicy", "cru", "secret"],
    ["secretsmanager:DeleteResourcePolicy", "d", "secret"],
  ]),
  // secretsmanager/secret_rotation.go: RotateSecret with the function and rules (rotate_immediately defaults to true:
  // the first rotation starts there), DescribeSecret to refresh, CancelRotateSecret on delete.
  aws_secretsmanager_secret_rotation: deployed([SECRETS_MANAGER, LAMBDA], "secretsmanager/secret_rotation.go", [
    ["secretsmanager:RotateSecret", "cu", "secret"],
    ["lambda:InvokeFunction", "cu", "function", ROTATE_SECRET],
    ["secretsmanager:DescribeSecret", "cru", "secret"],
    ["secretsmanager:CancelRotateSecret", "d", "secret"],
  ]),
  // iam/role.go: CreateRole with the boundary and tags; refresh reads the role, its inline and attached policy names
  // (inline_policy, managed_policy_arns); delete removes instance profiles first (ListInstanceProfilesForRole).
  // UpdateAssumeRolePolicy is not here: trust is set at creation and a change replaces the role (see the denies).
  aws_iam_role: deployed([IAM], "iam/role.go", [
    ["iam:CreateRole", "c", "boundedRole"],
    ["iam:TagRole", "cu", "role", ROLE_TAGS],
    ["iam:GetRole", "crud", "role"],
    ["iam:ListRolePolicies", "crd", "role"],
    ["iam:ListAttachedRolePolicies", "crd", "role"],
    ["iam:UpdateRole", "u", "role"],
    ["iam:UpdateRoleDescription", "u", "role"],
    ["iam:PutRolePermissionsBoundary", "u", "boundedRole"],
    ["iam:UntagRole", "u", "role"],
    ["iam:ListInstanceProfilesForRole", "d", "role"],
    ["iam:DeleteRole", "d", "role"],
  ]),
  // iam/role_policy.go: PutRolePolicy on create and update, GetRolePolicy to refresh.
  aws_iam_role_policy: deployed([IAM], "iam/role_policy.go", [
    ["iam:PutRolePolicy", "cu", "boundedRole"],
    ["iam:GetRolePolicy", "cru", "role"],
    ["iam:DeleteRolePolicy", "d", "boundedRole"],
  ]),
  // lambda/function.go: CreateFunction (passing the role, in the description's subnets), waits on GetFunction; refresh
  // reads the function, its code signing config and versions; updates code and configuration separately.
  aws_lambda_function: deployed([LAMBDA, IAM, EC2], "lambda/function.go", [
    ["lambda:CreateFunction", "c", "function"],
    ["iam:PassRole", "cu", "passRole", LAMBDA_PASS_ROLE],
    ["ec2:DescribeSecurityGroups", "cu", "any", LAMBDA_VPC],
    ["ec2:DescribeSubnets", "cu", "any", LAMBDA_VPC],
    ["ec2:DescribeVpcs", "cu", "any", LAMBDA_VPC],
    ["lambda:TagResource", "cu", "function", LAMBDA_TAGS],
    ["lambda:GetFunction", "crud", "function"],
    ["lambda:GetFunctionConfiguration", "cru", "function"],
    ["lambda:GetFunctionCodeSigningConfig", "cru", "function"],
    ["lambda:ListVersionsByFunction", "cru", "function"],
    ["lambda:ListTags", "cru", "function", "https://docs.aws.amazon.com/lambda/latest/dg/configuration-tags.html: for a tagged function, GetFunction also needs lambda:ListTags"],
    ["lambda:UpdateFunctionCode", "u", "function"],
    ["lambda:UpdateFunctionConfiguration", "u", "function"],
    ["lambda:UntagResource", "u", "function"],
    ["lambda:DeleteFunction", "d", "function"],
  ]),
  // lambda/permission.go: AddPermission; refresh finds the statement in GetPolicy; RemovePermission. Every argument
  // forces a new resource, so there is no update.
  aws_lambda_permission: deployed([LAMBDA], "lambda/permission.go", [
    ["lambda:AddPermission", "c", "function"],
    ["lambda:GetPolicy", "cr", "function"],
    ["lambda:RemovePermission", "d", "function"],
  ]),
  // logs/group.go: CreateLogGroup with the key and tags, then PutRetentionPolicy; refresh finds the group with
  // DescribeLogGroups (by name prefix) and lists its tags.
  aws_cloudwatch_log_group: deployed([LOGS], "logs/group.go", [
    ["logs:CreateLogGroup", "c", "logGroup"],
    ["logs:TagResource", "cu", "logGroup", LOG_TAGS],
    ["logs:PutRetentionPolicy", "cu", "logGroup"],
    // The SAR lists no resource type for DescribeLogGroups: only "*" authorizes it (a log-group ARN never matched).
    ["logs:DescribeLogGroups", "cru", "any"],
    ["logs:ListTagsForResource", "cru", "logGroup"],
    ["logs:DeleteRetentionPolicy", "u", "logGroup"],
    ["logs:AssociateKmsKey", "u", "logGroup"],
    ["logs:DisassociateKmsKey", "u", "logGroup"],
    ["logs:UntagResource", "u", "logGroup"],
    ["logs:DeleteLogGroup", "d", "logGroup"],
  ]),
  // cloudwatch/metric_alarm.go: PutMetricAlarm on create and update, DescribeAlarms and tags to refresh.
  aws_cloudwatch_metric_alarm: deployed([CLOUDWATCH], "cloudwatch/metric_alarm.go", [
    ["cloudwatch:PutMetricAlarm", "cu", "alarm"],
    ["cloudwatch:TagResource", "cu", "alarm", ALARM_TAGS],
    ["cloudwatch:DescribeAlarms", "cru", "alarm"],
    ["cloudwatch:ListTagsForResource", "cru", "alarm"],
    ["cloudwatch:UntagResource", "u", "alarm"],
    ["cloudwatch:DeleteAlarms", "d", "alarm"],
  ]),
  // ec2/vpc_security_group.go: CreateSecurityGroup with tags in the VPC, then revokes AWS's default egress rule and
  // authorizes the configured ones; delete looks for network interfaces still using the group.
  aws_security_group: deployed([EC2], "ec2/vpc_security_group.go", [
    ["ec2:CreateSecurityGroup", "c", "newSecurityGroup"],
    ["ec2:CreateSecurityGroup", "c", "network"],
    ["ec2:CreateTags", "c", "newSecurityGroup", EC2_TAG_ON_CREATE],
    ["ec2:DescribeSecurityGroups", "crud", "any"],
    ["ec2:RevokeSecurityGroupEgress", "cu", "securityGroup"],
    ["ec2:AuthorizeSecurityGroupEgress", "cu", "securityGroup"],
    ["ec2:CreateTags", "u", "securityGroup"],
    ["ec2:DeleteTags", "u", "securityGroup"],
    // deleteLingeringENIs (vpc_security_group.go) lists the interfaces still using the group before deleting it.
    ["ec2:DescribeNetworkInterfaces", "d", "any"],
    ["ec2:DeleteSecurityGroup", "d", "securityGroup"],
  ]),
  // ec2/vpc_security_group_ingress_rule.go: AuthorizeSecurityGroupIngress (with the rule's tags) on the group;
  // refresh with DescribeSecurityGroupRules; ModifySecurityGroupRules on update; RevokeSecurityGroupIngress.
  aws_vpc_security_group_ingress_rule: deployed([EC2], "ec2/vpc_security_group_ingress_rule.go", [
    ["ec2:AuthorizeSecurityGroupIngress", "c", "securityGroup"],
    ["ec2:AuthorizeSecurityGroupIngress", "c", "newSecurityGroupRule"],
    ["ec2:CreateTags", "c", "newSecurityGroupRule", EC2_TAG_ON_CREATE],
    ["ec2:DescribeSecurityGroupRules", "cru", "any"],
    ["ec2:ModifySecurityGroupRules", "u", "securityGroup"],
    ["ec2:CreateTags", "u", "securityGroupRule"],
    ["ec2:DeleteTags", "u", "securityGroupRule"],
    ["ec2:RevokeSecurityGroupIngress", "d", "securityGroup"],
  ]),
  // ec2/vpc_endpoint.go: CreateVpcEndpoint (private DNS, subnets, security groups, tags in one call), waits on
  // DescribeVpcEndpoints; refresh also reads the prefix list and the endpoint's network interfaces.
  aws_vpc_endpoint: deployed([EC2], "ec2/vpc_endpoint.go", [
    ["ec2:CreateVpcEndpoint", "c", "newVpcEndpoint", PRIVATE_DNS],
    ["ec2:CreateVpcEndpoint", "c", "network"],
    ["ec2:CreateVpcEndpoint", "c", "securityGroup"],
    ["ec2:CreateTags", "c", "newVpcEndpoint", EC2_TAG_ON_CREATE],
    ["ec2:DescribeVpcEndpoints", "crud", "any"],
    ["ec2:DescribePrefixLists", "cru", "any", ENDPOINT_ENIS],
    ["ec2:DescribeNetworkInterfaces", "cru", "any", ENDPOINT_ENIS],
    ["ec2:ModifyVpcEndpoint", "u", "vpcEndpoint", PRIVATE_DNS],
    ["ec2:ModifyVpcEndpoint", "u", "network"],
    ["ec2:ModifyVpcEndpoint", "u", "securityGroup"],
    ["ec2:CreateTags", "u", "vpcEndpoint"],
    ["ec2:DeleteTags", "u", "vpcEndpoint"],
    ["ec2:DeleteVpcEndpoints", "d", "vpcEndpoint"],
  ]),

  // The alerts (issue 22, constructs/aws/secret-alerts.ts). sns/topic.go: CreateTopic with tags and attributes, then
  // SetTopicAttributes per attribute set after creation (the KMS key); refresh reads GetTopicAttributes and tags.
  aws_sns_topic: deployed([SNS], "sns/topic.go", [
    ["sns:CreateTopic", "c", "topic"],
    ["sns:TagResource", "cu", "topic", SNS_TAGS],
    ["sns:SetTopicAttributes", "cu", "topic"],
    ["sns:GetTopicAttributes", "cru", "topic"],
    ["sns:ListTagsForResource", "cru", "topic"],
    ["sns:UntagResource", "u", "topic"],
    ["sns:DeleteTopic", "d", "topic"],
  ]),
  // sns/topic_policy.go: the policy is the topic's Policy attribute; delete puts the default policy back.
  aws_sns_topic_policy: deployed([SNS], "sns/topic_policy.go", [
    ["sns:SetTopicAttributes", "cud", "topic"],
    ["sns:GetTopicAttributes", "cru", "topic"],
  ]),
  // events/rule.go: PutRule with the pattern, state and tags on create and update; refresh DescribeRule and tags;
  // delete DeleteRule (after the targets' own delete).
  aws_cloudwatch_event_rule: deployed([EVENTS], "events/rule.go", [
    ["events:PutRule", "cu", "eventRule", IAM_EVENTS_US_EAST_1],
    ["events:TagResource", "cu", "eventRule", EVENTS_TAGS],
    ["events:DescribeRule", "cru", "eventRule"],
    ["events:ListTagsForResource", "cru", "eventRule"],
    ["events:UntagResource", "u", "eventRule"],
    ["events:DeleteRule", "d", "eventRule"],
  ]),
  // events/target.go: PutTargets on create and update, ListTargetsByRule to refresh, RemoveTargets to delete; the
  // forwarding target (an environment outside us-east-1) passes its role to EventBridge.
  aws_cloudwatch_event_target: deployed([EVENTS, IAM], "events/target.go", [
    ["events:PutTargets", "cu", "eventRule"],
    ["events:ListTargetsByRule", "cru", "eventRule"],
    ["events:RemoveTargets", "d", "eventRule"],
    ["iam:PassRole", "cu", "passRoleToEvents", EVENTS_PASS_ROLE],
  ]),

  // iam/openid_connect_provider.go: CreateOpenIDConnectProvider with tags; refresh GetOpenIDConnectProvider (tags
  // included); updates change the thumbprints, client ids and tags in place. aws-<env> creates one for a cluster
  // without awsOidcProviderArn (kubernetes.clusters); bootstrap-<env> creates GitHub's, which a person applies and the
  // deployer may never change (the deny NeverChangeTheCiOidcProvider). The oidc-provider resource type takes
  // aws:ResourceTag, and CreateOpenIDConnectProvider and TagOpenIDConnectProvider aws:RequestTag (IAM SAR page).
  aws_iam_openid_connect_provider: deployed([IAM], "iam/openid_connect_provider.go", [
    ["iam:CreateOpenIDConnectProvider", "c", "newOidcProvider"],
    ["iam:TagOpenIDConnectProvider", "c", "newOidcProvider", OIDC_TAGS],
    ["iam:GetOpenIDConnectProvider", "cru", "oidcProvider"],
    ["iam:ListOpenIDConnectProviderTags", "cru", "oidcProvider"],
    ["iam:TagOpenIDConnectProvider", "u", "oidcProvider"],
    ["iam:UntagOpenIDConnectProvider", "u", "oidcProvider"],
    ["iam:UpdateOpenIDConnectProviderThumbprint", "u", "oidcProvider"],
    ["iam:AddClientIDToOpenIDConnectProvider", "u", "oidcProvider"],
    ["iam:RemoveClientIDFromOpenIDConnectProvider", "u", "oidcProvider"],
    ["iam:DeleteOpenIDConnectProvider", "d", "oidcProvider"],
  ]),

  // bootstrap-<env> only: applied by a person with their own credentials, never by the deployer.
  aws_iam_role_policy_attachment: byPerson([IAM], "iam/role_policy_attachment.go", [["iam:AttachRolePolicy", "c"], ["iam:ListAttachedRolePolicies", "cr"], ["iam:DetachRolePolicy", "d"]]),
  aws_iam_policy: byPerson([IAM], "iam/policy.go", [
    ["iam:CreatePolicy", "c"], ["iam:TagPolicy", "cu"], ["iam:GetPolicy", "cru"], ["iam:GetPolicyVersion", "cru"], ["iam:ListPolicyVersions", "crud"],
    ["iam:ListPolicyTags", "cru"], ["iam:CreatePolicyVersion", "u"], ["iam:DeletePolicyVersion", "ud"], ["iam:UntagPolicy", "u"], ["iam:DeletePolicy", "d"],
  ]),
  aws_s3_bucket: byPerson([S3], "s3/bucket.go", [
    ["s3:CreateBucket", "c"], ["s3:ListBucket", "cr"], ["s3:PutBucketTagging", "cu"], ["s3:GetBucketTagging", "cr"], ["s3:GetBucketPolicy", "cr"],
    ["s3:GetBucketAcl", "cr"], ["s3:GetBucketCORS", "cr"], ["s3:GetBucketWebsite", "cr"], ["s3:GetBucketVersioning", "cr"], ["s3:GetAccelerateConfiguration", "cr"],
    ["s3:GetBucketRequestPayment", "cr"], ["s3:GetBucketLogging", "cr"], ["s3:GetLifecycleConfiguration", "cr"], ["s3:GetReplicationConfiguration", "cr"],
    ["s3:GetEncryptionConfiguration", "cr"], ["s3:GetBucketObjectLockConfiguration", "cr"], ["s3:DeleteBucket", "d"],
  ]),
  aws_s3_bucket_versioning: byPerson([S3], "s3/bucket_versioning.go", [["s3:PutBucketVersioning", "cud"], ["s3:GetBucketVersioning", "cru"]]),
  aws_s3_bucket_server_side_encryption_configuration: byPerson([S3], "s3/bucket_server_side_encryption_configuration.go", [
    ["s3:PutEncryptionConfiguration", "cud"], ["s3:GetEncryptionConfiguration", "cru"],
  ]),
  aws_s3_bucket_public_access_block: byPerson([S3], "s3/bucket_public_access_block.go", [["s3:PutBucketPublicAccessBlock", "cu"], ["s3:GetBucketPublicAccessBlock", "cru"], ["s3:DeleteBucketPublicAccessBlock", "d"]]),
  aws_s3_bucket_ownership_controls: byPerson([S3], "s3/bucket_ownership_controls.go", [["s3:PutBucketOwnershipControls", "cu"], ["s3:GetBucketOwnershipControls", "cru"], ["s3:DeleteBucketOwnershipControls", "d"]]),
  aws_s3_bucket_policy: byPerson([S3], "s3/bucket_policy.go", [["s3:PutBucketPolicy", "cu"], ["s3:GetBucketPolicy", "cru"], ["s3:DeleteBucketPolicy", "d"]]),
};

/**
 * The role actions that change what a role may do, each authorized only when the role carries (or, for CreateRole
 * and PutRolePermissionsBoundary, is given) the environment's boundary: the role actions for which the SAR lists the
 * iam:PermissionsBoundary condition key (IAM page above).
 */
export const BOUNDED_ROLE_ACTIONS = [
  "iam:CreateRole",
  "iam:PutRolePermissionsBoundary",
  "iam:PutRolePolicy",
  "iam:DeleteRolePolicy",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
];

const arn = (s: DeployerScope, service: string, resource: string, regional = true) =>
  `arn:${s.account.partition ?? "aws"}:${service}:${regional ? s.account.region : ""}:${s.account.accountId}:${resource}`;

const tagged = (s: DeployerScope): Conditions => ({ StringEquals: { [`aws:ResourceTag/${s.tag.key}`]: s.tag.value } });
const tagging = (s: DeployerScope): Conditions => ({ StringEquals: { [`aws:RequestTag/${s.tag.key}`]: s.tag.value } });
/** EC2 tags only in the call that creates the resource (ec2:CreateAction), carrying the environment tag. */
const ec2TagOnCreate = (s: DeployerScope, ...createActions: string[]): Conditions => ({
  StringEquals: { [`aws:RequestTag/${s.tag.key}`]: s.tag.value, "ec2:CreateAction": createActions },
});
const roles = (s: DeployerScope) => [arn(s, "iam", `role/${s.namePrefix}*`, false)];

interface Scoped {
  readonly sid: string;
  readonly resources: readonly string[];
  readonly conditions?: Conditions;
}

/** Where each target's actions are allowed: one statement per target. */
function scopeOf(target: Target, s: DeployerScope, action: string): Scoped {
  switch (target) {
    case "secret":
      return { sid: "ManageEnvironmentSecrets", resources: [arn(s, "secretsmanager", `secret:${s.secretPrefix}*`)] };
    case "role":
      return { sid: "ManageEnvironmentRoles", resources: roles(s) };
    case "boundedRole":
      // Only on roles that carry (or are given) the boundary: whatever their policy says, they can do no more.
      return { sid: "ManageBoundedEnvironmentRoles", resources: roles(s), conditions: { StringEquals: { "iam:PermissionsBoundary": s.permissionsBoundaryArn } } };
    case "passRole":
      // Only to Lambda, only the environment's own roles.
      return { sid: "PassEnvironmentRolesToLambda", resources: roles(s), conditions: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } } };
    case "passRoleToEvents":
      return { sid: "PassEnvironmentRolesToEventBridge", resources: roles(s), conditions: { StringEquals: { "iam:PassedToService": "events.amazonaws.com" } } };
    case "topic":
      return { sid: "ManageEnvironmentAlertTopic", resources: [arn(s, "sns", `${s.namePrefix}*`)] };
    case "eventRule":
      // The role-change rule lives in us-east-1 whatever the environment's region (IAM's events reach EventBridge there).
      return {
        sid: "ManageEnvironmentAlertRules",
        resources: [...new Set([s.account.region, "us-east-1"])].map((region) => `arn:${s.account.partition ?? "aws"}:events:${region}:${s.account.accountId}:rule/${s.namePrefix}*`),
      };
    case "function":
      return { sid: "ManageEnvironmentFunctions", resources: [arn(s, "lambda", `function:${s.namePrefix}*`)] };
    case "logGroup":
      return { sid: "ManageEnvironmentLogGroups", resources: [logGroupArn(s.account, `/aws/lambda/${s.namePrefix}*`)] };
    case "alarm":
      return { sid: "ManageEnvironmentAlarms", resources: [arn(s, "cloudwatch", `alarm:${s.namePrefix}*`)] };
    case "alias":
      return { sid: "ManageEnvironmentKeyAlias", resources: (typeof s.keyAlias === "string" ? [s.keyAlias] : s.keyAlias).map((a) => arn(s, "kms", `alias/${a}`)) };
    case "anyAlias":
      return { sid: "ListAliases", resources: ["*"] };
    case "newKey":
      // CreateKey has no resource; the new key must carry the environment tag.
      return { sid: "CreateEnvironmentKey", resources: ["*"], conditions: tagging(s) };
    case "key":
      return { sid: "ManageEnvironmentKey", resources: [arn(s, "kms", "key/*")], conditions: tagged(s) };
    case "newSecurityGroup":
      return action === "ec2:CreateTags"
        ? { sid: "TagNewSecurityGroups", resources: [arn(s, "ec2", "security-group/*")], conditions: ec2TagOnCreate(s, "CreateSecurityGroup") }
        : { sid: "CreateEnvironmentSecurityGroups", resources: [arn(s, "ec2", "security-group/*")], conditions: tagging(s) };
    case "securityGroup":
      return { sid: "ManageEnvironmentSecurityGroups", resources: [arn(s, "ec2", "security-group/*")], conditions: tagged(s) };
    case "newSecurityGroupRule":
      return action === "ec2:CreateTags"
        ? { sid: "TagNewIngressRules", resources: [arn(s, "ec2", "security-group-rule/*")], conditions: ec2TagOnCreate(s, "AuthorizeSecurityGroupIngress") }
        : { sid: "CreateEnvironmentIngressRules", resources: [arn(s, "ec2", "security-group-rule/*")], conditions: tagging(s) };
    case "securityGroupRule":
      return { sid: "ManageEnvironmentIngressRules", resources: [arn(s, "ec2", "security-group-rule/*")], conditions: tagged(s) };
    case "newVpcEndpoint":
      return action === "ec2:CreateTags"
        ? { sid: "TagNewEndpoints", resources: [arn(s, "ec2", "vpc-endpoint/*")], conditions: ec2TagOnCreate(s, "CreateVpcEndpoint") }
        : { sid: "CreateEnvironmentEndpoints", resources: [arn(s, "ec2", "vpc-endpoint/*")], conditions: tagging(s) };
    case "vpcEndpoint":
      return { sid: "ManageEnvironmentEndpoints", resources: [arn(s, "ec2", "vpc-endpoint/*")], conditions: tagged(s) };
    case "newOidcProvider":
      return { sid: "CreateEnvironmentOidcProviders", resources: [arn(s, "iam", "oidc-provider/*", false)], conditions: tagging(s) };
    case "oidcProvider":
      return { sid: "ManageEnvironmentOidcProviders", resources: [arn(s, "iam", "oidc-provider/*", false)], conditions: tagged(s) };
    case "network":
      // The VPC and subnets a security group or an endpoint is placed in are given ids, not tagged by this stack.
      return { sid: "PlaceInNetwork", resources: [arn(s, "ec2", "vpc/*"), arn(s, "ec2", "subnet/*")] };
    case "any":
      return { sid: "DescribeWithoutResourceLevelPermissions", resources: ["*"] };
    case "bootstrap":
      throw new Error(`${action} belongs to bootstrap-<env>, which a person applies: the CI deployer is never granted it`);
  }
}

/** Statements for a set of (action, target) calls: one per target, actions in the table's order. */
function statementsFor(calls: readonly ProviderCall[], s: DeployerScope, sidPrefix = ""): PolicyStatement[] {
  const bySid = new Map<string, { scoped: Scoped; actions: string[] }>();
  for (const call of calls) {
    const scoped = scopeOf(call.on, s, call.action);
    const entry = bySid.get(scoped.sid) ?? { scoped, actions: [] };
    if (!entry.actions.includes(call.action)) entry.actions.push(call.action);
    bySid.set(scoped.sid, entry);
  }
  return [...bySid.values()].map(({ scoped, actions }) => ({
    sid: `${sidPrefix}${scoped.sid}`,
    actions,
    resources: scoped.resources,
    ...(scoped.conditions ? { conditions: scoped.conditions } : {}),
  }));
}

/** The table's rows for the types of a stack; throws on a type it does not know or that a person applies. */
export function providerCalls(types: Iterable<string>): ProviderCall[] {
  const unknown: string[] = [];
  const byPerson: string[] = [];
  const out: ProviderCall[] = [];
  // Only aws_* types call AWS (terraform_data and the like call nothing).
  for (const type of [...new Set(types)].filter((t) => t.startsWith("aws_")).sort()) {
    const entry = PROVIDER_CALLS[type];
    if (!entry) unknown.push(type);
    else if (entry.appliedBy === "person") byPerson.push(type);
    else out.push(...entry.calls);
  }
  if (unknown.length > 0) {
    throw new Error(
      `the CI deployer has no permissions defined for ${unknown.join(", ")}: add what the provider calls to PROVIDER_CALLS in constructs/aws/deployer-permissions.ts`,
    );
  }
  if (byPerson.length > 0) throw new Error(`${byPerson.join(", ")} are applied by a person in bootstrap-<env>; the CI deployer does not deploy them`);
  return out;
}

/** The deployer's statements: every action the table lists for the types, in every phase. */
export function deployerStatements(types: Iterable<string>, scope: DeployerScope): PolicyStatement[] {
  return statementsFor(providerCalls(types), scope);
}

/** A read-only verb: what a plan (refresh) calls, never what changes a resource. */
export const READ_ONLY_ACTION = /^[a-z0-9-]+:(Get|List|Describe)[A-Za-z]*$/;
/** Reads that return secret material; a planner must be denied them explicitly. */
export const SECRET_READ_ACTIONS = ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"];

/** The planner's statements: the table's read phase, read-only verbs only, on the deployer's scopes. */
export function plannerStatements(types: Iterable<string>, scope: DeployerScope): PolicyStatement[] {
  const reads = providerCalls(types).filter((c) => c.phases.includes("read") && READ_ONLY_ACTION.test(c.action) && !SECRET_READ_ACTIONS.includes(c.action));
  return statementsFor(reads, scope, "Read");
}

/**
 * Explicit denies that hold whatever else the deployer is allowed (an explicit Deny wins over any Allow: IAM policy
 * evaluation logic, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
 * Each closes a path from a stolen deployer session to the environment's secret values (docs/pipeline.md, threat
 * model) without touching what a deploy calls:
 * - the boundary stays on every role and stays what bootstrap-<env> wrote;
 * - no role's trust changes in place: trust is set at creation, and the stacks replace a role whose trust changes
 *   (replace_triggered_by), so a deploy never calls UpdateAssumeRolePolicy and a stolen session cannot make an
 *   existing reader role (already named in the secrets' resource policies) assumable by itself;
 * - roles go only to Lambda, and only with the boundary;
 * - no secret value is read or written, and the environment key decrypts nothing for it through Secrets Manager.
 */
export function escalationDenyStatements(s: DeployerScope): PolicyStatement[] {
  return [
    { sid: "NeverRemoveBoundaries", effect: "Deny", actions: ["iam:DeleteRolePermissionsBoundary"], resources: ["*"] },
    {
      sid: "NeverChangeTheBoundary",
      effect: "Deny",
      actions: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
      resources: [s.permissionsBoundaryArn],
    },
    // A negated operator matches when the key is absent too: a role created or rewritten without a boundary is denied.
    {
      sid: "NeverAnotherBoundary",
      effect: "Deny",
      actions: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
      resources: ["*"],
      conditions: { StringNotEquals: { "iam:PermissionsBoundary": s.permissionsBoundaryArn } },
    },
    { sid: "NeverChangeTrust", effect: "Deny", actions: ["iam:UpdateAssumeRolePolicy"], resources: ["*"] },
    // GitHub's provider is bootstrap's, which a person applies: whatever its tags, the deployer never changes it.
    {
      sid: "NeverChangeTheCiOidcProvider",
      effect: "Deny",
      actions: [
        "iam:DeleteOpenIDConnectProvider", "iam:UpdateOpenIDConnectProviderThumbprint", "iam:AddClientIDToOpenIDConnectProvider",
        "iam:RemoveClientIDFromOpenIDConnectProvider", "iam:TagOpenIDConnectProvider", "iam:UntagOpenIDConnectProvider",
      ],
      resources: [arn(s, "iam", `oidc-provider/${GITHUB_OIDC_HOST}`, false)],
    },
    {
      // Lambda for the rotation functions, EventBridge for the alerts' forwarding role; nothing else.
      sid: "PassRolesOnlyToLambdaAndEventBridge",
      effect: "Deny",
      actions: ["iam:PassRole"],
      resources: ["*"],
      conditions: { StringNotEquals: { "iam:PassedToService": ["lambda.amazonaws.com", "events.amazonaws.com"] } },
    },
    // CreateKey's tags are authorized as kms:TagResource on a key that has no tag yet, so that statement cannot name
    // the key; this keeps it from re-tagging a key another environment's stack created (its tag is present and
    // differs) and then managing it. A key of the account without the tag stays taggable: detected, not enforced.
    {
      sid: "NeverRetagAnotherEnvironmentsKey",
      effect: "Deny",
      actions: ["kms:TagResource", "kms:UntagResource"],
      resources: ["*"],
      conditions: { Null: { [`aws:ResourceTag/${s.tag.key}`]: "false" }, StringNotEquals: { [`aws:ResourceTag/${s.tag.key}`]: s.tag.value } },
    },
    {
      sid: "NeverReadOrWriteSecretValues",
      effect: "Deny",
      actions: [...SECRET_READ_ACTIONS, "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
      resources: ["*"],
    },
    {
      sid: "NeverDecryptThroughSecretsManager",
      effect: "Deny",
      actions: ["kms:Decrypt"],
      resources: ["*"],
      conditions: { StringEquals: { "kms:ViaService": viaService(s.account, "secretsmanager") } },
    },
    // UpdateSecret and CreateSecret with SecretString write a value (and move AWSCURRENT) that Secrets Manager encrypts
    // with kms:GenerateDataKey in the caller's name; the deployer may call both and may PutKeyPolicy on the environment
    // key, so a key policy it rewrote to name itself would open that write. A deploy never sends a value.
    {
      sid: "NeverEncryptThroughSecretsManager",
      effect: "Deny",
      actions: ["kms:GenerateDataKey"],
      resources: ["*"],
      conditions: { StringEquals: { "kms:ViaService": viaService(s.account, "secretsmanager") } },
    },
  ];
}
