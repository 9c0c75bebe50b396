// What the Azure stacks derive from the description for rotation: which secrets rotate there, their cadence in days,
// the names of the function's resources, and the function's ROTATION_SECRETS setting (config/azure-rotation.ts).
import { createHash } from "node:crypto";
import type { AzureRotatedSecret, AzureRotationSettings } from "./azure-rotation";
import type { SecretModel } from "./model";
import { keyVaultSecretName } from "./naming";
import { AZURE_NAME_RULES, fitAzureName } from "./azure-names";

/** Secret types the platform rotates; api-key values belong to a person. */
export const AZURE_ROTATING_TYPES: readonly string[] = ["postgres", "jwt", "token"];

/**
 * The cadence in whole days: everyDays, or N of a rate(N days) schedule. Undefined for hour rates and cron
 * schedules, which the function cannot follow: it rotates when Key Vault reports a version near its expiry.
 */
export function azureCadenceDays(rotation: { everyDays?: unknown; scheduleExpression?: unknown }): number | undefined {
  if (typeof rotation.everyDays === "number") return rotation.everyDays;
  const rate = typeof rotation.scheduleExpression === "string" ? /^rate\((\d+) days?\)$/.exec(rotation.scheduleExpression) : null;
  return rate ? Number(rate[1]) : undefined;
}

/** The secrets of a model that the Azure rotation function rotates. */
export function azureRotatingSecrets(secrets: readonly SecretModel[]): SecretModel[] {
  return secrets.filter((s) => AZURE_ROTATING_TYPES.includes(s.spec.type) && s.spec.type !== "api-key" && s.spec.rotation !== undefined);
}

const shortHash = (text: string, length: number) => createHash("sha256").update(text).digest("hex").slice(0, length);

export interface AzureRotationNames {
  /** Function app: global (<name>.azurewebsites.net); at most 32 characters so that host ids do not collide. */
  readonly functionApp: string;
  readonly plan: string;
  readonly identity: string;
  readonly insights: string;
  readonly alert: string;
  /** Storage account: global, 3-24 lowercase letters and digits. */
  readonly storageAccount: string;
}

/** Names of one stack's rotation resources: <org>-<env>[-<group>]-rotation, shortened with a stable hash. */
export function azureRotationNames(organization: string, env: string, group?: string): AzureRotationNames {
  const scope = [organization, env, group].filter(Boolean).join("-");
  const base = `${scope}-rotation`;
  const hash = shortHash(scope, 8);
  const functionApp = base.length <= 32 ? base : `${base.slice(0, 23)}-${hash}`;
  const alnum = scope.replace(/[^a-z0-9]/g, "");
  return {
    functionApp,
    // Limits of Microsoft.Web/serverfarms (40), user-assigned identities (128), Microsoft.Insights components and
    // scheduled query rules (260): config/azure-names.ts. Names within them are unchanged.
    plan: fitAzureName(`${base}-plan`, AZURE_NAME_RULES.azurerm_service_plan.max),
    identity: fitAzureName(base, AZURE_NAME_RULES.azurerm_user_assigned_identity.max),
    insights: fitAzureName(`${base}-insights`, AZURE_NAME_RULES.azurerm_application_insights.max),
    alert: fitAzureName(`${base}-failed`, AZURE_NAME_RULES.azurerm_monitor_scheduled_query_rules_alert_v2.max),
    storageAccount: `${alnum.slice(0, 14)}rot${hash.slice(0, 7)}`,
  };
}

/**
 * The function's ROTATION_SECRETS: every rotating secret by Key Vault name, with how it rotates and, for alternating
 * users, the Key Vault name of its master. Types and strategies only: no value, no host, no user name.
 */
export function azureRotationSettings(secrets: readonly SecretModel[]): AzureRotationSettings {
  const settings: Record<string, AzureRotatedSecret> = {};
  for (const s of azureRotatingSecrets(secrets)) {
    const spec = s.spec;
    if (spec.type === "api-key" || !spec.rotation) continue;
    const everyDays = azureCadenceDays(spec.rotation);
    // Validation refuses other schedules where azure.rotation is present.
    if (everyDays === undefined) throw new Error(`${s.path}: Azure rotation needs a cadence in days (everyDays or rate(N days))`);
    const name = keyVaultSecretName(s.app, s.name);
    if (spec.type === "postgres") {
      const master = spec.rotation.masterSecret?.split("/");
      settings[name] = {
        type: "postgres",
        strategy: spec.rotation.strategy,
        everyDays,
        ...(spec.rotation.strategy === "alternating-users" && master ? { masterSecret: keyVaultSecretName(master[0], master[1]) } : {}),
      };
    } else if (spec.type === "jwt") {
      settings[name] = { type: "jwt", everyDays, algorithm: spec.algorithm, expiryHours: spec.expiryHours };
    } else {
      settings[name] = { type: "token", everyDays, length: spec.length };
    }
  }
  return settings;
}
