// fast-check generators of real estates at the schema's edges (test/names-at-edges-estates.test.ts): two environments
// of one account where one name is a prefix of the other (<base> and <base>-eu), one of them production with what
// production requires (rotation wherever a secret is held, the AWS rotation network, Azure's rotation subnet, two Vault
// audit devices, alerts on by default), pipeline blocks on self-hosted runners with a remote backend for every stack,
// stack groups, and two Kubernetes clusters per environment (an EKS issuer with its IAM provider, an AKS issuer without)
// whose workloads name their cluster and deliver through the SDK, External Secrets (with templates), the Vault Agent or
// the Secrets Store CSI driver. Applications come from test/helpers/arbitrary-description.ts.
//
// Every estate generated here must validate. Where validation refuses a combination with a clear message, the generator
// keeps out of it, as a user must, and says so next to the constraint:
// - one IAM role name per account: <org>-<env>-<app>-<workload> must not meet across the two environments;
// - stack names <kind>-<env>-<group>, kubernetes-<env>-<cluster>[-<group>] must not meet across environments;
// - IAM keeps one GitHub OIDC provider per account: the second environment's pipeline names the first's;
// - IAM keeps one OIDC provider per issuer: each environment's clusters have issuers of their own.
import fc from "fast-check";
import { application, edgeName, type Backend } from "./arbitrary-description";
import { EXAMPLE_CA_FILE as EXAMPLE_CA } from "./descriptions";

export const ACCOUNT = "111111111111";
const BUCKET_REGION = "us-east-1";

export interface GeneratedEstate {
  readonly description: any;
  readonly envs: readonly string[];
  readonly production: string;
  readonly backends: readonly Backend[];
  readonly clusters: readonly string[];
  readonly groups: readonly (string | undefined)[];
  readonly apps: readonly string[];
}

const backendSet = fc
  .subarray<Backend>(["aws", "vault", "azure"], { minLength: 1 })
  .map((l) => (["aws", "vault", "azure"] as const).filter((b) => l.includes(b)));

/** Every stack name an estate builds (config/naming.ts), to keep two environments' stacks apart. */
function stackNames(envs: readonly string[], backends: readonly Backend[], clusters: readonly string[], groups: readonly (string | undefined)[]): string[] {
  const out: string[] = [];
  // Every environment builds its first group's stacks (<kind>-<env>) whatever its applications' groups.
  const gs = [...new Set([undefined, ...groups])];
  for (const env of envs) {
    out.push(`bootstrap-${env}`);
    for (const g of gs) {
      for (const b of backends) out.push(g ? `${b}-${env}-${g}` : `${b}-${env}`);
      for (const c of clusters) out.push(g ? `kubernetes-${env}-${c}-${g}` : `kubernetes-${env}-${c}`);
    }
  }
  return out;
}

const allDistinct = (names: string[]) => new Set(names).size === names.length;

function cluster(env: string, index: number, name: string, eks: boolean, hasAws: boolean) {
  const id = `${eks ? "E" : "A"}${index}${env.replace(/-/g, "").toUpperCase()}`.padEnd(32, "0").slice(0, 32);
  const issuer = eks ? `https://oidc.eks.us-east-1.amazonaws.com/id/${id}` : `https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/${id.toLowerCase()}/`;
  return {
    kubeconfigContext: `${env}-${name}-ctx`,
    oidcIssuerUrl: issuer,
    // The EKS cluster's IAM OIDC provider exists; aws-<env> creates the AKS issuer's.
    ...(eks && hasAws ? { awsOidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/${id}` } : {}),
    host: `https://${name}.k8s.example.com:6443`,
    caCertFile: EXAMPLE_CA,
    backend: { type: "s3", bucket: "edge-tfstate", region: BUCKET_REGION },
  };
}

function environment(org: string, env: string, index: number, production: boolean, backends: readonly Backend[], clusters: readonly string[]) {
  const s3 = { type: "s3", bucket: "edge-tfstate", region: BUCKET_REGION };
  const e: Record<string, any> = {
    production,
    kubernetes: {
      secretStoreBackend: backends[0],
      clusters: Object.fromEntries(clusters.map((c, i) => [c, cluster(env, index, c, i === 0, backends.includes("aws"))])),
    },
    pipeline: {
      // A private Key Vault and Vault are reached from a runner inside the network (config/checks/pipeline-ci.ts).
      github: { repository: "acme/secrets-platform", environment: env, runsOn: ["self-hosted", "linux", "edge"] },
      // IAM keeps one GitHub OIDC provider per account: the first environment's bootstrap creates it.
      ...(index > 0 && backends.includes("aws") ? { awsOidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` } : {}),
    },
  };
  if (backends.includes("aws")) {
    e.aws = {
      accountId: ACCOUNT,
      region: "us-east-1",
      network: { subnetIds: ["subnet-0abc", "subnet-0abd"], securityGroupIds: ["sg-0abc"] },
      backend: s3,
    };
  }
  if (backends.includes("vault")) {
    e.vault = {
      address: `https://vault-${index}.example.com:8200`,
      database: { host: `pg-${index}.example.com`, dbname: "app", username: "vault_admin", tlsCaFile: EXAMPLE_CA },
      // Production needs two audit devices (SP-VLT-006), so Vault keeps serving when one blocks.
      audit: [{ type: "file", path: "stdout" }, { type: "syslog" }],
      backend: s3,
    };
  }
  if (backends.includes("azure")) {
    // One subscription for both environments, as small estates have: each its own resource group and network.
    const sub = "00000000-0000-0000-0000-000000000001";
    const network = `/subscriptions/${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${index}`;
    e.azure = {
      subscriptionId: sub,
      tenantId: "00000000-0000-0000-0000-0000000000aa",
      location: "eastus",
      resourceGroupName: `rg-${env}`,
      privateEndpoint: { subnetId: `${network}/subnets/pe`, virtualNetworkId: network },
      // The schema asks for it with clusters too: the AKS cluster's issuer.
      aksOidcIssuerUrl: e.kubernetes.clusters[clusters[1]].oidcIssuerUrl,
      logAnalyticsWorkspaceId: `/subscriptions/${sub}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law`,
      rotation: { subnetId: `${network}/subnets/rotation` },
      // Alerts are on by default in production; the guardrail SP-ALR-002 asks who receives them (an action group).
      alerts: { actionGroupId: `/subscriptions/${sub}/resourceGroups/rg-mon/providers/Microsoft.Insights/actionGroups/oncall` },
      backend: s3,
    };
    if (`${org}-${env}-kv`.length > 24) e.azure.keyVaultName = `kv-${env.slice(0, 18).replace(/-+$/, "")}x`;
  }
  return e;
}

/** A valid estate: see the file's header. */
export function arbitraryEstate(): fc.Arbitrary<GeneratedEstate> {
  return fc
    .record({
      organization: edgeName(16),
      base: fc.oneof(fc.constant("dev"), edgeName(12)),
      productionIndex: fc.constantFrom(0, 1),
      backends: backendSet,
      // Cluster and group names biased to meet the other environment's names: <base> + eu-a is <base>-eu + a.
      clusters: fc.uniqueArray(fc.oneof(edgeName(20), fc.constantFrom("eu", "eu-a", "a")), { minLength: 2, maxLength: 2 }),
      appCount: fc.integer({ min: 1, max: 3 }),
      groupNames: fc.tuple(fc.oneof(edgeName(20), fc.constantFrom("eu", "eu-a", "a")), fc.oneof(edgeName(20), fc.constantFrom("eu", "eu-a", "a"))),
    })
    // Stack names must not meet across environments (validation refuses it: config/stack-groups.ts and
    // config/checks/clusters.ts). Checked here, before the applications, on both group names, so that no later filter
    // can reject every value of a chain (fast-check would loop).
    .filter(({ base, backends, clusters, groupNames }) => allDistinct(stackNames([base, `${base}-eu`], backends, clusters, groupNames)))
    .chain(({ organization, base, productionIndex, backends, clusters, appCount, groupNames }) => {
      const envs = [base, `${base}-eu`];
      const longest = envs[1];
      const budget = 64 - organization.length - longest.length - 3;
      const appMax = Math.min(40, budget - 2);
      const estate = { production: true, clusters };
      return fc
        .uniqueArray(edgeName(appMax), { minLength: appCount, maxLength: appCount })
        .chain((apps) =>
          fc
            .tuple(
              fc.tuple(...apps.map((app) => application(app, backends, backends.includes("vault") ? ["default"] : [], Math.min(40, budget - app.length - 1), estate))),
              fc.array(fc.constantFrom(undefined, ...groupNames), { minLength: apps.length, maxLength: apps.length }),
            )
            .map(([built, groups]) => ({ apps, built, groups })),
        )
        .filter(({ apps, built, groups }) => {
          // Vault policy names <env>-<app>-<workload> must not meet within an environment (validation refuses it).
          const pairs = apps.flatMap((app, i) => built[i].workloads.map((w) => `${app}-${w}`));
          if (!allDistinct(pairs)) return false;
          // IAM role names are unique per account: the two environments' roles must not meet (validation refuses it).
          if (!allDistinct(envs.flatMap((env) => pairs.map((p) => `${organization}-${env}-${p}`)))) return false;
          return true;
        })
        .map(({ apps, built, groups }) => {
          const environments = Object.fromEntries(envs.map((env, i) => [env, environment(organization, env, i, i === productionIndex, backends, clusters)]));
          const applications = Object.fromEntries(apps.map((app, i) => [app, { ...built[i].spec, ...(groups[i] ? { stackGroup: groups[i] } : {}) }]));
          return {
            description: { organization, environments, applications },
            envs,
            production: envs[productionIndex],
            backends,
            clusters,
            groups,
            apps,
          };
        });
    });
}
