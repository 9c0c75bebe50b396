// The CI pipeline's facts that the guardrails and the review recognize in synthesized JSON as well as the bootstrap
// stack builds them: GitHub's OIDC issuer, the two pipeline roles and the Vault role and policy names. config/pipeline.ts
// builds every other pipeline name and re-exports these. This module imports nothing (guardrails may include it).

/** GitHub's OIDC issuer, the same for every repository on github.com. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";
/** The issuer without its scheme: IAM prefixes its condition keys with it (token.actions.githubusercontent.com:sub). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";

export type PipelineRole = "deployer" | "planner";

/** Vault role and policy names: <env>_ci_<role>; "_" never appears in an environment or workload name. */
export function vaultPipelineName(env: string, role: PipelineRole): string {
  return `${env}_ci_${role}`;
}

/** The pipeline role a Vault role or policy name was built for by vaultPipelineName, else undefined. */
export function vaultPipelineRoleOf(name: string): PipelineRole | undefined {
  const match = /_ci_(deployer|planner)$/.exec(name);
  return match ? (match[1] as PipelineRole) : undefined;
}
