// A role's identity policy as IAM evaluates it: its inline policies and the customer managed policies attached to it
// that the same stack defines (the CI deployer's denies are one: PipelineRole.attachPolicy).
import type { StackJson } from "./synth";

const values = (json: StackJson, type: string): any[] => Object.values(json.resource?.[type] ?? {});

/** Every statement of the role named roleName (or whose Terraform address is given) in a synthesized stack. */
export function roleStatements(json: StackJson, role: { readonly name: string } | { readonly address: string }): any[] {
  const roles = Object.entries<any>(json.resource?.aws_iam_role ?? {});
  const found = "address" in role ? roles.find(([id]) => id === role.address) : roles.find(([, r]) => r.name === role.name);
  if (!found) throw new Error(`no aws_iam_role ${JSON.stringify(role)} in the stack`);
  const [id, body] = found;
  const inline = values(json, "aws_iam_role_policy").filter((p) => p.role === `\${aws_iam_role.${id}.id}` || p.role === body.name);
  const policies = Object.entries<any>(json.resource?.aws_iam_policy ?? {});
  const attached = values(json, "aws_iam_role_policy_attachment")
    .filter((a) => a.role === `\${aws_iam_role.${id}.name}` || a.role === body.name)
    .map((a) => policies.find(([pid]) => a.policy_arn === `\${aws_iam_policy.${pid}.arn}`)?.[1])
    .filter((p) => p !== undefined);
  return [...inline, ...attached].flatMap((p) => [JSON.parse(p.policy).Statement].flat());
}
