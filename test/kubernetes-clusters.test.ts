// Several clusters per environment (issue 20): each workload's identities trust exactly its own cluster's issuer and
// subject on every backend (IRSA trust, Azure federated credential, Vault Kubernetes auth role on its cluster's mount),
// each cluster gets its own stack and provider context, the single-cluster form keeps main's addresses, and a bad
// cluster is refused with the field and the fix.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { iamIssuerId } from "../config/clusters";
import { deployerStatements } from "../constructs/aws/deployer-permissions";
import { buildReview } from "../review/build";
import { stackNames } from "../stacks/platform";
import { issuesOf, toYaml, EXAMPLE_CA_FILE } from "./helpers/descriptions";
import { AKS_ISSUER, EKS_ISSUER, EKS_PROVIDER_ARN, twoClusterDescription } from "./helpers/clusters";
import { exampleApp, kubeObjects, synthApp } from "./helpers/kubernetes";

const out = synthApp(parsePlatform(toYaml(twoClusterDescription()), "test"));
const res = (stack: string) => (out.json[stack] as any).resource as Record<string, Record<string, any>>;

/** Each workload, the cluster it runs in and the subject of its service account. */
const WORKLOADS = Object.entries<any>(twoClusterDescription().applications["billing-api"].workloads).map(([name, w]) => ({
  name,
  cluster: w.kubernetes.cluster as string,
  subject: `system:serviceaccount:${w.kubernetes.namespace}:${w.kubernetes.serviceAccount}`,
}));
const ISSUER: Record<string, string> = { "eks-main": EKS_ISSUER, "aks-west": AKS_ISSUER };

describe("a description with an EKS and an AKS cluster, dashed names, templates and CSI workloads", () => {
  it("synthesizes every stack with no guardrail finding or warning", () => {
    expect(Object.keys(out.json).sort()).toEqual(["aws-prod-eu", "azure-prod-eu", "kubernetes-prod-eu-aks-west", "kubernetes-prod-eu-eks-main", "vault-prod-eu"]);
    for (const s of Object.values<any>(out.manifest.stacks)) expect(s.annotations ?? []).toEqual([]);
  });

  it("gives each IRSA role a trust in exactly its cluster's issuer and its service account, for sts.amazonaws.com", () => {
    const roles = Object.values(res("aws-prod-eu").aws_iam_role);
    const providers = res("aws-prod-eu").aws_iam_openid_connect_provider;
    // The AKS cluster has no IAM OIDC provider: aws-<env> creates one for its issuer; the EKS one is given.
    expect(Object.values(providers).map((p) => [p.url, p.client_id_list])).toEqual([[AKS_ISSUER, ["sts.amazonaws.com"]]]);
    const aksProviderRef = `\${aws_iam_openid_connect_provider.${Object.keys(providers)[0]}.arn}`;
    expect(roles).toHaveLength(WORKLOADS.length);
    for (const w of WORKLOADS) {
      const role = roles.find((r) => JSON.parse(r.assume_role_policy).Statement[0].Condition.StringEquals[`${iamIssuerId(ISSUER[w.cluster])}:sub`] === w.subject);
      expect(role).toBeDefined();
      const [statement, ...others] = JSON.parse(role!.assume_role_policy).Statement;
      expect(others).toEqual([]);
      expect(statement.Principal).toEqual({ Federated: [w.cluster === "eks-main" ? EKS_PROVIDER_ARN : aksProviderRef] });
      expect(statement.Condition).toEqual({
        StringEquals: { [`${iamIssuerId(ISSUER[w.cluster])}:sub`]: w.subject, [`${iamIssuerId(ISSUER[w.cluster])}:aud`]: "sts.amazonaws.com" },
      });
      // A role of the created provider waits for it: IAM refuses a trust in a provider that does not exist yet.
      if (w.cluster === "aks-west") expect(role!.depends_on).toEqual([aksProviderRef.slice(2, -5)]);
    }
  });

  it("gives each managed identity one federated credential: its cluster's issuer (the EKS issuer on EKS) and its service account", () => {
    const identities = res("azure-prod-eu").azurerm_user_assigned_identity;
    const credentials = Object.values(res("azure-prod-eu").azurerm_federated_identity_credential);
    expect(credentials).toHaveLength(WORKLOADS.length);
    for (const w of WORKLOADS) {
      const mine = credentials.filter((c) => c.subject === w.subject);
      expect(mine.map((c) => [c.issuer, c.audience])).toEqual([[ISSUER[w.cluster], ["api://AzureADTokenExchange"]]]);
      const parent = Object.entries(identities).find(([id]) => mine[0].parent_id.includes(id))?.[1];
      expect(parent?.name).toBe(`acme-corp-prod-eu-billing-api-${w.name}`);
    }
  });

  it("gives each cluster its own Vault auth mount with its host and CA, and binds each role on its workload's cluster's mount only", () => {
    const r = res("vault-prod-eu");
    const backends = r.vault_auth_backend;
    const configs = Object.values(r.vault_kubernetes_auth_backend_config);
    const mountOf = (ref: string) => Object.entries(backends).find(([id]) => ref.includes(`vault_auth_backend.${id}.`))?.[1].path;
    const ca = readFileSync(EXAMPLE_CA_FILE, "utf8");
    const hostOf: Record<string, string> = { "kubernetes-eks-main": "https://eks-main.eu-west-1.eks.amazonaws.com", "kubernetes-aks-west": "https://aks-west.hcp.westeurope.azmk8s.io:443" };
    expect(configs.map((c) => [mountOf(c.backend), c.kubernetes_host, c.kubernetes_ca_cert.trim() === ca.trim(), c.disable_local_ca_jwt]).sort()).toEqual(
      Object.entries(hostOf).map(([mount, host]) => [mount, host, true, true]).sort(),
    );
    const roles = Object.values(r.vault_kubernetes_auth_backend_role);
    for (const w of WORKLOADS) {
      const [ns, sa] = w.subject.split(":").slice(2);
      const mine = roles.filter((x) => x.role_name === `prod-eu-billing-api-${w.name}`);
      expect(mine.map((x) => [mountOf(x.backend), x.bound_service_account_names, x.bound_service_account_namespaces])).toEqual([[`kubernetes-${w.cluster}`, [sa], [ns]]]);
    }
    expect((out.json["vault-prod-eu"] as any).output.kubernetes_auth_paths.value).toEqual({ "eks-main": "kubernetes-eks-main", "aks-west": "kubernetes-aks-west" });
  });

  it("shows in the review's access matrix which cluster's issuer each workload's identity trusts, and its Vault mount", () => {
    const stacks = Object.entries(out.json).map(([name, json]) => ({ name, backend: name.split("-")[0] as any, json }));
    const access = buildReview({ environment: "prod-eu", production: false, stacks, guardrails: [] }).access;
    for (const w of WORKLOADS) {
      const [ns, sa] = w.subject.split(":").slice(2);
      const rows = access.filter((r) => r.workload === `k8s ${ns}/${sa}`);
      const by = (backend: string) => [...new Set(rows.filter((r) => r.backend === backend).map((r) => r.authentication))];
      expect(by("aws")).toEqual([`IRSA: token of ${iamIssuerId(ISSUER[w.cluster])} for ${w.subject} (aud sts.amazonaws.com) assumes role acme-corp-prod-eu-billing-api-${w.name}`]);
      expect(by("azure")).toEqual([`workload identity: token of ${ISSUER[w.cluster]} for ${w.subject} (aud api://AzureADTokenExchange) federated to managed identity acme-corp-prod-eu-billing-api-${w.name}`]);
      expect(by("vault").every((a) => a.includes(`at auth/kubernetes-${w.cluster} `))).toBe(true);
    }
  });

  it("builds one kubernetes stack per cluster, with the cluster's own context and only its workloads", () => {
    for (const cluster of ["eks-main", "aks-west"]) {
      const stack = out.json[`kubernetes-prod-eu-${cluster}`] as any;
      expect(stack.provider.kubernetes).toEqual([{ config_context: `${cluster}-ctx`, config_path: "~/.kube/config" }]);
      const accounts = kubeObjects(stack).filter((o) => o.kind === "ServiceAccount").map((o) => `system:serviceaccount:${o.namespace}:${o.name}`).sort();
      expect(accounts).toEqual(WORKLOADS.filter((w) => w.cluster === cluster).map((w) => w.subject).sort());
    }
  });

  it("keeps each cluster stack's state under its own key, in the environment's kubernetes.backend unless the cluster names one", () => {
    const d = twoClusterDescription();
    d.environments["prod-eu"].kubernetes.backend = { type: "s3", bucket: "acme-state", region: "eu-west-1" };
    d.environments["prod-eu"].kubernetes.clusters["aks-west"].backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "acmestate", containerName: "tfstate" };
    const json = synthApp(parsePlatform(toYaml(d), "test")).json as any;
    expect(json["kubernetes-prod-eu-eks-main"].terraform.backend.s3).toMatchObject({ bucket: "acme-state", key: "secrets-platform/kubernetes-prod-eu-eks-main.tfstate" });
    expect(json["kubernetes-prod-eu-aks-west"].terraform.backend.azurerm).toMatchObject({ container_name: "tfstate", key: "secrets-platform/kubernetes-prod-eu-aks-west.tfstate" });
  });

  it("names the stacks of a single form, of clusters and of stack groups without collision", () => {
    // stackNames reads only which blocks each environment has and the applications' stack groups.
    const platform: any = {
      environments: { "prod-eu": { aws: {}, kubernetes: { clusters: { "eks-main": {}, "aks-west": {} } } }, dev: { aws: {}, kubernetes: { kubeconfigContext: "dev" } } },
      applications: { "billing-api": { stackGroup: "team-a" }, other: {} },
    };
    const names = stackNames(platform).filter((r) => r.backend === "kubernetes").map((r) => [r.name, r.cluster, r.group]);
    expect(names).toEqual([
      ["kubernetes-prod-eu-eks-main", "eks-main", undefined],
      ["kubernetes-prod-eu-eks-main-team-a", "eks-main", "team-a"],
      ["kubernetes-prod-eu-aks-west", "aks-west", undefined],
      ["kubernetes-prod-eu-aks-west-team-a", "aks-west", "team-a"],
      ["kubernetes-dev", undefined, undefined],
      ["kubernetes-dev-team-a", undefined, "team-a"],
    ]);
  });
});

describe("clusters with stack groups", () => {
  const d = twoClusterDescription();
  d.applications.other = { secrets: { token: { type: "token" } }, workloads: { job: { kubernetes: { cluster: "aks-west", namespace: "other", serviceAccount: "job" }, reads: ["token"] } } };
  d.applications["billing-api"].stackGroup = "team-a";
  const grouped = synthApp(parsePlatform(toYaml(d), "test"));

  it("builds a stack per cluster and group, each with only its group's workloads of its cluster", () => {
    expect(Object.keys(grouped.json).filter((n) => n.startsWith("kubernetes-")).sort()).toEqual([
      "kubernetes-prod-eu-aks-west",
      "kubernetes-prod-eu-aks-west-team-a",
      "kubernetes-prod-eu-eks-main",
      "kubernetes-prod-eu-eks-main-team-a",
    ]);
    const accounts = (stack: string) => kubeObjects(grouped.json[stack]).filter((o) => o.kind === "ServiceAccount").map((o) => o.name).sort();
    expect(accounts("kubernetes-prod-eu-aks-west")).toEqual(["job"]);
    expect(accounts("kubernetes-prod-eu-eks-main")).toEqual([]);
    expect(accounts("kubernetes-prod-eu-aks-west-team-a")).toEqual(["batch-job-sa", "sdk-user-sa", "vault-reader-sa"]);
  });

  it("creates the AKS issuer's IAM OIDC provider once, in aws-<env>, and the group's roles trust it through a cross-stack reference", () => {
    const providers = (stack: string) => Object.values<any>((grouped.json[stack] as any).resource.aws_iam_openid_connect_provider ?? {});
    expect(providers("aws-prod-eu").map((p) => p.url)).toEqual([AKS_ISSUER]);
    expect(providers("aws-prod-eu-team-a")).toEqual([]);
    const role = Object.values<any>((grouped.json["aws-prod-eu-team-a"] as any).resource.aws_iam_role).find((r) => r.name === "acme-corp-prod-eu-billing-api-batch-job");
    const trust = JSON.parse(role.assume_role_policy).Statement[0];
    expect(trust.Principal.Federated[0]).toMatch(/^\$\{data\.terraform_remote_state\.cross-stack-reference-input-aws-prod-eu\.outputs\.cross-stack-output-aws_iam_openid_connect_provideroidc-provider-aks-west_provider_\w+arn\}$/);
    expect(Object.keys(trust.Condition.StringEquals)).toEqual([`${iamIssuerId(AKS_ISSUER)}:sub`, `${iamIssuerId(AKS_ISSUER)}:aud`]);
  });

  it("binds a group's Vault roles on its cluster's mount, by path", () => {
    const roles = Object.values<any>((grouped.json["vault-prod-eu-team-a"] as any).resource.vault_kubernetes_auth_backend_role);
    expect(roles.map((r) => [r.role_name, r.backend]).sort()).toEqual(WORKLOADS.map((w) => [`prod-eu-billing-api-${w.name}`, `kubernetes-${w.cluster}`]).sort());
  });
});

describe("the single-cluster form is the cluster named default", () => {
  it("keeps main's Terraform addresses of every identity and Kubernetes resource of the example", () => {
    const fixture = JSON.parse(readFileSync(path.join(__dirname, "fixtures", "default-cluster-addresses.json"), "utf8")).stacks as Record<string, string[]>;
    const now = exampleApp().json;
    for (const [stack, addresses] of Object.entries(fixture)) {
      const types = new Set(addresses.map((a) => a.split(".")[0]));
      const built = Object.entries<any>((now[stack] as any).resource).filter(([type]) => types.has(type) || type.startsWith("kubernetes_"));
      expect(built.flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)).sort()).toEqual(addresses);
    }
  });

  it("trusts aws.eks's provider and azure.aksOidcIssuerUrl as before", () => {
    const platform = loadPlatform(DEFAULT_CONFIG);
    const dev = exampleApp().json;
    const role = Object.values<any>((dev["aws-dev"] as any).resource.aws_iam_role).find((r) => r.assume_role_policy.includes("AssumeRoleWithWebIdentity"));
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal.Federated).toEqual([platform.environments.dev.aws!.eks!.oidcProviderArn]);
    const credential = Object.values<any>((dev["azure-dev"] as any).resource.azurerm_federated_identity_credential)[0];
    expect(credential.issuer).toBe(platform.environments.dev.azure!.aksOidcIssuerUrl);
  });
});

describe("a bad cluster description stops with the field and what to change", () => {
  const cases: [string, (d: any) => void, RegExp][] = [
    ["a workload naming an unknown cluster", (d) => (d.applications["billing-api"].workloads["web-front"].kubernetes.cluster = "gke-east"),
      /^applications\.billing-api\.workloads\.web-front\.kubernetes\.cluster: is gke-east, which is not a cluster of environment prod-eu: use one of eks-main, aks-west/],
    ["a workload naming no cluster where there are several", (d) => delete d.applications["billing-api"].workloads["sdk-user"].kubernetes.cluster,
      /^applications\.billing-api\.workloads\.sdk-user\.kubernetes\.cluster: is required: environment prod-eu has clusters eks-main, aks-west; name the one billing-api\/sdk-user runs in/],
    ["both forms at once", (d) => (d.environments["prod-eu"].kubernetes.kubeconfigContext = "ctx"),
      /^environments\.prod-eu\.kubernetes\.kubeconfigContext: is the single-cluster form; with clusters each cluster names its own kubeconfigContext/],
    ["neither form", (d) => delete d.environments["prod-eu"].kubernetes.clusters,
      /^environments\.prod-eu\.kubernetes\.kubeconfigContext: is required: name the kubeconfig context of this environment's cluster, or list several under clusters/],
    ["vault.kubernetes beside clusters", (d) => (d.environments["prod-eu"].vault.kubernetes = { host: "https://k8s.example.com", caCertFile: EXAMPLE_CA_FILE }),
      /^environments\.prod-eu\.vault\.kubernetes: is the single-cluster form of Vault's Kubernetes auth; with kubernetes\.clusters each cluster gives its own host and caCertFile/],
    ["a cluster whose workloads log in to Vault without host and CA", (d) => { delete d.environments["prod-eu"].kubernetes.clusters["aks-west"].host; delete d.environments["prod-eu"].kubernetes.clusters["aks-west"].caCertFile; },
      /^environments\.prod-eu\.kubernetes\.clusters\.aks-west\.host: is required: billing-api\/batch-job runs in cluster aks-west and logs in to Vault/],
    ["a provider ARN of another issuer", (d) => (d.environments["prod-eu"].kubernetes.clusters["eks-main"].awsOidcProviderArn = "arn:aws:iam::222222222222:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER"),
      /^environments\.prod-eu\.kubernetes\.clusters\.eks-main\.awsOidcProviderArn: is the provider of oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/OTHER, not of this cluster's issuer/],
    ["a provider ARN of another account", (d) => (d.environments["prod-eu"].kubernetes.clusters["eks-main"].awsOidcProviderArn = EKS_PROVIDER_ARN.replace("222222222222", "333333333333")),
      /^environments\.prod-eu\.kubernetes\.clusters\.eks-main\.awsOidcProviderArn: belongs to account 333333333333, not to this environment's account 222222222222/],
    ["two clusters on one Vault auth mount", (d) => (d.environments["prod-eu"].kubernetes.clusters["aks-west"].vaultAuthPath = "kubernetes-eks-main"),
      /^environments\.prod-eu\.kubernetes\.clusters\.aks-west\.vaultAuthPath: is kubernetes-eks-main, the auth mount of cluster eks-main too/],
    ["a cluster whose stack is a stack group's", (d) => {
      d.environments["prod-eu"].kubernetes.clusters.main = { ...d.environments["prod-eu"].kubernetes.clusters["eks-main"], vaultAuthPath: "kubernetes-main2" };
      d.environments.prod = { aws: { accountId: "222222222222", region: "eu-west-1" }, kubernetes: { kubeconfigContext: "p" } };
      d.applications["billing-api"].stackGroup = "eu-main";
    }, /^environments\.prod-eu\.kubernetes\.clusters\.main: would build stack kubernetes-prod-eu-main, the name of a stack of stack group eu-main of environment prod: rename the cluster/],
    ["two clusters with one issuer", (d) => (d.environments["prod-eu"].kubernetes.clusters["aks-west"].oidcIssuerUrl = EKS_ISSUER),
      /^environments\.prod-eu\.kubernetes\.clusters\.aks-west\.oidcIssuerUrl: is also the issuer of cluster eks-main; each cluster has its own issuer/],
    ["a second environment creating the same issuer's IAM OIDC provider in one account", (d) => {
      const eu = d.environments["prod-eu"];
      d.environments["staging-eu"] = { ...eu, azure: undefined, vault: undefined, kubernetes: { clusters: { "aks-west": eu.kubernetes.clusters["aks-west"] } } };
    }, /^environments\.staging-eu\.kubernetes\.clusters\.aks-west\.awsOidcProviderArn: is required: cluster aks-west of environment prod-eu already creates the IAM OIDC provider of https:\/\/westeurope\.oic\.prod-aks\.azure\.com\/.* in account 222222222222/],
    ["one state key for the stacks of two clusters", (d) => (d.environments["prod-eu"].kubernetes.backend = { type: "s3", bucket: "acme-state", region: "eu-west-1", key: "k8s.tfstate" }),
      /^environments\.prod-eu\.kubernetes\.backend\.key: is shared by the stacks of clusters eks-main, aks-west; each stack needs its own state file/],
    ["a cluster name with a capital", (d) => { const c = d.environments["prod-eu"].kubernetes.clusters; c.Eks = c["eks-main"]; delete c["eks-main"]; },
      /^environments\.prod-eu\.kubernetes\.clusters\.Eks: .*lowercase letters, digits and single dashes/],
  ];
  it.each(cases)("%s", (_what, breakIt, message) => {
    const d = twoClusterDescription();
    breakIt(d);
    const issues = issuesOf(d);
    expect(issues.filter((i) => message.test(i))).toHaveLength(1);
  });

  it("accepts the two-cluster description as it is", () => {
    expect(issuesOf(twoClusterDescription())).toEqual([]);
  });
});

describe("the deployer's rights follow the OIDC providers aws-<env> creates", () => {
  it("bootstrap-<env> derives them from aws-<env>'s provider: the deployer may create it, the planner only read it", () => {
    const d = twoClusterDescription();
    // CI deploys with remote state, from a runner inside the network (issue 19's checks).
    d.environments["prod-eu"].pipeline = { github: { repository: "acme/secrets-platform", environment: "prod-eu", runsOn: ["self-hosted", "linux"] }, createStateStorage: true };
    for (const backend of ["aws", "vault", "azure"]) d.environments["prod-eu"][backend].backend = { type: "s3", bucket: "acme-prod-eu-tfstate", region: "eu-west-1" };
    const json = synthApp(parsePlatform(toYaml(d), "test"), { environments: ["prod-eu"], backends: ["bootstrap"] }).json as any;
    const policies = Object.values<any>(json["bootstrap-prod-eu"].resource.aws_iam_role_policy ?? {}).map((p) => JSON.parse(p.policy).Statement as any[]);
    const actions = (statements: any[]) => statements.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action].flat());
    const withCreate = policies.filter((s) => actions(s).includes("iam:CreateOpenIDConnectProvider"));
    expect(withCreate).toHaveLength(1); // the deployer's, not the planner's
    const reads = policies.filter((s) => actions(s).includes("iam:GetOpenIDConnectProvider"));
    expect(reads.length).toBe(2);
  });

  it("may create and change IAM OIDC providers only with the environment's tag", () => {
    const statements = deployerStatements(["aws_iam_openid_connect_provider"], {
      account: { accountId: "222222222222", region: "eu-west-1" },
      namePrefix: "acme-corp-prod-eu-",
      secretPrefix: "prod-eu/",
      keyAlias: "acme-corp-prod-eu-secrets",
      tag: { key: "environment", value: "prod-eu" },
      permissionsBoundaryArn: "arn:aws:iam::222222222222:policy/acme-corp-prod-eu-workload-boundary",
    });
    const create = statements.find((s) => s.actions.includes("iam:CreateOpenIDConnectProvider"));
    expect(create?.conditions).toEqual({ StringEquals: { "aws:RequestTag/environment": "prod-eu" } });
    const del = statements.find((s) => s.actions.includes("iam:DeleteOpenIDConnectProvider"));
    expect(del?.conditions).toEqual({ StringEquals: { "aws:ResourceTag/environment": "prod-eu" } });
    expect(del?.resources).toEqual(["arn:aws:iam::222222222222:oidc-provider/*"]);
  });
});

// Found by test/names-at-edges-estates.test.ts (issue 20 follow-up): with kubernetes.clusters and no aws.eks, the IAM
// role checks were skipped, so two workloads meeting in <org>-<env>-<app>-<workload> built one role name twice; and a
// workload role could take the name of a rotation function's role, <org>-<env>-rotate-<kind>. IAM role names are
// unique in an account: the second CreateRole fails with EntityAlreadyExists
// (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html, Errors).
describe("IAM role names of cluster workloads", () => {
  function awsOnly(applications: Record<string, any>): any {
    const d = twoClusterDescription();
    const e = d.environments["prod-eu"];
    delete e.vault;
    delete e.azure;
    e.kubernetes.secretStoreBackend = "aws";
    for (const c of Object.values<any>(e.kubernetes.clusters)) {
      delete c.host;
      delete c.caCertFile;
    }
    d.applications = applications;
    return d;
  }
  const on = (serviceAccount: string) => ({ cluster: "eks-main", namespace: "ns", serviceAccount });

  it("refuses two workloads whose roles meet, as with aws.eks", () => {
    const d = awsOnly({
      "a-b": { secrets: { t: { type: "token" } }, workloads: { c: { kubernetes: on("sa-1"), reads: ["t"] } } },
      a: { secrets: { t: { type: "token" } }, workloads: { "b-c": { kubernetes: on("sa-2"), reads: ["t"] } } },
    });
    expect(issuesOf(d)).toContain(
      'applications.a.workloads.b-c: its IAM role name "acme-corp-prod-eu-a-b-c" is the same as that of applications.a-b.workloads.c in environment prod-eu in account 222222222222; rename one of them',
    );
  });

  it("refuses a workload role named like a rotation function's role, in its environment or a stack group's", () => {
    const d = awsOnly({
      rotate: { secrets: { j: { type: "jwt", algorithm: "HS256", rotation: { everyDays: 7 } } }, workloads: { jwt: { kubernetes: on("sa-1"), reads: ["j"] } } },
      "team-rotate": { stackGroup: "team", secrets: { t: { type: "token", rotation: { everyDays: 7 } } }, workloads: { token: { kubernetes: on("sa-2"), reads: ["t"] } } },
    });
    expect(issuesOf(d)).toEqual([
      'applications.rotate.workloads.jwt: its IAM role name "acme-corp-prod-eu-rotate-jwt" in environment prod-eu is the name of the role of the rotation function of environment prod-eu for jwt secrets; rename the application or workload',
      'applications.team-rotate.workloads.token: its IAM role name "acme-corp-prod-eu-team-rotate-token" in environment prod-eu is the name of the role of the rotation function of environment prod-eu (stack group team) for token secrets; rename the application or workload',
    ]);
    d.applications.rotate.workloads = { api: d.applications.rotate.workloads.jwt };
    d.applications["team-rotate"].workloads = { api: d.applications["team-rotate"].workloads.token };
    expect(issuesOf(d)).toEqual([]);
  });
});
