// A role's trust is set when the role is created and never changed in place: a change of trust replaces the role.
// The CI deployer is denied iam:UpdateAssumeRolePolicy (deployer-permissions.ts, escalationDenyStatements), so a
// stolen deployer session cannot make an existing reader role, already named in the secrets' resource policies,
// assumable by someone else; and a deploy that changes a trust must not need that call.
//
// Terraform's lifecycle replace_triggered_by takes references to managed resources only, not a literal, so the trust
// is held in a terraform_data resource (built into Terraform, no provider) and the role is replaced when it changes
// (https://developer.hashicorp.com/terraform/language/meta-arguments/lifecycle#replace_triggered_by,
// https://developer.hashicorp.com/terraform/language/resources/terraform-data). The role's inline policies are put
// again when the role's unique_id changes, i.e. when the role was replaced (a new role has a new id; the old one's
// inline policies were deleted with it).
//
// Replacing keeps the role's name and ARN. The secrets' resource policies name readers in a condition on
// aws:PrincipalArn (application-secret.ts), which compares the ARN, not the role's unique id that a Principal element
// is stored as (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-roles),
// so they keep matching the new role.
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { TerraformResource, anyToHclTerraform, anyToTerraform, hashMapper, hashMapperHcl } from "cdktf";
import { Construct } from "constructs";

/**
 * terraform_data holding a value in `input`. On cdktf's public TerraformResource rather than its DataResource class,
 * whose validation runs `terraform version` in a child process per resource at every synth (as
 * constructs/azure/local-exec-step.ts explains); a Terraform older than 1.4 refuses the type itself at validate.
 */
class TrustRecord extends TerraformResource {
  constructor(scope: Construct, id: string, private readonly input: Readonly<Record<string, unknown>>) {
    super(scope, id, { terraformResourceType: "terraform_data", terraformGeneratorMetadata: { providerName: "terraform" } });
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    return { input: hashMapper(anyToTerraform)(this.input) };
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return { input: { value: hashMapperHcl(anyToHclTerraform)(this.input), isBlock: false, type: "map", storageClassType: "anyMap" } };
  }
}

/** Replaces `role` whenever `trustPolicyJson` changes, and puts each of `policies` again on the new role. */
export function replaceRoleOnTrustChange(scope: Construct, role: IamRole, trustPolicyJson: string, policies: readonly IamRolePolicy[]): TerraformResource {
  const trust = new TrustRecord(scope, "trust", { assume_role_policy: trustPolicyJson });
  // As addresses, not objects: cdktf 0.21 renders an object here as "${...}", which Terraform refuses in this argument.
  role.lifecycle = { ...role.lifecycle, replaceTriggeredBy: [`${trust.terraformResourceType}.${trust.friendlyUniqueId}`] };
  for (const p of policies) p.lifecycle = { ...p.lifecycle, replaceTriggeredBy: [`${role.terraformResourceType}.${role.friendlyUniqueId}.unique_id`] };
  return trust;
}
