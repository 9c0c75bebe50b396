import type { ResourceRule } from "../../rule";

const keySpec = (a: Record<string, any>): string => a.customer_master_key_spec ?? a.key_spec ?? "SYMMETRIC_DEFAULT";

export const keyWithoutRotation: ResourceRule = {
  id: "SP-AWS-004",
  name: "KMS key without automatic rotation",
  reason: "A key that never rotates keeps encrypting with the same material for as long as the key lives.",
  fix: "Set enable_key_rotation = true on the key (EnvironmentKey does).",
  appliesTo: ["aws_kms_key"],
  check(r) {
    // Asymmetric and HMAC keys cannot rotate automatically; Secrets Manager only uses symmetric keys anyway.
    if (keySpec(r.attributes) !== "SYMMETRIC_DEFAULT") return [];
    return r.attributes.enable_key_rotation === true ? [] : [`enable_key_rotation is ${JSON.stringify(r.attributes.enable_key_rotation ?? "not set")}`];
  },
};
