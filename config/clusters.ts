// The clusters of an environment (environments.<env>.kubernetes): the single-cluster form is the cluster named
// `default`, whose issuers come from the backend blocks as before (aws.eks.oidcProviderArn, azure.aksOidcIssuerUrl,
// vault.kubernetes), so its resources keep their addresses; kubernetes.clusters names several, each with its own OIDC
// issuer that every identity of its workloads trusts. The checks, the backend stacks, the kubernetes stacks and the
// review all resolve a workload's cluster here, so what validates is what is built.
import { DEFAULTS, KUBERNETES_API_AUDIENCE, type Environment, type StateBackend } from "./schema";

/** The name of the cluster of the single-cluster form. */
export const DEFAULT_CLUSTER = "default";

/** What Vault's Kubernetes auth needs for one cluster: one auth mount per cluster. */
export interface ClusterVaultAuth {
  readonly host: string;
  readonly caCertFile: string;
  readonly authPath: string;
  readonly audience: string;
  readonly tokenTtlSeconds: number;
  readonly tokenMaxTtlSeconds: number;
}

export interface ClusterModel {
  /** `default` for the single-cluster form, else the key under kubernetes.clusters. */
  readonly name: string;
  /** Whether it comes from kubernetes.clusters (its stack is kubernetes-<env>-<cluster>). */
  readonly named: boolean;
  readonly kubeconfigContext?: string;
  readonly kubeconfigPath: string;
  /** The issuer Azure federated credentials trust (default cluster: azure.aksOidcIssuerUrl). */
  readonly oidcIssuerUrl?: string;
  /** The IAM OIDC provider IRSA roles trust, when given (named clusters without one: see createsAwsOidcProvider). */
  readonly awsOidcProviderArn?: string;
  /** A named cluster without awsOidcProviderArn: aws-<env> creates an IAM OIDC provider for its issuer. */
  readonly createsAwsOidcProvider: boolean;
  /** Vault's Kubernetes auth for this cluster, when the environment (or cluster) configures it. */
  readonly vault?: ClusterVaultAuth;
  readonly backend?: StateBackend;
}

/**
 * The prefix of an IAM OIDC provider's condition keys (<prefix>:sub, <prefix>:aud): its URL without https:// (IAM User
 * Guide, "Available keys for AWS OIDC federation"), as the guardrail SP-AWS-002 reads it from the provider's url.
 */
export function iamIssuerId(issuerUrl: string): string {
  return issuerUrl.replace(/^https:\/\//, "");
}

/** Default Vault auth mount of a named cluster. */
export function clusterAuthPath(cluster: string): string {
  return `${DEFAULTS.vault.kubernetesAuthPath}-${cluster}`;
}

/** Every cluster of an environment, in the description's order; the single form (or none) is `default`. */
export function clustersOf(spec: Environment): ClusterModel[] {
  const k8s = spec.kubernetes;
  const kubeconfigPath = k8s?.kubeconfigPath ?? "~/.kube/config";
  if (k8s?.clusters) {
    // vault.kubernetes is refused beside clusters: audience and token lifetimes take their defaults.
    return Object.entries(k8s.clusters).map(([name, c]) => ({
      name,
      named: true,
      kubeconfigContext: c.kubeconfigContext,
      kubeconfigPath: c.kubeconfigPath ?? kubeconfigPath,
      oidcIssuerUrl: c.oidcIssuerUrl,
      awsOidcProviderArn: c.awsOidcProviderArn,
      createsAwsOidcProvider: c.awsOidcProviderArn === undefined,
      vault:
        spec.vault && c.host && c.caCertFile
          ? {
              host: c.host,
              caCertFile: c.caCertFile,
              authPath: c.vaultAuthPath ?? clusterAuthPath(name),
              audience: KUBERNETES_API_AUDIENCE,
              tokenTtlSeconds: DEFAULTS.tokenTtlSeconds,
              tokenMaxTtlSeconds: DEFAULTS.tokenMaxTtlSeconds,
            }
          : undefined,
      // The environment's kubernetes.backend serves every cluster's stack unless the cluster names its own (a key
      // shared by several stacks is refused: config/checks/clusters.ts).
      backend: c.backend ?? k8s.backend,
    }));
  }
  const vk = spec.vault?.kubernetes;
  return [
    {
      name: DEFAULT_CLUSTER,
      named: false,
      kubeconfigContext: k8s?.kubeconfigContext,
      kubeconfigPath,
      oidcIssuerUrl: spec.azure?.aksOidcIssuerUrl,
      awsOidcProviderArn: spec.aws?.eks?.oidcProviderArn,
      createsAwsOidcProvider: false,
      vault: vk ? { host: vk.host, caCertFile: vk.caCertFile, authPath: vk.authPath, audience: vk.audience, tokenTtlSeconds: vk.tokenTtlSeconds, tokenMaxTtlSeconds: vk.tokenMaxTtlSeconds } : undefined,
      backend: k8s?.backend,
    },
  ];
}

/**
 * The cluster a workload's pods run in: the one its kubernetes.cluster names, the only one, or (single form) the
 * default whatever it names, since a workload's cluster name is the same in every environment and an environment
 * with one cluster has no choice to make. Undefined where validation refuses the name (several clusters).
 */
export function clusterOf(spec: Environment, binding: { readonly cluster?: string } | undefined): ClusterModel | undefined {
  const clusters = clustersOf(spec);
  if (!spec.kubernetes?.clusters) return clusters[0];
  const chosen = binding?.cluster;
  if (chosen === undefined) return clusters.length === 1 ? clusters[0] : undefined;
  return clusters.find((c) => c.name === chosen);
}
