// Reads a stack the way it will be synthesized, through cdktf's public API only: TerraformStack.toTerraform()
// resolves every token (lazy policy documents included) and applies overrides, and each element's
// "//" metadata names the construct that produced it.
import type { TerraformStack } from "cdktf";

/** One resource or data source as it will be synthesized: tokens resolved, overrides applied. */
export interface SynthesizedResource {
  readonly kind: "resource" | "data";
  /** Terraform type, e.g. aws_iam_role_policy. */
  readonly type: string;
  /** Terraform name within the stack (cdktf's friendly unique id). */
  readonly name: string;
  /** aws_iam_role.x or data.aws_iam_policy_document.x */
  readonly address: string;
  /** The path of the construct that synthesizes it, e.g. aws-dev/rotation-jwt/permissions: findings are reported there. */
  readonly path: string;
  /** The attributes as they appear in cdk.tf.json (snake_case, references as "${type.name.attr}"). */
  readonly attributes: Readonly<Record<string, any>>;
}

/** A whole synthesized stack, for rules that look across resources. */
export interface SynthesizedStack {
  /** The stack's construct path (its name). */
  readonly path: string;
  readonly resources: readonly SynthesizedResource[];
  readonly dataSources: readonly SynthesizedResource[];
  ofType(type: string): SynthesizedResource[];
  dataOfType(type: string): SynthesizedResource[];
  /** The resource or data source a "${type.name.attr}" or "${data.type.name.attr}" expression names. */
  referenced(expression: unknown): SynthesizedResource | undefined;
}

/** Terraform JSON of one stack, as in cdk.tf.json. */
export interface StackJson {
  readonly resource?: Record<string, Record<string, any>>;
  readonly data?: Record<string, Record<string, any>>;
  readonly provider?: Record<string, any[]>;
  readonly [key: string]: unknown;
}

/** A synthesized stack from a construct tree (at synth time, from an aspect, or in a test). */
export function synthesizedStack(stack: TerraformStack): SynthesizedStack {
  return fromJson(stack.toTerraform() as StackJson, stack.node.path);
}

// One rendering per synthesis. Rendering a stack (resolving every token) is most of a synth's cost, and
// cdktf renders it again to write cdk.tf.json right after the aspects ran. The aspect keeps its rendering
// here; a stack whose toTerraform() asks takeRendering() first (stacks/platform-stack.ts) writes that one.
// Kept only until the current synchronous synth ends, so that a stack changed afterwards is rendered anew.
const pendingRenderings = new WeakMap<TerraformStack, StackJson>();

/** Renders a stack for the guardrails during synthesis and keeps the rendering for the write that follows. */
export function renderForSynthesis(stack: TerraformStack): StackJson {
  const json = stack.toTerraform() as StackJson;
  pendingRenderings.set(stack, json);
  queueMicrotask(() => pendingRenderings.delete(stack));
  return json;
}

/** The rendering the guardrails made of this stack in the synthesis under way, once; else undefined. */
export function takeRendering(stack: TerraformStack): StackJson | undefined {
  const json = pendingRenderings.get(stack);
  pendingRenderings.delete(stack);
  return json;
}

/** Forgets a kept rendering (a synthesis that stops before writing the stack). */
export function dropRendering(stack: TerraformStack): void {
  pendingRenderings.delete(stack);
}

/**
 * A synthesized stack from its JSON alone (cdk.tf.json, as the review reads it). Construct paths come from the
 * "//" metadata cdktf writes next to every element.
 */
export function fromJson(json: StackJson, stackPath: string): SynthesizedStack {
  const collect = (kind: "resource" | "data"): SynthesizedResource[] => {
    const out: SynthesizedResource[] = [];
    for (const [type, byName] of Object.entries((kind === "resource" ? json.resource : json.data) ?? {})) {
      for (const [name, raw] of Object.entries(byName ?? {})) {
        const { ["//"]: meta, ...attributes } = (raw ?? {}) as Record<string, any>;
        const path: string = meta?.metadata?.path ?? `${stackPath}/${name}`;
        out.push({
          kind,
          type,
          name,
          address: kind === "resource" ? `${type}.${name}` : `data.${type}.${name}`,
          path,
          attributes,
        });
      }
    }
    return out;
  };
  const resources = collect("resource");
  const dataSources = collect("data");
  const byAddress = new Map<string, SynthesizedResource>([...resources, ...dataSources].map((r) => [r.address, r]));
  return {
    path: stackPath,
    resources,
    dataSources,
    ofType: (type) => resources.filter((r) => r.type === type),
    dataOfType: (type) => dataSources.filter((r) => r.type === type),
    referenced: (expression) => {
      const ref = wholeReference(expression);
      return ref ? byAddress.get(ref.address) : undefined;
    },
  };
}

/** A reference to another element's attribute, as cdktf renders it inside a string. */
export interface Reference {
  /** aws_kms_key.key or data.aws_iam_policy_document.doc */
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly attribute: string;
  readonly data: boolean;
}

const REFERENCE = /(?<![A-Za-z0-9_.-])(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z0-9_-]+)\.([a-z_][a-z0-9_]*)/g;
const NOT_ELEMENTS = new Set(["var", "local", "each", "count", "self", "path", "terraform", "module"]);

/** The contents of every ${...} in a string, with quoted strings inside them blanked out. */
function expressions(value: string): string[] {
  const out: string[] = [];
  let at = value.indexOf("${");
  while (at >= 0) {
    let depth = 0;
    let i = at + 1;
    let body = "";
    let quoted = false;
    for (; i < value.length; i++) {
      const c = value[i];
      if (quoted) {
        if (c === "\\") i++;
        else if (c === '"') quoted = false;
        body += " ";
        continue;
      }
      if (c === '"') {
        quoted = true;
        body += " ";
      } else if (c === "{") {
        depth++;
        if (depth > 1) body += c;
      } else if (c === "}") {
        depth--;
        if (depth === 0) break;
        body += c;
      } else {
        body += c;
      }
    }
    out.push(body);
    at = value.indexOf("${", i);
  }
  return out;
}

/** Every reference to another element in a value: "${aws_kms_key.k.arn}", also inside larger expressions. */
export function references(value: unknown): Reference[] {
  if (typeof value !== "string") return [];
  const out: Reference[] = [];
  for (const body of expressions(value)) {
    for (const m of body.matchAll(REFERENCE)) {
      if (NOT_ELEMENTS.has(m[2]) && !m[1]) continue;
      const data = Boolean(m[1]);
      out.push({ data, type: m[2], name: m[3], attribute: m[4], address: `${data ? "data." : ""}${m[2]}.${m[3]}` });
    }
  }
  return out;
}

/** The reference when the value is nothing but one reference ("${type.name.attr}"), else undefined. */
export function wholeReference(value: unknown): Reference | undefined {
  if (typeof value !== "string" || !/^\$\{[^${}]+\}$/.test(value)) return undefined;
  const refs = references(value);
  return refs.length === 1 && `\${${refs[0].address}.${refs[0].attribute}}` === value ? refs[0] : undefined;
}

/**
 * The literal value behind a value: itself when it is a literal, else the attribute a whole reference names, followed
 * through further references (a role's backend -> the connection's backend -> the mount's path). Undefined when it
 * only exists at plan time (ids, ARNs) or is an expression.
 */
export function literalValue(stack: SynthesizedStack, value: unknown, depth = 0): string | undefined {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") return undefined;
  if (!value.includes("${")) return value;
  const ref = wholeReference(value);
  if (!ref || depth > 8) return undefined;
  return literalValue(stack, stack.referenced(value)?.attributes[ref.attribute], depth + 1);
}

/** True when a value is, or contains, a Terraform expression that only resolves at plan time. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** A value that may be a single item or a list, as a list. */
export function asList<T>(value: T | readonly T[] | undefined | null): T[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** Nested blocks synthesize as an object or a list of objects depending on the provider binding. */
export function blocks(value: unknown): Record<string, any>[] {
  return asList(value as any).filter((b) => b && typeof b === "object");
}
