// The review's view of bootstrap-<env>: who CI becomes, which token subjects may become it, and what it may do. Read
// from the synthesized stack, like the rest of the review, so it shows what will be granted.
import type { StackJson } from "../../constructs/guardrails/synthesized";
import { fromJson } from "../../constructs/guardrails/synthesized";
import { readIamPolicy } from "../../constructs/guardrails/iam-policy";
import { readVaultPolicy } from "../../constructs/guardrails/vault-policy";
import { TAGS } from "../../config/tags";

export interface PipelineIdentityRow {
  readonly backend: "aws" | "azure" | "vault";
  /** The IAM role, managed identity or Vault role name. */
  readonly identity: string;
  readonly kind: "deployer" | "planner";
  /** The OIDC token subjects that may become it. */
  readonly trusts: readonly string[];
  /** What it may do, one entry per statement, role assignment or Vault path. */
  readonly rights: readonly string[];
}

const entries = (json: StackJson, type: string): [string, any][] => Object.entries(json.resource?.[type] ?? {});
const kindOf = (v: unknown): "deployer" | "planner" => (v === "planner" ? "planner" : "deployer");
const refersTo = (value: unknown, type: string, key: string) => typeof value === "string" && value.startsWith(`\${${type}.${key}.`);

function awsRows(json: StackJson): PipelineIdentityRow[] {
  const stack = fromJson(json, "bootstrap");
  return entries(json, "aws_iam_role")
    .filter(([, r]) => (r.tags ?? {})[TAGS.awsPipelineRole] !== undefined)
    .map(([key, r]) => {
      const trust = readIamPolicy(r.assume_role_policy, stack);
      const trusts = "error" in trust ? [] : trust.statements.flatMap((s) => Object.entries(s.conditions.StringEquals ?? {}).filter(([k]) => k.endsWith(":sub")).flatMap(([, v]) => v));
      const rights = entries(json, "aws_iam_role_policy")
        .filter(([, p]) => refersTo(p.role, "aws_iam_role", key))
        .flatMap(([, p]) => {
          const read = readIamPolicy(p.policy, stack);
          if ("error" in read) return [`(unreadable policy: ${read.error})`];
          return read.statements.map((s) => {
            const actions = s.actions.length <= 4 ? s.actions.join(", ") : `${s.actions.length} actions of ${[...new Set(s.actions.map((a) => a.split(":")[0]))].join(", ")}`;
            const on = s.resources.length <= 3 ? s.resources.join(", ") : `${s.resources.length} resources (${s.resources.slice(0, 2).join(", ")}, ...)`;
            const conditions = Object.keys(s.conditions).length > 0 ? ` when ${Object.entries(s.conditions).flatMap(([op, byKey]) => Object.keys(byKey).map((k) => `${op} ${k}`)).join(", ")}` : "";
            return `${s.effect}${s.sid ? ` (${s.sid})` : ""}: ${actions} on ${on}${conditions}`;
          });
        });
      if (r.permissions_boundary) rights.push(`permissions boundary ${r.permissions_boundary}`);
      return { backend: "aws" as const, identity: `${r.path ?? "/"}${r.name}`, kind: kindOf(r.tags[TAGS.awsPipelineRole]), trusts, rights };
    });
}

function azureRows(json: StackJson): PipelineIdentityRow[] {
  return entries(json, "azurerm_user_assigned_identity")
    .filter(([, i]) => (i.tags ?? {})[TAGS.azurePipelineRole] !== undefined)
    .map(([key, i]) => ({
      backend: "azure" as const,
      identity: String(i.name),
      kind: kindOf(i.tags[TAGS.azurePipelineRole]),
      trusts: entries(json, "azurerm_federated_identity_credential")
        .filter(([, c]) => refersTo(c.parent_id, "azurerm_user_assigned_identity", key))
        .map(([, c]) => String(c.subject)),
      rights: entries(json, "azurerm_role_assignment")
        .filter(([, a]) => refersTo(a.principal_id, "azurerm_user_assigned_identity", key))
        .map(([, a]) => `${a.role_definition_name ?? a.role_definition_id} on ${a.scope}${a.condition ? " (with a condition on what it may assign)" : ""}`),
    }));
}

function vaultRows(json: StackJson): PipelineIdentityRow[] {
  const policies = entries(json, "vault_policy");
  return entries(json, "vault_jwt_auth_backend_role").map(([, r]) => {
    const trusts: string[] = r.bound_subject ? [String(r.bound_subject)] : String(r.bound_claims?.sub ?? "").split(",").filter(Boolean);
    const rights = (r.token_policies ?? []).flatMap((ref: string) => {
      const found = policies.find(([key]) => refersTo(ref, "vault_policy", key));
      if (!found) return [`policy ${ref}`];
      const read = readVaultPolicy(found[1].policy);
      return "error" in read ? [`(unreadable policy: ${read.error})`] : read.rules.map((rule) => `${rule.path} [${rule.capabilities.join(", ")}]`);
    });
    return { backend: "vault" as const, identity: String(r.role_name), kind: /_ci_planner$/.test(String(r.role_name)) ? ("planner" as const) : ("deployer" as const), trusts, rights };
  });
}

/** Every CI identity of a bootstrap-<env> stack. */
export function pipelineIdentities(json: StackJson): PipelineIdentityRow[] {
  return [...awsRows(json), ...azureRows(json), ...vaultRows(json)];
}
