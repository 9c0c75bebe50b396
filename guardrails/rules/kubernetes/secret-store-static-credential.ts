import type { ResourceRule } from "../../rule";
import { isKind, manifestOf, storeServiceAccount } from "./manifests";

/** Authentication blocks that carry a credential rather than a service account. */
const STATIC_AUTH: Record<string, string[]> = {
  aws: ["secretRef"],
  vault: ["tokenSecretRef", "appRole", "ldap", "userPass", "cert", "iam", "jwt", "gcp"],
  azurekv: ["authSecretRef"],
};

export const secretStoreStaticCredential: ResourceRule = {
  id: "SP-KUB-003",
  name: "SecretStore not authenticating as a service account",
  reason: "A static credential in a Kubernetes Secret never expires and opens the backend to whoever reads the namespace's Secrets; a service account's token is short-lived and bound to one workload.",
  fix: "Authenticate as the workload's service account: aws auth.jwt.serviceAccountRef, vault auth.kubernetes with role and serviceAccountRef, azurekv authType WorkloadIdentity with serviceAccountRef.",
  appliesTo: ["kubernetes_manifest"],
  check(r) {
    if (!isKind(r, "SecretStore") && !isKind(r, "ClusterSecretStore")) return [];
    const m = manifestOf(r);
    const where = `${m.kind} ${m.metadata?.namespace ?? ""}/${m.metadata?.name}`;
    if (m.kind === "ClusterSecretStore") return [`${where} is cluster-wide: any namespace could read through it`];
    const provider: Record<string, any> = m.spec?.provider ?? {};
    const kinds = Object.keys(provider);
    if (kinds.length !== 1 || !["aws", "vault", "azurekv"].includes(kinds[0])) return [`${where} uses provider ${kinds.join(", ") || "none"}; the platform's stores are aws, vault or azurekv`];
    const kind = kinds[0];
    const p = provider[kind] ?? {};
    const auth = kind === "azurekv" ? p : (p.auth ?? {});
    const out = STATIC_AUTH[kind].filter((k) => auth[k] !== undefined).map((k) => `${where} authenticates with ${k}, a static credential`);
    if (kind === "azurekv" && p.authType !== "WorkloadIdentity") out.push(`${where} has authType ${p.authType ?? "(default: ServicePrincipal)"}, not WorkloadIdentity`);
    if (kind === "vault" && (auth.kubernetes?.secretRef !== undefined || typeof auth.kubernetes?.role !== "string")) out.push(`${where} must log in with a role and serviceAccountRef, not a stored token`);
    if (!storeServiceAccount(provider)) out.push(`${where} names no serviceAccountRef`);
    return out;
  },
};
