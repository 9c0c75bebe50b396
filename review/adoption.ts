// Adopted secrets (docs/adopting.md), read from the synthesized stacks: AWS's import blocks, and the outputs by which
// the Vault and Azure stacks name the existing secrets they grant on without managing them. Each adoption carries the
// warnings a reviewer must weigh: the first apply re-keys the secret, replaces its resource policy, or starts rotation.
import type { SynthesizedStack } from "../guardrails/rule";
import { fromJson, references } from "../readers/synthesized";
import { readDenyExceptions } from "./access";
import type { AdoptionRow, ReviewedStack } from "./model";

const literal = (v: unknown): string | undefined => (typeof v === "string" && !v.includes("${") ? v : undefined);

/** The import blocks of a synthesized stack: resource address -> import id. */
export function importBlocks(json: ReviewedStack["json"]): Map<string, string> {
  const blocks = (json as { import?: Array<{ to?: string; id?: string }> }).import ?? [];
  return new Map(blocks.filter((b) => b.to && b.id).map((b) => [b.to!, b.id!]));
}

/** The logical path of each AWS secret, from the stack's secret-arns output (path -> ${<address>.arn}). */
function awsPaths(json: ReviewedStack["json"]): Map<string, string> {
  const outputs = (json as { output?: Record<string, { value?: unknown }> }).output ?? {};
  const arns = outputs["secret-arns"]?.value;
  const byAddress = new Map<string, string>();
  if (arns && typeof arns === "object") {
    for (const [path, ref] of Object.entries(arns as Record<string, unknown>)) {
      const r = references(ref)[0];
      if (r) byAddress.set(r.address, path);
    }
  }
  return byAddress;
}

function awsAdoptions(view: SynthesizedStack, s: ReviewedStack): AdoptionRow[] {
  const imports = importBlocks(s.json);
  const paths = awsPaths(s.json);
  const rows: AdoptionRow[] = [];
  for (const secret of view.ofType("aws_secretsmanager_secret")) {
    const id = imports.get(secret.address);
    if (id === undefined) continue;
    const name = literal(secret.attributes.name) ?? secret.address;
    const path = paths.get(secret.address) ?? name;
    const warnings: string[] = [];
    if (name !== path) warnings.push(`keeps its existing name ${name}, not ${path}: that name is now the contract (IAM policies, the read-deny, External Secrets keys use it)`);
    const key = view.referenced(secret.attributes.kms_key_id);
    warnings.push(
      `**KMS key:** the first apply sets the environment key${key ? ` (${key.address})` : ""}, and Secrets Manager re-encrypts the secret's versions with it (UpdateSecret KmsKeyId): readers outside this platform that decrypt with the old key's grants lose access`,
    );
    const policy = view.ofType("aws_secretsmanager_secret_policy").find((p) => references(p.attributes.secret_arn).some((r) => r.address === secret.address));
    if (policy) {
      const readers = readDenyExceptions(view, policy.attributes.policy) ?? [];
      warnings.push(
        `**Policy:** its resource policy is replaced; only ${readers.length > 0 ? readers.map((r) => `\`${r}\``).join(", ") : "no principal"} may read the value afterwards: any other reader today loses access`,
      );
    }
    const rotation = view.ofType("aws_secretsmanager_secret_rotation").find((r) => references(r.attributes.secret_id).some((x) => x.address === secret.address));
    if (rotation) {
      warnings.push(
        `**Rotation starts:** ${literal(rotation.attributes.rotation_lambda_arn) ?? "the platform's rotation function"} rotates it on its schedule${rotation.attributes.rotate_immediately === false ? " (not at the apply)" : ", first at the apply"}; the current value must already have the type's JSON fields, or the first rotation fails`,
      );
    }
    rows.push({ secret: path, backend: "aws", stack: s.name, existing: id, how: "import (aws_secretsmanager_secret)", warnings });
  }
  return rows;
}

function outputAdoptions(s: ReviewedStack, output: string, how: string, backend: AdoptionRow["backend"]): AdoptionRow[] {
  const value = (s.json as { output?: Record<string, { value?: unknown }> }).output?.[output]?.value;
  if (!value || typeof value !== "object") return [];
  return Object.entries(value as Record<string, string>).map(([path, existing]) => ({
    secret: path,
    backend,
    stack: s.name,
    existing,
    how,
    warnings: [
      `keeps its existing name ${existing}: that name is now the contract (${backend === "vault" ? "workload policies and Vault Agent paths" : "role assignments and External Secrets keys"} use it); Terraform does not manage the secret, so its value, ${backend === "vault" ? "metadata" : "tags and expiry"} stay as they are`,
    ],
  }));
}

export function adoptionTable(stacks: readonly ReviewedStack[]): AdoptionRow[] {
  const rows: AdoptionRow[] = [];
  for (const s of stacks) {
    if (s.backend === "aws") rows.push(...awsAdoptions(fromJson(s.json, s.name), s));
    if (s.backend === "vault") rows.push(...outputAdoptions(s, "adopted_kv_paths", "granted by path (no import: the platform manages no KV secret)", "vault"));
    if (s.backend === "azure") rows.push(...outputAdoptions(s, "adopted_key_vault_secrets", "granted by name (no import: see docs/adopting.md)", "azure"));
  }
  return rows.sort((a, b) => a.secret.localeCompare(b.secret) || a.backend.localeCompare(b.backend));
}
