// The Vault API paths a Terraform deployer needs for the resources of a synthesized stack: each resource type maps to
// the endpoints the Vault provider calls to create, read, update and delete it (Vault's HTTP API documentation,
// https://developer.hashicorp.com/vault/api-docs, per endpoint). Derived from the stack itself, a new resource type
// stops the bootstrap with a message instead of a deploy that fails half-way on a permission denied.
import type { SynthesizedResource, SynthesizedStack } from "../../guardrails/rule";
import type { PolicyCapability, PolicyRule } from "./policy-document";

const CRUD: PolicyCapability[] = ["create", "read", "update", "delete"];
/** Enabling, tuning and disabling auth methods and audit devices are root-protected endpoints: they need sudo. */
const CRUD_SUDO: PolicyCapability[] = ["create", "read", "update", "delete", "sudo"];

type PathsOf = (attr: (name: string) => string) => PolicyRule[];

/** Terraform resource type -> the paths and capabilities that manage it. */
export const VAULT_RESOURCE_PATHS: Readonly<Record<string, PathsOf>> = {
  vault_mount: (a) => [
    { path: `sys/mounts/${a("path")}`, capabilities: CRUD },
    { path: `sys/mounts/${a("path")}/tune`, capabilities: ["read", "update"] },
  ],
  vault_kv_secret_backend_v2: (a) => [{ path: `${a("mount")}/config`, capabilities: ["create", "read", "update"] }],
  vault_auth_backend: (a) => [
    { path: `sys/auth/${a("path")}`, capabilities: CRUD_SUDO },
    { path: `sys/auth/${a("path")}/tune`, capabilities: ["read", "update", "sudo"] },
  ],
  vault_kubernetes_auth_backend_config: (a) => [{ path: `auth/${a("backend")}/config`, capabilities: CRUD }],
  vault_kubernetes_auth_backend_role: (a) => [{ path: `auth/${a("backend")}/role/${a("role_name")}`, capabilities: CRUD }],
  vault_approle_auth_backend_role: (a) => [
    { path: `auth/${a("backend")}/role/${a("role_name")}`, capabilities: CRUD },
    // The provider reads the role id back (it is not secret: the secret id is).
    { path: `auth/${a("backend")}/role/${a("role_name")}/role-id`, capabilities: ["read"] },
  ],
  vault_policy: (a) => [{ path: `sys/policies/acl/${a("name")}`, capabilities: CRUD }],
  vault_audit: (a) => [{ path: `sys/audit/${a("path")}`, capabilities: CRUD_SUDO }],
  vault_database_secret_backend_connection: (a) => [{ path: `${a("backend")}/config/${a("name")}`, capabilities: CRUD }],
  vault_database_secret_backend_role: (a) => [{ path: `${a("backend")}/roles/${a("name")}`, capabilities: CRUD }],
  vault_database_secret_backend_static_role: (a) => [{ path: `${a("backend")}/static-roles/${a("name")}`, capabilities: CRUD }],
  // The provider creates the key at keys/<name> and sets auto_rotate_period, exportable and the rest at keys/<name>/config.
  vault_transit_secret_backend_key: (a) => [
    { path: `${a("backend")}/keys/${a("name")}`, capabilities: CRUD },
    { path: `${a("backend")}/keys/${a("name")}/config`, capabilities: ["update"] },
  ],
};

/**
 * Listing endpoints the provider may read to refresh some types (the mount table, the auth methods, the audit
 * devices): they name mounts and devices, never a secret.
 */
const LISTINGS: Readonly<Record<string, PolicyRule>> = {
  vault_audit: { path: "sys/audit", capabilities: ["read", "sudo"] },
  vault_auth_backend: { path: "sys/auth", capabilities: ["read"] },
  vault_mount: { path: "sys/mounts", capabilities: ["read"] },
};

/**
 * Every path the deployer of `stack` (or of every stack given: an environment split into stack groups) needs, with
 * capabilities; throws on a resource type this table does not know, or on an attribute only known at apply time that
 * a path would need.
 */
export function managedVaultPaths(stacks: SynthesizedStack | readonly SynthesizedStack[]): PolicyRule[] {
  const byPath = new Map<string, Set<PolicyCapability>>();
  const add = (rule: PolicyRule) => {
    const caps = byPath.get(rule.path) ?? new Set<PolicyCapability>();
    rule.capabilities.forEach((c) => caps.add(c));
    byPath.set(rule.path, caps);
  };
  const unknown = new Set<string>();
  for (const stack of Array.isArray(stacks) ? (stacks as readonly SynthesizedStack[]) : [stacks as SynthesizedStack]) {
    for (const r of stack.resources) {
      const paths = VAULT_RESOURCE_PATHS[r.type];
      if (!paths) {
        unknown.add(r.type);
        continue;
      }
      paths((name) => attribute(r, name, stack)).forEach(add);
      if (LISTINGS[r.type]) add(LISTINGS[r.type]);
    }
  }
  if (unknown.size > 0) {
    throw new Error(`the CI deployer has no Vault paths defined for ${[...unknown].join(", ")}: add them to VAULT_RESOURCE_PATHS in constructs/vault/managed-paths.ts`);
  }
  return [...byPath].sort(([a], [b]) => a.localeCompare(b)).map(([path, caps]) => ({ path, capabilities: [...caps] }));
}

/** A resource's attribute as text; a reference to another resource's path-like attribute is followed to its value. */
function attribute(r: SynthesizedResource, name: string, stack: SynthesizedStack, depth = 0): string {
  const value = r.attributes[name];
  if (typeof value !== "string") throw new Error(`${r.address}: ${name} is not set, so its Vault path is unknown`);
  if (!value.includes("${")) return value.replace(/^\/+|\/+$/g, "");
  const target = stack.referenced(value);
  const attr = /\.([a-z_]+)\}$/.exec(value)?.[1];
  if (target && attr && depth < 3) return attribute(target, attr === "id" ? "path" : attr, stack, depth + 1);
  throw new Error(`${r.address}: ${name} is ${value}, only known at apply time, so its Vault path cannot be granted exactly`);
}
