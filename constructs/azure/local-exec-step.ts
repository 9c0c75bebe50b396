// A step that runs a command on the deploying machine during apply: Terraform's built-in terraform_data resource
// (https://developer.hashicorp.com/terraform/language/resources/terraform-data) with a local-exec provisioner, run
// when the resource is created and again whenever a value in triggers_replace changes.
//
// Built on cdktf's public TerraformResource rather than its DataResource class: DataResource adds a validation that
// runs `terraform version` in a child process, once per resource, at every synth. With a deployment step and an RBAC
// wait in each Azure stack that was most of the example's synth time (and a process per group stack at scale).
// The stacks that use this set `terraform.required_version`, which Terraform itself enforces at init and plan.
import { ITerraformDependable, TerraformResource, anyToHclTerraform, anyToTerraform, hashMapper, hashMapperHcl } from "cdktf";
import { Construct } from "constructs";

export interface LocalExecStepProps {
  /** Values whose change replaces the resource, which runs the command again. */
  readonly triggersReplace: Readonly<Record<string, unknown>>;
  /** The shell command, run by Terraform's local-exec provisioner on the machine that applies. */
  readonly command: string;
  /** @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

export class LocalExecStep extends TerraformResource {
  private readonly triggers: Readonly<Record<string, unknown>>;

  constructor(scope: Construct, id: string, props: LocalExecStepProps) {
    super(scope, id, {
      terraformResourceType: "terraform_data",
      terraformGeneratorMetadata: { providerName: "terraform" },
      dependsOn: props.dependsOn,
      provisioners: [{ type: "local-exec", command: props.command }],
    });
    this.triggers = props.triggersReplace;
  }

  protected synthesizeAttributes(): { [name: string]: unknown } {
    // As cdktf's DataResource writes it.
    return { triggers_replace: hashMapper(anyToTerraform)(this.triggers) };
  }

  protected synthesizeHclAttributes(): { [name: string]: unknown } {
    return {
      triggers_replace: { value: hashMapperHcl(anyToHclTerraform)(this.triggers), isBlock: false, type: "map", storageClassType: "anyMap" },
    };
  }
}
