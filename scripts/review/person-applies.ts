// Changes a CI deploy cannot make: they need a value only a person holds, given as TF_VAR_... at apply. The CI plan job
// refuses a plan holding one, so that the deploy job never half-applies it; the person applies that stack once.
import type { TerraformPlan } from "../terraform-offline";

interface PersonOnly {
  readonly type: string;
  /** The write-only argument's version inside the resource's planned values. */
  readonly version: (values: Record<string, any> | undefined) => unknown;
  readonly variable: string;
}

/**
 * Vault's database connection takes the admin password through the write-only password_wo ("Write-only field for the
 * root credential password", with password_wo_version its "Version counter": the schema of vault provider 5.6.0, which
 * @cdktf/provider-vault 15.6.1 is generated from). The provider reads password_wo from the raw configuration only when
 * password_wo_version changes, a create included (terraform-provider-vault v5.6.0,
 * vault/resource_database_secret_backend_connection.go, setDatabaseConnectionDataWithUserPass: `d.IsNewResource() ||
 * ... d.HasChange(passwordWriteOnlyVersionKey)`), and sends no password otherwise. So later applies need no value, and
 * CI, which never holds the password (the ephemeral variable is null there), can apply them; a create or a version
 * change without the value would configure the connection with no password and fail its verify_connection.
 */
const PERSON_ONLY: readonly PersonOnly[] = [
  {
    type: "vault_database_secret_backend_connection",
    version: (v) => v?.postgresql?.[0]?.password_wo_version,
    variable: "TF_VAR_vault_database_password",
  },
];

/** What in a saved plan only a person can apply, as sentences naming the resource and the variable to give. */
export function personOnlyChanges(stack: string, plan: TerraformPlan): string[] {
  const out: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const rule = PERSON_ONLY.find((p) => p.type === rc.type);
    if (!rule) continue;
    const { actions, before, after } = rc.change as { actions: string[]; before?: Record<string, any>; after?: Record<string, any> };
    if (actions.includes("create")) {
      out.push(`${stack}: ${rc.address} is created, which sends its write-only password: a person applies ${stack} first, with ${rule.variable} set (docs/pipeline.md#5-first-apply-of-vaults-database-admin-password)`);
    } else if (actions.includes("update") && rule.version(before) !== rule.version(after)) {
      out.push(`${stack}: ${rc.address} raises password_wo_version (${String(rule.version(before))} -> ${String(rule.version(after))}), which sends a new password: a person applies ${stack}, with ${rule.variable} set`);
    }
  }
  return out;
}
