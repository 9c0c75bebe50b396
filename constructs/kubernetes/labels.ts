// Labels and annotations the platform puts on the Kubernetes objects it builds. The guardrails (guardrails/
// rules/kubernetes/) and the review read them back from the synthesized JSON to tell whose object is whose.

/** IRSA: the IAM role a pod of this service account assumes (EKS pod identity webhook). */
export const IRSA_ROLE_ANNOTATION = "eks.amazonaws.com/role-arn";
/** AKS workload identity: the managed identity a pod of this service account becomes. */
export const AZURE_CLIENT_ID_ANNOTATION = "azure.workload.identity/client-id";
/** The <app>/<workload> an object is built for. */
export const WORKLOAD_ANNOTATION = "secrets-platform.io/workload";
/** On a service account: the logical paths <env>/<app>/<secret> its workload reads, comma-separated. */
export const READS_ANNOTATION = "secrets-platform.io/reads";
/** On an ExternalSecret: the logical path <env>/<app>/<secret> it syncs. */
export const SECRET_PATH_ANNOTATION = "secrets-platform.io/secret-path";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
