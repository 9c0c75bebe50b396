// The rotation table: how every secret's value changes over time, read from the synthesized resources:
// Secrets Manager rotations and their functions, Vault dynamic credentials and their leases, and Key Vault
// expiration dates.
import type { SynthesizedResource, SynthesizedStack } from "../../constructs/guardrails/rule";
import { blocks, fromJson, literalValue, references } from "../../constructs/guardrails/synthesized";
import { TAGS } from "../../config/tags";
import type { ReviewedStack, RotationRow } from "./model";

export function rotationTable(stacks: readonly ReviewedStack[]): RotationRow[] {
  const rows: RotationRow[] = [];
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    if (s.backend === "aws") rows.push(...awsRotation(view));
    if (s.backend === "vault") rows.push(...vaultRotation(view));
    if (s.backend === "azure") rows.push(...azureExpiry(view));
  }
  return rows;
}

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
        return { secret: name, backend: "aws", type, strategy: "none", cadence: type === "api-key" ? "never (value put by a person)" : "never", function: "-" };
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
      return {
        secret: name,
        backend: "aws",
        type,
        strategy: String(strategy),
        cadence,
        function: fn ? String(fn.attributes.function_name ?? fn.address) : String(rotation.attributes.rotation_lambda_arn),
      };
    })
    .sort((a, b) => a.secret.localeCompare(b.secret));
}

function vaultRotation(view: SynthesizedStack): RotationRow[] {
  return view
    .ofType("vault_database_secret_backend_role")
    .map((role): RotationRow => {
      const mount = literalValue(view, role.attributes.backend) ?? role.attributes.backend;
      return {
        secret: `${mount}/creds/${role.attributes.name}`,
        backend: "vault",
        type: "postgres (dynamic)",
        // A lease is a child of the token that read it: Vault revokes it when that token ends (docs: concepts/lease).
        strategy: "new login per lease, dropped when the lease ends or the Vault token that read it expires",
        cadence: `lease ${seconds(role.attributes.default_ttl ?? "default")}, at most ${seconds(role.attributes.max_ttl ?? "default")}`,
        function: `Vault database engine, connection ${literalValue(view, role.attributes.db_name) ?? role.attributes.db_name}`,
      };
    })
    .sort((a, b) => a.secret.localeCompare(b.secret));
}

/** "${timeadd(plantimestamp(), "2160h")}" -> 90 days after the first plan. */
function describeExpiry(value: unknown): string {
  if (typeof value !== "string" || value === "") return "never expires";
  const relative = /timeadd\(plantimestamp\(\),\s*"(\d+)h"\)/.exec(value);
  if (relative) return `expires ${Number(relative[1]) / 24} days after creation`;
  return `expires ${value}`;
}

function azureExpiry(view: SynthesizedStack): RotationRow[] {
  return view
    .ofType("azurerm_key_vault_secret")
    .filter((s) => s.attributes.expiration_date !== undefined || s.attributes.tags?.type === "api-key")
    .map((s) => ({
      secret: String(s.attributes.tags?.path ?? s.attributes.name),
      backend: "azure" as const,
      type: String(s.attributes.tags?.type ?? "?"),
      strategy: "none (value put by a person)",
      cadence: describeExpiry(s.attributes.expiration_date),
      function: "-",
    }))
    .sort((a, b) => a.secret.localeCompare(b.secret));
}
