// A Terraform input variable that is ephemeral: its value is usable only in write-only arguments and
// never lands in the plan or the state. cdktf 0.21 has no option for it, hence the override.
import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";

export interface EphemeralStringVariableProps {
  /** The Terraform variable name; set its value with TF_VAR_<name>. */
  readonly name: string;
  readonly description: string;
  /**
   * Whether every plan and apply must be given a value. When false the value defaults to null, so it is
   * needed only when a write-only argument's version changes (or on first creation).
   * @default false
   */
  readonly required?: boolean;
}

export function ephemeralStringVariable(scope: Construct, id: string, props: EphemeralStringVariableProps): TerraformVariable {
  if (!/^[a-z][a-z0-9_]*$/.test(props.name)) throw new Error(`variable name "${props.name}" is invalid: use lowercase letters, digits and _`);
  const variable = new TerraformVariable(scope, id, {
    type: "string",
    description: props.description,
    sensitive: true,
    nullable: !(props.required ?? false),
  });
  // cdktf cannot render a null default from the config; the override writes it as JSON null.
  if (!props.required) variable.addOverride("default", null);
  variable.overrideLogicalId(props.name);
  variable.addOverride("ephemeral", true);
  return variable;
}
