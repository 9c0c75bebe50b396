// Reads Vault ACL policies as rules and the review see them: the HCL text of vault_policy.policy (or its JSON
// form), or a reference to a vault_policy_document data source in the same stack.
import type { SynthesizedStack } from "./synthesized";
import { asList, blocks, wholeReference } from "./synthesized";

export interface VaultPathRule {
  readonly path: string;
  readonly capabilities: string[];
}

export type ReadVaultPolicy = { readonly rules: VaultPathRule[] } | { readonly error: string };

export function readVaultPolicy(value: unknown, stack?: SynthesizedStack): ReadVaultPolicy {
  if (typeof value !== "string") return { error: "the policy is not text" };
  const ref = wholeReference(value);
  if (ref) {
    const doc = stack?.referenced(value);
    if (doc && doc.type === "vault_policy_document" && ref.attribute === "hcl") {
      return {
        rules: blocks(doc.attributes.rule).map((r) => ({ path: String(r.path), capabilities: asList(r.capabilities).map(String) })),
      };
    }
    return { error: `the policy is ${value}, which is only known at plan time` };
  }
  if (value.includes("${")) return { error: "the policy contains a Terraform expression, only known at plan time" };
  const text = value.trim();
  if (text.startsWith("{")) return fromJson(text);
  try {
    return { rules: parseHcl(text) };
  } catch (e) {
    return { error: `the policy HCL cannot be read: ${(e as Error).message}` };
  }
}

function fromJson(text: string): ReadVaultPolicy {
  let doc: any;
  try {
    doc = JSON.parse(text);
  } catch {
    return { error: "the policy is neither HCL nor valid JSON" };
  }
  const rules: VaultPathRule[] = [];
  for (const byPath of asList(doc?.path)) {
    for (const [path, body] of Object.entries((byPath ?? {}) as Record<string, any>)) {
      for (const b of asList(body)) rules.push({ path, capabilities: asList((b as any)?.capabilities).map(String) });
    }
  }
  return { rules };
}

type Token = { kind: "string" | "ident" | "punct" | "number"; text: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "#" || (c === "/" && src[i + 1] === "/")) {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) throw new Error("unterminated comment");
      i = end + 2;
    } else if (c === '"') {
      let s = "";
      i++;
      while (i < src.length && src[i] !== '"') {
        if (src[i] === "\\") {
          const n = src[i + 1];
          s += n === "n" ? "\n" : n === "t" ? "\t" : n;
          i += 2;
        } else {
          s += src[i++];
        }
      }
      if (i >= src.length) throw new Error("unterminated string");
      i++;
      out.push({ kind: "string", text: s });
    } else if (/[A-Za-z_]/.test(c)) {
      let s = "";
      while (i < src.length && /[A-Za-z0-9_-]/.test(src[i])) s += src[i++];
      out.push({ kind: "ident", text: s });
    } else if (/[0-9]/.test(c)) {
      let s = "";
      while (i < src.length && /[0-9.]/.test(src[i])) s += src[i++];
      out.push({ kind: "number", text: s });
    } else if ("{}[]=,:".includes(c)) {
      out.push({ kind: "punct", text: c });
      i++;
    } else {
      throw new Error(`unexpected character "${c}"`);
    }
  }
  return out;
}

/** `path "<p>" { capabilities = [...] ... }` blocks; other attributes of a block are skipped. */
function parseHcl(src: string): VaultPathRule[] {
  const tokens = tokenize(src);
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const t = tokens[at++];
    if (!t) throw new Error("unexpected end of policy");
    return t;
  };
  const expect = (text: string) => {
    const t = next();
    if (t.text !== text || t.kind === "string") throw new Error(`expected "${text}", found "${t.text}"`);
  };
  const skipValue = (): void => {
    const t = next();
    if (t.text === "{" || t.text === "[") {
      const close = t.text === "{" ? "}" : "]";
      while (peek() && peek().text !== close) {
        skipValue();
        if (peek() && (peek().text === "," || peek().text === "=" || peek().text === ":")) next();
      }
      expect(close);
    }
  };
  const rules: VaultPathRule[] = [];
  while (at < tokens.length) {
    const head = next();
    if (head.kind !== "ident" || head.text !== "path") throw new Error(`expected a path block, found "${head.text}"`);
    const path = next();
    if (path.kind !== "string") throw new Error("a path block needs a quoted path");
    expect("{");
    const capabilities: string[] = [];
    while (peek() && peek().text !== "}") {
      const key = next();
      if (key.kind !== "ident" && key.kind !== "string") throw new Error(`unexpected "${key.text}" in path "${path.text}"`);
      const sep = next();
      if (sep.text !== "=" && sep.text !== ":") throw new Error(`expected "=" after ${key.text}`);
      if (key.text === "capabilities") {
        expect("[");
        while (peek() && peek().text !== "]") {
          const cap = next();
          if (cap.kind !== "string") throw new Error(`capabilities of "${path.text}" must be quoted strings`);
          capabilities.push(cap.text);
          if (peek() && peek().text === ",") next();
        }
        expect("]");
      } else {
        skipValue();
      }
      if (peek() && peek().text === ",") next();
    }
    expect("}");
    rules.push({ path: path.text, capabilities });
  }
  return rules;
}
