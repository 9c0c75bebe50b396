import type { ResourceRule } from "../../rule";

export const transitKeyLeavesVault: ResourceRule = {
  id: "SP-VLT-010",
  name: "Vault transit key that can leave Vault or be deleted",
  reason: "A signing key that is exportable, or allows a plaintext backup, can be copied out of Vault, after which rotation no longer limits what a stolen copy signs; both settings can never be turned off again. A deletable key takes every token it signed with it.",
  fix: "Keep exportable, allow_plaintext_backup and deletion_allowed false (TransitSigningKey sets them); a key that must move is a new key, not an export.",
  appliesTo: ["vault_transit_secret_backend_key"],
  check(r) {
    return ["exportable", "allow_plaintext_backup", "deletion_allowed"]
      .filter((a) => r.attributes[a] !== false)
      .map((a) => `${a} is ${JSON.stringify(r.attributes[a] ?? "not set")}, not false`);
  },
};
