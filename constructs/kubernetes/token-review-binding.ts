// Lets one service account call the TokenReview API, which Vault's Kubernetes auth needs when it reviews a login with
// the client's own token (no token_reviewer_jwt, as constructs/vault/kubernetes-auth.ts configures it). Vault's
// Kubernetes auth documentation ("Use the Vault client's JWT as the reviewer JWT") requires that binding for each
// client's service account.
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { createHash } from "node:crypto";
import { Construct } from "constructs";
import { MANAGED_BY_LABEL } from "./labels";

/** The built-in cluster role that allows TokenReview and SubjectAccessReview, nothing else. */
export const AUTH_DELEGATOR_ROLE = "system:auth-delegator";

export interface TokenReviewBindingProps {
  readonly namespace: string;
  readonly serviceAccountName: string;
  /** @default "secrets-platform" */
  readonly managedBy?: string;
}

/**
 * vault-token-review.<namespace>.<serviceAccount>: namespaces hold no dot, so no two service accounts share a name
 * (with dashes, a-b/c and a/b-c would). Names stop at 253 characters; a long one keeps its start and a stable hash.
 */
export function tokenReviewBindingName(namespace: string, serviceAccount: string): string {
  const name = `vault-token-review.${namespace}.${serviceAccount}`;
  if (name.length <= 253) return name;
  return `${name.slice(0, 244)}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
}

/** One ClusterRoleBinding per service account: exactly one subject, never a group. */
export class TokenReviewBinding extends Construct {
  readonly resource: ClusterRoleBindingV1;

  constructor(scope: Construct, id: string, props: TokenReviewBindingProps) {
    super(scope, id);
    this.resource = new ClusterRoleBindingV1(this, "binding", {
      metadata: {
        name: tokenReviewBindingName(props.namespace, props.serviceAccountName),
        labels: { [MANAGED_BY_LABEL]: props.managedBy ?? "secrets-platform" },
      },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: AUTH_DELEGATOR_ROLE },
      subject: [{ kind: "ServiceAccount", name: props.serviceAccountName, namespace: props.namespace }],
    });
  }
}
