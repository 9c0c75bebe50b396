// Guardrails for Kubernetes stacks: External Secrets objects sync only what their workload reads and authenticate as a
// service account, and a service account's identity annotations name that workload's own identities. Rules read the
// synthesized kubernetes_service_account_v1 and kubernetes_manifest resources and the secrets-platform.io/* annotations
// the platform writes on them (constructs/kubernetes/labels.ts), never a stack class.
import type { ResourceRule, RulePack, SynthesizedResource, SynthesizedStack } from "../rule";
import { blocks } from "../synthesized";
import {
  AZURE_CLIENT_ID_ANNOTATION as AZURE_CLIENT_ID,
  IRSA_ROLE_ANNOTATION as IRSA,
  READS_ANNOTATION as READS,
  WORKLOAD_ANNOTATION as WORKLOAD,
} from "../../kubernetes/labels";

const manifestOf = (r: SynthesizedResource): Record<string, any> => (r.attributes.manifest ?? {}) as Record<string, any>;
const isKind = (r: SynthesizedResource, kind: string) => String(manifestOf(r).apiVersion ?? "").startsWith("external-secrets.io/") && manifestOf(r).kind === kind;
const metadataOf = (r: SynthesizedResource): Record<string, any> => blocks(r.attributes.metadata)[0] ?? {};

/** The service account a namespaced object's store authenticates as: provider.*.serviceAccountRef in any auth shape. */
export function storeServiceAccount(provider: Record<string, any>): string | undefined {
  const p = provider.aws ?? provider.vault ?? provider.azurekv;
  const ref = p?.auth?.jwt?.serviceAccountRef ?? p?.auth?.kubernetes?.serviceAccountRef ?? p?.serviceAccountRef;
  return typeof ref?.name === "string" ? ref.name : undefined;
}

/** Logical path -> the names a backend knows it by: the path itself (Secrets Manager, Vault KV) or <app>--<secret> (Key Vault). */
function remoteNames(path: string): string[] {
  const [, app, secret] = path.split("/");
  return app && secret ? [path, `${app}--${secret.replace(/_/g, "-")}`] : [path];
}

function serviceAccount(stack: SynthesizedStack, namespace: string, name: string): SynthesizedResource | undefined {
  return stack.ofType("kubernetes_service_account_v1").find((sa) => {
    const m = metadataOf(sa);
    return m.namespace === namespace && m.name === name;
  });
}

export const externalSecretBeyondReads: ResourceRule = {
  id: "SP-KUB-001",
  name: "ExternalSecret syncing a secret its workload does not read",
  reason: "A synced Secret is readable by every pod of the namespace that mounts it; a secret outside the workload's reads widens what it holds beyond the description.",
  fix: "Sync only the secrets listed in the workload's reads, through the SecretStore of that workload's service account (the kubernetes stack builds exactly these).",
  appliesTo: ["kubernetes_manifest"],
  check(r, { stack }) {
    if (!isKind(r, "ExternalSecret")) return [];
    const m = manifestOf(r);
    const namespace = m.metadata?.namespace;
    const storeName = m.spec?.secretStoreRef?.name;
    if (m.spec?.secretStoreRef?.kind && m.spec.secretStoreRef.kind !== "SecretStore") {
      return [`ExternalSecret ${namespace}/${m.metadata?.name} reads through a ${m.spec.secretStoreRef.kind}, which no single workload's service account bounds`];
    }
    const store = stack.ofType("kubernetes_manifest").find((s) => isKind(s, "SecretStore") && manifestOf(s).metadata?.namespace === namespace && manifestOf(s).metadata?.name === storeName);
    const saName = store ? storeServiceAccount(manifestOf(store).spec?.provider ?? {}) : undefined;
    const sa = saName ? serviceAccount(stack, namespace, saName) : undefined;
    const reads = String(metadataOf(sa ?? ({ attributes: {} } as SynthesizedResource)).annotations?.[READS] ?? "")
      .split(",")
      .filter(Boolean);
    if (!sa) return [`ExternalSecret ${namespace}/${m.metadata?.name}: its SecretStore ${storeName} does not authenticate as a service account of this stack, so what its workload reads is unknown`];
    const allowed = new Set(reads.flatMap(remoteNames));
    const keys = [...blocks(m.spec?.dataFrom).map((d) => d.extract?.key ?? d.find ?? d.sourceRef), ...blocks(m.spec?.data).map((d) => d.remoteRef?.key)];
    return keys
      .filter((k) => typeof k !== "string" || !allowed.has(k))
      .map((k) => `ExternalSecret ${namespace}/${m.metadata?.name} syncs ${JSON.stringify(k)}, which ${saName} (reads ${reads.join(", ") || "nothing"}) does not read`);
  },
};

const escape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * Whether an identity annotation is the workload's own. A cross-stack value is "${type.name.attr}" before cdktf
 * prepares the app and a terraform_remote_state output named cross-stack-output-<type><name><attr> after; either way
 * it names the backend stack's resource, whose construct id is <app>--<workload> (or <app>--<workload>--workload) on AWS
 * and <app>-<workload> on Azure.
 * A literal IAM role ARN must end in -<app>-<workload>; a literal client id cannot be traced to a workload.
 */
function ownIdentity(annotation: string, value: unknown, workload: string): string | undefined {
  const [app, name] = workload.split("/").map(escape);
  if (typeof value !== "string") return `${annotation} is not a string`;
  if (annotation === IRSA) {
    // <app>--<workload>--workload where a secret of the application has the workload's name (stacks/aws-stack.ts).
    if (new RegExp(`aws_iam_role\\.?${app}--${name}(--workload)?_role_`).test(value)) return undefined;
    if (!value.includes("${") && new RegExp(`:role/(.*-)?${app}-${name}$`).test(value)) return undefined;
    return `${IRSA} is ${value}, which is not the IAM role of ${workload}`;
  }
  if (new RegExp(`azurerm_user_assigned_identity\\.?${app}-${name}_identity_`).test(value)) return undefined;
  return `${AZURE_CLIENT_ID} is ${JSON.stringify(value)}, which cannot be traced to ${workload}'s managed identity; take it from the azure stack`;
}

export const serviceAccountForeignIdentity: ResourceRule = {
  id: "SP-KUB-002",
  name: "Service account annotated with another workload's identity",
  reason: "A pod becomes whatever identity its service account names; another workload's role or managed identity hands it that workload's secrets.",
  fix: "Annotate each service account with its own workload's IAM role and managed identity, taken from the aws and azure stacks (the kubernetes stack does).",
  appliesTo: ["kubernetes_service_account_v1"],
  check(r) {
    const annotations = metadataOf(r).annotations ?? {};
    const identities = [IRSA, AZURE_CLIENT_ID].filter((a) => annotations[a] !== undefined);
    if (identities.length === 0) return [];
    const workload = annotations[WORKLOAD];
    if (typeof workload !== "string" || !workload.includes("/")) return [`the service account names an identity but not the workload it is for (${WORKLOAD})`];
    return identities.map((a) => ownIdentity(a, annotations[a], workload)).filter((v): v is string => v !== undefined);
  },
};

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

export const KUBERNETES_RULES: RulePack = {
  name: "kubernetes",
  rules: [externalSecretBeyondReads, serviceAccountForeignIdentity, secretStoreStaticCredential],
};
