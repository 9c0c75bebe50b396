import type { ResourceRule, SynthesizedResource, SynthesizedStack } from "../../rule";
import { blocks, wholeReference } from "../../../readers/synthesized";

/** The log group a function writes to: its logging_config's group, else /aws/lambda/<function_name>. */
function functionLogGroup(fn: SynthesizedResource, stack: SynthesizedStack): { group?: SynthesizedResource; name: string } {
  const configured = blocks(fn.attributes.logging_config)[0]?.log_group;
  const groups = stack.ofType("aws_cloudwatch_log_group");
  if (typeof configured === "string" && configured !== "") {
    const ref = wholeReference(configured);
    const group = ref ? groups.find((g) => g.address === ref.address) : groups.find((g) => g.attributes.name === configured);
    return { group, name: group?.attributes.name ?? configured };
  }
  const name = `/aws/lambda/${fn.attributes.function_name}`;
  return { group: groups.find((g) => g.attributes.name === name), name };
}

export const functionWithoutLogRetention: ResourceRule = {
  id: "SP-AWS-007",
  name: "Lambda (rotation) function without a log group with retention",
  reason: "Without its own log group Lambda creates one on first run that keeps logs forever, unencrypted by the environment key and outside review.",
  fix: "Create the function's log group in the stack with retention_in_days (RotationFunction does, logRetentionInDays) and point logging_config.log_group at it.",
  appliesTo: ["aws_lambda_function"],
  check(fn, { stack }) {
    const { group, name } = functionLogGroup(fn, stack);
    if (!group) return [`no aws_cloudwatch_log_group ${name} in the stack`];
    const days = group.attributes.retention_in_days;
    if (typeof days !== "number" || days <= 0) return [`log group ${name} keeps logs forever (retention_in_days ${JSON.stringify(days ?? "not set")})`];
    return [];
  },
};
