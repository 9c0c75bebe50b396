// The Kubernetes guardrails fire on what the constructs (or anyone's own resources) allow but the platform forbids,
// and stay quiet on the example (test/guardrails.test.ts checks every stack of the untouched example).
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Testing } from "cdktf";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { ExternalSecret } from "../constructs/kubernetes/external-secret";
import { WorkloadServiceAccount } from "../constructs/kubernetes/service-account";
import type { AwsSecretsStack } from "../stacks/aws-stack";
import type { AzureSecretsStack } from "../stacks/azure-stack";
import type { KubernetesSecretsStack } from "../stacks/kubernetes-stack";
import { buildPlatform } from "../stacks/platform";
import { errorMessages, errorsOf } from "./guardrails-helpers";

/** kubernetes-dev of the example, with the backend stacks it references in the same app, before synthesis. */
function fresh(env = "dev") {
  const app = Testing.app();
  buildPlatform(app, loadPlatform(DEFAULT_CONFIG), { environments: [env], backends: ["kubernetes"] });
  return {
    k8s: app.node.findChild(`kubernetes-${env}`) as KubernetesSecretsStack,
    aws: app.node.findChild(`aws-${env}`) as AwsSecretsStack,
    azure: app.node.findChild(`azure-${env}`) as AzureSecretsStack,
  };
}

const storeManifest = (provider: Record<string, unknown>, kind = "SecretStore") => ({
  apiVersion: "external-secrets.io/v1",
  kind,
  metadata: { name: "hand-made", namespace: "myapp" },
  spec: { provider },
});

describe("SP-KUB-001 ExternalSecret syncing a secret its workload does not read", () => {
  it("passes the example", () => {
    expect(errorsOf(fresh().k8s)).toEqual([]);
  });

  it("fires when the worker's store is used to sync a secret the worker does not read", () => {
    const { k8s } = fresh();
    new ExternalSecret(k8s, "extra", {
      store: k8s.workloads.get("myapp/worker")!.secretStore!,
      name: "myapp-openai",
      remoteKey: "dev/myapp/openai",
      secretPath: "dev/myapp/openai",
      workload: "myapp/worker",
      refreshInterval: "1h",
    });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-001", "kubernetes-dev/extra/manifest"]]);
    expect(errorMessages(k8s).join("\n")).toContain('syncs "dev/myapp/openai", which myapp-worker (reads dev/myapp/database, dev/myapp/jwt) does not read');
  });

  it("fires on another application's secret named by its Key Vault name", () => {
    const { k8s } = fresh("prod");
    new ExternalSecret(k8s, "extra", {
      store: k8s.workloads.get("myapp/worker")!.secretStore!,
      name: "dbadmin-master",
      remoteKey: "dbadmin--master",
      secretPath: "prod/dbadmin/master",
      workload: "myapp/worker",
      refreshInterval: "1h",
    });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-001", "kubernetes-prod/extra/manifest"]]);
  });

  it("fires on an ExternalSecret that reads through a ClusterSecretStore", () => {
    const { k8s } = fresh();
    new Manifest(k8s, "cluster-read", {
      manifest: {
        apiVersion: "external-secrets.io/v1",
        kind: "ExternalSecret",
        metadata: { name: "x", namespace: "myapp" },
        spec: { secretStoreRef: { kind: "ClusterSecretStore", name: "everything" }, target: { name: "x" }, dataFrom: [{ extract: { key: "dev/myapp/jwt" } }] },
      },
    });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-001", "kubernetes-dev/cluster-read"]]);
  });
});

describe("SP-KUB-002 Service account annotated with another workload's identity", () => {
  it("fires when the api's service account takes the worker's IAM role from the aws stack", () => {
    const { k8s, aws } = fresh();
    new WorkloadServiceAccount(k8s, "borrowed", {
      namespace: "myapp",
      name: "myapp-api-2",
      workload: "myapp/api",
      reads: ["dev/myapp/jwt"],
      awsRoleArn: aws.workloadRoles.get("myapp/worker")!.arn,
    });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-002", "kubernetes-dev/borrowed/service-account"]]);
    expect(errorMessages(k8s).join("\n")).toMatch(/eks\.amazonaws\.com\/role-arn is \$\{aws_iam_role\.myapp--worker_role_[0-9A-F]+\.arn\}, which is not the IAM role of myapp\/api/);
  });

  it("fires on another workload's managed identity, and on a pasted client id", () => {
    const { k8s, azure } = fresh();
    new WorkloadServiceAccount(k8s, "borrowed", { namespace: "myapp", name: "a", workload: "myapp/web", reads: [], azureClientId: azure.workloadIdentities.get("myapp/api")!.clientId });
    new WorkloadServiceAccount(k8s, "pasted", { namespace: "myapp", name: "b", workload: "myapp/web", reads: [], azureClientId: "11111111-2222-3333-4444-555555555555" });
    expect(errorsOf(k8s)).toEqual([
      ["SP-KUB-002", "kubernetes-dev/borrowed/service-account"],
      ["SP-KUB-002", "kubernetes-dev/pasted/service-account"],
    ]);
  });

  it("accepts a literal role ARN that is the workload's own, and refuses another's", () => {
    const { k8s } = fresh();
    new WorkloadServiceAccount(k8s, "own", { namespace: "myapp", name: "a", workload: "myapp/api", reads: [], awsRoleArn: "arn:aws:iam::111111111111:role/acme-dev-myapp-api" });
    new WorkloadServiceAccount(k8s, "other", { namespace: "myapp", name: "b", workload: "myapp/api", reads: [], awsRoleArn: "arn:aws:iam::111111111111:role/acme-dev-myapp-worker" });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-002", "kubernetes-dev/other/service-account"]]);
  });
});

describe("SP-KUB-003 SecretStore not authenticating as a service account", () => {
  it.each([
    ["a Vault token in a Secret", { vault: { server: "https://v", path: "secret", version: "v2", auth: { tokenSecretRef: { name: "vault-token", key: "token" } } } }, /authenticates with tokenSecretRef, a static credential/],
    ["Vault Kubernetes auth with a stored token", { vault: { server: "https://v", auth: { kubernetes: { mountPath: "kubernetes", role: "r", secretRef: { name: "sa-token" } } } } }, /must log in with a role and serviceAccountRef/],
    ["AWS access keys", { aws: { service: "SecretsManager", region: "us-east-1", auth: { secretRef: { accessKeyIDSecretRef: { name: "k", key: "id" } } } } }, /authenticates with secretRef, a static credential/],
    ["an Azure service principal secret", { azurekv: { vaultUrl: "https://v.vault.azure.net", authSecretRef: { clientId: { name: "sp" } } } }, /authSecretRef, a static credential.*authType \(default: ServicePrincipal\), not WorkloadIdentity/s],
    ["workload identity without a service account", { azurekv: { authType: "WorkloadIdentity", vaultUrl: "https://v.vault.azure.net" } }, /names no serviceAccountRef/],
  ])("fires on %s", (_, provider, message) => {
    const { k8s } = fresh();
    new Manifest(k8s, "store", { manifest: storeManifest(provider) });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-003", "kubernetes-dev/store"]]);
    expect(errorMessages(k8s).join("\n")).toMatch(message);
  });

  it("fires on a ClusterSecretStore, even one that names a service account", () => {
    const { k8s } = fresh();
    new Manifest(k8s, "store", { manifest: storeManifest({ aws: { service: "SecretsManager", region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "x", namespace: "myapp" } } } } }, "ClusterSecretStore") });
    expect(errorsOf(k8s)).toEqual([["SP-KUB-003", "kubernetes-dev/store"]]);
  });
});
