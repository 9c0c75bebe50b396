import type { ResourceRule, SynthesizedStack, Violation } from "../../rule";
import { readIamPolicy, statementLabel } from "../../../readers/iam-policy";

/** The issuer prefix of the OIDC condition keys, when the Federated principal says it. */
function oidcIssuer(principal: string, stack: SynthesizedStack): string | undefined {
  const at = principal.indexOf(":oidc-provider/");
  if (at >= 0) return principal.slice(at + ":oidc-provider/".length);
  const provider = stack.referenced(principal);
  if (provider?.type === "aws_iam_openid_connect_provider" && typeof provider.attributes.url === "string" && !provider.attributes.url.includes("${")) {
    return provider.attributes.url.replace(/^https:\/\//, "");
  }
  return undefined;
}

function isOidcPrincipal(principal: string, stack: SynthesizedStack): boolean {
  if (principal.includes(":oidc-provider/")) return true;
  return stack.referenced(principal)?.type === "aws_iam_openid_connect_provider";
}

export const irsaTrust: ResourceRule = {
  id: "SP-AWS-002",
  name: "IRSA trust without StringEquals on sub and aud",
  reason: "Without an exact sub and aud any service account of the cluster, or a token minted for another audience, can assume the role.",
  fix: "In the trust policy put both <issuer>:sub = system:serviceaccount:<namespace>:<name> and <issuer>:aud = sts.amazonaws.com under StringEquals (never StringLike).",
  appliesTo: ["aws_iam_role"],
  check(r, { stack }) {
    const read = readIamPolicy(r.attributes.assume_role_policy, stack);
    if ("error" in read) return [`the trust policy cannot be checked at synth: ${read.error}`];
    const out: Violation[] = [];
    read.statements.forEach((s, i) => {
      if (s.effect !== "Allow") return;
      const federated = (s.principals?.Federated ?? []).filter((p) => isOidcPrincipal(p, stack));
      if (federated.length === 0) return;
      for (const principal of federated) {
        const issuer = oidcIssuer(principal, stack);
        const keyFor = (claim: string) => (key: string) => (issuer ? key === `${issuer}:${claim}` : key.endsWith(`:${claim}`));
        const problems: string[] = [];
        for (const claim of ["sub", "aud"]) {
          const matches = keyFor(claim);
          const exact = Object.keys(s.conditions.StringEquals ?? {}).some(matches);
          const loose = Object.entries(s.conditions)
            .filter(([op]) => op !== "StringEquals")
            .filter(([, byKey]) => Object.keys(byKey).some(matches))
            .map(([op]) => op);
          if (!exact) problems.push(`no StringEquals on ${claim}`);
          if (loose.length > 0) problems.push(`${claim} under ${loose.join(", ")}`);
        }
        if (problems.length > 0) out.push(`${statementLabel(s, i)} trusts ${principal} with ${problems.join(", ")}`);
      }
    });
    return out;
  },
};
