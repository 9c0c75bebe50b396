// bootstrap-<env>: the CI identities trust exactly their repository and environment, the deployer's rights follow the
// environment's stacks, the planner reads without changing anything or seeing a secret, and state storage is closed.
import { Testing } from "cdktf";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import type { Platform } from "../config/schema";
import { PIPELINE_IAM_PATH } from "../config/pipeline";
import { deployerStatements, PROVIDER_CALLS } from "../constructs/aws/deployer-permissions";
import { TAGS } from "../config/tags";
import { PIPELINE_RULES } from "../constructs/guardrails/rules/pipeline";
import { runRules } from "../constructs/guardrails/evaluate";
import { fromJson, synthesizedStack } from "../constructs/guardrails/synthesized";
import { readVaultPolicy } from "../constructs/guardrails/vault-policy";
import { managedVaultPaths } from "../constructs/vault/managed-paths";
import { buildPlatform } from "../stacks/platform";
import { StackJson, synthPlatform } from "./helpers/synth";
import { toYaml } from "./helpers/descriptions";
import { decide } from "./helpers/iam-simulate";

const example = synthPlatform(loadPlatform(DEFAULT_CONFIG), { environments: ["dev", "prod"] });
const dev = example.json["bootstrap-dev"];
const values = <T = any>(json: StackJson, type: string): T[] => Object.values(json.resource?.[type] ?? {}) as T[];
const policyOf = (json: StackJson, roleName: string) => {
  const role = Object.entries(json.resource!.aws_iam_role).find(([, r]) => r.name === roleName)![0];
  const attached = values(json, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${role}.id}`);
  return JSON.parse(attached.policy).Statement as any[];
};
const trustOf = (json: StackJson, roleName: string) => JSON.parse(values(json, "aws_iam_role").find((r) => r.name === roleName).assume_role_policy).Statement;
const DEV_DEPLOYER = "arn:aws:iam::111111111111:role/secrets-platform-ci/acme-dev-ci_deployer";
const DEV_PLANNER = "arn:aws:iam::111111111111:role/secrets-platform-ci/acme-dev-ci_planner";
/** IAM's decision (iam-simulate) for a role's inline policy on one request. */
const allowed = async (statements: any[], principal: string, action: string, resource: string, context: Record<string, string> = {}) =>
  (await decide({ identity: statements }, { action, resource, context, principal })) === "Allowed";

describe("AWS: trust", () => {
  it.each(["dev", "prod"])("bootstrap-%s trusts exactly the repository's deploy jobs in its GitHub environment, and its pull requests for the planner", (env) => {
    const json = example.json[`bootstrap-${env}`];
    const [deployer] = trustOf(json, `acme-${env}-ci_deployer`);
    expect(deployer.Action).toBe("sts:AssumeRoleWithWebIdentity");
    expect(deployer.Principal.Federated).toEqual(["${aws_iam_openid_connect_provider.github-oidc-provider.arn}"]);
    expect(deployer.Condition).toEqual({
      StringEquals: {
        "token.actions.githubusercontent.com:sub": `repo:acme/secrets-platform:environment:${env}`,
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
      },
    });
    const [planner] = trustOf(json, `acme-${env}-ci_planner`);
    // Pull requests' plan jobs, and main's plan job whose saved plan the deploy job applies (issue 19).
    expect(planner.Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toEqual(["repo:acme/secrets-platform:pull_request", "repo:acme/secrets-platform:ref:refs/heads/main"]);
    const provider = values(json, "aws_iam_openid_connect_provider");
    expect(provider).toEqual([expect.objectContaining({ url: "https://token.actions.githubusercontent.com", client_id_list: ["sts.amazonaws.com"] })]);
  });

  it("reuses an existing GitHub OIDC provider by ARN instead of creating a second one", () => {
    const p = structuredClone(loadPlatform(DEFAULT_CONFIG)) as Platform;
    const arn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com";
    (p.environments.dev.pipeline as any).awsOidcProviderArn = arn;
    const json = synthPlatform(p, { environments: ["dev"], backends: ["bootstrap"] }).json["bootstrap-dev"];
    expect(values(json, "aws_iam_openid_connect_provider")).toEqual([]);
    expect(trustOf(json, "acme-dev-ci_deployer")[0].Principal.Federated).toEqual([arn]);
  });

  it("keeps the pipeline roles under their own IAM path, out of reach of what the deployer is allowed on role/<org>-<env>-*", async () => {
    for (const r of values(dev, "aws_iam_role")) expect(r.path).toBe(PIPELINE_IAM_PATH);
    const deployer = policyOf(dev, "acme-dev-ci_deployer");
    const iamActions = [...new Set(deployer.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith("iam:")))];
    expect(iamActions.length).toBeGreaterThan(5);
    // Each with the condition keys a deploy's request carries, so only the resource decides.
    const context = (action: string): Record<string, string> =>
      action === "iam:PassRole" ? { "iam:PassedToService": "lambda.amazonaws.com" } : ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"].includes(action) ? { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/secrets-platform-ci/acme-dev-workload-boundary" } : {};
    for (const name of ["acme-dev-ci_deployer", "acme-dev-ci_planner"]) {
      const arn = `arn:aws:iam::111111111111:role${PIPELINE_IAM_PATH}${name}`;
      for (const action of iamActions) expect([name, action, await allowed(deployer, DEV_DEPLOYER, action, arn, context(action))]).toEqual([name, action, false]);
    }
    // ...while the environment's own roles are within them.
    for (const action of iamActions) expect([action, await allowed(deployer, DEV_DEPLOYER, action, "arn:aws:iam::111111111111:role/acme-dev-myapp-api", context(action))]).toEqual([action, true]);
  });
});

describe("AWS: rights", () => {
  it("derives the deployer's statements from every resource type aws-<env> has, and refuses a type it does not know", () => {
    const types = synthesizedStack(example.stacks["aws-dev"]).resources.map((r) => r.type).filter((t) => t.startsWith("aws_"));
    for (const t of types) expect(Object.keys(PROVIDER_CALLS)).toContain(t);
    const scope = { account: { accountId: "111111111111", region: "us-east-1" }, namePrefix: "acme-dev-", secretPrefix: "dev/", keyAlias: "acme-dev-secrets", tag: { key: "environment", value: "dev" }, permissionsBoundaryArn: "arn:aws:iam::111111111111:policy/secrets-platform-ci/acme-dev-workload-boundary" };
    expect(() => deployerStatements([...types, "aws_dynamodb_table"], scope)).toThrow(/no permissions defined for aws_dynamodb_table: add what the provider calls to PROVIDER_CALLS/);
    // A type bootstrap-<env> creates is applied by a person: the deployer is never given it.
    expect(() => deployerStatements([...types, "aws_iam_openid_connect_provider"], scope)).toThrow(/applied by a person/);
    const sids = policyOf(dev, "acme-dev-ci_deployer").map((s) => s.Sid);
    expect(sids).toEqual(expect.arrayContaining(["ManageEnvironmentSecrets", "ManageEnvironmentFunctions", "ManageEnvironmentKey", "PassEnvironmentRolesToLambda"]));
  });

  it("scopes the deployer to the environment's names: secrets dev/*, functions and roles acme-dev-*", async () => {
    const st = policyOf(dev, "acme-dev-ci_deployer");
    const resourcesOf = (sid: string) => [st.find((s) => s.Sid === sid).Resource].flat();
    expect(resourcesOf("ManageEnvironmentSecrets")).toEqual(["arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/*"]);
    expect(resourcesOf("ManageEnvironmentFunctions")).toEqual(["arn:aws:lambda:us-east-1:111111111111:function:acme-dev-*"]);
    expect(st.find((s) => s.Sid === "PassEnvironmentRolesToLambda").Condition).toEqual({ StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } });
    // Keys get ids at creation: narrowed by the environment tag the stack's provider sets.
    expect(st.find((s) => s.Sid === "ManageEnvironmentKey").Condition).toEqual({ StringEquals: { "aws:ResourceTag/environment": "dev" } });
    expect(st.find((s) => s.Sid === "CreateEnvironmentKey").Condition).toEqual({ StringEquals: { "aws:RequestTag/environment": "dev" } });
    // The deployer creates secrets, never reads their values.
    expect(await allowed(st, DEV_DEPLOYER, "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/myapp/openai-AbCdEf")).toBe(false);
  });

  it("lets the planner read, never write, and denies it secret values explicitly", () => {
    const st = policyOf(dev, "acme-dev-ci_planner");
    const allowed = st.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat());
    expect(allowed.length).toBeGreaterThan(10);
    for (const a of allowed) expect(a).toMatch(/^[a-z0-9-]+:(Get|List|Describe)/);
    expect(allowed).not.toContain("secretsmanager:GetSecretValue");
    expect(st).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: "Deny", Action: ["secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue"], Resource: "*" }),
        expect.objectContaining({ Effect: "Deny", Action: "kms:Decrypt", Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } } }),
      ]),
    );
    expect(values(dev, "aws_iam_role").find((r) => r.name === "acme-dev-ci_planner").tags[TAGS.awsPipelineRole]).toBe("planner");
  });

  it("passes the pipeline guardrails (SP-CI-001, SP-CI-002) on every bootstrap stack of the example", () => {
    for (const env of ["dev", "prod"]) {
      expect(runRules(fromJson(example.json[`bootstrap-${env}`] as any, `bootstrap-${env}`), [PIPELINE_RULES], true)).toEqual([]);
    }
  });
});

describe("Azure", () => {
  const ids = values(dev, "azurerm_user_assigned_identity");
  const creds = values(dev, "azurerm_federated_identity_credential");
  const assignments = Object.entries(dev.resource!.azurerm_role_assignment);
  const principal = (kind: string) => {
    const name = Object.entries(dev.resource!.azurerm_user_assigned_identity).find(([, i]) => i.tags[TAGS.azurePipelineRole] === kind)![0];
    return `\${azurerm_user_assigned_identity.${name}.principal_id}`;
  };

  it("federates a deployer and a planner identity for the same subjects, with GitHub's issuer and Entra's audience", () => {
    expect(ids.map((i) => i.name).sort()).toEqual(["acme-dev-ci_deployer", "acme-dev-ci_planner"]);
    expect(ids.every((i) => i.resource_group_name === "${azurerm_resource_group.ci-identities.name}")).toBe(true);
    expect(creds.map((c) => [c.issuer, c.subject, c.audience]).sort()).toEqual([
      ["https://token.actions.githubusercontent.com", "repo:acme/secrets-platform:environment:dev", ["api://AzureADTokenExchange"]],
      ["https://token.actions.githubusercontent.com", "repo:acme/secrets-platform:pull_request", ["api://AzureADTokenExchange"]],
      ["https://token.actions.githubusercontent.com", "repo:acme/secrets-platform:ref:refs/heads/main", ["api://AzureADTokenExchange"]],
    ]);
  });

  it("grants the deployer roles on the environment's resource group (and the networks it joins), none on the subscription", () => {
    const group = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-secrets-dev";
    const deployer = assignments.filter(([, a]) => a.principal_id === principal("deployer")).map(([, a]) => a);
    expect(deployer.filter((a) => a.scope === group).map((a) => a.role_definition_name ?? "custom").sort()).toEqual(["Contributor", "Role Based Access Control Administrator", "custom"]);
    for (const a of deployer) expect(a.scope).toMatch(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+/);
    // It may assign only the Key Vault secret roles the azure stack grants.
    const rbac = deployer.find((a) => a.role_definition_name === "Role Based Access Control Administrator");
    expect(rbac.condition).toContain("4633458b-17de-408a-b874-0445c86b69e6");
    expect(rbac.condition).toContain("b86a8fe4-44ce-4948-aee5-eccb2c155cd7");
    expect(rbac.condition_version).toBe("2.0");
  });

  it("may assign every role azure-<env> assigns (the rotation function's included), and no role that administers", () => {
    const built = synthPlatform(loadPlatform(DEFAULT_CONFIG), { environments: ["dev"], backends: ["azure"] }).json["azure-dev"];
    const ids: Record<string, string> = {
      "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
      "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
      "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
      "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
      "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    };
    const assigned = [...new Set(values(built, "azurerm_role_assignment").map((a) => a.role_definition_name as string))].sort();
    expect(assigned).toEqual(Object.keys(ids).sort());
    const rbac = assignments.map(([, a]) => a).find((a) => a.principal_id === principal("deployer") && a.role_definition_name === "Role Based Access Control Administrator");
    const granted = (rbac.condition as string).match(/RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{([^}]*)\}/g)!.map((m) => m.replace(/^.*\{/, "").slice(0, -1).split(", ").sort());
    // Writes to other service principals and deletes: every role the stack assigns; writes to itself: its Secrets Officer.
    expect(granted).toEqual([Object.values(ids).sort(), [ids["Key Vault Secrets Officer"]], Object.values(ids).sort()]);
  });

  it("may join the rotation function's subnet and read the alert's action group where the description has them", () => {
    const deployer = assignments.filter(([, a]) => a.principal_id === principal("deployer")).map(([, a]) => a);
    const rotation = loadPlatform(DEFAULT_CONFIG).environments.dev.azure!.rotation!;
    expect(deployer.filter((a) => a.scope === rotation.subnetId)).toHaveLength(1);
    const prod = example.json["bootstrap-prod"];
    const prodRotation = loadPlatform(DEFAULT_CONFIG).environments.prod.azure!.rotation!;
    expect(values(prod, "azurerm_role_assignment").filter((a) => a.scope === prodRotation.actionGroupId)).toHaveLength(1);
    expect(values(prod, "azurerm_role_definition").find((d) => d.name.endsWith("-ci-deployer-links")).permissions[0].actions).toContain("Microsoft.Insights/actionGroups/read");
  });

  it("gives the planner Reader on the resource group only: no Key Vault data role", () => {
    const planner = assignments.filter(([, a]) => a.principal_id === principal("planner")).map(([, a]) => a);
    // Besides its state (the example's azurerm backend), read-only.
    expect(planner.map((a) => [a.role_definition_name, a.scope])).toEqual([
      ["Storage Blob Data Reader", "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-tfstate-dev/providers/Microsoft.Storage/storageAccounts/acmetfstatedev/blobServices/default/containers/tfstate"],
      ["Reader", "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-secrets-dev"],
    ]);
  });
});

describe("Vault", () => {
  const backend = values(dev, "vault_jwt_auth_backend")[0];
  const roles = values(dev, "vault_jwt_auth_backend_role");
  const policies = Object.fromEntries(values(dev, "vault_policy").map((p) => [p.name, p.policy]));

  it("trusts GitHub's issuer through its discovery document and binds each role to the repository, environment and audience", () => {
    expect(backend).toEqual(expect.objectContaining({ type: "jwt", path: "github-actions", oidc_discovery_url: "https://token.actions.githubusercontent.com", bound_issuer: "https://token.actions.githubusercontent.com" }));
    const deployer = roles.find((r) => r.role_name === "dev_ci_deployer");
    expect(deployer).toEqual(
      expect.objectContaining({
        bound_subject: "repo:acme/secrets-platform:environment:dev",
        bound_claims: { repository: "acme/secrets-platform", environment: "dev" },
        bound_claims_type: "string",
        bound_audiences: ["https://vault.dev.example.com:8200"],
        token_policies: [expect.stringMatching(/^\$\{vault_policy\.vault-ci-auth_deployer-policy_[A-Z0-9]+\.name\}$/)],
      }),
    );
    // Two subjects: bound_subject takes one, so they are a comma-separated list in bound_claims.sub.
    const planner = roles.find((r) => r.role_name === "dev_ci_planner");
    expect(planner.bound_subject).toBeUndefined();
    expect(planner.bound_claims).toEqual({ repository: "acme/secrets-platform", sub: "repo:acme/secrets-platform:pull_request,repo:acme/secrets-platform:ref:refs/heads/main" });
    expect(planner.bound_claims_type).toBe("string");
  });

  it("grants the deployer exactly the paths vault-<env> manages, derived from its resources", () => {
    const read = readVaultPolicy(policies.dev_ci_deployer);
    if ("error" in read) throw new Error(read.error);
    const expected = managedVaultPaths(synthesizedStack(example.stacks["vault-dev"]));
    expect(read.rules.map((r) => r.path).sort()).toEqual(expected.map((r) => r.path).sort());
    expect(read.rules.map((r) => r.path)).toEqual(expect.arrayContaining(["sys/mounts/secret", "sys/policies/acl/dev-myapp-api", "auth/kubernetes/role/dev-myapp-api", "sys/audit/file"]));
    // Nothing under the KV data: the stack manages no secret value.
    expect(read.rules.some((r) => r.path.includes("/data/") || r.path.includes("*"))).toBe(false);
  });

  it("refuses to derive paths from a Vault resource type it does not know", () => {
    const view = fromJson({ resource: { vault_generic_endpoint: { x: { path: "sys/whatever" } } } }, "vault-x");
    expect(() => managedVaultPaths(view)).toThrow(/no Vault paths defined for vault_generic_endpoint/);
  });
});

describe("state storage", () => {
  const description = (create: boolean) => {
    const d: any = structuredClone(loadPlatform(DEFAULT_CONFIG));
    d.environments = { dev: d.environments.dev };
    d.environments.dev.aws.backend = { type: "s3", bucket: "acme-dev-tfstate", region: "us-east-1" };
    d.environments.dev.vault.backend = { type: "s3", bucket: "acme-dev-tfstate", region: "us-east-1" };
    d.environments.dev.azure.backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "acmestate", containerName: "tfstate-dev" };
    d.environments.dev.pipeline.createStateStorage = create;
    return parsePlatform(toYaml(d), "test");
  };
  const json = synthPlatform(description(true), { backends: ["bootstrap"] }).json["bootstrap-dev"];

  it("creates the S3 bucket: versioned, KMS-encrypted with the bootstrap key, public access blocked, TLS only", () => {
    expect(values(json, "aws_s3_bucket")).toEqual([expect.objectContaining({ bucket: "acme-dev-tfstate" })]);
    expect(values(json, "aws_s3_bucket_versioning")[0].versioning_configuration).toEqual({ status: "Enabled" });
    const sse = values(json, "aws_s3_bucket_server_side_encryption_configuration")[0].rule[0].apply_server_side_encryption_by_default;
    expect(sse.sse_algorithm).toBe("aws:kms");
    expect(sse.kms_master_key_id).toMatch(/^\$\{aws_kms_key\.state-acme-dev-tfstate_key_[A-Z0-9]+\.arn\}$/);
    expect(values(json, "aws_s3_bucket_public_access_block")[0]).toEqual(expect.objectContaining({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true }));
    const tls = JSON.parse(values(json, "aws_s3_bucket_policy")[0].policy).Statement[0];
    expect(tls).toEqual(expect.objectContaining({ Effect: "Deny", Principal: "*", Condition: { Bool: { "aws:SecureTransport": false } } }));
    expect(values(json, "aws_kms_key")[0].enable_key_rotation).toBe(true);
  });

  it("lets the deployer read and write exactly its stacks' state and lock, and the planner only read the state", async () => {
    const deployer = policyOf(json, "acme-dev-ci_deployer").find((s) => s.Sid === "ReadWriteStateAndLock");
    expect(deployer.Resource).toEqual([
      "arn:aws:s3:::acme-dev-tfstate/secrets-platform/aws-dev.tfstate",
      "arn:aws:s3:::acme-dev-tfstate/secrets-platform/aws-dev.tfstate.tflock",
      "arn:aws:s3:::acme-dev-tfstate/secrets-platform/vault-dev.tfstate",
      "arn:aws:s3:::acme-dev-tfstate/secrets-platform/vault-dev.tfstate.tflock",
    ]);
    const planner = policyOf(json, "acme-dev-ci_planner");
    expect(planner.find((s) => s.Sid === "ReadState")).toEqual(expect.objectContaining({ Action: "s3:GetObject" }));
    expect([planner.find((s) => s.Sid === "ReadState").Resource].flat()).toContain("arn:aws:s3:::acme-dev-tfstate/secrets-platform/aws-dev.tfstate");
    const state = "arn:aws:s3:::acme-dev-tfstate/secrets-platform/aws-dev.tfstate";
    expect(await allowed(planner, DEV_PLANNER, "s3:GetObject", state)).toBe(true);
    for (const action of ["s3:PutObject", "s3:DeleteObject"]) expect([action, await allowed(planner, DEV_PLANNER, action, state)]).toEqual([action, false]);
    expect(await allowed(policyOf(json, "acme-dev-ci_deployer"), DEV_DEPLOYER, "s3:PutObject", `${state}.tflock`)).toBe(true);
  });

  it("creates the azurerm container private, with blob data roles for deployer (write) and planner (read)", () => {
    expect(values(json, "azurerm_storage_container")).toEqual([expect.objectContaining({ name: "tfstate-dev", container_access_type: "private" })]);
    const container = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-state/providers/Microsoft.Storage/storageAccounts/acmestate/blobServices/default/containers/tfstate-dev";
    const onContainer = values(json, "azurerm_role_assignment").filter((a) => a.scope === container).map((a) => a.role_definition_name).sort();
    expect(onContainer).toEqual(["Storage Blob Data Contributor", "Storage Blob Data Reader"]);
  });

  it("creates nothing when not asked to, but still grants access to the storage the backend names", () => {
    const none = synthPlatform(description(false), { backends: ["bootstrap"] }).json["bootstrap-dev"];
    expect(values(none, "aws_s3_bucket")).toEqual([]);
    expect(values(none, "azurerm_storage_container")).toEqual([]);
    expect(policyOf(none, "acme-dev-ci_deployer").find((s) => s.Sid === "ReadWriteStateAndLock")).toBeDefined();
  });
});

describe("a held-out description: two repositories, three environments", () => {
  const d: any = structuredClone(loadPlatform(DEFAULT_CONFIG));
  d.organization = "globex";
  const runsOn = ["self-hosted", "private"];
  d.environments.dev.pipeline = { github: { repository: "globex/platform-nonprod", environment: "development", runsOn } };
  d.environments.staging.pipeline = { github: { repository: "globex/platform-nonprod", environment: "Staging", runsOn } };
  d.environments.prod.pipeline = { github: { repository: "globex-prod/platform", environment: "production", runsOn } };
  const synth = synthPlatform(parsePlatform(toYaml(d), "held-out"));

  it("synthesizes exactly the expected subjects on every trust, and no other", () => {
    const expected: Record<string, string[]> = {
      dev: ["repo:globex/platform-nonprod:environment:development", "repo:globex/platform-nonprod:pull_request", "repo:globex/platform-nonprod:ref:refs/heads/main"],
      staging: ["repo:globex/platform-nonprod:environment:Staging", "repo:globex/platform-nonprod:pull_request", "repo:globex/platform-nonprod:ref:refs/heads/main"],
      prod: ["repo:globex-prod/platform:environment:production", "repo:globex-prod/platform:pull_request", "repo:globex-prod/platform:ref:refs/heads/main"],
    };
    for (const [env, subjects] of Object.entries(expected)) {
      const json = synth.json[`bootstrap-${env}`];
      const aws = values(json, "aws_iam_role").flatMap((r) => JSON.parse(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]);
      const azure = values(json, "azurerm_federated_identity_credential").map((c) => c.subject);
      const vault = values(json, "vault_jwt_auth_backend_role").flatMap((r) => (r.bound_subject ? [r.bound_subject] : r.bound_claims.sub.split(",")));
      for (const found of [aws, azure, vault]) expect(found.sort()).toEqual([...subjects].sort());
      const claims = values(json, "vault_jwt_auth_backend_role").map((r) => r.bound_claims);
      expect(claims).toContainEqual({ repository: subjects[0].split(":")[1], environment: subjects[0].split(":environment:")[1] });
    }
    expect(Object.keys(synth.json).filter((n) => n.startsWith("bootstrap-")).sort()).toEqual(["bootstrap-dev", "bootstrap-prod", "bootstrap-staging"]);
  });
});

it("builds bootstrap-<env> alone, deriving the deployer's rights from stacks built apart", () => {
  const app = Testing.app();
  const refs = buildPlatform(app, loadPlatform(DEFAULT_CONFIG), { environments: ["dev"], backends: ["bootstrap"] });
  expect(refs.map((r) => r.name)).toEqual(["bootstrap-dev"]);
  const alone = JSON.parse(Testing.synth(app.node.findChild("bootstrap-dev") as any));
  expect(alone.resource.aws_iam_role_policy).toEqual(dev.resource!.aws_iam_role_policy);
  expect(alone.resource.vault_policy).toEqual(dev.resource!.vault_policy);
});
