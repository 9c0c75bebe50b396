import type { StackRule } from "../../rule";

export const tooFewAuditDevices: StackRule = {
  id: "SP-VLT-006",
  name: "Fewer than two Vault audit devices in production",
  reason: "Vault stops answering when no audit device can write; a second device keeps it serving, and audited, when one fails.",
  fix: "Keep two audit devices (the defaults: a file on disk and a file on stdout), or list at least two under vault.audit in the description.",
  appliesTo: "stack",
  check(stack, { production }) {
    if (!production) return [];
    const isVaultStack = stack.resources.some((r) => r.type.startsWith("vault_"));
    if (!isVaultStack) return [];
    const devices = stack.ofType("vault_audit");
    return devices.length >= 2 ? [] : [`${devices.length} vault_audit device${devices.length === 1 ? "" : "s"} in the stack`];
  },
};
