// The Kubernetes side of the description (environments.<env>.kubernetes, workloads' kubernetes.delivery/backend):
// which backend a workload reads from, whether it logs in to Vault, and the names of the objects built for it.
// Validation (config/load.ts) and the kubernetes-<env> stack both use these, so what validates is what is built.
import { DEFAULTS, SECRET_BACKENDS } from "./schema";

export type SecretBackend = (typeof SECRET_BACKENDS)[number];
export type Delivery = "sdk" | "external-secrets" | "vault-agent" | "csi";

/** The fields these helpers read, loose enough for raw (unvalidated) input. */
interface EnvironmentLike {
  readonly aws?: unknown;
  readonly vault?: unknown;
  readonly azure?: unknown;
  readonly kubernetes?: { readonly secretStoreBackend?: unknown } | unknown;
}
interface BindingLike {
  readonly delivery?: unknown;
  readonly backend?: unknown;
}

const present = (v: unknown) => typeof v === "object" && v !== null;

/** The backends an environment has, in the platform's order. */
export function backendsOf(env: EnvironmentLike): SecretBackend[] {
  return SECRET_BACKENDS.filter((b) => present(env[b]));
}

/** kubernetes.secretStoreBackend, else the first backend the environment has. */
export function defaultSecretBackend(env: EnvironmentLike): SecretBackend | undefined {
  const k = env.kubernetes as { secretStoreBackend?: unknown } | undefined;
  const chosen = present(k) ? k!.secretStoreBackend : undefined;
  if (typeof chosen === "string" && (SECRET_BACKENDS as readonly string[]).includes(chosen)) return chosen as SecretBackend;
  return backendsOf(env)[0];
}

export function deliveryOf(binding: BindingLike): Delivery {
  return binding.delivery === "external-secrets" || binding.delivery === "vault-agent" || binding.delivery === "csi" ? binding.delivery : DEFAULTS.delivery;
}

/** The backend a workload reads from: Vault for the Vault Agent, else its own backend or the environment's default. */
export function workloadBackend(binding: BindingLike, env: EnvironmentLike): SecretBackend | undefined {
  if (deliveryOf(binding) === "vault-agent") return "vault";
  if (typeof binding.backend === "string" && (SECRET_BACKENDS as readonly string[]).includes(binding.backend)) return binding.backend as SecretBackend;
  return defaultSecretBackend(env);
}

/**
 * Whether the workload's service account logs in to Vault (Vault Agent, External Secrets, the CSI driver's Vault
 * provider or the SDK, on Vault). The Vault stack configures Kubernetes auth without a reviewer JWT, so Vault reviews each login with the
 * client's own token, which then needs system:auth-delegator (constructs/vault/kubernetes-auth.ts).
 */
export function logsInToVault(binding: BindingLike, env: EnvironmentLike): boolean {
  return present(env.vault) && workloadBackend(binding, env) === "vault";
}
