// The Kubernetes fields of the description: every rule issue 13 names refuses a bad description with the field
// path and what to change, and the example and a valid multi-backend description pass.
import { DEFAULT_CONFIG, loadPlatform, PlatformConfigError, validatePlatform } from "../config/load";
import { EXAMPLE_CA_FILE, minimalDescription } from "./helpers/descriptions";

/** A valid description with AWS (EKS), Vault and Azure in dev, a kubernetes block, and one Kubernetes workload. */
function fullDescription(): any {
  const d = minimalDescription();
  const dev = d.environments.dev;
  dev.vault = { address: "https://vault.dev.example.com:8200", kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE } };
  dev.azure = {
    subscriptionId: "00000000-0000-0000-0000-000000000001",
    tenantId: "00000000-0000-0000-0000-0000000000aa",
    location: "eastus",
    resourceGroupName: "rg-secrets-dev",
    privateEndpoint: {
      subnetId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pe",
      virtualNetworkId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet",
    },
    aksOidcIssuerUrl: "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/11111111-1111-1111-1111-111111111111/",
    logAnalyticsWorkspaceId: "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law",
  };
  dev.kubernetes = { kubeconfigContext: "acme-dev", secretStoreBackend: "vault" };
  return d;
}

function problems(d: any): { path: string; message: string }[] {
  try {
    validatePlatform(d);
  } catch (err) {
    if (err instanceof PlatformConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

const api = (d: any) => d.applications.myapp.workloads.api;
const K = "applications.myapp.workloads.api.kubernetes";

// [what is wrong, how to break a valid description, field path, words the message must contain]
const BAD: Array<[string, (d: any) => void, string, RegExp]> = [
  ["kubernetes block without a context", (d) => delete d.environments.dev.kubernetes.kubeconfigContext, "environments.dev.kubernetes.kubeconfigContext", /is required/],
  ["a credential-looking field in the kubernetes block", (d) => (d.environments.dev.kubernetes.token = "x"), "environments.dev.kubernetes.token", /unknown field/],
  ["unknown secretStoreBackend", (d) => (d.environments.dev.kubernetes.secretStoreBackend = "gcp"), "environments.dev.kubernetes.secretStoreBackend", /aws, vault or azure/],
  ["secretStoreBackend the environment lacks", (d) => { delete d.environments.dev.azure; d.environments.dev.kubernetes.secretStoreBackend = "azure"; }, "environments.dev.kubernetes.secretStoreBackend", /is azure, but environment dev has no azure block; use one of aws, vault/],
  ["workload backend the environment lacks", (d) => { delete d.environments.dev.azure; api(d).kubernetes.backend = "azure"; }, `${K}.backend`, /is azure, but environment dev has no azure block/],
  ["unknown delivery", (d) => (api(d).kubernetes.delivery = "helm"), `${K}.delivery`, /sdk, external-secrets, vault-agent or csi/],
  ["vault-agent without a vault block", (d) => { delete d.environments.dev.vault; d.environments.dev.kubernetes.secretStoreBackend = "aws"; api(d).kubernetes.delivery = "vault-agent"; }, `${K}.delivery`, /vault-agent needs Vault, but environment dev has no vault block/],
  ["vault-agent with another backend", (d) => { api(d).kubernetes.delivery = "vault-agent"; api(d).kubernetes.backend = "aws"; }, `${K}.backend`, /the Vault Agent reads from Vault/],
  ["delivery on a workload without kubernetes", (d) => { delete api(d).kubernetes; api(d).approle = {}; api(d).delivery = "external-secrets"; }, "applications.myapp.workloads.api.delivery", /a workload without kubernetes .* has no pod to deliver secrets to/],
  ["delivery beside kubernetes instead of in it", (d) => (api(d).delivery = "vault-agent"), "applications.myapp.workloads.api.delivery", /belongs under kubernetes/],
  ["external-secrets from AWS without EKS", (d) => { delete d.environments.dev.aws.eks; api(d).kubernetes.delivery = "external-secrets"; api(d).kubernetes.backend = "aws"; }, "environments.dev.aws.eks", /External Secrets, which authenticates as its service account through IRSA/],
  ["external-secrets on Vault for a dynamic secret", (d) => {
    d.applications.myapp.secrets.db = { type: "postgres", dynamic: true };
    d.environments.dev.vault.database = { host: "pg.dev.example.com", dbname: "app", username: "vault" };
    api(d).reads.push("db");
    api(d).kubernetes.delivery = "external-secrets";
  }, `${K}.delivery`, /reads db, a dynamic postgres secret, from Vault: External Secrets' Vault provider reads KV secrets only/],
  // Placement (applications.<app>.backends, DESIGN.md section 3): a backend that does not hold the application's secrets.
  ["external-secrets from a backend the application is not placed on", (d) => { d.applications.myapp.backends = ["aws"]; api(d).kubernetes.delivery = "external-secrets"; }, "environments.dev.kubernetes.secretStoreBackend", /application myapp is not placed on vault there \(it is on aws\)/],
  ["vault-agent for an application not placed on Vault", (d) => { d.environments.dev.applications = { myapp: { backends: ["azure"] } }; api(d).kubernetes.delivery = "vault-agent"; }, `${K}.delivery`, /application myapp is not placed on vault in environment dev/],
  ["two workloads with one service account", (d) => (d.applications.myapp.workloads.batch = { kubernetes: { namespace: "myapp", serviceAccount: "myapp-api" }, reads: ["jwt"] }), "applications.myapp.workloads.batch.kubernetes.serviceAccount", /service account myapp\/myapp-api is also built for applications.myapp.workloads.api.kubernetes.serviceAccount/],
  // Reading the same secret alike, they share it (test/kubernetes-delivery.test.ts); shaped differently, they cannot.
  ["two workloads syncing one Secret into one namespace with different templates", (d) => {
    api(d).kubernetes.delivery = "external-secrets";
    d.applications.myapp.workloads.batch = {
      kubernetes: { namespace: "myapp", serviceAccount: "myapp-batch", delivery: "external-secrets", secrets: { jwt: { template: { KEY: "{{ .secret_key }}" } } } },
      reads: ["jwt"],
    };
  }, "applications.myapp.workloads.batch.kubernetes", /ExternalSecret and Secret myapp\/myapp-jwt is also built for applications.myapp.workloads.api.kubernetes .*same template and refreshInterval/],
  ["two applications whose Secret names meet", (d) => {
    api(d).kubernetes.delivery = "external-secrets";
    d.applications.myapp.secrets["web-jwt"] = { type: "token" };
    api(d).reads.push("web-jwt");
    d.applications["myapp-web"] = { secrets: { jwt: { type: "token" } }, workloads: { site: { kubernetes: { namespace: "myapp", serviceAccount: "site", delivery: "external-secrets" }, reads: ["jwt"] } } };
  }, "applications.myapp-web.workloads.site.kubernetes", /Secret myapp\/myapp-web-jwt is also built for/],
  ["two kubernetes stacks in one state file", (d) => {
    d.environments.dev.kubernetes.backend = { type: "s3", bucket: "acme-state", region: "us-east-1", key: "shared.tfstate" };
    d.environments.dev.aws.backend = { type: "s3", bucket: "acme-state", region: "us-east-1", key: "shared.tfstate" };
  }, "environments.dev.kubernetes.backend.key", /each stack needs its own state file/],
];

describe("a bad Kubernetes description stops with the field and what to change", () => {
  it("the valid starting point passes", () => {
    expect(problems(fullDescription())).toEqual([]);
  });

  it.each(BAD)("%s", (_, breakIt, path, message) => {
    const d = fullDescription();
    breakIt(d);
    const found = problems(d);
    expect(found.filter((p) => p.path === path && message.test(p.message))).toHaveLength(1);
  });

  it("accepts each delivery on each backend the environment has", () => {
    for (const delivery of ["sdk", "external-secrets", "vault-agent"]) {
      for (const backend of delivery === "vault-agent" ? ["vault"] : ["aws", "vault", "azure"]) {
        const d = fullDescription();
        Object.assign(api(d).kubernetes, { delivery, backend });
        // On Vault a rotating jwt is a transit key with nothing at its KV path, which External Secrets cannot sync
        // (refused below); a jwt without rotation (allowed outside production) is a stored KV value.
        if (delivery === "external-secrets" && backend === "vault") delete d.applications.myapp.secrets.jwt.rotation;
        expect({ delivery, backend, problems: problems(d) }).toEqual({ delivery, backend, problems: [] });
      }
    }
  });

  it("checks nothing Kubernetes-specific where no environment has a kubernetes block", () => {
    const d = fullDescription();
    delete d.environments.dev.kubernetes;
    api(d).kubernetes.delivery = "vault-agent";
    delete d.environments.dev.vault;
    expect(problems(d)).toEqual([]);
  });

  it("defaults: delivery sdk, secretStoreBackend unset (the first backend), kubeconfig ~/.kube/config", () => {
    const d = fullDescription();
    delete d.environments.dev.kubernetes.secretStoreBackend;
    const p = validatePlatform(d);
    expect(p.applications.myapp.workloads!.api.kubernetes!.delivery).toBe("sdk");
    expect(p.environments.dev.kubernetes).toEqual({ kubeconfigContext: "acme-dev", kubeconfigPath: "~/.kube/config" });
  });

  it("the example has a kubernetes block in every environment and every delivery", () => {
    const p = loadPlatform(DEFAULT_CONFIG);
    for (const e of Object.values(p.environments)) expect(e.kubernetes?.kubeconfigContext).toBeTruthy();
    const deliveries = Object.values(p.applications).flatMap((a) => Object.values(a.workloads ?? {}).map((w) => w.kubernetes?.delivery));
    expect(new Set(deliveries)).toEqual(new Set(["sdk", "external-secrets", "vault-agent"]));
    // Not vault: there myapp's rotating secrets are dynamic logins and a transit key, which External Secrets' Vault
    // provider (KV only) cannot sync; the Vault Agent (web) and the SDK read Vault.
    expect(new Set(Object.values(p.environments).map((e) => e.kubernetes?.secretStoreBackend))).toEqual(new Set(["aws", "azure"]));
  });
});
