// The Kubernetes service account of one workload, annotated with the cloud identities that trust it.
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { Construct } from "constructs";
import { AZURE_CLIENT_ID_ANNOTATION, IRSA_ROLE_ANNOTATION, MANAGED_BY_LABEL, READS_ANNOTATION, WORKLOAD_ANNOTATION } from "./labels";

export interface WorkloadServiceAccountProps {
  readonly namespace: string;
  readonly name: string;
  /** `<app>/<workload>`, recorded on the object so that reviews and guardrails can tell whose it is. */
  readonly workload: string;
  /** The logical paths `<env>/<app>/<secret>` the workload reads, recorded on the object. */
  readonly reads: readonly string[];
  /**
   * The IAM role of the workload (IRSA).
   * @default - no eks.amazonaws.com/role-arn annotation
   */
  readonly awsRoleArn?: string;
  /**
   * The client id of the workload's user-assigned managed identity (AKS workload identity).
   * @default - no azure.workload.identity/client-id annotation
   */
  readonly azureClientId?: string;
  /**
   * Mount the service account token into pods by default. Only needed where something in the pod logs in with that
   * token (Vault's Kubernetes auth); IRSA and Azure workload identity project their own audience-bound tokens.
   * A pod's own automountServiceAccountToken takes precedence over this (kubernetes.io, "Configure Service Accounts for
   * Pods": "the pod spec takes precedence over the service account if both specify" the field).
   * @default false
   */
  readonly automountToken?: boolean;
  /** @default "secrets-platform" */
  readonly managedBy?: string;
}

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

export class WorkloadServiceAccount extends Construct {
  readonly resource: ServiceAccountV1;
  readonly namespace: string;
  readonly name: string;

  constructor(scope: Construct, id: string, props: WorkloadServiceAccountProps) {
    super(scope, id);
    for (const [what, v] of [["namespace", props.namespace], ["name", props.name]] as const) {
      if (!K8S_NAME.test(v)) throw new Error(`${this.node.path}: ${what} "${v}" is not a Kubernetes name`);
    }
    this.namespace = props.namespace;
    this.name = props.name;
    const annotations: Record<string, string> = {
      [WORKLOAD_ANNOTATION]: props.workload,
      [READS_ANNOTATION]: props.reads.join(","),
    };
    if (props.awsRoleArn) annotations[IRSA_ROLE_ANNOTATION] = props.awsRoleArn;
    if (props.azureClientId) annotations[AZURE_CLIENT_ID_ANNOTATION] = props.azureClientId;
    this.resource = new ServiceAccountV1(this, "service-account", {
      metadata: {
        name: props.name,
        namespace: props.namespace,
        annotations,
        labels: { [MANAGED_BY_LABEL]: props.managedBy ?? "secrets-platform" },
      },
      automountServiceAccountToken: props.automountToken ?? false,
    });
  }
}
