// What each stack will change: from Terraform's plan where one ran (AWS, offline), else from the synthesized
// JSON, where with no state every resource is a create. Replacing or deleting a secret, key or vault is flagged.
import type { TerraformPlan } from "../scripts/terraform-offline";
import { importBlocks } from "./adoption";
import type { Backend, ChangeAction, ReviewedStack, RiskyChange, StackChanges } from "./model";

/** Resource types whose replacement or deletion loses secret values, or the means to decrypt them. */
export const RISKY_TYPES: Readonly<Record<string, string>> = {
  aws_secretsmanager_secret: "the secret and all its versions (after the recovery window)",
  aws_secretsmanager_secret_version: "a secret value",
  aws_kms_key: "the key that decrypts every secret of the environment (after the deletion window)",
  vault_mount: "the mount and every secret in it, at once",
  vault_kv_secret_v2: "a secret and its versions",
  vault_kv_secret: "a secret",
  azurerm_key_vault: "the vault and every secret in it",
  azurerm_key_vault_secret: "the secret and its versions",
  azurerm_key_vault_key: "a key and what it encrypts",
};

/** Terraform's action list for one resource, as one word. */
export function classifyActions(actions: readonly string[]): ChangeAction {
  const a = [...actions].sort().join(",");
  if (a === "create,delete") return "replace";
  if (a === "create") return "create";
  if (a === "delete") return "delete";
  if (a === "update") return "update";
  if (a === "read") return "read";
  return "no-op";
}

const emptyCounts = () => ({ create: 0, update: 0, replace: 0, delete: 0 });

/** Counts and risky changes of one stack from `terraform show -json` of its plan. */
export function summarizePlan(stack: string, backend: Backend, plan: TerraformPlan): StackChanges {
  const counts = emptyCounts();
  const risky: RiskyChange[] = [];
  let imports = 0;
  for (const rc of plan.resource_changes ?? []) {
    if ((rc as { mode?: string }).mode === "data") continue;
    // An import block's resource carries change.importing (Terraform's JSON output format): an import, not a create.
    if ((rc.change as { importing?: unknown }).importing) imports++;
    const action = classifyActions(rc.change.actions);
    if (action === "no-op" || action === "read") continue;
    counts[action]++;
    if ((action === "replace" || action === "delete") && RISKY_TYPES[rc.type]) {
      risky.push({ address: rc.address, type: rc.type, action, why: `${action === "delete" ? "deletes" : "replaces"} ${RISKY_TYPES[rc.type]}` });
    }
  }
  return { stack, backend, source: "terraform plan", counts, risky, ...(imports > 0 ? { imports } : {}) };
}

/** Counts from the synthesized JSON alone: no state is available offline, so every resource is a create. */
export function summarizeSynthesized(s: ReviewedStack, note?: string): StackChanges {
  const counts = emptyCounts();
  for (const byName of Object.values(s.json.resource ?? {})) counts.create += Object.keys(byName ?? {}).length;
  // Resources of import blocks exist already: they are imports, shown apart from creates.
  const imports = importBlocks(s.json).size;
  counts.create -= imports;
  return {
    stack: s.name,
    backend: s.backend,
    source: "synthesized JSON",
    counts,
    risky: [],
    ...(imports > 0 ? { imports } : {}),
    note: note ?? "No state is available offline: every resource counts as a create. Compare with `cdktf diff` against the real state before deploying.",
  };
}
