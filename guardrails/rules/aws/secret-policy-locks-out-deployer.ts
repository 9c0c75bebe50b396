import type { ResourceRule } from "../../rule";
import { readIamPolicy, statementLabel } from "../../../readers/iam-policy";
import { actionMatches, everyone } from "./iam-statements";

/** Actions whose denial would lock the deployer out of managing the secret or its policy. */
const MANAGEMENT_ACTIONS = ["secretsmanager:PutResourcePolicy", "secretsmanager:DeleteResourcePolicy", "secretsmanager:GetResourcePolicy", "secretsmanager:DeleteSecret", "secretsmanager:UpdateSecret", "secretsmanager:DescribeSecret"];

export const secretPolicyLocksOutDeployer: ResourceRule = {
  id: "SP-AWS-012",
  name: "Secret resource policy that denies managing the secret or its policy",
  reason: "A Deny for every principal on PutResourcePolicy, DeleteSecret or similar locks the deployer out: the policy can then only be changed by the account's root user.",
  fix: "Deny only secretsmanager:GetSecretValue to unlisted principals; keep management actions out of Deny statements for \"*\" (a Deny conditioned only on aws:SecureTransport = false is fine).",
  appliesTo: ["aws_secretsmanager_secret_policy"],
  check(p, { stack }) {
    const read = readIamPolicy(p.attributes.policy, stack);
    if ("error" in read) return []; // SP-AWS-011 reports an unreadable policy
    return read.statements.flatMap((s, i) => {
      if (s.effect !== "Deny" || !everyone(s)) return [];
      const keys = Object.entries(s.conditions).flatMap(([op, byKey]) => Object.keys(byKey).map((k) => `${op}:${k.toLowerCase()}`));
      if (keys.length > 0 && keys.every((k) => k === "Bool:aws:securetransport")) return [];
      const blocked = MANAGEMENT_ACTIONS.filter((m) => s.actions.some((a) => actionMatches(a, m)) || (s.notActions.length > 0 && !s.notActions.some((a) => actionMatches(a, m))));
      return blocked.length === 0 ? [] : [`${statementLabel(s, i)} denies ${blocked.join(", ")} to every principal${keys.length ? ` (conditions ${keys.join(", ")})` : ""}`];
    });
  },
};
