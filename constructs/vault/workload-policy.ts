// The Vault policy of one workload: exact paths, read-only intent methods, rendered from a typed model.
import { Lazy } from "cdktf";
import { Construct } from "constructs";
import { Policy } from "@cdktf/provider-vault/lib/policy";
import { PolicyDocument, PolicyRule } from "./policy-document";

/** Something that can be granted access: constructs call addToPolicy from their grant methods. */
export interface IPolicyGrantee {
  addToPolicy(rule: PolicyRule): void;
}

/** A policy that auth roles attach to the tokens they issue. */
export interface IVaultPolicy {
  /** The policy name as plain text. */
  readonly policyName: string;
  /** The name as a reference to the policy resource, so that roles are created after it. */
  readonly policyNameRef: string;
}

export interface WorkloadPolicyProps {
  /** The policy name, e.g. dev-myapp-api. */
  readonly policyName: string;
  /**
   * A line at the top of the policy saying whom it is for.
   * @default - no comment
   */
  readonly comment?: string;
  /**
   * Vault Enterprise namespace of the policy.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
}

const POLICY_NAME = /^[a-z0-9][a-z0-9_-]{0,127}$/;

/**
 * A least-privilege ACL policy for a workload. It starts empty; `grantRead` on a KV mount or
 * `grantCredentials` on a database role adds exact read rules. Wildcards, `sudo`, and paths under
 * `sys/`, `auth/` and `identity/` are refused when the rule is added.
 */
export class WorkloadPolicy extends Construct implements IPolicyGrantee, IVaultPolicy {
  readonly policyName: string;
  /** The vault_policy resource. */
  readonly resource: Policy;
  readonly document = new PolicyDocument();

  constructor(scope: Construct, id: string, props: WorkloadPolicyProps) {
    super(scope, id);
    if (!POLICY_NAME.test(props.policyName)) {
      throw new Error(`policy name "${props.policyName}" is invalid: use up to 128 lowercase letters, digits, _ and -`);
    }
    this.policyName = props.policyName;
    this.resource = new Policy(this, "policy", {
      name: props.policyName,
      namespace: props.namespace,
      policy: Lazy.stringValue({ produce: () => this.document.render(props.comment) }),
    });
    this.node.addValidation({
      validate: () => (this.document.isEmpty ? [`policy ${this.policyName} grants nothing; grant it the secrets the workload reads or remove it`] : []),
    });
  }

  /** Adds an exact rule (see PolicyDocument for what is refused). */
  addToPolicy(rule: PolicyRule): void {
    this.document.addRule(rule);
  }

  get policyNameRef(): string {
    return this.resource.name;
  }
}
