import type { ResourceRule } from "../../rule";

export const vaultSecretNeverRotates: ResourceRule = {
  id: "SP-VLT-011",
  name: "Vault static role or transit key that never rotates",
  reason: "A static role without rotation_period (or rotation_schedule) keeps one database password forever, and a transit key with auto_rotate_period 0 signs with one key forever: the secret is placed on Vault precisely so that Vault rotates it.",
  fix: "Give the static role rotation_period and the transit key auto_rotate_period from the secret's rotation (everyDays); PostgresStaticRole and TransitSigningKey require it.",
  appliesTo: ["vault_database_secret_backend_static_role", "vault_transit_secret_backend_key"],
  check(r) {
    if (r.type === "vault_transit_secret_backend_key") {
      const period = r.attributes.auto_rotate_period;
      return typeof period === "number" && period > 0 ? [] : [`auto_rotate_period is ${JSON.stringify(period ?? "not set")}`];
    }
    const period = r.attributes.rotation_period;
    const schedule = r.attributes.rotation_schedule;
    if ((typeof period === "number" && period > 0) || (typeof schedule === "string" && schedule.trim() !== "")) return [];
    return [`neither rotation_period nor rotation_schedule is set (rotation_period ${JSON.stringify(period ?? "not set")})`];
  },
};
