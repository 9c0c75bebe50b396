// The CI pipeline's identities (environments.<env>.pipeline): one trust per GitHub environment, one OIDC provider per
// account, and state storage the bootstrap can create.
import { stackName } from "../naming";
import { githubOidcProviderArn } from "../pipeline";
import { Check, isMap, Loose } from "./shared";

/**
 * The pipeline's identities trust one GitHub repository and environment each. Two description environments behind
 * one GitHub environment would let either's deploy job assume the other's deployer; GitHub compares environment
 * names without regard to case, so they are compared that way here.
 */
export const checkPipelines: Check = ({ envs }, add) => {
  const subjects = new Map<string, string>();
  const providers = new Map<string, string>();
  for (const [env, e] of envs) {
    const p = e.pipeline;
    if (!isMap(p)) continue;
    const at = `environments.${env}.pipeline`;
    // IAM keeps one OIDC provider per issuer and account: only one bootstrap stack per account may create it.
    if (isMap(e.aws) && typeof e.aws.accountId === "string" && p.awsOidcProviderArn === undefined) {
      const twin = providers.get(e.aws.accountId);
      if (twin) add(`${at}.awsOidcProviderArn`, `is required: ${stackName("bootstrap", twin)} creates account ${e.aws.accountId}'s GitHub OIDC provider, which IAM holds once per account; set it to ${githubOidcProviderArn(e.aws.accountId)}`);
      else providers.set(e.aws.accountId, env);
    }
    const gh = isMap(p.github) ? p.github : {};
    if (typeof gh.repository === "string" && typeof gh.environment === "string") {
      const key = `${gh.repository.toLowerCase()}:${gh.environment.toLowerCase()}`;
      const twin = subjects.get(key);
      if (twin) add(`${at}.github.environment`, `is also the GitHub environment of environment ${twin} in ${gh.repository}; each environment needs its own, or one's deploy job could assume the other's deployer`);
      else subjects.set(key, env);
    }
    if (typeof p.awsOidcProviderArn === "string") {
      if (!isMap(e.aws)) add(`${at}.awsOidcProviderArn`, "is only used with an aws block; remove it");
      else {
        const acct = p.awsOidcProviderArn.split(":")[4];
        if (acct !== e.aws.accountId) add(`${at}.awsOidcProviderArn`, `belongs to account ${acct}, not to this environment's account ${String(e.aws.accountId)}`);
      }
    }
    if (p.createStateStorage === true) {
      const backends = ["aws", "vault", "azure"].map((b) => [b, isMap(e[b]) ? e[b].backend : undefined] as const).filter(([, b]) => isMap(b));
      if (backends.length === 0) add(`${at}.createStateStorage`, "is true but no backend block of this environment names state storage; add aws.backend (s3) or an azurerm backend, or remove createStateStorage");
      for (const [kind, b] of backends as [string, Loose][]) {
        if (b.type === "s3") {
          if (!isMap(e.aws)) add(`environments.${env}.${kind}.backend`, "names an S3 bucket for the bootstrap to create, which needs this environment's aws block (its account); add it, or create the bucket yourself and remove createStateStorage");
          else if (b.region !== e.aws.region) add(`environments.${env}.${kind}.backend.region`, `is ${String(b.region)}, but the bootstrap creates the bucket in aws.region (${String(e.aws.region)}); use the same region or create the bucket yourself`);
        } else if (b.type === "azurerm" && !isMap(e.azure)) {
          add(`environments.${env}.${kind}.backend`, "names an azurerm container for the bootstrap to create, which needs this environment's azure block (its subscription); add it, or create the container yourself and remove createStateStorage");
        }
      }
    }
  }
};
