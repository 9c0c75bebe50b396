// Guardrails for CI identities (bootstrap-<env>): every trust names exact token subjects, a planner, which
// runs for any pull request, can neither change anything nor read a secret, and a deployer creates or changes IAM
// roles only under the environment's permissions boundary.
import type { RulePack } from "../../rule";
import { ciTrustWildcardSubject } from "./ci-trust-wildcard-subject";
import { ciPlannerWritesOrReadsSecrets } from "./ci-planner-writes-or-reads-secrets";
import { ciDeployerWithoutBoundary } from "./ci-deployer-without-boundary";

export { ciTrustWildcardSubject } from "./ci-trust-wildcard-subject";
export { ciPlannerWritesOrReadsSecrets } from "./ci-planner-writes-or-reads-secrets";
export { ciDeployerWithoutBoundary } from "./ci-deployer-without-boundary";

export const PIPELINE_RULES: RulePack = {
  name: "pipeline",
  rules: [ciTrustWildcardSubject, ciPlannerWritesOrReadsSecrets, ciDeployerWithoutBoundary],
};
