// One Azure role assignment: the primitive behind the constructs' grant methods.
import { ITerraformDependable, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import type { IAzurePrincipal } from "./principal";

export interface RoleGrantProps {
  /** Who gets the role. */
  readonly grantee: IAzurePrincipal;
  /** Built-in or custom role definition name, e.g. "Key Vault Secrets User". */
  readonly roleDefinitionName: string;
  /** ARM resource id the role applies to; keep it as narrow as the access needs. */
  readonly scope: string;
  /** Why the grant exists, shown in the Azure portal. @default - none */
  readonly description?: string;
  /** Resources that must exist before the assignment is made. @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

/** Assigns one role to one principal at one scope. */
export class RoleGrant extends Construct {
  readonly assignment: RoleAssignment;

  constructor(scope: Construct, id: string, props: RoleGrantProps) {
    super(scope, id);
    this.assignment = new RoleAssignment(this, "assignment", {
      scope: props.scope,
      roleDefinitionName: props.roleDefinitionName,
      principalId: props.grantee.principalId,
      principalType: props.grantee.principalType,
      description: props.description,
      dependsOn: props.dependsOn,
    });
  }
}

/** A grant named after the grantee's path below its stack (`<verb>-<path>`): readable, and one per grantee and verb. */
export function grantFor(owner: Construct, verb: string, props: RoleGrantProps): RoleGrant {
  const scopes = props.grantee.node.scopes;
  const stackAt = scopes.findIndex((s) => TerraformStack.isStack(s));
  const who = scopes
    .slice(stackAt + 1)
    .map((s) => s.node.id)
    .join("-");
  return new RoleGrant(owner, `${verb}-${who}`, props);
}
