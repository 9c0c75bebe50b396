import type { ResourceRule } from "../../rule";

export const approleUnlimitedSecretId: ResourceRule = {
  id: "SP-VLT-008",
  name: "Vault AppRole secret id with unlimited uses or no expiry",
  reason: "A secret id that logs in any number of times, or never expires, is a long-lived credential: a copy taken from a log or a CI variable logs in as the workload for as long as the role exists.",
  fix: "Set secret_id_num_uses to a small number (the platform uses 1) and secret_id_ttl to minutes (approle.secretIdNumUses, approle.secretIdTtlSeconds).",
  appliesTo: ["vault_approle_auth_backend_role"],
  check(r) {
    if (r.attributes.bind_secret_id === false) return []; // no secret id at all: bound CIDRs alone, another matter
    const out: string[] = [];
    const uses = r.attributes.secret_id_num_uses;
    if (typeof uses !== "number" || uses <= 0) out.push(`secret_id_num_uses is ${JSON.stringify(uses ?? "not set")} (0, Vault's default, is unlimited)`);
    const ttl = r.attributes.secret_id_ttl;
    if (typeof ttl !== "number" || ttl <= 0) out.push(`secret_id_ttl is ${JSON.stringify(ttl ?? "not set")} (0, Vault's default, never expires)`);
    return out;
  },
};
