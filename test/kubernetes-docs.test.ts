// docs/kubernetes.md shows one complete manifest per delivery; each must fit what kubernetes-dev of the example
// really builds: the service account it runs as, the Secrets it mounts, the annotations the stack outputs.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { exampleApp, kubeObjects } from "./helpers/kubernetes";

const doc = readFileSync(path.join(__dirname, "..", "docs", "kubernetes.md"), "utf8");
const k8s = exampleApp().json["kubernetes-dev"];
const objects = kubeObjects(k8s);

function manifest(delivery: string): any {
  const m = new RegExp(`<!-- manifest: ${delivery} -->\\n\`\`\`yaml\\n([\\s\\S]*?)\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/kubernetes.md has no manifest for ${delivery}`);
  const docs = parseAllDocuments(m[1]);
  expect(docs.every((d) => d.errors.length === 0)).toBe(true);
  expect(docs).toHaveLength(1);
  return docs[0].toJS();
}

/** The service account object the stack builds for a namespace/name, or undefined. */
const serviceAccount = (namespace: string, name: string) => objects.find((o) => o.kind === "ServiceAccount" && o.namespace === namespace && o.name === name);
const workloadOf = (sa: any) => sa.body.metadata.annotations["secrets-platform.io/workload"];

describe.each(["sdk", "external-secrets", "vault-agent"])("the %s manifest", (delivery) => {
  const d = manifest(delivery);
  const pod = d.spec.template;

  it("is a Deployment whose pods run as a service account the stack builds, in its namespace", () => {
    expect(d).toMatchObject({ apiVersion: "apps/v1", kind: "Deployment" });
    expect(d.spec.selector.matchLabels).toEqual(expect.objectContaining({ app: pod.metadata.labels.app }));
    const sa = serviceAccount(d.metadata.namespace, pod.spec.serviceAccountName);
    expect(sa).toBeDefined();
  });

  it("fits the delivery the stack built for that workload", () => {
    const sa = serviceAccount(d.metadata.namespace, pod.spec.serviceAccountName)!;
    const workload = workloadOf(sa);
    const agentOutput = k8s.output![`vault-agent-annotations-${workload.replace("/", "-")}`]?.value;
    const store = objects.find((o) => o.kind === "SecretStore" && o.namespace === d.metadata.namespace && JSON.stringify(o.body.spec.provider).includes(pod.spec.serviceAccountName));
    if (delivery === "sdk") {
      expect(agentOutput).toBeUndefined();
      expect(store).toBeUndefined();
      // The label is the pod's job; the service account carries the client id it selects.
      expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
      expect(sa.body.metadata.annotations["azure.workload.identity/client-id"]).toBeDefined();
    }
    if (delivery === "external-secrets") {
      expect(store).toBeDefined();
      const synced = objects
        .filter((o) => o.kind === "ExternalSecret" && o.namespace === d.metadata.namespace && o.body.spec.secretStoreRef.name === store!.name)
        .map((o) => o.body.spec.target.name)
        .sort();
      const mounted = pod.spec.volumes.map((v: any) => v.secret.secretName).sort();
      expect(mounted).toEqual(synced);
      const mounts = pod.spec.containers.flatMap((c: any) => c.volumeMounts.map((m: any) => m.name)).sort();
      expect(mounts).toEqual(pod.spec.volumes.map((v: any) => v.name).sort());
    }
    if (delivery === "vault-agent") {
      expect(pod.metadata.annotations).toEqual(agentOutput);
      expect(d.metadata.annotations).toBeUndefined(); // the injector reads the pod's annotations, not the Deployment's
      const files = Object.keys(agentOutput as object)
        .filter((k) => k.includes("agent-inject-secret-"))
        .map((k) => `/vault/secrets/${k.split("agent-inject-secret-")[1]}`);
      expect(pod.spec.containers[0].env.map((e: any) => e.value)).toEqual(files);
    }
  });
});

it("the README links the Kubernetes documentation", () => {
  const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
  expect(readme).toContain("(docs/kubernetes.md)");
});
