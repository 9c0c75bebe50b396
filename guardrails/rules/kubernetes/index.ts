// Guardrails for Kubernetes stacks: External Secrets objects sync only what their workload reads and authenticate as a
// service account, and a service account's identity annotations name that workload's own identities. Rules read the
// synthesized kubernetes_service_account_v1 and kubernetes_manifest resources and the secrets-platform.io/* annotations
// the platform writes on them (constructs/kubernetes/labels.ts), never a stack class.
import type { RulePack } from "../../rule";
import { externalSecretBeyondReads } from "./external-secret-beyond-reads";
import { serviceAccountForeignIdentity } from "./service-account-foreign-identity";
import { secretStoreStaticCredential } from "./secret-store-static-credential";
import { secretProviderClassBeyondReads } from "./secret-provider-class-beyond-reads";

export { storeServiceAccount } from "./manifests";
export { externalSecretBeyondReads } from "./external-secret-beyond-reads";
export { serviceAccountForeignIdentity } from "./service-account-foreign-identity";
export { secretStoreStaticCredential } from "./secret-store-static-credential";
export { secretProviderClassBeyondReads } from "./secret-provider-class-beyond-reads";

export const KUBERNETES_RULES: RulePack = {
  name: "kubernetes",
  rules: [externalSecretBeyondReads, serviceAccountForeignIdentity, secretStoreStaticCredential, secretProviderClassBeyondReads],
};
