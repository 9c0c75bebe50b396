// Several clusters per environment (kubernetes.clusters): which cluster a workload runs in, what each cluster needs for
// the identities of its workloads, and stack names that must not meet.
import { clusterAuthPath, iamIssuerId } from "../clusters";
import { kubernetesStackName, stackName } from "../naming";
import { placement } from "../placement";
import { DEFAULTS } from "../schema";
import { Add, Check, entries, isMap, Loose, RawDescription, workloadsOf } from "./shared";

export const clusterNames = (e: Loose): string[] => (isMap(e.kubernetes) && isMap(e.kubernetes.clusters) ? Object.keys(e.kubernetes.clusters) : []);

export const checkClusters: Check = (d, add) => {
  const { envs, apps, raw } = d;
  const createdProviders = new Map<string, string>();
  for (const [env, e] of envs) {
    if (!isMap(e.kubernetes)) continue;
    const at = `environments.${env}.kubernetes`;
    const k = e.kubernetes;
    if (k.clusters !== undefined && k.kubeconfigContext !== undefined) {
      add(`${at}.kubeconfigContext`, "is the single-cluster form; with clusters each cluster names its own kubeconfigContext: move it into a cluster, or remove clusters");
    } else if (k.clusters === undefined && k.kubeconfigContext === undefined) {
      add(`${at}.kubeconfigContext`, "is required: name the kubeconfig context of this environment's cluster, or list several under clusters");
    }
    if (!isMap(k.clusters)) continue;
    if (isMap(e.vault) && e.vault.kubernetes !== undefined) {
      add(`environments.${env}.vault.kubernetes`, "is the single-cluster form of Vault's Kubernetes auth; with kubernetes.clusters each cluster gives its own host and caCertFile (one auth mount per cluster): move them there and remove vault.kubernetes");
    }
    // A state key names one stack's state: with several clusters (or stack groups) one key would be several stacks'.
    const groups = apps.some(([, a]) => typeof a.stackGroup === "string");
    if (isMap(k.backend) && k.backend.key !== undefined && Object.keys(k.clusters).length > 1) {
      add(`${at}.backend.key`, `is shared by the stacks of clusters ${Object.keys(k.clusters).join(", ")}; each stack needs its own state file: leave key out (default secrets-platform/<stack>.tfstate)`);
    }
    const authPaths = new Map<string, string>();
    const issuers = new Map<string, string>();
    for (const [cluster, c] of entries(k.clusters)) {
      const cat = `${at}.clusters.${cluster}`;
      if (typeof c.awsOidcProviderArn === "string" && typeof c.oidcIssuerUrl === "string") {
        const [, , , , acct] = c.awsOidcProviderArn.split(":");
        const issuer = c.awsOidcProviderArn.slice(c.awsOidcProviderArn.indexOf(":oidc-provider/") + ":oidc-provider/".length);
        if (issuer.replace(/\/+$/, "") !== iamIssuerId(c.oidcIssuerUrl).replace(/\/+$/, "")) {
          add(`${cat}.awsOidcProviderArn`, `is the provider of ${issuer}, not of this cluster's issuer ${iamIssuerId(c.oidcIssuerUrl)}: give the ARN of the provider for oidcIssuerUrl, or leave it out and aws-${env} creates one`);
        } else if (isMap(e.aws) && typeof e.aws.accountId === "string" && acct !== e.aws.accountId) {
          add(`${cat}.awsOidcProviderArn`, `belongs to account ${acct}, not to this environment's account ${e.aws.accountId}`);
        }
      }
      if (typeof c.oidcIssuerUrl === "string") {
        const issuer = c.oidcIssuerUrl.replace(/\/+$/, "");
        const twin = issuers.get(issuer);
        // One issuer signs one cluster's tokens: two clusters with one issuer are one cluster named twice.
        if (twin) add(`${cat}.oidcIssuerUrl`, `is also the issuer of cluster ${twin}; each cluster has its own issuer: list the cluster once`);
        issuers.set(issuer, cluster);
        // IAM keeps one OIDC provider per URL in an account (CreateOpenIDConnectProvider fails on a second).
        if (c.awsOidcProviderArn === undefined && isMap(e.aws) && typeof e.aws.accountId === "string") {
          const key = `${e.aws.accountId} ${issuer}`;
          const creator = createdProviders.get(key);
          if (creator) add(`${cat}.awsOidcProviderArn`, `is required: ${creator} already creates the IAM OIDC provider of ${c.oidcIssuerUrl} in account ${e.aws.accountId}, and IAM keeps one per issuer; give that provider's ARN`);
          else createdProviders.set(key, `cluster ${cluster} of environment ${env}`);
        }
      }
      if (groups && isMap(c.backend) && c.backend.key !== undefined) {
        add(`${cat}.backend.key`, `is shared by kubernetes-${env}-${cluster} and its stack groups' stacks; each stack needs its own state file: leave key out (default secrets-platform/<stack>.tfstate)`);
      }
      if ((c.host === undefined) !== (c.caCertFile === undefined)) {
        add(`${cat}.${c.host === undefined ? "host" : "caCertFile"}`, "is required with the other: Vault reviews this cluster's login tokens at host and verifies it with the CA in caCertFile");
      }
      const authPath = typeof c.vaultAuthPath === "string" ? c.vaultAuthPath : clusterAuthPath(cluster);
      const twin = authPaths.get(authPath);
      if (twin) add(`${cat}.vaultAuthPath`, `is ${authPath}, the auth mount of cluster ${twin} too; give each cluster its own mount`);
      authPaths.set(authPath, cluster);
      if (isMap(e.vault) && authPath === (e.vault.approlePath ?? DEFAULTS.vault.approlePath)) {
        add(`${cat}.vaultAuthPath`, `is ${authPath}, the path of vault.approlePath too; give each auth method its own path`);
      }
    }
  }

  for (const [app, workload, w] of workloadsOf(apps)) {
    if (!isMap(w.kubernetes)) continue;
    const at = `applications.${app}.workloads.${workload}.kubernetes`;
    const named = w.kubernetes.cluster;
    for (const [env, e] of envs) {
      const names = clusterNames(e);
      if (names.length === 0 || placement(raw, env, app).length === 0) continue;
      if (named === undefined) {
        if (names.length > 1) add(`${at}.cluster`, `is required: environment ${env} has clusters ${names.join(", ")}; name the one ${app}/${workload} runs in`);
        continue;
      }
      if (!names.includes(named)) {
        add(`${at}.cluster`, `is ${String(named)}, which is not a cluster of environment ${env}: use one of ${names.join(", ")} (environments.${env}.kubernetes.clusters)`);
        continue;
      }
      // Every Kubernetes workload of an application on Vault gets a login role on its cluster's auth mount.
      const c = (e.kubernetes as Loose).clusters[named] as Loose;
      if (isMap(e.vault) && placement(raw, env, app).includes("vault") && isMap(c) && (c.host === undefined || c.caCertFile === undefined)) {
        add(`environments.${env}.kubernetes.clusters.${named}.host`, `is required: ${app}/${workload} runs in cluster ${named} and logs in to Vault, which needs the cluster's API server (host) and CA (caCertFile) to review its tokens`);
      }
    }
  }
  checkStackNames(d, add);
};

/**
 * kubernetes-<env>-<cluster> (and -<group> after it) must not be the name of another stack: an environment named
 * <env>-<cluster>, or a stack group's kubernetes-<env>-<group>. Reported on the cluster's name.
 */
function checkStackNames({ envs, apps }: RawDescription, add: Add): void {
  const groups = [...new Set(apps.map(([, a]) => a.stackGroup).filter((g): g is string => typeof g === "string"))];
  const owners = new Map<string, string>();
  const claim = (name: string, owner: string) => {
    if (!owners.has(name)) owners.set(name, owner);
  };
  // Every stack but the clusters' own, first.
  for (const [env, e] of envs) {
    for (const kind of ["aws", "vault", "azure"] as const) {
      if (!isMap(e[kind])) continue;
      claim(stackName(kind, env), `environment ${env}`);
      for (const g of groups) claim(stackName(kind, env, g), `stack group ${g} of environment ${env}`);
    }
    if (isMap(e.kubernetes) && !isMap(e.kubernetes.clusters)) {
      claim(stackName("kubernetes", env), `environment ${env}`);
      for (const g of groups) claim(stackName("kubernetes", env, g), `stack group ${g} of environment ${env}`);
    }
  }
  for (const [env, e] of envs) {
    for (const cluster of clusterNames(e)) {
      for (const name of [kubernetesStackName(env, cluster), ...groups.map((g) => kubernetesStackName(env, cluster, g))]) {
        const owner = owners.get(name);
        if (owner) add(`environments.${env}.kubernetes.clusters.${cluster}`, `would build stack ${name}, the name of a stack of ${owner}: rename the cluster`);
        else owners.set(name, `cluster ${cluster} of environment ${env}`);
      }
    }
  }
}

