// The pod annotations the Vault Agent Injector reads (developer.hashicorp.com/vault/docs/platform/k8s/injector/annotations):
// log in with the pod's service account to the workload's Kubernetes auth role, and render each secret as JSON into
// /vault/secrets/<name>. They are data for a pod template, not a resource: the kubernetes stack outputs them.

export interface AgentSecret {
  /** File name under /vault/secrets/, also the annotation suffix. */
  readonly name: string;
  /**
   * The full Vault API path: <kv mount>/data/<env>/<app>/<secret> for KV v2, <db mount>/creds/<role> for dynamic
   * credentials, <db mount>/static-creds/<role> for a static role, <transit mount>/keys/<key> for a transit key's
   * public keys.
   */
  readonly vaultPath: string;
  /** KV v2 keeps the value under .Data.data; other engines return it under .Data. */
  readonly engine: "kv-v2" | "database" | "transit";
}

export interface VaultAgentAnnotationsProps {
  /** The workload's Kubernetes auth role. */
  readonly role: string;
  /** The Kubernetes auth mount, without auth/. */
  readonly authPath: string;
  readonly secrets: readonly AgentSecret[];
  /** @default - no Vault Enterprise namespace */
  readonly namespace?: string;
}

const PREFIX = "vault.hashicorp.com/";

/** Annotation name parts stop at 63 characters and allow letters, digits, -, _ and . */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function vaultAgentAnnotations(props: VaultAgentAnnotationsProps): Record<string, string> {
  const out: Record<string, string> = {
    [`${PREFIX}agent-inject`]: "true",
    [`${PREFIX}role`]: props.role,
    [`${PREFIX}auth-path`]: `auth/${props.authPath}`,
  };
  if (props.namespace) out[`${PREFIX}namespace`] = props.namespace;
  for (const s of props.secrets) {
    const key = `agent-inject-template-${s.name}`;
    if (!NAME.test(s.name) || key.length > 63) throw new Error(`Vault Agent secret name "${s.name}" cannot be an annotation suffix`);
    out[`${PREFIX}agent-inject-secret-${s.name}`] = s.vaultPath;
    // Render the whole value as one JSON document, the same shape the secret has on every backend.
    const data = s.engine === "kv-v2" ? ".Data.data" : ".Data";
    out[`${PREFIX}${key}`] = `{{- with secret "${s.vaultPath}" -}}{{ ${data} | toJSON }}{{- end }}`;
  }
  return out;
}

/** The Vault paths a set of annotations makes the agent read: one per agent-inject-secret-<name>. */
export function agentSecretPaths(annotations: Readonly<Record<string, string>>): string[] {
  return Object.entries(annotations)
    .filter(([k]) => k.startsWith(`${PREFIX}agent-inject-secret-`))
    .map(([, v]) => v);
}
