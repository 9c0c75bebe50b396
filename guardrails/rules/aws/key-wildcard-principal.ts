import type { ResourceRule } from "../../rule";
import { hasWildcardPrincipal, readIamPolicy, statementLabel } from "../../../readers/iam-policy";

export const keyWildcardPrincipal: ResourceRule = {
  id: "SP-AWS-005",
  name: "KMS key policy with a wildcard principal",
  reason: "A key policy statement for Principal \"*\" lets principals of any account use or manage the key, whatever IAM says.",
  fix: "Name the account root (arn:aws:iam::<account>:root) or exact roles and services as principals, and narrow use with kms:ViaService.",
  appliesTo: ["aws_kms_key", "aws_kms_key_policy"],
  check(r, { stack }) {
    if (r.attributes.policy === undefined) return []; // KMS's default policy: the account root only
    const read = readIamPolicy(r.attributes.policy, stack);
    if ("error" in read) return [`the key policy cannot be checked at synth: ${read.error}`];
    return read.statements
      .map((s, i) => (s.effect === "Allow" && hasWildcardPrincipal(s.principals) ? `${statementLabel(s, i)} allows principal ${JSON.stringify(s.principals)}` : ""))
      .filter(Boolean);
  },
};
