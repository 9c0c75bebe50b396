// Helpers shared by several AWS rules: resource-policy statements that deny reading (SP-AWS-011 to SP-AWS-013), the
// resources attached to a secret, and a list reader (SP-AWS-009, SP-AWS-010).
import type { SynthesizedResource, SynthesizedStack } from "../../rule";
import { hasWildcardPrincipal, IamStatement } from "../../../readers/iam-policy";
import { asList, references } from "../../../readers/synthesized";

/** A synthesized list attribute as strings. */
export const list = (v: unknown): string[] => asList(v as any).map(String);

// ---------------------------------------------------------------- who can read a secret

/** Negated operators that leave the listed principals out of a Deny. */
const EXCEPT_OPERATORS = ["ArnNotLike", "ArnNotEquals", "StringNotLike", "StringNotEquals"];
export const READ_ACTION = "secretsmanager:getsecretvalue";

export const actionMatches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.toLowerCase().replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(action.toLowerCase());

export const everyone = (s: IamStatement) => hasWildcardPrincipal(s.principals);

/** The statement's exceptions (aws:PrincipalArn under a negated operator), or undefined when its conditions are anything else. */
export function readDenyExceptions(s: IamStatement): string[] | undefined {
  const out: string[] = [];
  for (const [op, byKey] of Object.entries(s.conditions)) {
    for (const [key, values] of Object.entries(byKey)) {
      if (!EXCEPT_OPERATORS.includes(op) || key.toLowerCase() !== "aws:principalarn") return undefined;
      out.push(...values);
    }
  }
  return out;
}

/**
 * Resources of one type indexed by an attribute: by the address of each element the attribute references, and by its
 * value as such. Built once per stack, type and attribute: the rules ask it for every secret and role, and scanning
 * every policy for each of them grew with their product (most of a large synth's guardrail time).
 */
interface AttachmentIndex {
  readonly byReference: Map<string, number[]>;
  readonly byValue: Map<unknown, number[]>;
  readonly resources: SynthesizedResource[];
}
const attachmentIndexes = new WeakMap<SynthesizedStack, Map<string, AttachmentIndex>>();
function attachmentIndex(stack: SynthesizedStack, type: string, attribute: string): AttachmentIndex {
  let byKey = attachmentIndexes.get(stack);
  if (!byKey) attachmentIndexes.set(stack, (byKey = new Map()));
  let index = byKey.get(`${type} ${attribute}`);
  if (!index) {
    index = { byReference: new Map(), byValue: new Map(), resources: stack.ofType(type) };
    const add = <K>(map: Map<K, number[]>, key: K, at: number) => {
      const list = map.get(key);
      if (!list) map.set(key, [at]);
      else if (list[list.length - 1] !== at) list.push(at);
    };
    index.resources.forEach((r, at) => {
      const value = r.attributes[attribute];
      for (const ref of references(value)) add(index!.byReference, ref.address, at);
      add(index!.byValue, value, at);
    });
    byKey.set(`${type} ${attribute}`, index);
  }
  return index;
}

/** The resources of a type whose attribute references `target` or equals `value`, in stack order. */
export function attachedTo(stack: SynthesizedStack, type: string, attribute: string, target: SynthesizedResource, value: unknown): SynthesizedResource[] {
  const index = attachmentIndex(stack, type, attribute);
  const at = new Set([...(index.byReference.get(target.address) ?? []), ...(index.byValue.get(value) ?? [])]);
  return [...at].sort((x, y) => x - y).map((i) => index.resources[i]);
}

/** The resource policies attached to a secret in the stack. */
export function policiesOf(secret: SynthesizedResource, stack: SynthesizedStack): SynthesizedResource[] {
  return attachedTo(stack, "aws_secretsmanager_secret_policy", "secret_arn", secret, secret.attributes.name);
}
