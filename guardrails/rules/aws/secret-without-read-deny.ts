import type { ResourceRule } from "../../rule";
import { readIamPolicy } from "../../../readers/iam-policy";
import { READ_ACTION, actionMatches, everyone, policiesOf, readDenyExceptions } from "./iam-statements";

export const secretWithoutReadDeny: ResourceRule = {
  id: "SP-AWS-011",
  name: "Secret whose resource policy does not deny reading to unlisted principals",
  reason: "Without it anyone the account's IAM policies allow (an administrator's secretsmanager:* on *) reads the secret, and who can read it is not answerable from the secret itself.",
  fix: "Attach a resource policy with a Deny of secretsmanager:GetSecretValue for Principal \"*\" except (ArnNotLike aws:PrincipalArn) the roles that use the secret and the break-glass roles; ApplicationSecret does.",
  appliesTo: ["aws_secretsmanager_secret"],
  check(secret, { stack }) {
    const policies = policiesOf(secret, stack);
    if (policies.length === 0) return [`secret ${secret.attributes.name ?? secret.name} has no aws_secretsmanager_secret_policy`];
    const out: string[] = [];
    for (const p of policies) {
      const read = readIamPolicy(p.attributes.policy, stack);
      if ("error" in read) {
        out.push(`the resource policy cannot be checked at synth: ${read.error}`);
        continue;
      }
      const denies = read.statements.filter(
        (s) => s.effect === "Deny" && everyone(s) && s.actions.some((a) => actionMatches(a, READ_ACTION)) && readDenyExceptions(s) !== undefined,
      );
      if (denies.length === 0) out.push(`the resource policy of ${secret.attributes.name ?? secret.name} has no Deny of secretsmanager:GetSecretValue for Principal "*" limited only by aws:PrincipalArn exceptions`);
    }
    return out;
  },
};
