// The Azure built-in roles this package assigns, by name, with their role definition GUIDs (the same in every tenant:
// https://learn.microsoft.com/azure/role-based-access-control/built-in-roles). The constructs assign roles by name;
// the bootstrap stack turns the names the environment's stacks assign into the GUIDs its ABAC condition on the CI
// deployer admits, so that the condition follows the stacks and is never a hand-kept list.
import { TerraformResource } from "cdktf";
import type { IConstruct } from "constructs";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";

export const BUILT_IN_ROLE_IDS: Readonly<Record<string, string>> = {
  "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
  "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
  "Storage Blob Data Owner": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
  "Storage Blob Data Contributor": "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
  "Monitoring Metrics Publisher": "3913510d-42f4-4e42-8a64-420c390055eb",
};

/**
 * Roles that administer access (they can grant any role, or are every right): a CI deployer must never be able to
 * assign them. Owner, User Access Administrator, Role Based Access Control Administrator; Contributor too, which
 * would let an identity of the attacker's choosing manage the environment.
 */
export const ADMINISTRATIVE_ROLE_IDS: Readonly<Record<string, string>> = {
  Owner: "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
  "User Access Administrator": "18d7d88d-d35e-4fb5-a5c3-7773c4a72b9d",
  "Role Based Access Control Administrator": "f58310d9-a9f6-439a-9e8d-f62e7b41a168",
  Contributor: "b24988ac-6180-42a0-ab88-20f7382dd24c",
};

/** A role assignment a stack makes: the built-in role's name and the principal type it names. */
export interface AssignedRole {
  readonly roleDefinitionName: string;
  /** Undefined where the stack leaves it to Azure (the deploying principal's own assignment). */
  readonly principalType?: string;
}

/** Every role assignment under the given constructs (stacks), read from the construct tree. */
export function assignedRoles(scopes: readonly IConstruct[]): AssignedRole[] {
  return scopes.flatMap((scope) =>
    scope.node
      .findAll()
      .filter((c): c is RoleAssignment => TerraformResource.isTerraformResource(c) && (c as TerraformResource).terraformResourceType === RoleAssignment.tfResourceType)
      .map((a) => {
        const name = a.roleDefinitionNameInput;
        if (!name) throw new Error(`${a.node.path}: role assignments of the environment's stacks name a built-in role (roleDefinitionName)`);
        return { roleDefinitionName: name, principalType: a.principalTypeInput };
      }),
  );
}

/** The GUIDs of these built-in roles, sorted and once each; throws on a role the table does not know. */
export function builtInRoleIds(roleNames: Iterable<string>): string[] {
  const ids = new Set<string>();
  for (const name of roleNames) {
    const id = BUILT_IN_ROLE_IDS[name];
    if (!id) throw new Error(`role "${name}" is assigned by a stack but has no id in BUILT_IN_ROLE_IDS (constructs/azure/built-in-roles.ts): add it`);
    ids.add(id);
  }
  return [...ids].sort();
}
