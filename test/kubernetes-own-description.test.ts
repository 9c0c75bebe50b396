// A description of our own, not the example: several applications in several namespaces, every delivery, a workload
// overriding the environment's store backend, a dynamic secret, a token on Key Vault, an AppRole workload and an
// environment without a cluster. Each kubernetes stack must hold exactly the expected objects, nothing more.
import { EXAMPLE_CA_FILE } from "./helpers/descriptions";
import { kubeObjects, objectKeys, synthApp } from "./helpers/kubernetes";

const OIDC = (acct: string, id: string, region = "eu-west-1") => `arn:aws:iam::${acct}:oidc-provider/oidc.eks.${region}.amazonaws.com/id/${id}`;
const DESCRIPTION = `
organization: globex
environments:
  qa:
    aws: { accountId: "444444444444", region: eu-west-1, eks: { oidcProviderArn: ${OIDC("444444444444", "QA")} } }
    vault:
      address: https://vault.qa.globex.example:8200
      kvMount: apps
      kubernetes: { host: "https://k8s.qa.globex.example:6443", authPath: k8s-qa, caCertFile: ${EXAMPLE_CA_FILE} }
      database: { mount: pg, host: pg.qa.globex.example, dbname: orders, username: vault, tlsCaFile: ${EXAMPLE_CA_FILE} }
    kubernetes: { kubeconfigContext: qa, secretStoreBackend: aws }
  live:
    aws: { accountId: "555555555555", region: eu-west-1, eks: { oidcProviderArn: ${OIDC("555555555555", "LIVE")} } }
    vault:
      address: https://vault.live.globex.example:8200
      namespace: globex/live
      kubernetes: { host: "https://k8s.live.globex.example:6443", caCertFile: ${EXAMPLE_CA_FILE} }
      database: { host: pg.live.globex.example, dbname: orders, username: vault, tlsCaFile: ${EXAMPLE_CA_FILE} }
    azure:
      subscriptionId: 00000000-0000-0000-0000-000000000005
      tenantId: 00000000-0000-0000-0000-0000000000bb
      location: westeurope
      resourceGroupName: rg-globex-live
      privateEndpoint:
        subnetId: /subscriptions/00000000-0000-0000-0000-000000000005/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe
        virtualNetworkId: /subscriptions/00000000-0000-0000-0000-000000000005/resourceGroups/net/providers/Microsoft.Network/virtualNetworks/vnet
      aksOidcIssuerUrl: https://westeurope.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000bb/55555555-5555-5555-5555-555555555555/
      logAnalyticsWorkspaceId: /subscriptions/00000000-0000-0000-0000-000000000005/resourceGroups/mon/providers/Microsoft.OperationalInsights/workspaces/law
    kubernetes: { kubeconfigContext: live-cluster, kubeconfigPath: /etc/globex/kubeconfig, secretStoreBackend: azure }
  sandbox:
    aws: { accountId: "666666666666", region: eu-west-1, eks: { oidcProviderArn: ${OIDC("666666666666", "SANDBOX")} } }
applications:
  orders:
    secrets:
      signing: { type: jwt, rotation: { everyDays: 7 } }
      stripe: { type: api-key, expiresAfterDays: 90 }
      db: { type: postgres, dynamic: true }
    workloads:
      api: { kubernetes: { namespace: shop, serviceAccount: orders-api, delivery: external-secrets }, reads: [signing, stripe] }
      batch: { kubernetes: { namespace: batch, serviceAccount: orders-batch, delivery: vault-agent }, reads: [db, stripe] }
      cron: { approle: {}, reads: [stripe] }
  billing:
    secrets:
      api_token: { type: token, rotation: { scheduleExpression: "rate(6 hours)" } }
    workloads:
      worker: { kubernetes: { namespace: billing, serviceAccount: worker, delivery: external-secrets, backend: vault }, reads: [api_token] }
      reporter: { kubernetes: { namespace: shop, serviceAccount: billing-reporter }, reads: [api_token] }
  audit:
    secrets:
      key: { type: token, rotation: { everyDays: 1 } }
    workloads:
      shipper: { kubernetes: { namespace: audit, serviceAccount: shipper, delivery: external-secrets }, reads: [key] }
`;

const { json, manifest } = synthApp(DESCRIPTION);
const objects = (env: string) => kubeObjects(json[`kubernetes-${env}`]);
const find = (env: string, kind: string, name: string) => objects(env).find((o) => o.kind === kind && o.name === name)!.body;

it("builds a kubernetes stack for each environment with a kubernetes block, and none for sandbox", () => {
  expect(Object.keys(manifest.stacks).filter((s) => s.startsWith("kubernetes-")).sort()).toEqual(["kubernetes-live", "kubernetes-qa"]);
});

it.each(["qa", "live"])("kubernetes-%s holds exactly the expected objects", (env) => {
  expect(objectKeys(json[`kubernetes-${env}`])).toEqual(
    [
      // Vault logins: the Vault Agent (orders/batch) and External Secrets on Vault (billing/worker); nobody else.
      "ClusterRoleBinding vault-token-review.batch.orders-batch",
      "ClusterRoleBinding vault-token-review.billing.worker",
      "ExternalSecret audit/audit-key",
      "ExternalSecret billing/billing-api-token",
      "ExternalSecret shop/orders-signing",
      "ExternalSecret shop/orders-stripe",
      "SecretStore audit/audit-shipper",
      "SecretStore billing/billing-worker",
      "SecretStore shop/orders-api",
      "ServiceAccount audit/shipper",
      "ServiceAccount batch/orders-batch",
      "ServiceAccount billing/worker",
      "ServiceAccount shop/billing-reporter",
      "ServiceAccount shop/orders-api",
    ].sort(),
  );
  // The AppRole workload has no pod: no service account, nothing else.
  expect(JSON.stringify(json[`kubernetes-${env}`])).not.toContain("cron");
});

it("stores read from the environment's default or the workload's own backend", () => {
  const provider = (env: string, name: string) => Object.keys(find(env, "SecretStore", name).spec.provider)[0];
  expect([provider("qa", "orders-api"), provider("qa", "billing-worker"), provider("qa", "audit-shipper")]).toEqual(["aws", "vault", "aws"]);
  expect([provider("live", "orders-api"), provider("live", "billing-worker"), provider("live", "audit-shipper")]).toEqual(["azurekv", "vault", "azurekv"]);
  expect(find("qa", "SecretStore", "billing-worker").spec.provider.vault).toMatchObject({ path: "apps", auth: { kubernetes: { mountPath: "k8s-qa", role: "qa-billing-worker" } } });
  expect(find("live", "SecretStore", "billing-worker").spec.provider.vault).toMatchObject({ namespace: "globex/live", path: "secret", auth: { kubernetes: { mountPath: "kubernetes", role: "live-billing-worker" } } });
  expect(find("qa", "SecretStore", "orders-api").spec.provider.aws.region).toBe("eu-west-1");
});

it("keys, value shapes and refresh intervals follow each secret's backend and rotation", () => {
  expect(find("qa", "ExternalSecret", "billing-api-token").spec).toMatchObject({ refreshInterval: "36m", dataFrom: [{ extract: { key: "qa/billing/api_token" } }] });
  expect(find("qa", "ExternalSecret", "audit-key").spec).toMatchObject({ refreshInterval: "1h", dataFrom: [{ extract: { key: "qa/audit/key" } }] });
  // Key Vault keeps a token bare (text/plain): one key, not a JSON extract.
  const onAzure = find("live", "ExternalSecret", "audit-key").spec;
  expect(onAzure.data).toEqual([{ secretKey: "token", remoteRef: { key: "audit--key" } }]);
  expect(onAzure.dataFrom).toBeUndefined();
  expect(find("live", "ExternalSecret", "orders-stripe").spec.dataFrom).toEqual([{ extract: { key: "orders--stripe" } }]);
});

it("the Vault Agent reads the dynamic secret from the database engine and the stored one from KV v2", () => {
  expect(json["kubernetes-qa"].output!["vault-agent-annotations-orders-batch"].value).toEqual({
    "vault.hashicorp.com/agent-inject": "true",
    "vault.hashicorp.com/role": "qa-orders-batch",
    "vault.hashicorp.com/auth-path": "auth/k8s-qa",
    "vault.hashicorp.com/agent-inject-secret-db": "pg/creds/qa-orders",
    "vault.hashicorp.com/agent-inject-template-db": '{{- with secret "pg/creds/qa-orders" -}}{{ .Data | toJSON }}{{- end }}',
    "vault.hashicorp.com/agent-inject-secret-stripe": "apps/data/qa/orders/stripe",
    "vault.hashicorp.com/agent-inject-template-stripe": '{{- with secret "apps/data/qa/orders/stripe" -}}{{ .Data.data | toJSON }}{{- end }}',
  });
  expect(json["kubernetes-live"].output!["vault-agent-annotations-orders-batch"].value).toMatchObject({ "vault.hashicorp.com/namespace": "globex/live" });
  // The agent's paths are the ones the workload's Vault policy grants.
  const policy = Object.values<any>(json["vault-qa"].resource!.vault_policy).find((p) => p.name === "qa-orders-batch").policy as string;
  for (const path of ["pg/creds/qa-orders", "apps/data/qa/orders/stripe"]) expect(policy).toContain(`"${path}"`);
});

it("annotates service accounts with the identities each environment has", () => {
  const annotations = (env: string, name: string) => Object.keys(objects(env).find((o) => o.kind === "ServiceAccount" && o.name === name)!.body.metadata.annotations).sort();
  expect(annotations("qa", "orders-api")).toEqual(["eks.amazonaws.com/role-arn", "secrets-platform.io/reads", "secrets-platform.io/workload"]);
  expect(annotations("live", "orders-api")).toEqual(["azure.workload.identity/client-id", "eks.amazonaws.com/role-arn", "secrets-platform.io/reads", "secrets-platform.io/workload"]);
  expect(json["kubernetes-live"].provider!.kubernetes).toEqual([{ config_context: "live-cluster", config_path: "/etc/globex/kubeconfig" }]);
});

it("gives service accounts whose dashed names would meet distinct token-review bindings", () => {
  const out = synthApp(
    DESCRIPTION.replace("namespace: batch, serviceAccount: orders-batch", "namespace: a-b, serviceAccount: c").replace("namespace: billing, serviceAccount: worker,", "namespace: a, serviceAccount: b-c,"),
    { environments: ["qa"], backends: ["kubernetes"] },
  );
  expect(objectKeys(out.json["kubernetes-qa"]).filter((k) => k.startsWith("ClusterRoleBinding"))).toEqual([
    "ClusterRoleBinding vault-token-review.a-b.c",
    "ClusterRoleBinding vault-token-review.a.b-c",
  ]);
});
