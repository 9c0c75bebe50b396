// Helpers shared by the Vault policy rules (SP-VLT-001 to SP-VLT-003): a policy's path rules and its admin paths.
import type { ResourceRule, SynthesizedResource } from "../../rule";
import { readVaultPolicy, VaultPathRule } from "../../../readers/vault-policy";

/** First path segments that administer Vault rather than read secrets. */
export const ADMIN_PREFIXES = ["sys", "auth", "identity"];

export const segments = (path: string) => path.replace(/^\/+/, "").split("/");
export const isAdminPath = (path: string) => ADMIN_PREFIXES.includes(segments(path)[0]);

export function policyRules(r: SynthesizedResource, stack: Parameters<ResourceRule["check"]>[1]["stack"]): VaultPathRule[] | string {
  const read = readVaultPolicy(r.attributes.policy, stack);
  return "error" in read ? read.error : read.rules;
}
