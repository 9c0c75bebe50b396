import type { ResourceRule } from "../../rule";

export const permissionWithoutSourceAccount: ResourceRule = {
  id: "SP-AWS-008",
  name: "Lambda permission for a service without source_account",
  reason: "A service principal without source_account can invoke the function on behalf of any AWS account (confused deputy).",
  fix: "Set source_account to the environment's account id on the aws_lambda_permission (RotationFunction does).",
  appliesTo: ["aws_lambda_permission"],
  check(p) {
    const principal = String(p.attributes.principal ?? "");
    if (principal === "*") return ["principal is \"*\": anyone can invoke the function"];
    if (principal.endsWith(".amazonaws.com") && !p.attributes.source_account) return [`principal ${principal} without source_account`];
    return [];
  },
};
