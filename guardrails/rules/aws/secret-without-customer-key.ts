import type { ResourceRule } from "../../rule";

export const secretWithoutCustomerKey: ResourceRule = {
  id: "SP-AWS-003",
  name: "Secret without the customer-managed key",
  reason: "With the AWS-managed key anyone the account lets use Secrets Manager can decrypt, and the key policy cannot be reviewed or narrowed.",
  fix: "Set kms_key_id to the environment's customer-managed key (ApplicationSecretProps.encryptionKey).",
  appliesTo: ["aws_secretsmanager_secret"],
  check(r) {
    const key = r.attributes.kms_key_id;
    if (typeof key !== "string" || key.trim() === "") return ["kms_key_id is not set: the secret is encrypted with the AWS-managed key aws/secretsmanager"];
    if (/alias\/aws\//.test(key)) return [`kms_key_id is the AWS-managed key ${key}`];
    return [];
  },
};
