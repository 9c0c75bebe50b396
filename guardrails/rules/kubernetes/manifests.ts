// Helpers shared by the Kubernetes rules: reading kubernetes_manifest and metadata blocks, a store's service account,
// and the names a backend knows a logical path by.
import type { SynthesizedResource } from "../../rule";
import { blocks } from "../../../readers/synthesized";

export const manifestOf = (r: SynthesizedResource): Record<string, any> => (r.attributes.manifest ?? {}) as Record<string, any>;
export const isKind = (r: SynthesizedResource, kind: string) => String(manifestOf(r).apiVersion ?? "").startsWith("external-secrets.io/") && manifestOf(r).kind === kind;
export const metadataOf = (r: SynthesizedResource): Record<string, any> => blocks(r.attributes.metadata)[0] ?? {};

/** The service account a namespaced object's store authenticates as: provider.*.serviceAccountRef in any auth shape. */
export function storeServiceAccount(provider: Record<string, any>): string | undefined {
  const p = provider.aws ?? provider.vault ?? provider.azurekv;
  const ref = p?.auth?.jwt?.serviceAccountRef ?? p?.auth?.kubernetes?.serviceAccountRef ?? p?.serviceAccountRef;
  return typeof ref?.name === "string" ? ref.name : undefined;
}

/** Logical path -> the names a backend knows it by: the path itself (Secrets Manager, Vault KV) or <app>--<secret> (Key Vault). */
export function remoteNames(path: string): string[] {
  const [, app, secret] = path.split("/");
  return app && secret ? [path, `${app}--${secret.replace(/_/g, "-")}`] : [path];
}
