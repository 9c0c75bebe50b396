// Delivery shaped for the application (issue 20): External Secrets' Secret name, template and refresh interval per
// secret a workload reads, one shared ExternalSecret for workloads that read a secret alike, and delivery csi's
// SecretProviderClass for each backend's provider, as the pod's own identity. Manifests are validated against
// Kubernetes' and External Secrets' schemas (kubernetes-models), SecretProviderClass against its CRD's structure.
import { spawnSync } from "node:child_process";
import { Testing } from "cdktf";
import { SecretProviderClass } from "../constructs/kubernetes/secret-provider-class";
import type { KubernetesSecretsStack } from "../stacks/kubernetes-stack";
import { buildPlatform } from "../stacks/platform";
import { errorMessages, errorsOf } from "./guardrails-helpers";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { parsePlatform } from "../config/load";
import { templateFields } from "../config/checks/delivery";
import { csiObjects, kubernetesTable } from "../review/kubernetes";
import { issuesOf, toYaml } from "./helpers/descriptions";
import { twoClusterDescription } from "./helpers/clusters";
import { kubeObjects, synthApp } from "./helpers/kubernetes";
import { secretProviderClassProblems } from "./helpers/secret-provider-class-schema";

const out = synthApp(parsePlatform(toYaml(twoClusterDescription()), "test"));
const eks = out.json["kubernetes-prod-eu-eks-main"] as any;
const aks = out.json["kubernetes-prod-eu-aks-west"] as any;
const objects = [...kubeObjects(eks), ...kubeObjects(aks)];
const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.name === name)!;

/** Validation lines from test/helpers/validate-manifests.mjs, one per manifest ("ok" or the schema's error). */
function validate(manifests: unknown[]): string[] {
  const r = spawnSync(process.execPath, [path.join(__dirname, "helpers", "validate-manifests.mjs")], { input: JSON.stringify(manifests), encoding: "utf8", cwd: path.join(__dirname, "..") });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split("\n");
}

describe("External Secrets shaped for the application", () => {
  it("names the Secret, builds its keys with ESO's template v2 and refreshes at the interval given", () => {
    const es = find("ExternalSecret", "billing-db").body;
    expect(es.spec.target).toEqual({
      name: "billing-db",
      creationPolicy: "Owner",
      template: { engineVersion: "v2", data: { DATABASE_URL: "postgresql://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .dbname }}" } },
    });
    expect(es.spec.refreshInterval).toBe("30m");
    expect(es.spec.dataFrom).toEqual([{ extract: { key: "prod-eu/billing-api/db-main" } }]);
    // Not shaped: the default name and the default interval (a tenth of the rotation, at most 1h).
    expect(find("ExternalSecret", "billing-api-session-key").body.spec).toMatchObject({ refreshInterval: "1h", target: { name: "billing-api-session-key", creationPolicy: "Owner" } });
  });

  it("builds one ExternalSecret and Secret for two workloads of a namespace reading the same secret alike", () => {
    const synced = objects.filter((o) => o.kind === "ExternalSecret" && o.body.spec.target.name === "billing-db");
    expect(synced).toHaveLength(1);
    // Both workloads' rows in the review show it; it syncs through the first one's store.
    expect(synced[0].body.spec.secretStoreRef.name).toBe("billing-api-web-front");
  });

  it("passes External Secrets' and Kubernetes' own schemas", () => {
    const manifests = objects.filter((o) => ["ExternalSecret", "SecretStore"].includes(o.kind)).map((o) => o.body);
    expect(manifests.length).toBeGreaterThanOrEqual(4);
    expect(validate(manifests)).toEqual(manifests.map(() => "ok"));
    // The check can fail: an engine version ESO does not know is refused.
    const broken = JSON.parse(JSON.stringify(find("ExternalSecret", "billing-db").body));
    broken.spec.target.template.engineVersion = "v3";
    expect(validate([broken])[0]).toMatch(/engineVersion must be equal to one of the allowed values/);
  });

  it("reads the fields a template names", () => {
    expect(templateFields("postgresql://{{ .username }}:{{ .password | urlquery }}@{{ .host }}:{{ .port }}/{{ .dbname }}")).toEqual(["username", "password", "host", "port", "dbname"]);
    expect(templateFields('{{ printf "%s:%s" .username .password }}')).toEqual(["username", "password"]);
  });

  const W = "applications.billing-api.workloads.web-front.kubernetes";
  const cases: [string, (d: any) => void, RegExp][] = [
    ["a template naming a field the value lacks", (d) => (d.applications["billing-api"].workloads["web-front"].kubernetes.secrets["db-main"].template.DATABASE_URL = "{{ .user }}:{{ .password }}"),
      new RegExp(`^${W}\\.secrets\\.db-main\\.template\\.DATABASE_URL: names \\.user, not a field of a postgres value: use \\.username, \\.password`)],
    ["a refresh slower than the rotation bound", (d) => {
      const w = d.applications["billing-api"].workloads;
      w["web-front"].kubernetes.secrets["db-main"].refreshInterval = "2h";
      w["web-admin"].kubernetes.secrets["db-main"].refreshInterval = "2h";
    }, new RegExp(`^${W}\\.secrets\\.db-main\\.refreshInterval: is 2h, longer than 1h, a tenth of db-main's rotation period`)],
    ["a refresh of zero", (d) => (d.applications["billing-api"].workloads["web-front"].kubernetes.secrets["db-main"].refreshInterval = "0m"),
      new RegExp(`^${W}\\.secrets\\.db-main\\.refreshInterval: must be longer than 0`)],
    ["a refresh in days", (d) => (d.applications["billing-api"].workloads["web-front"].kubernetes.secrets["db-main"].refreshInterval = "1d"),
      new RegExp(`^${W}\\.secrets\\.db-main\\.refreshInterval: must be a duration such as 1h, 30m or 1h30m`)],
    ["shaping a secret the workload does not read", (d) => (d.applications["billing-api"].workloads["web-front"].kubernetes.secrets["partner-key"] = { secretName: "partner" }),
      new RegExp(`^${W}\\.secrets\\.partner-key: names partner-key, which billing-api/web-front does not read`)],
    ["shaping a secret of a workload without External Secrets", (d) => (d.applications["billing-api"].workloads["report-job"].kubernetes.secrets = { "db-main": { secretName: "x" } }),
      /^applications\.billing-api\.workloads\.report-job\.kubernetes\.secrets\.db-main: shapes a Secret that External Secrets syncs, but billing-api\/report-job has delivery csi/],
    ["two workloads syncing one Secret shaped differently", (d) => (d.applications["billing-api"].workloads["web-admin"].kubernetes.secrets["db-main"].refreshInterval = "10m"),
      /^applications\.billing-api\.workloads\.web-admin\.kubernetes\.secrets\.db-main\.secretName: ExternalSecret and Secret billing-ns\/billing-db is also built for applications\.billing-api\.workloads\.web-front\.kubernetes.*same template and refreshInterval/],
  ];
  it.each(cases)("refuses %s", (_what, breakIt, message) => {
    const d = twoClusterDescription();
    breakIt(d);
    expect(issuesOf(d).filter((i) => message.test(i))).toHaveLength(1);
  });
});

describe("delivery csi", () => {
  const spc = (name: string) => find("SecretProviderClass", name).body;

  it("passes the SecretProviderClass CRD's structure and each provider's required parameters", () => {
    const all = objects.filter((o) => o.kind === "SecretProviderClass");
    expect(all.map((o) => o.body.spec.provider).sort()).toEqual(["aws", "azure", "vault"]);
    for (const o of all) expect(secretProviderClassProblems(o.body)).toEqual([]);
    // The check can fail.
    expect(secretProviderClassProblems({ ...spc("billing-api-report-job"), spec: { provider: "aws", parameters: { region: 1 }, objects: [] } })).toEqual([
      "spec.objects is not in the CRD's schema",
      "spec.parameters is not a map of strings",
      "parameters.objects is required by the aws provider",
      "parameters.objects is not the provider's list of objects",
    ]);
  });

  it("on AWS: the secrets by name, each whole and its string fields through jmesPath, as the pod's IRSA role", () => {
    const p = spc("billing-api-report-job").spec.parameters;
    expect(p.usePodIdentity).toBe("false");
    expect(p.region).toBe("eu-west-1");
    expect(parse(p.objects)).toEqual([
      {
        objectName: "prod-eu/billing-api/db-main",
        objectType: "secretsmanager",
        objectAlias: "db-main",
        jmesPath: ["username", "password", "host", "dbname"].map((f) => ({ path: f, objectAlias: `db-main_${f}` })),
      },
      { objectName: "prod-eu/billing-api/partner-key", objectType: "secretsmanager", objectAlias: "partner-key" },
    ]);
    const sa = find("ServiceAccount", "report-job-sa").body;
    expect(sa.metadata.annotations["eks.amazonaws.com/role-arn"]).toMatch(/aws_iam_rolebilling-api--report-job_role_.*arn/);
    // The provider requests its own token; the pod needs none mounted.
    expect(sa.automount_service_account_token).toBe(false);
  });

  it("on Azure: the Key Vault secrets, as the managed identity federated with the pod's service account", () => {
    const p = spc("billing-api-batch-job").spec.parameters;
    expect(p).toMatchObject({ usePodIdentity: "false", keyvaultName: "acme-corp-prod-eu-kv", tenantID: "00000000-0000-0000-0000-0000000000aa" });
    expect(p.clientID).toMatch(/azurerm_user_assigned_identitybilling-api-batch-job_identity_.*client_id/);
    expect(parse(p.objects).array.map((doc: string) => parse(doc))).toEqual([
      { objectName: "billing-api--session-key", objectType: "secret", objectAlias: "session-key" },
      { objectName: "billing-api--partner-key", objectType: "secret", objectAlias: "partner-key" },
    ]);
    expect(find("ServiceAccount", "batch-job-sa").body.metadata.annotations["azure.workload.identity/client-id"]).toBe(p.clientID);
  });

  it("on Vault: each field by secretKey, logging in as the pod's service account on its own cluster's mount", () => {
    const p = spc("billing-api-vault-reader").spec.parameters;
    expect(p).toMatchObject({
      vaultAddress: "https://vault.prod-eu.example.com:8200",
      roleName: "prod-eu-billing-api-vault-reader",
      vaultKubernetesMountPath: "kubernetes-aks-west",
      audience: "https://kubernetes.default.svc",
    });
    expect(parse(p.objects)).toEqual([
      ...["username", "password", "host", "dbname"].map((f) => ({ objectName: `db-main_${f}`, secretPath: "secret/data/prod-eu/billing-api/db-main", secretKey: f })),
      { objectName: "session-key_token", secretPath: "secret/data/prod-eu/billing-api/session-key", secretKey: "token" },
    ]);
    // Vault reviews the provider's token for the pod's service account with that token: it needs TokenReview.
    const bindings = objects.filter((o) => o.kind === "ClusterRoleBinding").map((o) => o.body.subject[0]);
    expect(bindings).toContainEqual(expect.objectContaining({ kind: "ServiceAccount", name: "vault-reader-sa", namespace: "billing-batch" }));
  });

  it("shows each csi workload in the review with its SecretProviderClass and the files it mounts", () => {
    const rows = kubernetesTable(Object.entries(out.json).map(([name, json]) => ({ name, backend: name.split("-")[0], json }) as any));
    const row = rows.find((r) => r.workload === "billing-api/report-job")!;
    expect(row.delivery).toBe("csi");
    expect(row.store).toBe("SecretProviderClass billing-api-report-job (aws)");
    expect(row.secrets).toContain("file db-main_password <- prod-eu/billing-api/db-main .password");
    expect(rows.find((r) => r.workload === "billing-api/vault-reader")!.secrets).toContain("file db-main_password <- secret/data/prod-eu/billing-api/db-main .password");
  });

  it("the Deployment of docs/kubernetes.md mounts what the stack builds, as the service account it builds", () => {
    const doc = readFileSync(path.join(__dirname, "..", "docs", "kubernetes.md"), "utf8");
    const m = /<!-- manifest: csi -->\n```yaml\n([\s\S]*?)```/.exec(doc);
    expect(m).not.toBeNull();
    const docs = parseAllDocuments(m![1]);
    expect(docs.every((d) => d.errors.length === 0)).toBe(true);
    const deployment = docs[0].toJS();
    expect(validate([deployment])).toEqual(["ok"]);
    const pod = deployment.spec.template.spec;
    const sa = objects.find((o) => o.kind === "ServiceAccount" && o.namespace === deployment.metadata.namespace && o.name === pod.serviceAccountName);
    expect(sa).toBeDefined();
    const workload = sa!.body.metadata.annotations["secrets-platform.io/workload"];
    const [volume] = pod.volumes;
    expect(volume.csi).toEqual({ driver: "secrets-store.csi.k8s.io", readOnly: true, volumeAttributes: { secretProviderClass: expect.any(String) } });
    expect(eks.output["secret-provider-classes"].value[workload]).toBe(`${deployment.metadata.namespace}/${volume.csi.volumeAttributes.secretProviderClass}`);
    const provided = spc(volume.csi.volumeAttributes.secretProviderClass);
    const files = csiObjects(provided.spec.provider, provided.spec.parameters).map((f) => f.split(" ")[1]);
    const mount = pod.containers[0].volumeMounts.find((v: any) => v.name === volume.name).mountPath;
    for (const e of pod.containers[0].env) expect(files).toContain(path.posix.relative(mount, e.value));
  });
});

describe("SP-KUB-004 SecretProviderClass mounting a secret its workload does not read", () => {
  /** kubernetes-prod-eu-<cluster> of the two-cluster description, with its backend stacks, before synthesis. */
  function fresh(cluster: string) {
    const app = Testing.app();
    buildPlatform(app, parsePlatform(toYaml(twoClusterDescription()), "test"), { backends: ["kubernetes"] });
    return app.node.findChild(`kubernetes-prod-eu-${cluster}`) as KubernetesSecretsStack;
  }

  it("passes the SecretProviderClasses the stacks build, on every backend", () => {
    expect(errorsOf(fresh("eks-main"))).toEqual([]);
    expect(errorsOf(fresh("aks-west"))).toEqual([]);
  });

  it.each([
    ["aws", "eks-main", "billing-api/report-job", { kind: "aws", region: "eu-west-1" }, "prod-eu/billing-api/session-key"],
    ["azure", "aks-west", "billing-api/batch-job", { kind: "azure", keyVaultName: "kv", tenantId: "t", clientId: "c" }, "billing-api--db-main"],
    ["vault", "aks-west", "billing-api/vault-reader", { kind: "vault", address: "https://v", role: "r", authPath: "kubernetes-aks-west", audience: "a" }, "secret/data/prod-eu/billing-api/partner-key"],
  ] as const)("fires on %s when a class of a workload mounts a secret it does not read", (_backend, cluster, workload, backend, remoteKey) => {
    const k8s = fresh(cluster);
    const binding = k8s.workloads.get(workload)!.serviceAccount;
    new SecretProviderClass(k8s, "extra", { namespace: binding.namespace, name: "extra", backend: backend as any, secrets: [{ remoteKey, files: [{ file: "extra" }] }], workload });
    expect(errorMessages(k8s)).toEqual([expect.stringMatching(new RegExp(`^\\[SP-KUB-004\\].*SecretProviderClass ${binding.namespace}/extra mounts "${remoteKey}", which ${workload} \\(reads .*\\) does not read`))]);
  });
});
