// Kubernetes auth method: pods log in with their service account token and get their workload's policy.
import { Construct } from "constructs";
import { AuthBackend } from "@cdktf/provider-vault/lib/auth-backend";
import { KubernetesAuthBackendConfig } from "@cdktf/provider-vault/lib/kubernetes-auth-backend-config";
import { KubernetesAuthRole, KubernetesAuthRoleOptions } from "./kubernetes-auth-role";

export interface KubernetesAuthProps {
  /** The Kubernetes API server URL that Vault calls for TokenReview, e.g. https://k8s.dev.example.com:6443. */
  readonly kubernetesHost: string;
  /**
   * PEM CA certificate of the Kubernetes API server. Required unless disableLocalCaJwt is false: with it true and
   * no CA, Vault verifies the API server against its system trust store (Vault API docs, auth/kubernetes/config,
   * kubernetes_ca_cert), which never holds a cluster's own CA, so every login fails.
   * @default - none; only with disableLocalCaJwt false, where Vault in a pod of the cluster uses its pod's CA file
   */
  readonly kubernetesCaCert?: string;
  /**
   * The auth mount path.
   * @default "kubernetes"
   */
  readonly path?: string;
  /**
   * Do not use a token and CA file local to Vault's own pod. With no reviewer JWT configured, each
   * client's own short-lived token is then used for its TokenReview (the service account needs the
   * system:auth-delegator cluster role).
   * @default true - the reviewer is always the client's own token, wherever Vault runs
   */
  readonly disableLocalCaJwt?: boolean;
  /**
   * JWT issuer to validate, when issuer validation is wanted.
   * @default - not set: the TokenReview API is authoritative
   */
  readonly issuer?: string;
  /**
   * @default "Kubernetes service account login, managed by the secrets platform"
   */
  readonly description?: string;
  /**
   * Vault Enterprise namespace.
   * @default - the provider's namespace
   */
  readonly namespace?: string;
}

const AUTH_PATH = /^[a-z][a-z0-9_-]*$/;

/**
 * A Kubernetes auth mount and its config. No long-lived token_reviewer_jwt is ever stored: the client's
 * own (projected, short-lived) token reviews itself. Add one role per workload with `addRole`.
 */
export class KubernetesAuth extends Construct {
  /** The mount path as a plain string. */
  readonly path: string;
  readonly backend: AuthBackend;
  readonly config: KubernetesAuthBackendConfig;
  private readonly namespace?: string;
  private readonly roleList: KubernetesAuthRole[] = [];

  constructor(scope: Construct, id: string, props: KubernetesAuthProps) {
    super(scope, id);
    this.path = props.path ?? "kubernetes";
    if (!AUTH_PATH.test(this.path)) throw new Error(`Kubernetes auth path "${this.path}" is invalid: use lowercase letters, digits, _ and -`);
    if (!/^https:\/\/[^/\s]+/.test(props.kubernetesHost)) {
      throw new Error(`kubernetesHost "${props.kubernetesHost}" must be the https:// URL of the Kubernetes API server`);
    }
    const disableLocalCaJwt = props.disableLocalCaJwt ?? true;
    if (disableLocalCaJwt && !props.kubernetesCaCert) {
      throw new Error(
        `${this.node.path}: kubernetesCaCert is required: without it Vault checks the API server ${props.kubernetesHost} against its system trust store, which does not hold the cluster's CA, and every login fails`,
      );
    }
    if (props.kubernetesCaCert !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(props.kubernetesCaCert)) {
      throw new Error(`${this.node.path}: kubernetesCaCert must be a PEM certificate (-----BEGIN CERTIFICATE----- ...)`);
    }
    this.namespace = props.namespace;
    this.backend = new AuthBackend(this, "backend", {
      type: "kubernetes",
      path: this.path,
      description: props.description ?? "Kubernetes service account login, managed by the secrets platform",
      namespace: props.namespace,
    });
    this.config = new KubernetesAuthBackendConfig(this, "config", {
      backend: this.backend.path,
      kubernetesHost: props.kubernetesHost,
      kubernetesCaCert: props.kubernetesCaCert,
      disableLocalCaJwt,
      issuer: props.issuer,
      namespace: props.namespace,
    });
  }

  /** Adds a role bound to exactly one service account in one namespace. */
  addRole(id: string, options: KubernetesAuthRoleOptions): KubernetesAuthRole {
    const role = new KubernetesAuthRole(this, id, {
      ...options,
      backend: this.backend.path,
      namespace: options.namespace ?? this.namespace,
      // The config must exist before a pod can log in with the role.
      dependsOn: [this.config],
    });
    this.roleList.push(role);
    return role;
  }

  get roles(): readonly KubernetesAuthRole[] {
    return this.roleList;
  }
}
