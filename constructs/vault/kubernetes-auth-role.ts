// One Kubernetes auth role: one service account in one namespace gets one workload's policy.
import type { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { KubernetesAuthBackendRole } from "@cdktf/provider-vault/lib/kubernetes-auth-backend-role";
import type { IVaultPolicy } from "./workload-policy";
import { checkTokenTtls } from "./token-ttl";

export interface KubernetesAuthRoleOptions {
  /** The role name, e.g. dev-myapp-api. */
  readonly roleName: string;
  /** The service account allowed to log in (exactly one, never a wildcard). */
  readonly serviceAccountName: string;
  /** The namespace of that service account (exactly one, never a wildcard). */
  readonly serviceAccountNamespace: string;
  /** The policy the login token gets. */
  readonly policy: IVaultPolicy;
  /**
   * The audience the service account token must carry. When Vault reviews a login with the client's own
   * token (no token_reviewer_jwt), that token also authenticates the TokenReview call, so the audience must
   * be one the Kubernetes API server accepts; a projected token holds only one audience.
   * @default "https://kubernetes.default.svc" - the API audience of EKS and most clusters
   */
  readonly audience?: string;
  /**
   * Lifetime of a login token, in seconds.
   * @default 3600
   */
  readonly tokenTtlSeconds?: number;
  /**
   * Longest lifetime of a login token including renewals, in seconds.
   * @default 14400
   */
  readonly tokenMaxTtlSeconds?: number;
  /**
   * Vault Enterprise namespace.
   * @default - the auth mount's namespace
   */
  readonly namespace?: string;
}

export interface KubernetesAuthRoleProps extends KubernetesAuthRoleOptions {
  /** The auth mount path. */
  readonly backend: string;
  /**
   * Resources the role waits for (the auth config, so that no login is tried before it exists).
   * @default - none beyond the references
   */
  readonly dependsOn?: ITerraformDependable[];
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export class KubernetesAuthRole extends Construct {
  readonly roleName: string;
  readonly resource: KubernetesAuthBackendRole;

  constructor(scope: Construct, id: string, props: KubernetesAuthRoleProps) {
    super(scope, id);
    for (const [what, v] of [
      ["serviceAccountName", props.serviceAccountName],
      ["serviceAccountNamespace", props.serviceAccountNamespace],
    ] as const) {
      if (!K8S_NAME.test(v)) throw new Error(`Kubernetes role ${props.roleName}: ${what} "${v}" must be one Kubernetes name (no wildcard)`);
    }
    const ttl = props.tokenTtlSeconds ?? 3600;
    const maxTtl = props.tokenMaxTtlSeconds ?? 14_400;
    checkTokenTtls(`Kubernetes role ${props.roleName}`, ttl, maxTtl);
    const audience = props.audience ?? "https://kubernetes.default.svc";
    if (audience.trim() === "") throw new Error(`Kubernetes role ${props.roleName}: audience must not be empty`);
    this.roleName = props.roleName;
    this.resource = new KubernetesAuthBackendRole(this, "role", {
      backend: props.backend,
      roleName: props.roleName,
      boundServiceAccountNames: [props.serviceAccountName],
      boundServiceAccountNamespaces: [props.serviceAccountNamespace],
      audience,
      tokenPolicies: [props.policy.policyNameRef],
      tokenTtl: ttl,
      tokenMaxTtl: maxTtl,
      namespace: props.namespace,
      dependsOn: props.dependsOn,
    });
  }
}
