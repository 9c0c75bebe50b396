// The kubernetes-<env> stacks of the example, synthesized as one app (as `cdktf synth` does), with a snapshot per
// environment and an assertion for each thing issue 13 asks of them.
import { stringify } from "yaml";
import { durationSeconds, refreshInterval } from "../constructs/kubernetes/refresh-interval";
import { exampleApp, kubeObjects, objectKeys, synthApp, withoutLocalPaths } from "./helpers/kubernetes";
import { exampleDescription } from "./helpers/descriptions";
import type { StackJson } from "./helpers/synth";

const ENVS = ["dev", "staging", "prod"] as const;
const { json, manifest } = exampleApp();
const k8s = (env: string) => json[`kubernetes-${env}`];
const objectsOf = (env: string, kind: string) => kubeObjects(k8s(env)).filter((o) => o.kind === kind);
const serviceAccount = (env: string, name: string) => objectsOf(env, "ServiceAccount").find((o) => o.name === name)!.body;
const annotations = (sa: any) => (Array.isArray(sa.metadata) ? sa.metadata[0] : sa.metadata).annotations;

/** Follows "${data.terraform_remote_state.<input>.outputs.<output>}" to the producing stack's output and the resource it names. */
function crossStack(consumer: StackJson, value: string): { stack: string; resource: any; attribute: string } {
  const m = /^\$\{data\.terraform_remote_state\.([^.]+)\.outputs\.([^}]+)\}$/.exec(value);
  if (!m) throw new Error(`${value} is not a cross-stack reference`);
  const input = consumer.data!.terraform_remote_state[m[1]];
  const stackName = /^cross-stack-reference-input-(.+)$/.exec(m[1])![1];
  const producer = json[stackName];
  const output = producer.output![m[2]];
  expect(output).toBeDefined();
  const ref = /^\$\{([a-z0-9_]+)\.([^.]+)\.([a-z_]+)\}$/.exec(String(output.value))!;
  // The data source reads the producer's own state: same backend, same location.
  const producerBackend = (producer.terraform as any).backend;
  const [kind] = Object.keys(producerBackend);
  expect(input.backend).toBe(kind);
  // use_lockfile locks a writer's state; a read takes no lock, so cdktf leaves it out of the data source.
  const { use_lockfile: _lock, ...location } = producerBackend[kind];
  expect(input.config).toMatchObject(location);
  return { stack: stackName, resource: producer.resource![ref[1]][ref[2]], attribute: ref[3] };
}

describe.each(ENVS)("kubernetes-%s", (env) => {
  it("matches its snapshot", () => {
    expect(withoutLocalPaths(k8s(env))).toMatchSnapshot();
  });

  it("uses the description's kubeconfig context and no credential", () => {
    expect(k8s(env).provider!.kubernetes).toEqual([{ config_context: `acme-${env}`, config_path: "~/.kube/config" }]);
    expect(k8s(env).variable).toBeUndefined();
  });

  it("has one service account per Kubernetes workload, nothing else it was not asked for", () => {
    // dev syncs from AWS: on Vault myapp's rotating secrets are dynamic logins and a transit key, not KV values.
    const secretStoreBackend = { dev: "aws", staging: "aws", prod: "azure" }[env];
    // Service accounts that log in to Vault with their own token: web (vault-agent) always, api (sdk) and worker
    // (external-secrets) where the environment's secretStoreBackend is vault.
    const vaultLogins = secretStoreBackend === "vault" ? ["myapp-jobs.myapp-worker", "myapp.myapp-api", "myapp.myapp-web"] : ["myapp.myapp-web"];
    expect(objectKeys(k8s(env))).toEqual(
      [
        ...vaultLogins.map((n) => `ClusterRoleBinding vault-token-review.${n}`),
        "ExternalSecret myapp-jobs/myapp-database",
        "ExternalSecret myapp-jobs/myapp-jwt",
        "SecretStore myapp-jobs/myapp-worker",
        "ServiceAccount myapp-jobs/myapp-worker",
        "ServiceAccount myapp/myapp-api",
        "ServiceAccount myapp/myapp-web",
      ].sort(),
    );
  });

  it.each(["myapp-api", "myapp-worker", "myapp-web"])("%s is annotated with its own IRSA role and managed identity, taken from the backend stacks' state", (sa) => {
    const a = annotations(serviceAccount(env, sa));
    const role = crossStack(k8s(env), a["eks.amazonaws.com/role-arn"]);
    expect(role).toMatchObject({ stack: `aws-${env}`, attribute: "arn" });
    expect(role.resource.name).toBe(`acme-${env}-${sa}`);
    const identity = crossStack(k8s(env), a["azure.workload.identity/client-id"]);
    expect(identity).toMatchObject({ stack: `azure-${env}`, attribute: "client_id" });
    expect(identity.resource.name).toBe(`acme-${env}-${sa}`);
  });

  it("mounts the service account token only where a pod logs in to Vault with it", () => {
    const automount = Object.fromEntries(objectsOf(env, "ServiceAccount").map((o) => [o.name, o.body.automount_service_account_token]));
    expect(automount).toEqual({ "myapp-api": false, "myapp-worker": false, "myapp-web": true });
  });

  it("binds system:auth-delegator to exactly one service account per binding", () => {
    for (const b of objectsOf(env, "ClusterRoleBinding")) {
      expect(b.body.role_ref).toEqual({ api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" });
      expect(b.body.subject).toHaveLength(1);
      expect(b.body.subject[0].kind).toBe("ServiceAccount");
    }
  });

  it("syncs each secret the worker reads into Secret myapp-<secret>, owned by its ExternalSecret, by reference only", () => {
    const remote = (secret: string) => (env === "prod" ? `myapp--${secret}` : `${env}/myapp/${secret}`);
    for (const secret of ["database", "jwt"]) {
      const es = objectsOf(env, "ExternalSecret").find((o) => o.name === `myapp-${secret}`)!.body;
      expect(es.apiVersion).toBe("external-secrets.io/v1");
      expect(es.spec).toEqual({
        refreshInterval: "1h", // min(30 or 7 days / 10, 1h)
        secretStoreRef: { name: "myapp-worker", kind: "SecretStore" },
        target: { name: `myapp-${secret}`, creationPolicy: "Owner" },
        dataFrom: [{ extract: { key: remote(secret) } }],
      });
    }
  });

  it("the SecretStore authenticates as the worker's service account on the environment's secretStoreBackend", () => {
    const store = objectsOf(env, "SecretStore")[0].body;
    expect(store.apiVersion).toBe("external-secrets.io/v1");
    const provider = store.spec.provider;
    if (env === "dev" || env === "staging") {
      expect(provider).toEqual({ aws: { service: "SecretsManager", region: "us-east-1", auth: { jwt: { serviceAccountRef: { name: "myapp-worker" } } } } });
    } else {
      const { vaultUrl, ...rest } = provider.azurekv;
      expect(rest).toEqual({ authType: "WorkloadIdentity", tenantId: "00000000-0000-0000-0000-0000000000aa", serviceAccountRef: { name: "myapp-worker" } });
      const vault = crossStack(k8s(env), vaultUrl);
      expect(vault).toMatchObject({ stack: "azure-prod", attribute: "vault_uri" });
      expect(vault.resource.name).toBe("acme-prod-kv");
    }
  });

  it("outputs the Vault Agent annotations of the web workload: its role, and its jwt's transit public keys rendered as JSON", () => {
    // The jwt rotates on Vault as a transit key: the agent renders its public keys; signing goes through the API.
    expect(k8s(env).output!["vault-agent-annotations-myapp-web"].value).toEqual({
      "vault.hashicorp.com/agent-inject": "true",
      "vault.hashicorp.com/role": `${env}-myapp-web`,
      "vault.hashicorp.com/auth-path": "auth/kubernetes",
      "vault.hashicorp.com/agent-inject-secret-jwt": `transit/keys/${env}-myapp--jwt`,
      "vault.hashicorp.com/agent-inject-template-jwt": `{{- with secret "transit/keys/${env}-myapp--jwt" -}}{{ .Data | toJSON }}{{- end }}`,
    });
  });

  it("is deployed after the stacks it reads from, which export what it uses", () => {
    expect(manifest.stacks[`kubernetes-${env}`].dependencies.sort()).toEqual([`aws-${env}`, `azure-${env}`]);
    expect(Object.keys(k8s(env).data!.terraform_remote_state).sort()).toEqual([`cross-stack-reference-input-aws-${env}`, `cross-stack-reference-input-azure-${env}`]);
  });

  it("creates no Secret and holds no value: ExternalSecrets name where values are, never what they are", () => {
    const all = kubeObjects(k8s(env));
    expect(all.filter((o) => o.kind === "Secret")).toEqual([]);
    const text = JSON.stringify(k8s(env));
    expect(text).not.toMatch(/stringData|"password"|secret_key|BEGIN [A-Z ]*PRIVATE KEY/);
  });
});

describe("cross-stack references with remote state backends", () => {
  const d = exampleDescription();
  const dev = d.environments.dev;
  dev.aws.backend = { type: "s3", bucket: "acme-tf-state", region: "us-east-1", kmsKeyId: "alias/tf-state" };
  dev.azure.backend = { type: "azurerm", resourceGroupName: "rg-state", storageAccountName: "acmetfstate", containerName: "tfstate" };
  dev.kubernetes.backend = { type: "s3", bucket: "acme-tf-state", region: "us-east-1" };
  const out = synthApp(stringify(d), { environments: ["dev"], backends: ["kubernetes"] });

  it("builds the backend stacks a kubernetes stack needs even when only kubernetes is asked for", () => {
    expect(Object.keys(out.json).sort()).toEqual(["aws-dev", "azure-dev", "kubernetes-dev", "vault-dev"]);
  });

  it("reads the AWS stack's outputs from its S3 state and the Azure stack's from its azurerm state", () => {
    const remote = out.json["kubernetes-dev"].data!.terraform_remote_state;
    expect(remote["cross-stack-reference-input-aws-dev"]).toMatchObject({
      backend: "s3",
      config: { bucket: "acme-tf-state", key: "secrets-platform/aws-dev.tfstate", region: "us-east-1", encrypt: true },
    });
    expect(remote["cross-stack-reference-input-azure-dev"]).toMatchObject({
      backend: "azurerm",
      config: { resource_group_name: "rg-state", storage_account_name: "acmetfstate", container_name: "tfstate", key: "secrets-platform/azure-dev.tfstate" },
    });
    expect((out.json["kubernetes-dev"].terraform as any).backend.s3).toMatchObject({ key: "secrets-platform/kubernetes-dev.tfstate", encrypt: true, use_lockfile: true });
  });

  it("the AWS stack exports each role ARN the service accounts use, and nothing secret", () => {
    const outputs = Object.entries(out.json["aws-dev"].output!).filter(([k]) => k.startsWith("cross-stack-output-"));
    expect(outputs.map(([, o]) => o.value).sort()).toEqual([
      "${aws_iam_role.myapp--api_role_1FDC4F2D.arn}",
      "${aws_iam_role.myapp--web_role_F3C4F6CB.arn}",
      "${aws_iam_role.myapp--worker_role_12BB44A9.arn}",
    ]);
  });
});

describe("refresh interval", () => {
  it.each([
    [undefined, "1h"],
    [30 * 86_400, "1h"],
    [86_400, "1h"],
    [4 * 3600, "24m"],
    [5 * 3600, "30m"],
    [600, "1m"],
  ])("rotation every %s s refreshes every %s", (period, expected) => {
    expect(refreshInterval(period)).toBe(expected);
    expect(durationSeconds(expected)).toBeLessThanOrEqual(Math.min((period ?? Infinity) / 10, 3600));
  });

  it("a secret rotating every 4 hours is refreshed every 24 minutes, a cron one at least as often", () => {
    const d = exampleDescription();
    d.applications.myapp.secrets.jwt.rotation = { scheduleExpression: "rate(4 hours)" };
    d.applications.myapp.secrets.database.rotation = { strategy: "alternating-users", scheduleExpression: "cron(0 3 ? * SUN *)", masterSecret: "dbadmin/master" };
    // Schedules Secrets Manager follows; Azure's rotation follows Key Vault's expiry in days, so it is left out here.
    for (const e of Object.values<any>(d.environments)) delete e.azure;
    for (const e of Object.values<any>(d.environments)) if (e.kubernetes?.secretStoreBackend === "azure") e.kubernetes.secretStoreBackend = "aws";
    const out = synthApp(stringify(d), { environments: ["dev"], backends: ["kubernetes"] });
    const interval = (name: string) => kubeObjects(out.json["kubernetes-dev"]).find((o) => o.kind === "ExternalSecret" && o.name === name)!.body.spec.refreshInterval;
    expect(interval("myapp-jwt")).toBe("24m");
    expect(interval("myapp-database")).toBe("24m");
  });
});
