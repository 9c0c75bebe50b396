// Waits after a role assignment before its role is relied on: Azure RBAC takes a while to reach Key Vault's data plane.
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { LocalExecStep } from "./local-exec-step";

export interface RbacPropagationWaitProps {
  /** The role assignment(s) to wait for; the wait runs again only when one of them is replaced. */
  readonly after: ReadonlyArray<ITerraformDependable & { readonly id: string }>;
  /** Whole seconds to wait, 1 to 600. */
  readonly seconds: number;
}

/**
 * A built-in terraform_data resource whose creation runs `sleep` on the deploying machine: no extra provider
 * (hashicorp/time's time_sleep would need one). Runs once when the role assignments are created, not on every apply.
 */
export class RbacPropagationWait extends Construct {
  readonly resource: LocalExecStep;

  constructor(scope: Construct, id: string, props: RbacPropagationWaitProps) {
    super(scope, id);
    if (!Number.isInteger(props.seconds) || props.seconds < 1 || props.seconds > 600) {
      throw new Error(`${this.node.path}: seconds must be a whole number from 1 to 600 (got ${props.seconds})`);
    }
    if (props.after.length === 0) throw new Error(`${this.node.path}: name the role assignments to wait for`);
    this.resource = new LocalExecStep(this, "wait", {
      triggersReplace: { roleAssignments: props.after.map((a) => a.id) },
      command: `sleep ${props.seconds}`,
    });
  }
}
