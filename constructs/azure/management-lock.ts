// A CanNotDelete management lock: the resource can change but not be deleted until the lock is removed.
import { Construct } from "constructs";
import { ManagementLock } from "@cdktf/provider-azurerm/lib/management-lock";

export interface DeleteLockProps {
  /** The ARM id of the locked resource. */
  readonly scope: string;
  readonly name: string;
  /** Why the lock exists, shown to whoever meets it. @default - none */
  readonly notes?: string;
}

export class DeleteLock extends Construct {
  readonly lock: ManagementLock;

  constructor(scope: Construct, id: string, props: DeleteLockProps) {
    super(scope, id);
    this.lock = new ManagementLock(this, "lock", {
      name: props.name,
      scope: props.scope,
      lockLevel: "CanNotDelete",
      notes: props.notes,
    });
  }
}
