// AppRole auth method, for workloads that run outside Kubernetes (VMs, CI runners, batch hosts).
import { Construct } from "constructs";
import { AuthBackend } from "@cdktf/provider-vault/lib/auth-backend";
import { AppRoleAuthRole, AppRoleAuthRoleOptions } from "./approle-auth-role";

export interface AppRoleAuthProps {
  /**
   * The auth mount path.
   * @default "approle"
   */
  readonly path?: string;
  /**
   * @default "AppRole login for workloads outside Kubernetes, managed by the secrets platform"
   */
  readonly description?: string;
  /**
   * Vault Enterprise namespace.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
}

export class AppRoleAuth extends Construct {
  /** The mount path as a plain string. */
  readonly path: string;
  readonly backend: AuthBackend;
  private readonly namespace?: string;
  private readonly roleList: AppRoleAuthRole[] = [];

  constructor(scope: Construct, id: string, props: AppRoleAuthProps = {}) {
    super(scope, id);
    this.path = props.path ?? "approle";
    if (!/^[a-z][a-z0-9_-]*$/.test(this.path)) throw new Error(`AppRole auth path "${this.path}" is invalid: use lowercase letters, digits, _ and -`);
    this.namespace = props.namespace;
    this.backend = new AuthBackend(this, "backend", {
      type: "approle",
      path: this.path,
      description: props.description ?? "AppRole login for workloads outside Kubernetes, managed by the secrets platform",
      namespace: props.namespace,
    });
  }

  /** Adds a role; its role id and secret ids are fetched out of band (see the README, HashiCorp Vault), never by Terraform. */
  addRole(id: string, options: AppRoleAuthRoleOptions): AppRoleAuthRole {
    const role = new AppRoleAuthRole(this, id, { ...options, backend: this.backend.path, namespace: options.namespace ?? this.namespace });
    this.roleList.push(role);
    return role;
  }

  get roles(): readonly AppRoleAuthRole[] {
    return this.roleList;
  }
}
