// Validates Kubernetes manifests against the schemas kubernetes-models and @kubernetes-models/external-secrets carry
// (Kubernetes' own OpenAPI and External Secrets' CRDs). Those packages ship ES modules only, which jest's CommonJS
// loader does not take, so tests run this file with node: manifests as a JSON array on stdin, one line per manifest
// on stdout, "ok" or the validation error.
import { readFileSync } from "node:fs";
import { ExternalSecret } from "@kubernetes-models/external-secrets/external-secrets.io/v1/ExternalSecret";
import { SecretStore } from "@kubernetes-models/external-secrets/external-secrets.io/v1/SecretStore";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";

const KINDS = { ExternalSecret, SecretStore, Deployment, ServiceAccount };
const manifests = JSON.parse(readFileSync(0, "utf8"));
for (const m of manifests) {
  const Model = KINDS[m.kind];
  if (!Model) {
    console.log(`no schema for ${m.kind}`);
    continue;
  }
  try {
    new Model(m).validate();
    console.log("ok");
  } catch (err) {
    console.log(String(err.message ?? err).replace(/\n/g, " "));
  }
}
