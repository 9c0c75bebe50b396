import type { StackRule, SynthesizedResource } from "../../rule";
import { blocks, references } from "../../../readers/synthesized";
import { list } from "./iam-statements";

/** Whether a resource lists the element at `address` in its depends_on. */
const dependsOn = (r: SynthesizedResource, address: string) => list(r.attributes.depends_on).includes(address);

export const rotationBeforeEndpoint: StackRule = {
  id: "SP-AWS-010",
  name: "Rotation that does not wait for the Secrets Manager endpoint the stack creates",
  reason: "Secrets Manager invokes a rotation function as soon as its rotation is set; on a first apply a function in the VPC would call an endpoint (or through ingress rules) that does not exist yet, and the first rotation fails.",
  fix: "Make every Lambda function in the VPC and every aws_secretsmanager_secret_rotation depend on the endpoint and its ingress rules (RotationFunctionProps.dependsOn and RotationScheduleOptions.dependsOn).",
  appliesTo: "stack",
  check(stack) {
    const endpoints = stack.ofType("aws_vpc_endpoint").filter((ep) => /\.secretsmanager$/.test(String(ep.attributes.service_name)) && ep.attributes.vpc_endpoint_type === "Interface");
    if (endpoints.length === 0) return [];
    const needed = endpoints.flatMap((ep) => [
      ep.address,
      ...list(ep.attributes.security_group_ids)
        .map((id) => stack.referenced(id))
        .filter((g): g is SynthesizedResource => g?.type === "aws_security_group")
        .flatMap((g) =>
          [...stack.ofType("aws_vpc_security_group_ingress_rule"), ...stack.ofType("aws_security_group_rule")]
            .filter((r) => references(r.attributes.security_group_id).some((ref) => ref.address === g.address))
            .map((r) => r.address),
        ),
    ]);
    const waiters = [
      ...stack.ofType("aws_lambda_function").filter((f) => blocks(f.attributes.vpc_config).length > 0),
      ...stack.ofType("aws_secretsmanager_secret_rotation"),
    ];
    return waiters.flatMap((w) => {
      const missing = needed.filter((a) => !dependsOn(w, a));
      return missing.length === 0 ? [] : [`${w.address} does not depend on ${missing.join(", ")}`];
    });
  },
};
