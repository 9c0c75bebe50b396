import type { ResourceRule, SynthesizedResource, SynthesizedStack } from "../../rule";
import { readIamPolicy } from "../../../readers/iam-policy";
import { blocks, references } from "../../../readers/synthesized";
import { READ_ACTION, actionMatches, attachedTo, everyone, policiesOf, readDenyExceptions } from "./iam-statements";

/** Account of an exact secret ARN pattern or ARN. */
const secretAccount = (resource: string) => /^arn:([^:]+):secretsmanager:[^:]*:(\d{12}):secret:/.exec(resource);

export const readDenyShutsOutGrantee: ResourceRule = {
  id: "SP-AWS-013",
  name: "Secret read-deny that shuts out a role the stack grants reading",
  reason: "The role's identity policy allows GetSecretValue, but the secret's resource policy denies it: the workload or rotation function fails at run time, not at deploy.",
  fix: "List the role's ARN in the read-deny's aws:PrincipalArn exceptions (ApplicationSecret.grantRead and grantRotate do).",
  appliesTo: ["aws_secretsmanager_secret"],
  check(secret, { stack }) {
    const name = secret.attributes.name;
    if (typeof name !== "string" || name.includes("${")) return [];
    const exceptions: string[] = [];
    let enforced = false;
    for (const p of policiesOf(secret, stack)) {
      const read = readIamPolicy(p.attributes.policy, stack);
      if ("error" in read) return [];
      for (const s of read.statements) {
        if (s.effect !== "Deny" || !everyone(s) || !s.actions.some((a) => actionMatches(a, READ_ACTION))) continue;
        const except = readDenyExceptions(s);
        if (except === undefined) continue; // conditioned on something else (TLS): not about who reads
        enforced = true;
        exceptions.push(...except);
      }
    }
    if (!enforced) return [];
    const out: string[] = [];
    for (const { role, readResources } of roleReadGrants(stack)) {
      const roleName = role.attributes.name;
      if (typeof roleName !== "string" || roleName.includes("${")) continue;
      if (!readResources.some((r) => namesSecret(r, secret))) continue;
      const grantedArn = role.attributes.path && role.attributes.path !== "/" ? undefined : roleArnFor(secret, stack, roleName);
      if (grantedArn && !exceptions.some((e) => actionMatches(e, grantedArn))) out.push(`role ${roleName} may read ${name} by its IAM policy, but the secret's read-deny does not except ${grantedArn}`);
    }
    return out;
  },
};

/**
 * Each role of the stack with the resources its Allow statements grant reading, parsed once per stack: the rule
 * above asks this for every secret, and parsing every role's policies per secret grew with secrets x roles x
 * policies (most of a 100-application synth).
 */
const readGrantsByStack = new WeakMap<SynthesizedStack, { role: SynthesizedResource; readResources: string[] }[]>();
function roleReadGrants(stack: SynthesizedStack): { role: SynthesizedResource; readResources: string[] }[] {
  let grants = readGrantsByStack.get(stack);
  if (!grants) {
    grants = stack.ofType("aws_iam_role").map((role) => ({
      role,
      readResources: rolePolicyDocuments(role, stack).flatMap((doc) => {
        const read = readIamPolicy(doc, stack);
        if ("error" in read) return [];
        return read.statements.filter((st) => st.effect === "Allow" && st.actions.some((a) => actionMatches(a, READ_ACTION))).flatMap((st) => st.resources);
      }),
    }));
    readGrantsByStack.set(stack, grants);
  }
  return grants;
}

function rolePolicyDocuments(role: SynthesizedResource, stack: SynthesizedStack): unknown[] {
  return [
    ...blocks(role.attributes.inline_policy).map((b) => b.policy),
    ...attachedTo(stack, "aws_iam_role_policy", "role", role, role.attributes.name).map((p) => p.attributes.policy),
  ];
}

/** Whether an IAM Resource names this secret: its exact -?????? pattern or a reference to it. */
function namesSecret(resource: string, secret: SynthesizedResource): boolean {
  if (references(resource).some((r) => r.address === secret.address)) return true;
  const m = /^arn:[^:]+:secretsmanager:[^:]*:\d{12}:secret:(.+)-\?{6}$/.exec(resource);
  return m?.[1] === secret.attributes.name;
}

/** The ARN a role's requests carry, in the account of the ARNs that grant it the secret. */
function roleArnFor(secret: SynthesizedResource, stack: SynthesizedStack, roleName: string): string | undefined {
  for (const role of stack.ofType("aws_iam_role").filter((r) => r.attributes.name === roleName)) {
    for (const doc of rolePolicyDocuments(role, stack)) {
      const read = readIamPolicy(doc, stack);
      if ("error" in read) continue;
      for (const s of read.statements) for (const r of s.resources) {
        const m = secretAccount(r);
        if (m && namesSecret(r, secret)) return `arn:${m[1]}:iam::${m[2]}:role/${roleName}`;
      }
    }
  }
  return undefined;
}
