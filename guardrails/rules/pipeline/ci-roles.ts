// Helpers shared by the CI rules: which roles are CI trusts, their policy documents, and wildcard subjects.
import type { SynthesizedResource, SynthesizedStack } from "../../rule";
import { blocks, references } from "../../../readers/synthesized";
import { TAGS } from "../../../contracts/tags";
import { GITHUB_OIDC_HOST } from "../../../contracts/pipeline";

export const hasWildcard = (v: string) => /[*?]/.test(v);

/** A CI trust: a role marked as a pipeline role, or one federated with GitHub's issuer (IRSA trusts are SP-AWS-002's). */
export function isCiRole(r: SynthesizedResource, stack: SynthesizedStack): boolean {
  if ((r.attributes.tags ?? {})[TAGS.awsPipelineRole] !== undefined) return true;
  const text = String(r.attributes.assume_role_policy ?? "");
  if (text.includes(`:oidc-provider/${GITHUB_OIDC_HOST}`)) return true;
  return references(text).some((ref) => {
    const provider = stack.referenced(`\${${ref.address}.${ref.attribute}}`);
    return provider?.type === "aws_iam_openid_connect_provider" && String(provider.attributes.url).includes(GITHUB_OIDC_HOST);
  });
}

/** A role's inline policies (inline_policy blocks and aws_iam_role_policy resources) and its managed policy attachments. */
/**
 * A role's policy documents: inline ones, and managed policies attached to it that the same stack defines (their
 * documents are read like inline ones). `attachments` are the attached policies whose document is not in the stack.
 */
export function policiesOf(role: SynthesizedResource, stack: SynthesizedStack): { policies: unknown[]; attachments: SynthesizedResource[] } {
  const names = [role.attributes.name].filter(Boolean);
  const mine = (value: unknown) => references(value).some((ref) => ref.address === role.address) || (typeof value === "string" && names.includes(value));
  const attached = stack.ofType("aws_iam_role_policy_attachment").filter((p) => mine(p.attributes.role));
  const defined = (a: SynthesizedResource) => {
    const policy = stack.referenced(a.attributes.policy_arn);
    return policy?.type === "aws_iam_policy" ? policy : undefined;
  };
  return {
    policies: [
      ...blocks(role.attributes.inline_policy).map((p) => p.policy),
      ...stack.ofType("aws_iam_role_policy").filter((p) => mine(p.attributes.role)).map((p) => p.attributes.policy),
      ...attached.flatMap((a) => [defined(a)?.attributes.policy].filter((p) => p !== undefined)),
    ],
    attachments: attached.filter((a) => !defined(a)),
  };
}
