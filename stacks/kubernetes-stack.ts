// The kubernetes-<env> stack: what a cluster needs so that pods read their secrets from the backends the other stacks
// build. One service account per Kubernetes workload (annotated with its IRSA role and managed identity), the
// system:auth-delegator binding for service accounts that log in to Vault, and per delivery either External Secrets
// objects (external-secrets) or the Vault Agent Injector's pod annotations as an output (vault-agent).
// Role ARNs, client ids and the vault URI come from the backend stacks as cdktf cross-stack references: cdktf adds an
// output to the producing stack and a terraform_remote_state data source here, read from that stack's state backend.
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { TerraformOutput } from "cdktf";
import { Construct } from "constructs";
import { logsInToVault, workloadBackend } from "../config/kubernetes";
import { clusterOf, clustersOf, DEFAULT_CLUSTER, type ClusterModel } from "../config/clusters";
import type { EnvironmentModel, SecretModel, WorkloadModel } from "../config/model";
import { SecretProviderClass, type CsiBackend, type CsiSecret } from "../constructs/kubernetes/secret-provider-class";
import { databaseRoleName, keyVaultName, kubernetesSecretName, secretProviderClassName, secretStoreName, vaultAgentOutputName, vaultSecretRoleName, workloadPolicyName } from "../config/naming";
import { suppress } from "../guardrails/suppressions";
import { awsSecretNameOf, keyVaultSecretNameOf, vaultKvPathOf } from "../config/adopt";
import { connectionNameOf } from "../config/vault-databases";
import { vaultMechanism } from "../config/placement";
import { rateSeconds } from "../contracts/cadence";
import { ExternalSecret } from "../constructs/kubernetes/external-secret";
import { refreshInterval } from "../constructs/kubernetes/refresh-interval";
import { SecretStore, StoreBackend } from "../constructs/kubernetes/secret-store";
import { WorkloadServiceAccount } from "../constructs/kubernetes/service-account";
import { TokenReviewBinding } from "../constructs/kubernetes/token-review-binding";
import { AgentSecret, vaultAgentAnnotations } from "../constructs/kubernetes/vault-agent-annotations";
import type { AwsSecretsStack } from "./aws-stack";
import type { AzureSecretsStack } from "./azure-stack";
import { configureStateBackend } from "./backend";
import { VaultSecretsStack } from "./vault-stack";
import { PlatformStack } from "./platform-stack";

/** The backend stacks of the same environment that this stack takes identities from. */
export interface KubernetesStackSources {
  /** Every AWS stack of the environment: aws-<env> and one per stack group, each holding its applications' roles. */
  readonly aws?: readonly AwsSecretsStack[];
  readonly vault?: VaultSecretsStack;
  /** Every Azure stack of the environment: azure-<env> (the Key Vault) and one per stack group, each holding its workloads' identities. */
  readonly azure?: readonly AzureSecretsStack[];
  /** The cluster of kubernetes.clusters this stack points at. @default - the single-cluster form's (`default`) */
  readonly cluster?: string;
}

/** What the stack built for one workload, for tests and the review. */
export interface KubernetesWorkload {
  readonly model: WorkloadModel;
  readonly serviceAccount: WorkloadServiceAccount;
  readonly tokenReview?: TokenReviewBinding;
  readonly secretStore?: SecretStore;
  readonly externalSecrets: readonly ExternalSecret[];
  readonly vaultAgentAnnotations?: Readonly<Record<string, string>>;
  /** delivery csi: the SecretProviderClass its pods mount. */
  readonly secretProviderClass?: SecretProviderClass;
}

/**
 * The string fields of each type's value that the CSI driver mounts as files of their own (AWS's provider writes only
 * string fields: secret_value.go "Only string is allowed"); the value as a whole is mounted too where the backend keeps
 * it as one document (AWS, Key Vault).
 */
export const CSI_FIELDS: Record<SecretModel["spec"]["type"], readonly string[]> = {
  postgres: ["username", "password", "host", "dbname"],
  jwt: ["secret_key", "algorithm", "kid"],
  token: ["token"],
  "api-key": [],
};

/** The shortest rotation period of a secret in seconds, or undefined when it does not rotate. */
export function rotationPeriodSeconds(s: SecretModel): number | undefined {
  const r = s.spec.type === "api-key" ? undefined : s.spec.rotation;
  if (!r) return undefined;
  if (r.everyDays !== undefined) return r.everyDays * 86_400;
  const rate = rateSeconds(r.scheduleExpression);
  if (rate !== undefined) return rate;
  // cron(): the shortest period Secrets Manager allows, so the refresh is never too slow.
  return 4 * 3600;
}


export class KubernetesSecretsStack extends PlatformStack {
  /** By `<app>/<workload>`. */
  readonly workloads = new Map<string, KubernetesWorkload>();
  /** The cluster this stack points at. */
  readonly cluster: ClusterModel;
  /** ExternalSecrets by <namespace>/<name>: one per Secret, shared by the workloads that read it alike. */
  private readonly externalSecretsByName = new Map<string, ExternalSecret>();

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel, private readonly sources: KubernetesStackSources) {
    super(scope, id);
    const k8s = environment.spec.kubernetes;
    if (!k8s) throw new Error(`${id}: environment ${environment.name} has no kubernetes block`);
    const cluster = clustersOf(environment.spec).find((c) => c.name === (sources.cluster ?? DEFAULT_CLUSTER));
    if (!cluster) throw new Error(`${id}: environment ${environment.name} has no cluster ${sources.cluster}`);
    this.cluster = cluster;
    // Credentials stay in the kubeconfig (or KUBE_CONFIG_PATH): the description names the context only. config_path and
    // config_context select the file and context (registry.terraform.io/providers/hashicorp/kubernetes, provider docs).
    new KubernetesProvider(this, "kubernetes", { configPath: cluster.kubeconfigPath, configContext: cluster.kubeconfigContext });
    // A person applies it (CI holds no kubeconfig), but its state matters as much: production warns on a local file.
    configureStateBackend(this, id, cluster.backend, environment.production);

    // Only the workloads whose pods run in this cluster.
    for (const w of environment.workloads) {
      if (w.spec.kubernetes && clusterOf(environment.spec, w.spec.kubernetes)?.name === cluster.name) this.addWorkload(w, w.spec.kubernetes);
    }

    new TerraformOutput(this, "service-accounts", {
      description: "Service account of every Kubernetes workload, by <app>/<workload>: the pod's serviceAccountName",
      value: Object.fromEntries([...this.workloads].map(([k, v]) => [k, `${v.serviceAccount.namespace}/${v.serviceAccount.name}`])),
    });
    const csi = [...this.workloads].filter(([, v]) => v.secretProviderClass);
    if (csi.length > 0) {
      new TerraformOutput(this, "secret-provider-classes", {
        description: "SecretProviderClass of every csi workload, by <app>/<workload>: the pod's csi volume names it (volumeAttributes.secretProviderClass)",
        value: Object.fromEntries(csi.map(([k, v]) => [k, `${v.secretProviderClass!.namespace}/${v.secretProviderClass!.name}`])),
      });
    }
  }

  private addWorkload(w: WorkloadModel, binding: NonNullable<WorkloadModel["spec"]["kubernetes"]>): void {
    const env = this.environment;
    const spec = env.spec;
    const key = `${w.app}/${w.name}`;
    const id = `${w.app}--${w.name}`;
    const vaultLogin = logsInToVault(binding, spec);
    const serviceAccount = new WorkloadServiceAccount(this, `service-account-${id}`, {
      namespace: binding.namespace,
      name: binding.serviceAccount,
      workload: key,
      reads: w.reads.map((s) => s.path),
      // Cross-stack references: cdktf resolves them into terraform_remote_state reads of the backend stacks.
      awsRoleArn: this.sources.aws?.map((stack) => stack.workloadRoles.get(key)).find((role) => role)?.arn,
      azureClientId: this.sources.azure?.map((stack) => stack.workloadIdentities.get(key)).find((identity) => identity)?.clientId,
      // The Vault Agent and an SDK logging in to Vault read the mounted token; IRSA, workload identity, External Secrets
      // and the CSI providers (which request a token for the pod's service account themselves) do not.
      automountToken: vaultLogin && (binding.delivery === "sdk" || binding.delivery === "vault-agent"),
    });
    const tokenReview = vaultLogin
      ? new TokenReviewBinding(this, `token-review-${id}`, { namespace: binding.namespace, serviceAccountName: binding.serviceAccount })
      : undefined;

    let secretStore: SecretStore | undefined;
    const externalSecrets: ExternalSecret[] = [];
    let annotations: Record<string, string> | undefined;
    let secretProviderClass: SecretProviderClass | undefined;
    if (binding.delivery === "csi") {
      secretProviderClass = this.addSecretProviderClass(w, binding, id);
    } else if (binding.delivery === "external-secrets") {
      const backend = workloadBackend(binding, spec);
      if (!backend) throw new Error(`${key}: environment ${env.name} has no backend to sync from`); // validation rules this out
      secretStore = new SecretStore(this, `secret-store-${id}`, {
        namespace: binding.namespace,
        name: secretStoreName(w.app, w.name),
        serviceAccountName: binding.serviceAccount,
        backend: this.storeBackend(backend, w),
        workload: key,
      });
      for (const s of w.reads) {
        const shape = binding.secrets?.[s.name];
        const name = shape?.secretName ?? kubernetesSecretName(s.app, s.name);
        // Two workloads of one namespace reading the same secret alike share one ExternalSecret and one Secret
        // (validation refuses the same name shaped differently): the first workload's store syncs it.
        const shared = this.externalSecretsByName.get(`${binding.namespace}/${name}`);
        if (shared) {
          externalSecrets.push(shared);
          continue;
        }
        // Adopted secrets keep their existing names (docs/adopting.md).
        const remoteKey = backend === "azure" ? keyVaultSecretNameOf(s) : backend === "aws" ? awsSecretNameOf(s) : vaultKvPathOf(s);
        const created = new ExternalSecret(this, `external-secret-${id}--${s.name}`, {
          store: secretStore,
          name,
          remoteKey,
          secretPath: s.path,
          workload: key,
          refreshInterval: shape?.refreshInterval ?? refreshInterval(rotationPeriodSeconds(s)),
          // Key Vault keeps a token as its bare value (text/plain); elsewhere values are JSON documents.
          plainValueKey: backend === "azure" && s.spec.type === "token" ? "token" : undefined,
          template: shape?.template,
        });
        this.externalSecretsByName.set(`${binding.namespace}/${name}`, created);
        externalSecrets.push(created);
        if (s.adopt?.[backend] !== undefined) {
          // SP-KUB-001 knows a read's remote names by convention only; this one ExternalSecret syncs the adopted name.
          suppress(created, "SP-KUB-001", `syncs ${remoteKey}, the existing ${backend} secret that ${s.path} adopts (adopt.${backend} in the description), which ${key} reads`);
        }
      }
    } else if (binding.delivery === "vault-agent") {
      annotations = this.agentAnnotations(w);
      new TerraformOutput(this, vaultAgentOutputName(w.app, w.name), {
        description: `Pod template annotations for ${key}: the Vault Agent Injector renders each secret it reads into /vault/secrets/<secret> as JSON`,
        value: annotations,
      });
    }
    this.workloads.set(key, { model: w, serviceAccount, tokenReview, secretStore, externalSecrets, vaultAgentAnnotations: annotations, secretProviderClass });
  }

  /**
   * delivery csi: one SecretProviderClass <app>-<workload> for the provider of the workload's backend, authenticating as
   * the pod's own service account (IRSA role, federated managed identity, or a Vault role on its cluster's mount).
   */
  private addSecretProviderClass(w: WorkloadModel, binding: NonNullable<WorkloadModel["spec"]["kubernetes"]>, id: string): SecretProviderClass {
    const spec = this.environment.spec;
    const key = `${w.app}/${w.name}`;
    const kind = workloadBackend(binding, spec);
    const fieldFiles = (s: SecretModel) => CSI_FIELDS[s.spec.type].map((field) => ({ file: `${s.name}_${field}`, field }));
    let backend: CsiBackend;
    let secrets: CsiSecret[];
    switch (kind) {
      case "aws":
        backend = { kind, region: spec.aws!.region };
        // Adopted secrets keep their existing names (docs/adopting.md), on every delivery.
        secrets = w.reads.map((s) => ({ remoteKey: awsSecretNameOf(s), files: [{ file: s.name }, ...fieldFiles(s)] }));
        break;
      case "azure": {
        const identity = this.sources.azure?.map((stack) => stack.workloadIdentities.get(key)).find((i) => i);
        if (!identity || !spec.azure) throw new Error(`${key}: the CSI driver on Azure needs the workload's managed identity`); // validation rules this out
        backend = { kind, keyVaultName: keyVaultName(this.environment.organization, this.environment.name, spec.azure.keyVaultName), tenantId: spec.azure.tenantId, clientId: identity.clientId };
        // Key Vault keeps each value as one document (a token bare): one file per secret.
        secrets = w.reads.map((s) => ({ remoteKey: keyVaultSecretNameOf(s), files: [{ file: s.name }] }));
        break;
      }
      case "vault": {
        const auth = this.cluster.vault;
        if (!spec.vault || !auth) throw new Error(`${key}: the CSI driver on Vault needs the cluster's Vault auth`); // validation rules this out
        backend = { kind, address: spec.vault.address, role: workloadPolicyName(this.environment.name, w.app, w.name), authPath: auth.authPath, audience: auth.audience, namespace: spec.vault.namespace };
        secrets = w.reads.map((s) => {
          const read = this.vaultRead(s);
          // Database credentials hold username and password; a KV value its type's fields; else the whole response.
          const files = read.engine === "database" ? ["username", "password"].map((field) => ({ file: `${s.name}_${field}`, field })) : read.engine === "kv-v2" ? fieldFiles(s) : [];
          return { remoteKey: read.vaultPath, files: files.length > 0 ? files : [{ file: s.name }] };
        });
        break;
      }
      default:
        throw new Error(`${key}: environment ${this.environment.name} has no backend to mount from`); // validation rules this out
    }
    const providerClass = new SecretProviderClass(this, `secret-provider-class-${id}`, {
      namespace: binding.namespace,
      name: secretProviderClassName(w.app, w.name),
      backend,
      secrets,
      workload: key,
    });
    // SP-KUB-004 knows a read's remote names by convention only; this class mounts the adopted names of these reads.
    const adopted = w.reads.filter((s) => s.adopt?.[kind] !== undefined);
    if (adopted.length > 0) {
      const names = adopted.map((s) => `${s.path} as ${kind === "azure" ? keyVaultSecretNameOf(s) : kind === "aws" ? awsSecretNameOf(s) : vaultKvPathOf(s)}`);
      suppress(providerClass, "SP-KUB-004", `mounts the existing ${kind} secrets that ${key} reads under their adopted names (adopt.${kind} in the description): ${names.join(", ")}`);
    }
    return providerClass;
  }

  private storeBackend(kind: "aws" | "vault" | "azure", w: WorkloadModel): StoreBackend {
    const spec = this.environment.spec;
    switch (kind) {
      case "aws":
        if (!spec.aws) throw new Error(`${this.node.id}: no aws block`); // validation rules this out
        return { kind, region: spec.aws.region };
      case "vault": {
        const vault = spec.vault;
        const auth = this.cluster.vault;
        if (!vault || !auth) throw new Error(`${this.node.id}: External Secrets on Vault need the cluster's Vault auth`); // validation rules this out
        return {
          kind,
          server: vault.address,
          kvMount: vault.kvMount,
          authPath: auth.authPath,
          role: workloadPolicyName(this.environment.name, w.app, w.name),
          audience: auth.audience,
          namespace: vault.namespace,
        };
      }
      case "azure": {
        const azure = this.sources.azure?.[0];
        if (!azure || !spec.azure) throw new Error(`${this.node.id}: External Secrets on Azure need the azure stack`); // validation rules this out
        return { kind, vaultUrl: azure.keyVault.vaultUri, tenantId: spec.azure.tenantId };
      }
    }
  }

  /** Where Vault keeps a secret (config/placement.ts), as the Vault Agent and the CSI provider read it. */
  private vaultRead(s: SecretModel): AgentSecret {
    const vault = this.environment.spec.vault!;
    const env = this.environment.name;
    const mechanism = vaultMechanism(s.spec);
    // The mount of the secret's own connection (config/vault-databases.ts).
    const db = vault.databases[connectionNameOf(s.spec, Object.keys(vault.databases)) ?? ""];
    if (mechanism === "dynamic-role" && db) return { name: s.name, vaultPath: `${db.mount}/creds/${databaseRoleName(env, s.app)}`, engine: "database" };
    if (mechanism === "static-role" && db) return { name: s.name, vaultPath: `${db.mount}/static-creds/${vaultSecretRoleName(env, s.app, s.name)}`, engine: "database" };
    if (mechanism === "transit") return { name: s.name, vaultPath: `${vault.transitMount}/keys/${vaultSecretRoleName(env, s.app, s.name)}`, engine: "transit" };
    return { name: s.name, vaultPath: `${vault.kvMount}/data/${vaultKvPathOf(s)}`, engine: "kv-v2" };
  }

  /**
   * One agent-inject-secret per secret read, where Vault keeps it (config/placement.ts): its KV v2 data path, its
   * dynamic or static database credentials, or a transit key's public keys (the key signs only through the API).
   */
  private agentAnnotations(w: WorkloadModel): Record<string, string> {
    const vault = this.environment.spec.vault;
    const auth = this.cluster.vault;
    if (!vault || !auth) throw new Error(`${w.app}/${w.name}: vault-agent needs the cluster's Vault auth`); // validation rules this out
    const secrets: AgentSecret[] = w.reads.map((s) => this.vaultRead(s));
    return vaultAgentAnnotations({
      role: workloadPolicyName(this.environment.name, w.app, w.name),
      authPath: auth.authPath,
      namespace: vault.namespace,
      secrets,
    });
  }
}
