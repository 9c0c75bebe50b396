// Where stack groups, remote state and the CI deployer meet the names of other environments: a state key every group
// stack would share, and a deployer whose name prefix <org>-<env>- also matches a sibling environment <env>-<x> in
// the same account.
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { issuesOf, toYaml } from "./helpers/descriptions";
import { decide as simulate } from "./helpers/iam-simulate";
import { resources, synthPlatform } from "./helpers/synth";

const ACCOUNT = "111111111111";
const OIDC = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;

function env(githubEnvironment: string): any {
  return {
    aws: {
      accountId: ACCOUNT,
      region: "us-east-1",
      eks: { oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC` },
      backend: { type: "s3", bucket: "acme-tfstate", region: "us-east-1", key: `platform/${githubEnvironment}.tfstate` },
    },
    pipeline: { github: { repository: "acme/secrets-platform", environment: githubEnvironment }, awsOidcProviderArn: OIDC },
  };
}

function description(): any {
  return {
    organization: "acme",
    environments: { prod: env("prod") },
    applications: {
      shop: {
        stackGroup: "team-b",
        secrets: { jwt: { type: "jwt", algorithm: "HS256", rotation: { everyDays: 7 } } },
        workloads: { api: { kubernetes: { namespace: "shop", serviceAccount: "shop-api" }, reads: ["jwt"] } },
      },
      web: {
        secrets: { token: { type: "token", rotation: { everyDays: 7 } } },
        workloads: { api: { kubernetes: { namespace: "web", serviceAccount: "web-api" }, reads: ["token"] } },
      },
    },
  };
}


describe("an AWS state key named in the description, with stack groups", () => {
  it("is refused: aws-<env> and every aws-<env>-<group> would write the one state file, each planning to destroy the others' resources", () => {
    expect(issuesOf(description())).toEqual([
      "environments.prod.aws.backend.key: is shared by aws-prod and aws-prod-team-b (stack groups); each stack needs its own state file: leave key out (default secrets-platform/<stack>.tfstate)",
    ]);
  });

  it("is accepted without stack groups, and the default keys differ per group stack", () => {
    const d = description();
    delete d.applications.shop.stackGroup;
    expect(issuesOf(d)).toEqual([]);
    const g = description();
    delete g.environments.prod.aws.backend.key;
    const { json } = synthPlatform(parsePlatform(toYaml(g), "test"), { backends: ["aws"] });
    expect(json["aws-prod"].terraform?.backend?.s3?.key).toBe("secrets-platform/aws-prod.tfstate");
    expect(json["aws-prod-team-b"].terraform?.backend?.s3?.key).toBe("secrets-platform/aws-prod-team-b.tfstate");
  });
});

describe("the deployer of an environment whose name begins another environment's in the same account", () => {
  const d = description();
  delete d.environments.prod.aws.backend.key;
  d.environments["prod-eu"] = env("prod-eu");
  delete d.environments["prod-eu"].aws.backend.key;
  const { json } = synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["bootstrap"] });
  const policy = (stack: string) => {
    const p: any = Object.values(resources(json[stack], "aws_iam_role_policy")).find((r: any) => String(r.role).includes("aws-deployer"));
    return JSON.parse(p.policy).Statement as any[];
  };
  const boundary = (e: string) => `arn:aws:iam::${ACCOUNT}:policy/secrets-platform-ci/acme-${e}-workload-boundary`;
  /** IAM's answer (iam-simulate) for one action on one ARN, with the condition keys a deploy's request carries. */
  const decide = async (stack: string, action: string, arn: string) => {
    const e = stack.slice("bootstrap-".length);
    const context: Record<string, string> = action === "iam:PassRole" ? { "iam:PassedToService": "lambda.amazonaws.com" } : action.startsWith("iam:") ? { "iam:PermissionsBoundary": boundary(e) } : {};
    const d = await simulate({ identity: policy(stack) }, { action, resource: arn, context, principal: `arn:aws:iam::${ACCOUNT}:role/secrets-platform-ci/acme-${e}-ci_deployer` });
    return d === "Allowed" ? "allow" : d === "ExplicitlyDenied" ? "deny" : "implicit deny";
  };

  it("still manages its own roles, functions, log groups and alarms", async () => {
    const prod = "bootstrap-prod";
    expect(await decide(prod, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-web-api`)).toBe("allow");
    expect(await decide(prod, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-team-b-rotate-jwt`)).toBe("allow");
    expect(await decide(prod, "lambda:CreateFunction", `arn:aws:lambda:us-east-1:${ACCOUNT}:function:acme-prod-rotate-token`)).toBe("allow");
  });

  it("manages nothing of prod-eu, although prod-eu's names begin with acme-prod-", async () => {
    const prod = "bootstrap-prod";
    expect(await decide(prod, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-eu-web-api`)).toBe("deny");
    expect(await decide(prod, "iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-eu-rotate-token`)).toBe("deny");
    expect(await decide(prod, "iam:PutRolePolicy", `arn:aws:iam::${ACCOUNT}:role/acme-prod-eu-web-api`)).toBe("deny");
    expect(await decide(prod, "lambda:UpdateFunctionCode", `arn:aws:lambda:us-east-1:${ACCOUNT}:function:acme-prod-eu-rotate-token`)).toBe("deny");
    expect(await decide(prod, "logs:DeleteLogGroup", `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/acme-prod-eu-rotate-token`)).toBe("deny");
    expect(await decide(prod, "cloudwatch:DeleteAlarms", `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:acme-prod-eu-rotate-token-errors`)).toBe("deny");
  });

  it("leaves prod-eu's own deployer unrestricted by prod", async () => {
    const eu = "bootstrap-prod-eu";
    expect(await decide(eu, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-eu-web-api`)).toBe("allow");
    expect(await decide(eu, "iam:CreateRole", `arn:aws:iam::${ACCOUNT}:role/acme-prod-web-api`)).toBe("implicit deny");
  });
});

describe("vault-<env> and azure-<env> keeping state in one azurerm container", () => {
  const build = (vaultContainer: string) => {
    const d: any = structuredClone(loadPlatform(DEFAULT_CONFIG));
    d.environments = { dev: d.environments.dev };
    d.environments.dev.azure.backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "acmestate", containerName: "tfstate" };
    // Each stack has its own default key (secrets-platform/<stack>.tfstate), so validation allows the shared container.
    d.environments.dev.vault.backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "acmestate", containerName: vaultContainer };
    d.environments.dev.pipeline.createStateStorage = true;
    return synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["bootstrap"] }).json["bootstrap-dev"];
  };
  const onContainer = (json: any, name: string) =>
    Object.values(resources(json, "azurerm_role_assignment")).filter((r: any) => String(r.scope).endsWith(`/containers/${name}`)).map((r: any) => r.role_definition_name).sort();

  it("creates the container once and grants each identity once on it: Azure refuses a second container or role assignment of the same name and scope", () => {
    const json = build("tfstate");
    expect(Object.values(resources(json, "azurerm_storage_container")).map((c: any) => c.name)).toEqual(["tfstate"]);
    expect(onContainer(json, "tfstate")).toEqual(["Storage Blob Data Contributor", "Storage Blob Data Reader"]);
  });

  it("still creates and grants each of two distinct containers", () => {
    const json = build("tfstate-vault");
    expect(Object.values(resources(json, "azurerm_storage_container")).map((c: any) => c.name).sort()).toEqual(["tfstate", "tfstate-vault"]);
    expect(onContainer(json, "tfstate-vault")).toEqual(["Storage Blob Data Contributor", "Storage Blob Data Reader"]);
  });
});
