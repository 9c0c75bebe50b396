// The review shows what the kubernetes stack builds per workload and flags native Secrets that are never refreshed.
import { buildReview } from "../review/build";
import { renderMarkdown } from "../review/markdown";
import type { ReviewedStack } from "../review/model";
import { exampleApp } from "./helpers/kubernetes";

const { json } = exampleApp();
const stacksOf = (env: string, k8s = json[`kubernetes-${env}`]): ReviewedStack[] => [
  { name: `aws-${env}`, backend: "aws", json: json[`aws-${env}`] },
  { name: `vault-${env}`, backend: "vault", json: json[`vault-${env}`] },
  { name: `azure-${env}`, backend: "azure", json: json[`azure-${env}`] },
  { name: `kubernetes-${env}`, backend: "kubernetes", json: k8s as any },
];
const review = (stacks: ReviewedStack[]) => buildReview({ environment: "dev", production: false, stacks, guardrails: [] });

it("lists each workload's service account, delivery, identities, store and the secrets it syncs or renders", () => {
  expect(review(stacksOf("dev")).kubernetes).toEqual([
    {
      stack: "kubernetes-dev",
      workload: "myapp/api",
      serviceAccount: "myapp/myapp-api",
      delivery: "sdk",
      identities: ["IRSA role", "Azure managed identity"],
      store: "-",
      secrets: [],
      flag: undefined,
    },
    {
      stack: "kubernetes-dev",
      workload: "myapp/web",
      serviceAccount: "myapp/myapp-web",
      delivery: "vault-agent",
      identities: ["IRSA role", "Azure managed identity", "Vault login (system:auth-delegator)"],
      store: "-",
      secrets: ["/vault/secrets/jwt <- transit/keys/dev-myapp--jwt"],
      flag: undefined,
    },
    {
      stack: "kubernetes-dev",
      workload: "myapp/worker",
      serviceAccount: "myapp-jobs/myapp-worker",
      delivery: "external-secrets",
      identities: ["IRSA role", "Azure managed identity"],
      store: "SecretStore myapp-worker (aws)",
      secrets: ["Secret myapp-database <- dev/myapp/database (every 1h)", "Secret myapp-jwt <- dev/myapp/jwt (every 1h)"],
      flag: undefined,
    },
  ]);
  expect(review(stacksOf("staging")).kubernetes.find((k) => k.workload === "myapp/api")!.identities).toEqual(["IRSA role", "Azure managed identity"]);
});

it.each([
  [{ refreshInterval: "0" }, "refreshInterval 0"],
  [{ refreshInterval: "0s" }, "refreshInterval 0s"],
  [{ refreshPolicy: "CreatedOnce" }, "refreshPolicy CreatedOnce"],
])("flags a workload whose synced Secret has no refresh (%o)", (change, why) => {
  const k8s = structuredClone(json["kubernetes-dev"]) as any;
  const es = Object.values<any>(k8s.resource.kubernetes_manifest).find((r) => r.manifest.kind === "ExternalSecret" && r.manifest.metadata.name === "myapp-jwt");
  Object.assign(es.manifest.spec, change);
  const r = review(stacksOf("dev", k8s));
  expect(r.kubernetes.filter((k) => k.flag).map((k) => [k.workload, k.flag])).toEqual([["myapp/worker", `synced into native Secrets with no refresh: myapp-jwt (${why})`]]);
  expect(renderMarkdown(r)).toContain(`**synced into native Secrets with no refresh: myapp-jwt (${why})**`);
});

it("the Markdown has a Kubernetes section with one row per workload", () => {
  const md = renderMarkdown(review(stacksOf("dev")));
  const section = md.slice(md.indexOf("## Kubernetes"), md.indexOf("## Network exposure"));
  expect(section.split("\n").filter((l) => l.startsWith("| myapp/"))).toHaveLength(3);
  expect(section).toContain("| myapp/worker | myapp-jobs/myapp-worker | external-secrets |");
});
