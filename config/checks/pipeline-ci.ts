// What CI needs of an environment it deploys (issue 19): remote state for every stack it applies, and runners that
// can reach the data planes Terraform writes through.
import { stackName } from "../naming";
import { Check, isMap, Loose } from "./shared";

/** The backend blocks whose stacks the workflow plans and applies (kubernetes-<env> is applied by a person). */
export const CI_DEPLOYED_BACKENDS = ["aws", "vault", "azure"] as const;

/** The label GitHub's workflow uses when pipeline.github.runsOn is not set. */
export const DEFAULT_RUNNER = "ubuntu-latest";

/**
 * Labels of GitHub-hosted standard runners (ubuntu-*, windows-*, macos-*: "Standard GitHub-hosted runners",
 * https://docs.github.com/en/actions/using-github-hosted-runners/using-github-hosted-runners/about-github-hosted-runners).
 * They run on GitHub's network, from which a private endpoint or a private address is unreachable.
 */
export function isGithubHostedLabel(label: string): boolean {
  return /^(ubuntu|windows|macos)-/i.test(label);
}

/** True for an address only a private network reaches: RFC 1918, loopback, link-local, CGNAT, IPv6 ULA / link-local. */
export function isPrivateIp(host: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a === 127 || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
  }
  const v6 = host.replace(/^\[|\]$/g, "").toLowerCase();
  return v6.includes(":") && (/^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6 === "::1");
}

/**
 * Names that resolve only inside a private network: single-label names, and the suffixes reserved or conventional for
 * private use (.internal: ICANN's 2024 reservation; .local: mDNS, RFC 6762; .home.arpa: RFC 8375; .localhost; .svc and
 * .cluster.local: Kubernetes service DNS; .lan, .intranet, .corp: common private zones).
 */
export function isPrivateName(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  if (!h.includes(".") && !h.includes(":")) return true;
  return /\.(internal|local|localhost|home\.arpa|svc|lan|intranet|corp)$/.test(h) || h === "localhost";
}

/** Why an environment's data planes are unreachable from GitHub's hosted runners; none when they are reachable. */
export function privateNetworkReasons(e: Loose): string[] {
  const reasons: string[] = [];
  // azure.privateEndpoint is required by the schema and the Key Vault is created with public network access off
  // (constructs/azure/key-vault.ts). azurerm creates each azurerm_key_vault_secret through the vault's data plane
  // (https://<vault>.vault.azure.net, "Key Vault secrets" are data-plane objects:
  // https://learn.microsoft.com/azure/key-vault/general/security-features#network-security and
  // https://learn.microsoft.com/azure/key-vault/general/private-link-service), so only a machine that resolves and
  // reaches the private endpoint can apply azure-<env>.
  if (isMap(e.azure)) reasons.push("azure-<env> writes Key Vault secrets through the vault's data plane, which is reachable only through its private endpoint (public network access is off)");
  if (isMap(e.vault) && typeof e.vault.address === "string") {
    let host = "";
    try {
      host = new URL(e.vault.address).hostname;
    } catch {
      // the schema reports a bad URL
    }
    if (host && (isPrivateIp(host) || isPrivateName(host))) reasons.push(`vault.address ${e.vault.address} is a private address`);
  }
  if (isMap(e.pipeline) && e.pipeline.privateNetwork === true) reasons.push("pipeline.privateNetwork is true");
  return reasons;
}

function labelsOf(runsOn: unknown): string[] {
  if (typeof runsOn === "string") return [runsOn];
  if (Array.isArray(runsOn)) return runsOn.filter((l): l is string => typeof l === "string");
  return [DEFAULT_RUNNER];
}

export const checkPipelineCi: Check = ({ envs }, add) => {
  for (const [env, e] of envs) {
    const p = e.pipeline;
    if (!isMap(p)) continue;
    // A job's disk is gone when it ends: a stack applied from CI with local state would create everything and then
    // lose track of it, and the next run would create it all again.
    for (const kind of CI_DEPLOYED_BACKENDS) {
      if (!isMap(e[kind]) || isMap(e[kind].backend)) continue;
      const example =
        kind === "aws" ? "backend: { type: s3, bucket: <bucket>, region: <region> }" : "backend: { type: s3, bucket: <bucket>, region: <region> } or { type: azurerm, resourceGroupName: <rg>, storageAccountName: <account>, containerName: <container> }";
      add(
        `environments.${env}.${kind}.backend`,
        `is required with a pipeline block: CI deploys ${stackName(kind, env)} (and its stack groups) from a runner whose disk is discarded after the job, so local state would be lost; add ${example} (pipeline.createStateStorage: true makes bootstrap-${env} create it)`,
      );
    }
    const reasons = privateNetworkReasons(e);
    if (reasons.length === 0) continue;
    const gh = isMap(p.github) ? p.github : {};
    const hosted = labelsOf(gh.runsOn).filter(isGithubHostedLabel);
    if (hosted.length > 0) {
      add(
        `environments.${env}.pipeline.github.runsOn`,
        `${gh.runsOn === undefined ? `is not set, so jobs run on GitHub's hosted ${DEFAULT_RUNNER}` : `names the GitHub-hosted runner ${hosted.join(", ")}`}, which cannot reach this environment: ${reasons.join("; ")}. Set runsOn to the labels of a self-hosted runner (or a GitHub-hosted runner with private networking) inside that network, e.g. [self-hosted, linux, ${env}-private]`,
      );
    }
  }
};
