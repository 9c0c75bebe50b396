// The tags that connect what the stacks build to what reads it back: the rotation functions (lambda/**) read a
// secret's settings from its tags, the guardrails and the review tell a secret's type or a CI identity's role by
// them, and the CI deployer's permissions are narrowed by the environment tag. Writers and readers import these
// constants, so a renamed tag cannot leave one side behind.
// This module imports nothing: the rotation bundles include it, and lambda/** must not pull in cdktf or constructs.
// Kubernetes labels and annotations have their own home, constructs/kubernetes/labels.ts.

/** The value of the managed-by tag on everything the platform creates, on every backend. */
export const MANAGED_BY = "secrets-platform";

/**
 * The tags a rotation function reads its settings from. Separate constants so that a rotation bundle holds only the
 * names it reads (esbuild inlines a constant, not one property of an object).
 */
export const JWT_ALGORITHM_TAG = "secrets-platform:jwt-algorithm";
export const JWT_EXPIRY_HOURS_TAG = "secrets-platform:jwt-expiry-hours";
export const TOKEN_LENGTH_TAG = "secrets-platform:token-length";

export const TAGS = {
  organization: "organization",
  environment: "environment",
  /** AWS secrets and workload roles: the application. */
  application: "application",
  managedBy: "managed-by",
  /** AWS secrets: the description's secret type (postgres, jwt, api-key, token). */
  secretType: "secret-type",
  /** Key Vault secrets: the same, under Azure's shorter name. */
  keyVaultSecretType: "type",
  /** AWS rotation functions: which rotation they run. */
  rotationKind: "rotation-kind",
  /** Read by the JWT rotation function: the signing algorithm. */
  jwtAlgorithm: JWT_ALGORITHM_TAG,
  /** Read by the JWT rotation function: expiry_hours of the value. */
  jwtExpiryHours: JWT_EXPIRY_HOURS_TAG,
  /** Read by the token rotation function: the token's length. */
  tokenLength: TOKEN_LENGTH_TAG,
  /** On the CI pipeline's IAM roles: deployer or planner. */
  awsPipelineRole: "secrets-platform:pipeline-role",
  /** On the CI pipeline's Azure identities: deployer or planner. */
  azurePipelineRole: "secrets-platform-pipeline-role",
} as const;

export type TagName = (typeof TAGS)[keyof typeof TAGS];

/** The tags every resource of an environment carries (AWS default tags, Azure resource tags). */
export function environmentTags(organization: string, env: string): Record<string, string> {
  return { [TAGS.organization]: organization, [TAGS.environment]: env, [TAGS.managedBy]: MANAGED_BY };
}
