// The IAM role a Kubernetes service account assumes through IRSA (EKS's OIDC provider).
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { roleArn } from "./arns";
import { replaceRoleOnTrustChange } from "./trust-replaces-role";
import { IGrantable, inlinePolicySizeCheck, PolicyDocument, PolicyStatement } from "./policy-document";

export interface WorkloadRoleProps {
  readonly roleName: string;
  /** arn:aws:iam::<account>:oidc-provider/<issuer host and path> of the cluster. */
  readonly oidcProviderArn: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /**
   * The audience of the projected service account token.
   * @default "sts.amazonaws.com" - what the EKS pod identity webhook requests
   */
  readonly audience?: string;
  /**
   * Longest session, in seconds.
   * @default 3600
   */
  readonly maxSessionDuration?: number;
  /** @default - none */
  readonly description?: string;
  /** @default - none */
  readonly tags?: Record<string, string>;
  /**
   * ARN of the managed policy that caps what the role can do, whatever its policy grants.
   * @default - no boundary
   */
  readonly permissionsBoundary?: string;
}

/**
 * A role that exactly one service account in one namespace can assume: the trust policy matches
 * `sub` and `aud` with StringEquals, never StringLike. It holds only what is granted to it.
 */
export class WorkloadRole extends Construct implements IGrantable {
  readonly role: IamRole;
  readonly policy: PolicyDocument = new PolicyDocument();
  /** `system:serviceaccount:<namespace>:<serviceAccount>` */
  readonly subject: string;
  /** The role's ARN, in the OIDC provider's account (IRSA roles live where the provider is). */
  readonly principalArn: string;

  constructor(scope: Construct, id: string, props: WorkloadRoleProps) {
    super(scope, id);
    const issuer = oidcIssuer(props.oidcProviderArn);
    this.subject = `system:serviceaccount:${props.namespace}:${props.serviceAccount}`;
    const [, partition, , , accountId] = props.oidcProviderArn.split(":");
    this.principalArn = roleArn({ partition, accountId }, props.roleName);
    const trust = new PolicyDocument([
      {
        sid: "ServiceAccountAssumesRoleWithWebIdentity",
        principals: { Federated: [props.oidcProviderArn] },
        actions: ["sts:AssumeRoleWithWebIdentity"],
        conditions: {
          StringEquals: {
            [`${issuer}:sub`]: this.subject,
            [`${issuer}:aud`]: props.audience ?? "sts.amazonaws.com",
          },
        },
      },
    ]);
    const trustJson = JSON.stringify(trust.toObject());
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      description: props.description,
      assumeRolePolicy: trustJson,
      maxSessionDuration: props.maxSessionDuration ?? 3600,
      permissionsBoundary: props.permissionsBoundary,
      tags: props.tags,
    });
    const permissions = new IamRolePolicy(this, "permissions", {
      name: "secrets",
      role: this.role.id,
      policy: this.policy.toJson(),
    });
    // A new trust (another cluster, namespace or service account) replaces the role instead of rewriting it.
    replaceRoleOnTrustChange(this, this.role, trustJson, [permissions]);
    this.node.addValidation({
      validate: () => (this.policy.isEmpty ? [`${props.roleName} has no permissions: grant it a secret or remove the workload`] : []),
    });
    this.node.addValidation(inlinePolicySizeCheck(props.roleName, this.policy, "split the workload into workloads that each read fewer secrets"));
  }

  get arn(): string {
    return this.role.arn;
  }

  addToPolicy(statement: PolicyStatement): void {
    this.policy.addStatements(statement);
  }
}

/** The issuer host and path that IAM uses as the prefix of the OIDC condition keys. */
export function oidcIssuer(oidcProviderArn: string): string {
  const at = oidcProviderArn.indexOf(":oidc-provider/");
  if (at < 0) throw new Error(`${oidcProviderArn} is not an IAM OIDC provider ARN`);
  return oidcProviderArn.slice(at + ":oidc-provider/".length);
}
