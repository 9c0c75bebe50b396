import type { ResourceRule, SynthesizedResource, SynthesizedStack, Violation } from "../../rule";
import { readIamPolicy, statementLabel } from "../../../readers/iam-policy";
import { asList } from "../../../readers/synthesized";
import { hasWildcard, isCiRole } from "./ci-roles";

function awsTrustProblems(r: SynthesizedResource, stack: SynthesizedStack): Violation[] {
  if (!isCiRole(r, stack)) return [];
  const read = readIamPolicy(r.attributes.assume_role_policy, stack);
  if ("error" in read) return []; // SP-AWS-002 reports a trust it cannot read
  const out: Violation[] = [];
  read.statements.forEach((s, i) => {
    if (s.effect !== "Allow" || !s.actions.some((a) => /AssumeRoleWithWebIdentity|^sts:\*$|^\*$/.test(a))) return;
    if ((s.principals?.Federated ?? []).length === 0) return;
    const subjects = Object.entries(s.conditions).flatMap(([op, byKey]) =>
      Object.entries(byKey)
        .filter(([key]) => key.endsWith(":sub"))
        .map(([, values]) => ({ op, values })),
    );
    if (subjects.length === 0) out.push(`${statementLabel(s, i)} trusts ${s.principals!.Federated.join(", ")} with no condition on the subject: any token of the issuer may assume the role`);
    for (const { op, values } of subjects) {
      const wild = values.filter(hasWildcard);
      if (wild.length > 0 || /Like/.test(op)) out.push(`${statementLabel(s, i)} trusts subject ${JSON.stringify(values)} under ${op}`);
    }
  });
  return out;
}

export const ciTrustWildcardSubject: ResourceRule = {
  id: "SP-CI-001",
  name: "OIDC trust with a wildcard or missing subject",
  reason: "A wildcard subject (repo:acme/*, environment:*) lets every matching repository, branch or pull request become the deployer.",
  fix: "Trust exact subjects only, repo:<owner>/<name>:environment:<env> for a deployer, repo:<owner>/<name>:pull_request and repo:<owner>/<name>:ref:refs/heads/main for a planner, under StringEquals (Vault: bound_subject, or bound_claims with bound_claims_type string).",
  appliesTo: ["aws_iam_role", "azurerm_federated_identity_credential", "vault_jwt_auth_backend_role"],
  check(r, { stack }) {
    if (r.type === "aws_iam_role") return awsTrustProblems(r, stack);
    if (r.type === "azurerm_federated_identity_credential") {
      const subject = r.attributes.subject;
      return typeof subject === "string" && !hasWildcard(subject) && subject !== "" ? [] : [`subject ${JSON.stringify(subject ?? null)}`];
    }
    const a = r.attributes;
    const claims = Object.values<unknown>(a.bound_claims ?? {}).flatMap((v) => asList(v as any)).map(String);
    const out: string[] = [];
    if (!a.bound_subject && claims.length === 0) out.push("no bound_subject and no bound_claims: any token of the issuer may log in");
    if (a.bound_claims_type === "glob") out.push("bound_claims_type glob makes * in a claim match anything");
    for (const v of [a.bound_subject, ...claims].filter((x): x is string => typeof x === "string")) {
      if (hasWildcard(v)) out.push(`binds ${JSON.stringify(v)}`);
    }
    return out;
  },
};
