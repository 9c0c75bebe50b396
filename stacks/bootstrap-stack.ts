// The bootstrap-<env> stack: what lets CI deploy the environment without a stored credential. A person applies it
// once with their own credentials (it creates the identities CI would otherwise need to create itself):
//   - AWS: GitHub's OIDC provider, a deployer role trusted only for the repository's jobs in the environment's GitHub
//     environment, a read-only planner role trusted for its pull requests, and the state bucket when asked for;
//   - Azure: a deployer and a planner managed identity with federated credentials for the same subjects, roles on the
//     environment's resource group, and the state container when asked for;
//   - Vault: a JWT auth method for GitHub's issuer with a deployer and a planner role.
// The deployer's rights are derived from the resources of the environment's own stacks, passed in as built.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { RoleDefinition } from "@cdktf/provider-azurerm/lib/role-definition";
import { VaultProvider } from "@cdktf/provider-vault/lib/provider";
import { TerraformOutput, TerraformResource, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentModel } from "../config/model";
import {
  AWS_STS_AUDIENCE,
  azureClientIdVariable,
  deploySubject,
  GITHUB_OIDC_HOST,
  GITHUB_OIDC_ISSUER,
  PIPELINE_IAM_PATH,
  pipelineRoleName,
  plannerSubjects,
  pullRequestSubject,
  VAULT_GITHUB_AUTH_PATH,
  vaultPipelineName,
  workloadBoundaryArn,
  workloadBoundaryName,
} from "../config/pipeline";
import { awsNamePrefix, environmentKeyAlias, stackName, stateKey } from "../config/naming";
import { AZURE_NAME_RULES, fitAzureName } from "../config/azure-names";
import { environmentTags, TAGS } from "../config/tags";
import type { AwsEnvironment, AzureEnvironment, PipelineSpec, StateBackend, VaultEnvironment } from "../config/schema";
import { AccountRegion, viaService } from "../constructs/aws/arns";
import { SecretAlerts } from "../constructs/aws/secret-alerts";
import { DeployerScope, deployerStatements, escalationDenyStatements, plannerStatements } from "../constructs/aws/deployer-permissions";
import { PipelineRole } from "../constructs/aws/pipeline-role";
import { StateBucket } from "../constructs/aws/state-bucket";
import { WorkloadBoundary } from "../constructs/aws/workload-boundary";
import { PipelineIdentity } from "../constructs/azure/pipeline-identity";
import { type AssignedRole, assignedRoles, builtInRoleIds } from "../constructs/azure/built-in-roles";
import { platformAzurermProvider } from "../constructs/azure/provider";
import { StateContainer } from "../constructs/azure/state-container";
import { suppress } from "../constructs/guardrails/suppressions";
import { asList, synthesizedStack } from "../constructs/guardrails/synthesized";
import { CiJwtAuth } from "../constructs/vault/github-jwt-auth";
import { managedVaultPaths } from "../constructs/vault/managed-paths";
import type { PolicyRule } from "../constructs/vault/policy-document";
import { PlatformStack } from "./platform-stack";
import { configureBootstrapState } from "./backend";

/**
 * The environment's stacks that the pipeline deploys, as built; bootstrap derives the deployer's rights from them.
 * Per backend, either the whole environment as one stack or every stack of it (<backend>-<env> and each group's):
 * the rights are the union over the stacks given.
 */
export interface DeployedStacks {
  readonly aws?: TerraformStack | readonly TerraformStack[];
  readonly vault?: TerraformStack | readonly TerraformStack[];
  readonly azure?: TerraformStack | readonly TerraformStack[];
  /**
   * The environment's stack groups: each adds a <backend>-<env>-<group> stack per backend, with its own state (and, on AWS, key alias).
   * @default - none
   */
  readonly groups?: readonly string[];
  /**
   * Other environments in the same AWS account whose names begin with this one's and a dash (prod-eu beside prod):
   * their names match this deployer's <org>-<env>- prefix, so the deployer is denied them explicitly.
   * @default - none
   */
  readonly awsNamesakes?: readonly string[];
}

export class BootstrapStack extends PlatformStack {
  readonly deployerRole?: PipelineRole;
  readonly plannerRole?: PipelineRole;
  /** The permissions boundary of every role aws-<env> creates. */
  readonly workloadBoundary?: WorkloadBoundary;
  readonly azureDeployer?: PipelineIdentity;
  readonly azurePlanner?: PipelineIdentity;
  readonly vaultAuth?: CiJwtAuth;

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel, stacks: DeployedStacks) {
    super(scope, id);
    const pipeline = environment.spec.pipeline;
    if (!pipeline) throw new Error(`${id}: environment ${environment.name} has no pipeline block`);
    configureBootstrapState(this, id);
    const { repository, environment: githubEnvironment } = pipeline.github;
    const subjects = { deployer: deploySubject(repository, githubEnvironment), planner: pullRequestSubject(repository), plannerMain: plannerSubjects(repository)[1] };
    const out = (name: string, value: unknown, description: string) => new TerraformOutput(this, name, { value, description });
    out("deployer_subject", subjects.deployer, "The OIDC subject of the deploy jobs (GitHub environment)");
    out("planner_subject", subjects.planner, "The OIDC subject of the pull request jobs");
    // The plan job of a push to main (whose saved plan the deploy job applies) presents the main branch's subject.
    out("planner_main_subject", subjects.plannerMain, "The OIDC subject of the plan job on main, whose saved plan the deploy job applies");

    // Every stack the pipeline deploys keeps state: each <backend>-<env>-<group> too, in its backend block's storage.
    const groups = stacks.groups ?? [];
    const backends = (["aws", "vault", "azure"] as const)
      .flatMap((kind) => [stackName(kind, environment.name), ...groups.map((g) => stackName(kind, environment.name, g))].map((stack) => ({ stack, backend: environment.spec[kind]?.backend })))
      .filter((b): b is { stack: string; backend: StateBackend } => b.backend !== undefined);

    if (environment.spec.aws) {
      const roles = this.buildAws(environment, environment.spec.aws, pipeline, subjects, stacks.aws, backends, groups, stacks.awsNamesakes ?? []);
      this.deployerRole = roles.deployer;
      this.plannerRole = roles.planner;
      this.workloadBoundary = roles.boundary;
      out("aws_workload_boundary_arn", roles.boundary.arn, "Permissions boundary of every role aws-<env> creates");
      out("aws_deployer_role_arn", roles.deployer.arn, "role-to-assume of the deploy jobs");
      out("aws_planner_role_arn", roles.planner.arn, "role-to-assume of the pull request jobs");
    }
    if (environment.spec.azure) {
      const ids = this.buildAzure(environment, environment.spec.azure, pipeline, subjects, backends, stacks.azure);
      this.azureDeployer = ids.deployer;
      this.azurePlanner = ids.planner;
      out(azureClientIdVariable(environment.name, "deployer"), ids.deployer.clientId, "Set as the GitHub repository variable of this name");
      out(azureClientIdVariable(environment.name, "planner"), ids.planner.clientId, "Set as the GitHub repository variable of this name");
    }
    if (environment.spec.vault) {
      this.vaultAuth = this.buildVault(environment, environment.spec.vault, pipeline, subjects, stacks.vault);
      out("vault_auth_path", this.vaultAuth.path, "JWT auth mount the jobs log in at");
    }
  }

  private buildAws(
    environment: EnvironmentModel,
    aws: AwsEnvironment,
    pipeline: PipelineSpec,
    subjects: { deployer: string; planner: string; plannerMain: string },
    awsStacks: TerraformStack | readonly TerraformStack[] | undefined,
    backends: { stack: string; backend: StateBackend }[],
    groups: readonly string[],
    namesakes: readonly string[],
  ): { deployer: PipelineRole; planner: PipelineRole; boundary: WorkloadBoundary } {
    const { organization: org, name: env } = environment;
    const account: AccountRegion = { accountId: aws.accountId, region: aws.region };
    new AwsProvider(this, "aws", {
      region: aws.region,
      allowedAccountIds: [aws.accountId],
      defaultTags: [{ tags: environmentTags(org, env) }],
    });
    // One provider per account and issuer: reuse the account's when the description names it.
    const providerArn =
      pipeline.awsOidcProviderArn ??
      new IamOpenidConnectProvider(this, "github-oidc-provider", {
        url: GITHUB_OIDC_ISSUER,
        // The audience configure-aws-credentials requests. No thumbprint: IAM verifies GitHub's certificate against
        // its own trusted CAs (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc_verify-thumbprint.html).
        clientIdList: [AWS_STS_AUDIENCE],
      }).arn;
    const role = (kind: "deployer" | "planner") =>
      new PipelineRole(this, `aws-${kind}`, {
        roleName: pipelineRoleName(org, env, kind),
        path: PIPELINE_IAM_PATH,
        oidcProviderArn: providerArn,
        issuerHost: GITHUB_OIDC_HOST,
        subject: subjects[kind],
        additionalSubjects: kind === "planner" ? [subjects.plannerMain] : [],
        audience: AWS_STS_AUDIENCE,
        kind,
        account,
        description:
          kind === "deployer"
            ? `CI deployer of ${stackName("aws", env)}: ${subjects.deployer}`
            : `CI planner of ${stackName("aws", env)} (read-only, no secret values): ${subjects.planner}, ${subjects.plannerMain}`,
      });
    const deployer = role("deployer");
    const planner = role("planner");

    // The deployer's rights follow the resource types of aws-<env>; without that stack it manages state only.
    // Read from the construct tree, not a rendering: the types are all it needs, and rendering every AWS stack of a
    // large environment once more cost a large share of its synth.
    const types = asList(awsStacks).flatMap((stack) =>
      stack.node.findAll().flatMap((c) => (TerraformResource.isTerraformResource(c) ? [(c as TerraformResource).terraformResourceType] : [])),
    );
    // The most any role of aws-<env> may do. Its ARN is built from account, path and name (config/pipeline.ts), the
    // same way aws-<env> builds it, so the two stacks agree without a reference between them.
    const boundary = new WorkloadBoundary(this, "workload-boundary", {
      account,
      policyName: workloadBoundaryName(org, env),
      path: PIPELINE_IAM_PATH,
      description: `Permissions boundary of the roles of ${stackName("aws", env)}: what its rotation functions and workloads need, no more`,
      namePrefix: awsNamePrefix(org, env),
      secretPrefix: `${env}/`,
      network: aws.network && { subnetIds: aws.network.subnetIds, securityGroupIds: aws.network.securityGroupIds },
      forwardsGlobalEvents: asList(awsStacks).some((stack) => stack.node.findAll().some((c) => c instanceof SecretAlerts && c.forwarder !== undefined)),
    });
    suppress(
      boundary,
      "SP-AWS-001",
      "The boundary is the ceiling over every role of the environment, not a grant: its wildcards are the environment's prefixes (secret:<env>/*, log groups of <org>-<env>-*) and ids AWS assigns (KMS keys, only through Secrets Manager; ENIs)",
    );
    const scope: DeployerScope = {
      account,
      namePrefix: awsNamePrefix(org, env),
      secretPrefix: `${env}/`,
      // aws-<env>-<group> stacks name their keys with their group (stacks/aws-stack.ts): one pattern for them all, so
      // that the policy does not grow with the number of groups (IAM allows 10,240 characters of inline policy).
      keyAlias: groups.length > 0 ? [environmentKeyAlias(org, env), environmentKeyAlias(org, `${env}-*`)] : environmentKeyAlias(org, env),
      tag: { key: TAGS.environment, value: env },
      permissionsBoundaryArn: workloadBoundaryArn(aws.accountId, org, env),
    };
    deployerStatements(types, scope).forEach((s) => deployer.addToPolicy(s));
    // What a stolen deployer session must not do, whatever the allows above (docs/pipeline.md, threat model).
    escalationDenyStatements(scope).forEach((s) => deployer.addToPolicy(s));
    // The prefix acme-prod- also matches acme-prod-eu-*: an explicit deny wins over the allows above (IAM policy
    // evaluation logic, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    if (namesakes.length > 0) {
      const other = (service: string, resource: (prefix: string) => string, regional = true) =>
        namesakes.map((n) => `arn:aws:${service}:${regional ? aws.region : ""}:${aws.accountId}:${resource(`${org}-${n}-`)}`);
      deployer.addToPolicy({
        sid: "NotTheNamesakeEnvironments",
        effect: "Deny",
        actions: ["iam:*", "lambda:*", "logs:*", "cloudwatch:*", "sns:*", "events:*"],
        resources: [
          ...other("iam", (p) => `role/${p}*`, false),
          ...other("lambda", (p) => `function:${p}*`),
          ...other("logs", (p) => `log-group:/aws/lambda/${p}*`),
          ...other("cloudwatch", (p) => `alarm:${p}*`),
          ...other("sns", (p) => `${p}*`),
          ...other("events", (p) => `rule/${p}*`),
        ],
      });
      // The group patterns below (key aliases, state objects) would match the namesake's names too.
      deployer.addToPolicy({
        sid: "NotTheNamesakeKeyAliases",
        effect: "Deny",
        actions: ["kms:*"],
        resources: other("kms", (p) => `alias/${p}*`),
      });
    }
    plannerStatements(types, scope).forEach((s) => planner.addToPolicy(s));
    const why =
      "The CI deployer creates what aws-<env> declares: its names share the environment's prefix (role/<org>-<env>-*, secret:<env>/*), " +
      "and ids AWS assigns at creation (KMS keys, security groups) are narrowed by the environment tag instead";
    suppress(deployer, "SP-AWS-001", why);
    suppress(planner, "SP-AWS-001", "The planner reads the same prefixes and tagged resources the deployer manages, with Get/List/Describe only, and is denied secret values");

    // State: the S3 backends of the environment's stacks, created here when asked for.
    const s3 = backends.filter((b): b is { stack: string; backend: Extract<StateBackend, { type: "s3" }> } => b.backend.type === "s3");
    const buckets = new Map<string, string | undefined>();
    for (const b of s3) {
      if (pipeline.createStateStorage && !buckets.has(b.backend.bucket)) {
        const created = new StateBucket(this, `state-${b.backend.bucket}`, {
          account,
          bucketName: b.backend.bucket,
          keyAlias: `${org}-${env}-state-${b.backend.bucket}`.slice(0, 250),
        });
        buckets.set(b.backend.bucket, created.keyArn);
      } else if (!buckets.has(b.backend.bucket)) {
        buckets.set(b.backend.bucket, b.backend.kmsKeyId?.startsWith("arn:") ? b.backend.kmsKeyId : undefined);
      }
    }
    // Group stacks keep the default key (a key named in the description is refused with groups): one pattern per
    // backend covers them all, state and lock, so that the policy does not grow with the number of groups.
    const groupStacks = new Set(groups.flatMap((g) => (["aws", "vault", "azure"] as const).map((kind) => stackName(kind, env, g))));
    for (const [bucket, keyArn] of buckets) {
      const inBucket = s3.filter((b) => b.backend.bucket === bucket);
      const exact = inBucket.filter((b) => !groupStacks.has(b.stack)).map((b) => `arn:aws:s3:::${bucket}/${stateKey(b.stack, b.backend.key)}`);
      const groupKinds = [...new Set(inBucket.filter((b) => groupStacks.has(b.stack)).map((b) => b.stack.split("-")[0] as "aws" | "vault" | "azure"))];
      const grouped = groupKinds.map((kind) => `arn:aws:s3:::${bucket}/${stateKey(`${stackName(kind, env)}-*`, undefined).replace(/\.tfstate$/, "")}`);
      const objects = [...exact.flatMap((key) => [key, `${key}.tflock`]), ...grouped];
      const stateObjects = [...exact, ...grouped];
      if (grouped.length > 0 && namesakes.length > 0) {
        // <backend>-prod-* also matches the state of a same-account environment prod-eu kept in this bucket.
        deployer.addToPolicy({
          sid: "NotTheNamesakeState",
          effect: "Deny",
          actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          resources: namesakes.flatMap((n) => groupKinds.map((kind) => `arn:aws:s3:::${bucket}/${stateKey(`${stackName(kind, n)}*`, undefined).replace(/\.tfstate$/, "")}`)),
        });
      }
      deployer.addToPolicy({ sid: "ListStateBucket", actions: ["s3:ListBucket"], resources: [`arn:aws:s3:::${bucket}`] });
      deployer.addToPolicy({ sid: "ReadWriteStateAndLock", actions: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources: objects });
      planner.addToPolicy({ sid: "ListStateBucket", actions: ["s3:ListBucket"], resources: [`arn:aws:s3:::${bucket}`] });
      // No lock for the planner: it plans with -lock=false and never writes.
      planner.addToPolicy({ sid: "ReadState", actions: ["s3:GetObject"], resources: stateObjects });
      if (keyArn) {
        const viaS3 = { StringEquals: { "kms:ViaService": viaService(account, "s3") } };
        deployer.addToPolicy({ sid: "EncryptStateThroughS3", actions: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"], resources: [keyArn], conditions: viaS3 });
        planner.addToPolicy({ sid: "DecryptStateThroughS3", actions: ["kms:Decrypt"], resources: [keyArn], conditions: viaS3 });
      }
    }
    return { deployer, planner, boundary };
  }

  private buildAzure(
    environment: EnvironmentModel,
    azure: AzureEnvironment,
    pipeline: PipelineSpec,
    subjects: { deployer: string; planner: string; plannerMain: string },
    backends: { stack: string; backend: StateBackend }[],
    azureStacks: TerraformStack | readonly TerraformStack[] | undefined,
  ): { deployer: PipelineIdentity; planner: PipelineIdentity } {
    const { organization: org, name: env } = environment;
    // Registers no resource provider and skips the storage data plane (constructs/azure/provider.ts says why).
    platformAzurermProvider(this, "azurerm", { subscriptionId: azure.subscriptionId, tenantId: azure.tenantId });
    const tags = environmentTags(org, env);
    // The identities live outside the environment's resource group, so that the deployer's Contributor role there
    // cannot change its own federated credentials.
    // <group>-ci, hashed past Azure's 90 characters (cutting it could give back the environment's own group's name).
    const group = new ResourceGroup(this, "ci-identities", { name: fitAzureName(`${azure.resourceGroupName}-ci`, AZURE_NAME_RULES.azurerm_resource_group.max), location: azure.location, tags });
    const identity = (kind: "deployer" | "planner") =>
      new PipelineIdentity(this, `azure-${kind}`, {
        name: pipelineRoleName(org, env, kind),
        location: azure.location,
        resourceGroupName: group.name,
        issuer: GITHUB_OIDC_ISSUER,
        subject: subjects[kind],
        additionalSubjects: kind === "planner" ? [{ credentialName: "ci-plan-main", subject: subjects.plannerMain }] : [],
        kind,
        tags,
      });
    const deployer = identity("deployer");
    const planner = identity("planner");

    const sub = `/subscriptions/${azure.subscriptionId}`;
    const environmentGroup = `${sub}/resourceGroups/${azure.resourceGroupName}`;
    const assign = (id: string, who: PipelineIdentity, role: string, scope: string, description: string, extra: { condition?: string; roleDefinitionId?: string } = {}) =>
      new RoleAssignment(this, id, {
        scope,
        principalId: who.principalId,
        principalType: who.principalType,
        ...(extra.roleDefinitionId ? { roleDefinitionId: extra.roleDefinitionId } : { roleDefinitionName: role }),
        description,
        ...(extra.condition ? { condition: extra.condition, conditionVersion: "2.0" } : {}),
      });

    // The azure-<env> stack creates the vault, its private endpoint and DNS zone, diagnostics and workload identities
    // in the resource group: Contributor there. It also grants Key Vault data roles: role assignments, limited by the
    // ABAC condition below to the roles and principals its stacks assign.
    assign("deployer-contributor", deployer, "Contributor", environmentGroup, `CI deployer of ${stackName("azure", env)}`);
    // The condition admits exactly the built-in roles the environment's azure stacks assign (read from their role
    // assignments: Key Vault Secrets User and Officer, and with azure.rotation the function's storage and telemetry
    // roles and the Event Grid topic's dead-letter role), to the principal types those assignments name (service
    // principals: the workload, function and topic identities), never to the deployer itself; and to the deployer
    // only the role(s) of the one assignment the stacks leave untyped, the deploying principal's own Key Vault Secrets
    // Officer on the vault (DeployingPrincipal: a person or CI), matched by principal id, which every request carries.
    // A stolen deployer session therefore cannot assign Owner, User Access Administrator, Role Based Access Control
    // Administrator or Contributor to anyone, nor any role to a user or group, nor itself anything but the Secrets
    // Officer it holds by design (deletes: below). Format: "Constrain roles and principal types" and "Constrain roles
    // and specific groups" in https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples
    // (@Request for writes, @Resource for deletes; RoleDefinitionId and PrincipalId with ForAnyOfAnyValues:GuidEquals
    // or GuidNotEquals, PrincipalType with StringEqualsIgnoreCase), attributes and operators per
    // https://learn.microsoft.com/azure/role-based-access-control/conditions-authorization-actions-attributes
    // (both read in MicrosoftDocs/azure-docs: writes carry RoleDefinitionId, PrincipalId and PrincipalType in the request).
    const assigned = assignedRoles(asList(azureStacks));
    if (assigned.length === 0) throw new Error(`${this.node.path}: build ${stackName("azure", env)} with bootstrap: the deployer's role assignment right is derived from its stacks`);
    const typed = assigned.filter((a) => a.principalType);
    const own = assigned.filter((a) => !a.principalType);
    const attribute = (side: "Request" | "Resource", name: string) => `@${side}[Microsoft.Authorization/roleAssignments:${name}]`;
    const roles = (side: "Request" | "Resource", names: readonly AssignedRole[]) =>
      `${attribute(side, "RoleDefinitionId")} ForAnyOfAnyValues:GuidEquals {${builtInRoleIds(names.map((a) => a.roleDefinitionName)).join(", ")}}`;
    const deployerId = deployer.principalId;
    // To another service principal: the roles the stacks give typed principals. To itself: only its own role(s).
    const admitted = [
      ...(typed.length > 0
        ? [
            `(${roles("Request", typed)} AND ` +
              `${attribute("Request", "PrincipalType")} ForAnyOfAnyValues:StringEqualsIgnoreCase {${[...new Set(typed.map((a) => `'${a.principalType}'`))].sort().join(", ")}} AND ` +
              `${attribute("Request", "PrincipalId")} ForAnyOfAnyValues:GuidNotEquals {${deployerId}})`,
          ]
        : []),
      ...(own.length > 0 ? [`(${roles("Request", own)} AND ${attribute("Request", "PrincipalId")} ForAnyOfAnyValues:GuidEquals {${deployerId}})`] : []),
    ];
    // Deletes are limited by role only: removing an assignment grants nothing, and the first CI deploy removes the
    // Secrets Officer of the person who applied azure-<env> first (a user) when the deploying principal moves to CI.
    const writes = `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/write'})) OR (${admitted.join(" OR ")}))`;
    const deletes = `((!(ActionMatches{'Microsoft.Authorization/roleAssignments/delete'})) OR (${roles("Resource", assigned)}))`;
    assign("deployer-rbac", deployer, "Role Based Access Control Administrator", environmentGroup, `CI deployer of ${stackName("azure", env)}: only the roles its stacks assign`, {
      condition: `${writes} AND ${deletes}`,
    });
    // Contributor excludes Microsoft.Authorization writes, so the production delete lock needs its own role; the
    // private endpoint and DNS link join networks, and diagnostics write to a workspace, in other resource groups.
    const locks = new RoleDefinition(this, "ci-locks-role", {
      name: `${org}-${env}-ci-deployer-locks`,
      scope: environmentGroup,
      description: `Lets the CI deployer of ${stackName("azure", env)} manage its delete locks`,
      permissions: [{ actions: ["Microsoft.Authorization/locks/read", "Microsoft.Authorization/locks/write", "Microsoft.Authorization/locks/delete"] }],
      assignableScopes: [environmentGroup],
    });
    assign("deployer-locks", deployer, "", environmentGroup, `CI deployer of ${stackName("azure", env)}: delete locks`, { roleDefinitionId: locks.roleDefinitionResourceId });
    // The rotation function joins its subnet (VNet integration) and its alert names the action group, as do the
    // alerts of docs/alerts.md (azure.alerts.actionGroupId, else the rotation's).
    const actionGroup = azure.alerts?.actionGroupId ?? azure.rotation?.actionGroupId;
    const links: [string, string, string][] = [
      ["subnet", azure.privateEndpoint.subnetId, "private endpoint subnet"],
      ["network", azure.privateEndpoint.virtualNetworkId, "DNS zone link"],
      ["workspace", azure.logAnalyticsWorkspaceId, "diagnostics"],
      ...(azure.rotation ? [["rotation-subnet", azure.rotation.subnetId, "rotation function's VNet integration"] as [string, string, string]] : []),
      ...(actionGroup ? [["action-group", actionGroup, "rotation failure alert and alerts"] as [string, string, string]] : []),
    ];
    const linked = links.map(([, scope]) => scope);
    const linksRole = new RoleDefinition(this, "ci-links-role", {
      name: `${org}-${env}-ci-deployer-links`,
      scope: sub,
      description: `Lets the CI deployer of ${stackName("azure", env)} join its subnet and network and send diagnostics to its workspace`,
      permissions: [
        {
          actions: [
            "Microsoft.Network/virtualNetworks/read",
            "Microsoft.Network/virtualNetworks/subnets/read",
            "Microsoft.Network/virtualNetworks/subnets/join/action",
            "Microsoft.Network/virtualNetworks/join/action",
            "Microsoft.OperationalInsights/workspaces/read",
            "Microsoft.OperationalInsights/workspaces/sharedKeys/action",
            ...(actionGroup ? ["Microsoft.Insights/actionGroups/read"] : []),
          ],
        },
      ],
      assignableScopes: linked,
    });
    for (const [id, scope, what] of links) {
      assign(`deployer-links-${id}`, deployer, "", scope, `CI deployer of ${stackName("azure", env)}: ${what}`, { roleDefinitionId: linksRole.roleDefinitionResourceId });
    }
    // Reader has no Key Vault data actions: the planner sees the vault, never a secret.
    assign("planner-reader", planner, "Reader", environmentGroup, `CI planner of ${stackName("azure", env)}: read-only`);

    // Stacks may share a container (each has its own blob key): create and grant it once, since Azure refuses a second
    // container of the same name and a second role assignment of the same principal, role and scope.
    const containers = new Set<string>();
    for (const b of backends) {
      if (b.backend.type !== "azurerm") continue;
      const where = `${b.backend.resourceGroupName}/${b.backend.storageAccountName}/${b.backend.containerName}`;
      if (containers.has(where)) continue;
      containers.add(where);
      const at = `${b.stack}-state`;
      const container = pipeline.createStateStorage
        ? new StateContainer(this, at, {
            subscriptionId: azure.subscriptionId,
            resourceGroupName: b.backend.resourceGroupName,
            storageAccountName: b.backend.storageAccountName,
            containerName: b.backend.containerName,
          }).scope
        : `${sub}/resourceGroups/${b.backend.resourceGroupName}/providers/Microsoft.Storage/storageAccounts/${b.backend.storageAccountName}/blobServices/default/containers/${b.backend.containerName}`;
      assign(`deployer-${at}`, deployer, "Storage Blob Data Contributor", container, `CI deployer: state of ${b.stack}`);
      assign(`planner-${at}`, planner, "Storage Blob Data Reader", container, `CI planner: state of ${b.stack}`);
    }
    suppress(
      this.node.findChild("deployer-contributor"),
      "SP-AZR-004",
      "The CI deployer deploys the whole environment, so it holds roles on the environment's resource group; it is no workload",
    );
    for (const id of ["deployer-rbac", "deployer-locks", "planner-reader"]) {
      suppress(this.node.findChild(id), "SP-AZR-004", "A CI pipeline identity scoped to the environment's resource group, not a workload reading secrets");
    }
    for (const c of this.node.children.filter((c) => /^(deployer|planner)-(links-|.*-state$)/.test(c.node.id))) {
      suppress(c, "SP-AZR-004", "A CI pipeline identity's access to a network, workspace or state container; it reads no secret");
    }
    return { deployer, planner };
  }

  private buildVault(
    environment: EnvironmentModel,
    vault: VaultEnvironment,
    pipeline: PipelineSpec,
    subjects: { deployer: string; planner: string; plannerMain: string },
    vaultStacks: TerraformStack | readonly TerraformStack[] | undefined,
  ): CiJwtAuth {
    const env = environment.name;
    new VaultProvider(this, "vault", { address: vault.address, namespace: vault.namespace });
    const auth = new CiJwtAuth(this, "vault-ci-auth", { path: VAULT_GITHUB_AUTH_PATH, issuer: GITHUB_OIDC_ISSUER });
    const managed = managedVaultPaths(asList(vaultStacks).map((stack) => synthesizedStack(stack)));
    // A token minted for this Vault's address is useless at any other service, and the reverse.
    const audience = vault.address;
    const { repository, environment: githubEnvironment } = pipeline.github;
    auth.addRole("deployer", {
      roleName: vaultPipelineName(env, "deployer"),
      subject: subjects.deployer,
      claims: { repository, environment: githubEnvironment },
      audience,
      rules: managed,
      comment: `CI deployer of ${stackName("vault", env)}: exactly the paths that stack manages.\nGenerated from the stack's resources; change the stack, not this policy.`,
    });
    const readOnly: PolicyRule[] = managed
      .map((r) => ({ path: r.path, capabilities: r.capabilities.filter((c) => c === "read" || c === "list" || (c === "sudo" && r.capabilities.includes("read"))) }))
      .filter((r) => r.capabilities.some((c) => c === "read" || c === "list"));
    auth.addRole("planner", {
      roleName: vaultPipelineName(env, "planner"),
      subject: [subjects.planner, subjects.plannerMain],
      claims: { repository },
      audience,
      rules: readOnly,
      comment: `CI planner of ${stackName("vault", env)}: reads the configuration that stack manages; no secret data.`,
    });
    // SP-VLT-006 looks at any production stack with a Vault provider.
    if (environment.production) suppress(this, "SP-VLT-006", "bootstrap-<env> only adds CI login to Vault; the audit devices are vault-<env>'s, checked there");
    for (const rule of ["SP-VLT-001", "SP-VLT-002"]) {
      suppress(auth, rule, "The CI deployer and planner policies administer exactly the mounts, auth methods and policies vault-<env> manages; they are not workload policies");
    }
    return auth;
  }
}
