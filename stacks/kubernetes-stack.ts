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
import type { EnvironmentModel, SecretModel, WorkloadModel } from "../config/model";
import { suppress } from "../constructs/guardrails/suppressions";
import { awsSecretNameOf, keyVaultSecretNameOf, vaultKvPathOf } from "../config/adopt";
import { databaseRoleName, kubernetesSecretName, secretStoreName, vaultAgentOutputName, vaultSecretRoleName, workloadPolicyName } from "../config/naming";
import { connectionNameOf } from "../config/vault-databases";
import { vaultMechanism } from "../config/placement";
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
}

/** What the stack built for one workload, for tests and the review. */
export interface KubernetesWorkload {
  readonly model: WorkloadModel;
  readonly serviceAccount: WorkloadServiceAccount;
  readonly tokenReview?: TokenReviewBinding;
  readonly secretStore?: SecretStore;
  readonly externalSecrets: readonly ExternalSecret[];
  readonly vaultAgentAnnotations?: Readonly<Record<string, string>>;
}

/** The shortest rotation period of a secret in seconds, or undefined when it does not rotate. */
export function rotationPeriodSeconds(s: SecretModel): number | undefined {
  const r = s.spec.type === "api-key" ? undefined : s.spec.rotation;
  if (!r) return undefined;
  if (r.everyDays !== undefined) return r.everyDays * 86_400;
  const rate = /^rate\((\d+) (hours?|days?)\)$/.exec(r.scheduleExpression ?? "");
  if (rate) return Number(rate[1]) * (rate[2].startsWith("hour") ? 3600 : 86_400);
  // cron(): the shortest period Secrets Manager allows, so the refresh is never too slow.
  return 4 * 3600;
}


export class KubernetesSecretsStack extends PlatformStack {
  /** By `<app>/<workload>`. */
  readonly workloads = new Map<string, KubernetesWorkload>();

  constructor(scope: Construct, id: string, readonly environment: EnvironmentModel, private readonly sources: KubernetesStackSources) {
    super(scope, id);
    const k8s = environment.spec.kubernetes;
    if (!k8s) throw new Error(`${id}: environment ${environment.name} has no kubernetes block`);
    // Credentials stay in the kubeconfig (or KUBE_CONFIG_PATH): the description names the context only. config_path and
    // config_context select the file and context (registry.terraform.io/providers/hashicorp/kubernetes, provider docs).
    new KubernetesProvider(this, "kubernetes", { configPath: k8s.kubeconfigPath, configContext: k8s.kubeconfigContext });
    // A person applies it (CI holds no kubeconfig), but its state matters as much: production warns on a local file.
    configureStateBackend(this, id, k8s.backend, environment.production);

    for (const w of environment.workloads) {
      if (w.spec.kubernetes) this.addWorkload(w, w.spec.kubernetes);
    }

    new TerraformOutput(this, "service-accounts", {
      description: "Service account of every Kubernetes workload, by <app>/<workload>: the pod's serviceAccountName",
      value: Object.fromEntries([...this.workloads].map(([k, v]) => [k, `${v.serviceAccount.namespace}/${v.serviceAccount.name}`])),
    });
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
      // The Vault Agent and an SDK logging in to Vault read the mounted token; IRSA and workload identity do not.
      automountToken: vaultLogin && binding.delivery !== "external-secrets",
    });
    const tokenReview = vaultLogin
      ? new TokenReviewBinding(this, `token-review-${id}`, { namespace: binding.namespace, serviceAccountName: binding.serviceAccount })
      : undefined;

    let secretStore: SecretStore | undefined;
    const externalSecrets: ExternalSecret[] = [];
    let annotations: Record<string, string> | undefined;
    if (binding.delivery === "external-secrets") {
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
        // Adopted secrets keep their existing names (docs/adopting.md).
        const remoteKey = backend === "azure" ? keyVaultSecretNameOf(s) : backend === "aws" ? awsSecretNameOf(s) : vaultKvPathOf(s);
        const externalSecret = new ExternalSecret(this, `external-secret-${id}--${s.name}`, {
            store: secretStore,
            name: kubernetesSecretName(s.app, s.name),
            remoteKey,
            secretPath: s.path,
            workload: key,
            refreshInterval: refreshInterval(rotationPeriodSeconds(s)),
            // Key Vault keeps a token as its bare value (text/plain); elsewhere values are JSON documents.
            plainValueKey: backend === "azure" && s.spec.type === "token" ? "token" : undefined,
          });
        externalSecrets.push(externalSecret);
        if (s.adopt?.[backend] !== undefined) {
          // SP-KUB-001 knows a read's remote names by convention only; this one ExternalSecret syncs the adopted name.
          suppress(externalSecret, "SP-KUB-001", `syncs ${remoteKey}, the existing ${backend} secret that ${s.path} adopts (adopt.${backend} in the description), which ${key} reads`);
        }
      }
    } else if (binding.delivery === "vault-agent") {
      annotations = this.agentAnnotations(w);
      new TerraformOutput(this, vaultAgentOutputName(w.app, w.name), {
        description: `Pod template annotations for ${key}: the Vault Agent Injector renders each secret it reads into /vault/secrets/<secret> as JSON`,
        value: annotations,
      });
    }
    this.workloads.set(key, { model: w, serviceAccount, tokenReview, secretStore, externalSecrets, vaultAgentAnnotations: annotations });
  }

  private storeBackend(kind: "aws" | "vault" | "azure", w: WorkloadModel): StoreBackend {
    const spec = this.environment.spec;
    switch (kind) {
      case "aws":
        if (!spec.aws) throw new Error(`${this.node.id}: no aws block`); // validation rules this out
        return { kind, region: spec.aws.region };
      case "vault": {
        const vault = spec.vault;
        if (!vault?.kubernetes) throw new Error(`${this.node.id}: External Secrets on Vault need vault.kubernetes`); // validation rules this out
        return {
          kind,
          server: vault.address,
          kvMount: vault.kvMount,
          authPath: vault.kubernetes.authPath,
          role: workloadPolicyName(this.environment.name, w.app, w.name),
          audience: vault.kubernetes.audience,
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

  /**
   * One agent-inject-secret per secret read, where Vault keeps it (config/placement.ts): its KV v2 data path, its
   * dynamic or static database credentials, or a transit key's public keys (the key signs only through the API).
   */
  private agentAnnotations(w: WorkloadModel): Record<string, string> {
    const vault = this.environment.spec.vault;
    if (!vault?.kubernetes) throw new Error(`${w.app}/${w.name}: vault-agent needs vault.kubernetes`); // validation rules this out
    const env = this.environment.name;
    const secrets: AgentSecret[] = w.reads.map((s) => {
      const mechanism = vaultMechanism(s.spec);
      // The mount of the secret's own connection (config/vault-databases.ts).
      const db = vault.databases[connectionNameOf(s.spec, Object.keys(vault.databases)) ?? ""];
      if (mechanism === "dynamic-role" && db) return { name: s.name, vaultPath: `${db.mount}/creds/${databaseRoleName(env, s.app)}`, engine: "database" };
      if (mechanism === "static-role" && db) return { name: s.name, vaultPath: `${db.mount}/static-creds/${vaultSecretRoleName(env, s.app, s.name)}`, engine: "database" };
      if (mechanism === "transit") return { name: s.name, vaultPath: `${vault.transitMount}/keys/${vaultSecretRoleName(env, s.app, s.name)}`, engine: "transit" };
      return { name: s.name, vaultPath: `${vault.kvMount}/data/${vaultKvPathOf(s)}`, engine: "kv-v2" };
    });
    return vaultAgentAnnotations({
      role: workloadPolicyName(this.environment.name, w.app, w.name),
      authPath: vault.kubernetes.authPath,
      namespace: vault.namespace,
      secrets,
    });
  }
}
