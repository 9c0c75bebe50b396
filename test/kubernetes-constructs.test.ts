// The constructs of constructs/kubernetes on their own: secure defaults and the mistakes they refuse.
import { TerraformStack, Testing } from "cdktf";
import { ExternalSecret } from "../constructs/kubernetes/external-secret";
import { SecretStore } from "../constructs/kubernetes/secret-store";
import { WorkloadServiceAccount } from "../constructs/kubernetes/service-account";
import { tokenReviewBindingName } from "../constructs/kubernetes/token-review-binding";
import { agentSecretPaths, vaultAgentAnnotations } from "../constructs/kubernetes/vault-agent-annotations";

const stack = () => new TerraformStack(Testing.app(), "k8s");
const store = (s: TerraformStack) =>
  new SecretStore(s, "store", { namespace: "ns", name: "app-w", serviceAccountName: "w", workload: "app/w", backend: { kind: "aws", region: "eu-west-1" } });

it("a service account mounts no token and names no identity unless told to", () => {
  const s = stack();
  new WorkloadServiceAccount(s, "sa", { namespace: "ns", name: "w", workload: "app/w", reads: ["dev/app/a"] });
  const sa = Object.values<any>(JSON.parse(Testing.synth(s)).resource.kubernetes_service_account_v1)[0];
  expect(sa.automount_service_account_token).toBe(false);
  expect(Object.keys(sa.metadata.annotations).sort()).toEqual(["secrets-platform.io/reads", "secrets-platform.io/workload"]);
});

it("refuses names Kubernetes would refuse", () => {
  expect(() => new WorkloadServiceAccount(stack(), "sa", { namespace: "My_NS", name: "w", workload: "app/w", reads: [] })).toThrow(/namespace "My_NS" is not a Kubernetes name/);
});

it("a SecretStore needs a service account to authenticate as", () => {
  expect(() => new SecretStore(stack(), "s", { namespace: "ns", name: "x", serviceAccountName: "", workload: "app/w", backend: { kind: "aws", region: "eu-west-1" } })).toThrow(/authenticates as a service account/);
});

it.each(["0", "0s", "0m", "00", "0h0m"])("an ExternalSecret refuses refreshInterval %s, which never refreshes", (interval) => {
  const s = stack();
  expect(() => new ExternalSecret(s, "es", { store: store(s), name: "app-a", remoteKey: "dev/app/a", secretPath: "dev/app/a", workload: "app/w", refreshInterval: interval })).toThrow(/would sync once and never again/);
});

it("an ExternalSecret refuses a refreshInterval that is not a duration", () => {
  const s = stack();
  expect(() => new ExternalSecret(s, "es", { store: store(s), name: "app-a", remoteKey: "dev/app/a", secretPath: "dev/app/a", workload: "app/w", refreshInterval: "hourly" })).toThrow(/not a duration/);
});

it("token-review binding names stay within 253 characters and distinct", () => {
  const long = "s".repeat(253);
  const a = tokenReviewBindingName("ns", long);
  const b = tokenReviewBindingName("ns", `${long.slice(0, 252)}t`);
  expect(a.length).toBeLessThanOrEqual(253);
  expect(a).not.toBe(b);
});

it("Vault Agent annotations: one secret file and template per secret, and the paths read back", () => {
  const a = vaultAgentAnnotations({ role: "dev-app-w", authPath: "k8s", secrets: [{ name: "db", vaultPath: "db/creds/dev-app", engine: "database" }] });
  expect(a).toEqual({
    "vault.hashicorp.com/agent-inject": "true",
    "vault.hashicorp.com/role": "dev-app-w",
    "vault.hashicorp.com/auth-path": "auth/k8s",
    "vault.hashicorp.com/agent-inject-secret-db": "db/creds/dev-app",
    "vault.hashicorp.com/agent-inject-template-db": '{{- with secret "db/creds/dev-app" -}}{{ .Data | toJSON }}{{- end }}',
  });
  expect(agentSecretPaths(a)).toEqual(["db/creds/dev-app"]);
  expect(() => vaultAgentAnnotations({ role: "r", authPath: "k", secrets: [{ name: "x".repeat(42), vaultPath: "p", engine: "kv-v2" }] })).toThrow(/cannot be an annotation suffix/);
});
