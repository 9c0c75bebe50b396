// The rotation table: one row per secret per backend, with the mechanism that changes its value there and how often,
// read from the synthesized resources: Secrets Manager rotations and their Lambda functions; Vault static roles,
// dynamic roles and transit keys (and the types of values stored in KV, which nothing rotates); Key Vault secrets and
// the Azure rotation function's ROTATION_SECRETS app setting (config/azure-rotation.ts). A rotatable secret with no
// mechanism on a backend that holds it is a finding.
import type { SynthesizedResource, SynthesizedStack } from "../../constructs/guardrails/rule";
import { blocks, fromJson, literalValue, references } from "../../constructs/guardrails/synthesized";
import { AZURE_PENDING_FOR_TAG, AZURE_ROTATION_SETTING, type AzureRotationSettings } from "../../config/azure-rotation";
import { ROTATABLE_TYPES } from "../../config/placement";
import { TAGS } from "../../config/tags";
import type { ReviewedStack, RotationRow } from "./model";

export function rotationTable(stacks: readonly ReviewedStack[]): RotationRow[] {
  const rows: RotationRow[] = [];
  // A stack group's roles use a connection vault-<env> holds: read every Vault stack's connections first.
  const connections = databaseConnections(stacks.filter((s) => s.backend === "vault").map((s) => fromJson(s.json, s.name)));
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    if (s.backend === "aws") rows.push(...awsRotation(view));
    if (s.backend === "vault") rows.push(...vaultRotation(view, s.json, connections));
    if (s.backend === "azure") rows.push(...azureRotation(view));
  }
  return rows;
}

/** The rows that are findings: rotatable secrets nothing rotates where they are placed. */
export const rotationFindings = (rows: readonly RotationRow[]): RotationRow[] => rows.filter((r) => r.finding !== undefined);

const isRotatableType = (type: string) => (ROTATABLE_TYPES as readonly string[]).includes(type);
const noMechanism = (backend: string) => `rotatable secret with no rotation on ${backend}: its value there never changes`;

const refersTo = (value: unknown, r: SynthesizedResource) => references(value).some((ref) => ref.address === r.address);

function days(n: number): string {
  return n === 1 ? "every day" : `every ${n} days`;
}

function seconds(n: unknown): string {
  const s = Number(n);
  if (!Number.isFinite(s)) return String(n);
  if (s % 86_400 === 0) return `${s / 86_400}d`;
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

/** A period in seconds as a cadence: "every 7 days", "every 4h". */
function period(n: unknown): string {
  const s = Number(n);
  if (!Number.isFinite(s) || s <= 0) return "never";
  return s % 86_400 === 0 ? days(s / 86_400) : `every ${seconds(s)}`;
}

function awsRotation(view: SynthesizedStack): RotationRow[] {
  const rotations = view.ofType("aws_secretsmanager_secret_rotation");
  const functions = view.ofType("aws_lambda_function");
  return view
    .ofType("aws_secretsmanager_secret")
    .map((secret): RotationRow => {
      const name = String(secret.attributes.name ?? secret.address);
      const type = String(secret.attributes.tags?.[TAGS.secretType] ?? "?");
      const rotation = rotations.find((r) => refersTo(r.attributes.secret_id, secret) || r.attributes.secret_id === name);
      if (!rotation) {
        return {
          secret: name,
          backend: "aws",
          type,
          mechanism: "none",
          strategy: "none",
          cadence: type === "api-key" ? "never (value put by a person)" : "never",
          function: "-",
          ...(isRotatableType(type) ? { finding: noMechanism("aws") } : {}),
        };
      }
      const fn = functions.find((f) => refersTo(rotation.attributes.rotation_lambda_arn, f));
      const rules = blocks(rotation.attributes.rotation_rules)[0] ?? {};
      const cadence = [
        rules.automatically_after_days !== undefined ? days(Number(rules.automatically_after_days)) : rules.schedule_expression,
        rules.duration ? `within ${rules.duration}` : undefined,
        rotation.attributes.rotate_immediately === false ? "first rotation once a value is put" : "first rotation on create",
      ]
        .filter(Boolean)
        .join(", ");
      const strategy = fn?.attributes.environment?.variables?.ROTATION_STRATEGY ?? (fn ? "new value each rotation" : "?");
      const fnName = fn ? String(fn.attributes.function_name ?? fn.address) : String(rotation.attributes.rotation_lambda_arn);
      return { secret: name, backend: "aws", type, mechanism: `AWS Lambda ${fnName}`, strategy: String(strategy), cadence, function: fnName };
    })
    .sort((a, b) => a.secret.localeCompare(b.secret));
}

/**
 * Vault's database connections by "<mount> <connection name>": where each connects (host:port/database, from the
 * connection URL Vault's PostgreSQL plugin dials), so that every role's row names the database it serves.
 */
function databaseConnections(views: readonly SynthesizedStack[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const view of views) {
    for (const c of view.ofType("vault_database_secret_backend_connection")) {
      const url = String(blocks(c.attributes.postgresql)[0]?.connection_url ?? "");
      const where = /@([^/?]+)\/([^?]*)/.exec(url);
      const mount = literalValue(view, c.attributes.backend) ?? c.attributes.backend;
      if (where) out.set(`${mount} ${c.attributes.name}`, `${where[1]}/${decodeURIComponent(where[2])}`);
    }
  }
  return out;
}

function vaultRotation(view: SynthesizedStack, json: ReviewedStack["json"], connections: ReadonlyMap<string, string>): RotationRow[] {
  const mountOf = (r: SynthesizedResource) => literalValue(view, r.attributes.backend) ?? r.attributes.backend;
  // "<name> (<host:port>/<database>)", or the name alone where the connection is in no reviewed stack.
  const connectionOf = (role: SynthesizedResource) => {
    const name = literalValue(view, role.attributes.db_name) ?? role.attributes.db_name;
    const where = connections.get(`${mountOf(role)} ${name}`);
    return `${name}${where ? ` (${where})` : ""}`;
  };
  const dynamic = view.ofType("vault_database_secret_backend_role").map(
    (role): RotationRow => ({
      secret: `${mountOf(role)}/creds/${role.attributes.name}`,
      backend: "vault",
      type: "postgres (dynamic)",
      mechanism: "Vault dynamic role",
      // A lease is a child of the token that read it: Vault revokes it when that token ends (docs: concepts/lease).
      strategy: "new login per lease, dropped when the lease ends or the Vault token that read it expires",
      cadence: `lease ${seconds(role.attributes.default_ttl ?? "default")}, at most ${seconds(role.attributes.max_ttl ?? "default")}`,
      function: `Vault database engine, connection ${connectionOf(role)}`,
      connection: connectionOf(role),
    }),
  );
  const staticRoles = view.ofType("vault_database_secret_backend_static_role").map(
    (role): RotationRow => ({
      secret: `${mountOf(role)}/static-creds/${role.attributes.name}`,
      backend: "vault",
      type: "postgres (static role)",
      mechanism: "Vault static role",
      strategy: `Vault changes the password of existing user ${role.attributes.username}`,
      cadence: role.attributes.rotation_schedule ? `schedule ${role.attributes.rotation_schedule}` : period(role.attributes.rotation_period),
      function: `Vault database engine, connection ${connectionOf(role)}`,
      connection: connectionOf(role),
    }),
  );
  const transit = view.ofType("vault_transit_secret_backend_key").map(
    (key): RotationRow => ({
      secret: `${mountOf(key)}/keys/${key.attributes.name}`,
      backend: "vault",
      type: `jwt (transit ${key.attributes.type})`,
      mechanism: "Vault transit auto-rotate",
      // Older versions stay in the key ring, so tokens signed before a rotation still verify.
      strategy: "new key version signs; earlier versions still verify",
      cadence: period(key.attributes.auto_rotate_period),
      function: "Vault transit engine",
    }),
  );
  // Values stored at KV paths: nothing in Vault changes them.
  const outputs = (json.output ?? {}) as Record<string, { value?: unknown }>;
  const types = (outputs.kv_secret_types?.value ?? {}) as Record<string, string>;
  const stored = Object.entries(types).map(
    ([path, type]): RotationRow => ({
      secret: path,
      backend: "vault",
      type,
      mechanism: "none",
      strategy: type === "api-key" ? "none (value put by a person)" : "none",
      cadence: "never",
      function: "-",
      ...(isRotatableType(type) ? { finding: noMechanism("vault") } : {}),
    }),
  );
  return [...dynamic, ...staticRoles, ...transit, ...stored].sort((a, b) => a.secret.localeCompare(b.secret));
}

/** "${timeadd(plantimestamp(), "2160h")}" -> 90 days after the first plan. */
function describeExpiry(value: unknown): string {
  if (typeof value !== "string" || value === "") return "never expires";
  const relative = /timeadd\(plantimestamp\(\),\s*"(\d+)h"\)/.exec(value);
  if (relative) return `expires ${Number(relative[1]) / 24} days after creation`;
  return `expires ${value}`;
}

/** Every Key Vault secret name the stack's rotation function apps list in ROTATION_SECRETS, with the app that rotates it. */
function azureRotatedSecrets(view: SynthesizedStack): Map<string, { app: string; settings: AzureRotationSettings[string] }> {
  const out = new Map<string, { app: string; settings: AzureRotationSettings[string] }>();
  for (const app of view.resources.filter((r) => /^azurerm_(linux_|windows_)?function_app(_flex_consumption)?$/.test(r.type))) {
    const raw = app.attributes.app_settings?.[AZURE_ROTATION_SETTING];
    if (typeof raw !== "string") continue;
    let settings: AzureRotationSettings;
    try {
      settings = JSON.parse(raw);
    } catch {
      continue; // not literal JSON: nothing the review can read (a guardrail of the Azure stack reports it)
    }
    const name = String(literalValue(view, app.attributes.name) ?? app.attributes.name ?? app.address);
    for (const [secret, s] of Object.entries(settings)) out.set(secret, { app: name, settings: s });
  }
  return out;
}

function azureRotation(view: SynthesizedStack): RotationRow[] {
  const rotated = azureRotatedSecrets(view);
  return view
    .ofType("azurerm_key_vault_secret")
    // A rotation's companion holds its pending value (config/azure-rotation.ts): part of its secret's row, not one.
    .filter((s) => s.attributes.tags?.[AZURE_PENDING_FOR_TAG] === undefined)
    .map((s): RotationRow => {
      const secret = String(s.attributes.tags?.path ?? s.attributes.name);
      const type = String(s.attributes.tags?.[TAGS.keyVaultSecretType] ?? "?");
      const by = rotated.get(String(s.attributes.name));
      if (by) {
        const strategy = by.settings.type === "postgres" ? by.settings.strategy : "new value each rotation";
        return { secret, backend: "azure", type, mechanism: `Azure Function ${by.app}`, strategy, cadence: `${days(by.settings.everyDays)}, on SecretNearExpiry`, function: by.app };
      }
      return {
        secret,
        backend: "azure",
        type,
        mechanism: "none",
        strategy: type === "api-key" ? "none (value put by a person)" : "none",
        cadence: describeExpiry(s.attributes.expiration_date),
        function: "-",
        ...(isRotatableType(type) ? { finding: noMechanism("azure") } : {}),
      };
    })
    .sort((a, b) => a.secret.localeCompare(b.secret));
}
