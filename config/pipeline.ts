// Names and OIDC subjects of the CI pipeline's identities (issue 15). The bootstrap stack, the workflow generator
// and the tests all build them here, so the subject a job presents is the subject its trust names.
//
// GitHub's token subjects (https://docs.github.com/en/actions/reference/security/oidc, "Example subject claims"):
// a job that runs in an environment presents repo:<owner>/<name>:environment:<environment>; a job triggered by a
// pull request (and in no environment) presents repo:<owner>/<name>:pull_request.

/** GitHub's OIDC issuer, the same for every repository on github.com. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";
/** The issuer without its scheme: IAM prefixes its condition keys with it (token.actions.githubusercontent.com:sub). */
export const GITHUB_OIDC_HOST = "token.actions.githubusercontent.com";
/** The audience aws-actions/configure-aws-credentials requests, which the IAM provider lists as its client id. */
export const AWS_STS_AUDIENCE = "sts.amazonaws.com";
/** The audience Entra ID requires in a federated credential's tokens. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange";

export type PipelineRole = "deployer" | "planner";

export function deploySubject(repository: string, githubEnvironment: string): string {
  return `repo:${repository}:environment:${githubEnvironment}`;
}

export function pullRequestSubject(repository: string): string {
  return `repo:${repository}:pull_request`;
}

/**
 * A job on a push to main, in no GitHub environment (the workflow's plan job on main, whose saved plan the deploy job
 * applies): repo:<owner>/<name>:ref:refs/heads/main ("Filtering for a specific branch" in GitHub's OIDC reference).
 */
export function mainBranchSubject(repository: string): string {
  return `repo:${repository}:ref:refs/heads/main`;
}

/**
 * The subjects the read-only planner trusts: a pull request's plan job, and the plan job of a push to main whose
 * saved plan the deploy job applies after a person approves it.
 */
export function plannerSubjects(repository: string): [string, string] {
  return [pullRequestSubject(repository), mainBranchSubject(repository)];
}

export function pipelineSubject(role: PipelineRole, repository: string, githubEnvironment: string): string {
  return role === "deployer" ? deploySubject(repository, githubEnvironment) : pullRequestSubject(repository);
}

/**
 * Pipeline names end in ci_deployer / ci_planner: description names never hold "_" in application or workload
 * names, so these never meet a workload's <org>-<env>-<app>-<workload> role or <env>-<app>-<workload> policy.
 */
export function pipelineRoleName(org: string, env: string, role: PipelineRole): string {
  return `${org}-${env}-ci_${role}`;
}

/**
 * The IAM path of the pipeline roles. The deployer may manage roles named <org>-<env>-*; a role's ARN puts its path
 * before its name (role/secrets-platform-ci/<name>), so no such pattern reaches the pipeline's own roles.
 */
export const PIPELINE_IAM_PATH = "/secrets-platform-ci/";

export function pipelineRoleArn(accountId: string, org: string, env: string, role: PipelineRole): string {
  return `arn:aws:iam::${accountId}:role${PIPELINE_IAM_PATH}${pipelineRoleName(org, env, role)}`;
}

/**
 * The customer-managed policy every IAM role of aws-<env> (and its stack groups) carries as permissions boundary:
 * the most those roles may ever do. It lives under the pipeline path, so the deployer's role/<org>-<env>-* rights
 * never name it, and the deployer may create or change a role only when it carries exactly this boundary.
 */
export function workloadBoundaryName(org: string, env: string): string {
  return `${org}-${env}-workload-boundary`;
}

/** The boundary's ARN, known before bootstrap creates it, so aws-<env> names it without a cross-stack reference. */
export function workloadBoundaryArn(accountId: string, org: string, env: string, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:policy${PIPELINE_IAM_PATH}${workloadBoundaryName(org, env)}`;
}

export function githubOidcProviderArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC_HOST}`;
}

/** Vault JWT auth mount for GitHub's tokens. */
export const VAULT_GITHUB_AUTH_PATH = "github-actions";

/** Vault role and policy names: <env>_ci_<role>; "_" never appears in an environment or workload name. */
export function vaultPipelineName(env: string, role: PipelineRole): string {
  return `${env}_ci_${role}`;
}

/**
 * GitHub variables (repository level) that carry the Azure client ids, which exist only once bootstrap has run.
 * bootstrap-<env> outputs each value under this name; the workflow reads vars.<name>.
 */
export function azureClientIdVariable(env: string, role: PipelineRole): string {
  return `SP_${env.toUpperCase().replace(/-/g, "_")}_AZURE_${role.toUpperCase()}_CLIENT_ID`;
}
