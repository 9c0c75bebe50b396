// IAM policy documents as rules and the review read them: JSON strings (what PolicyDocument renders), or
// references to an aws_iam_policy_document data source in the same stack. Anything else cannot be read
// at synth time, which the caller reports instead of guessing.
import type { SynthesizedResource, SynthesizedStack } from "./synthesized";
import { asList, blocks, isExpression, wholeReference } from "./synthesized";

/** Principal type ("AWS", "Service", "Federated", "CanonicalUser", or "*" for the bare wildcard) -> identifiers. */
export type Principals = Record<string, string[]>;

export interface IamStatement {
  readonly sid?: string;
  readonly effect: "Allow" | "Deny";
  readonly actions: string[];
  readonly notActions: string[];
  readonly resources: string[];
  readonly notResources: string[];
  readonly principals?: Principals;
  readonly notPrincipals?: Principals;
  /** Operator -> condition key -> values (as strings). */
  readonly conditions: Record<string, Record<string, string[]>>;
}

export type ReadPolicy = { readonly statements: IamStatement[] } | { readonly error: string };

/** Reads a policy attribute (a JSON string or a data-source reference) into statements. */
export function readIamPolicy(value: unknown, stack?: SynthesizedStack): ReadPolicy {
  if (value === undefined || value === null || value === "") return { statements: [] };
  if (typeof value === "object") return fromJsonObject(value);
  if (typeof value !== "string") return { error: `the policy is a ${typeof value}, not a JSON document` };
  const ref = wholeReference(value);
  if (ref) {
    const doc = stack?.referenced(value);
    if (doc && doc.type === "aws_iam_policy_document" && (ref.attribute === "json" || ref.attribute === "minified_json")) {
      return fromPolicyDocumentData(doc, stack!);
    }
    return { error: `the policy is ${value}, which is only known at plan time` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return { error: isExpression(value) ? "the policy is a Terraform expression, only known at plan time" : "the policy is not valid JSON" };
  }
  return fromJsonObject(parsed);
}

function fromJsonObject(doc: any): ReadPolicy {
  if (!doc || typeof doc !== "object") return { error: "the policy is not a JSON object" };
  const statements = asList(doc.Statement).map((s: any): IamStatement => ({
    sid: typeof s?.Sid === "string" ? s.Sid : undefined,
    effect: s?.Effect === "Deny" ? "Deny" : "Allow",
    actions: asList(s?.Action).map(String),
    notActions: asList(s?.NotAction).map(String),
    resources: asList(s?.Resource).map(String),
    notResources: asList(s?.NotResource).map(String),
    principals: s?.Principal === undefined ? undefined : principalsOf(s.Principal),
    notPrincipals: s?.NotPrincipal === undefined ? undefined : principalsOf(s.NotPrincipal),
    conditions: conditionsOf(s?.Condition),
  }));
  return { statements };
}

function principalsOf(p: unknown): Principals {
  if (p === "*") return { "*": ["*"] };
  const out: Principals = {};
  if (p && typeof p === "object") for (const [k, v] of Object.entries(p)) out[k] = asList(v as any).map(String);
  return out;
}

function conditionsOf(c: unknown): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  if (!c || typeof c !== "object") return out;
  for (const [op, byKey] of Object.entries(c)) {
    out[op] = {};
    if (byKey && typeof byKey === "object") for (const [k, v] of Object.entries(byKey)) out[op][k] = asList(v as any).map(String);
  }
  return out;
}

/** data "aws_iam_policy_document": statement blocks, plus the documents it merges. */
function fromPolicyDocumentData(doc: SynthesizedResource, stack: SynthesizedStack): ReadPolicy {
  const statements: IamStatement[] = [];
  for (const source of [...asList(doc.attributes.source_policy_documents), ...asList(doc.attributes.override_policy_documents)]) {
    const read = readIamPolicy(source, stack);
    if ("error" in read) return read;
    statements.push(...read.statements);
  }
  for (const s of blocks(doc.attributes.statement)) {
    const principalBlocks = (key: string): Principals | undefined => {
      const list = blocks(s[key]);
      if (list.length === 0) return undefined;
      const out: Principals = {};
      for (const b of list) out[b.type === "*" ? "*" : String(b.type)] = [...(out[b.type] ?? []), ...asList(b.identifiers).map(String)];
      return out;
    };
    const conditions: Record<string, Record<string, string[]>> = {};
    for (const c of blocks(s.condition)) {
      conditions[c.test] = { ...(conditions[c.test] ?? {}), [c.variable]: asList(c.values).map(String) };
    }
    statements.push({
      sid: s.sid,
      effect: s.effect === "Deny" ? "Deny" : "Allow",
      actions: asList(s.actions).map(String),
      notActions: asList(s.not_actions).map(String),
      resources: asList(s.resources).map(String),
      notResources: asList(s.not_resources).map(String),
      principals: principalBlocks("principals"),
      notPrincipals: principalBlocks("not_principals"),
      conditions,
    });
  }
  return { statements };
}

/** True when a principal set names everyone: "*" or {"AWS": "*"} (any type with a "*" identifier). */
export function hasWildcardPrincipal(p: Principals | undefined): boolean {
  if (!p) return false;
  return Object.values(p).some((ids) => ids.includes("*"));
}

/** A statement's label for messages: its Sid, or its position. */
export function statementLabel(s: IamStatement, index: number): string {
  return s.sid ? `statement "${s.sid}"` : `statement ${index + 1}`;
}
