// The description's JSON Schema (config/platform.schema.json, which editors use to complete and check fields as
// the user types) and its field reference (docs/description.md), both generated from the zod schema in
// config/schema.ts so neither can drift from what the platform accepts. `npm run schema` writes them; a test fails
// when the committed files are stale.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { z } from "zod";
import { BLOCK_EXAMPLES } from "./description-examples";
import { platformSchema, REFUSED_HERE } from "../config/schema";

export type JsonSchema = {
  [key: string]: unknown;
  type?: string;
  description?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  propertyNames?: JsonSchema;
};

export const SCHEMA_FILE = "config/platform.schema.json";
export const REFERENCE_FILE = "docs/description.md";

/** A field no value of which is accepted where it stands (see tidy). */
const isRefused = (node: JsonSchema) => typeof node.not === "object" && node.not !== null && Object.keys(node.not).length === 0;

/**
 * Draft-07, which the YAML language server (VS Code's YAML extension and others) supports fully; it warns on
 * 2020-12. `io: "input"` describes what a person writes: fields with defaults are optional.
 */
export function descriptionJsonSchema(): JsonSchema {
  const schema = z.toJSONSchema(platformSchema, {
    target: "draft-7",
    io: "input",
    override: ({ zodSchema, jsonSchema }) => tidy(zodSchema, jsonSchema as JsonSchema),
  }) as JsonSchema;
  return { $schema: schema.$schema, title: "Secrets platform description", ...schema };
}

/** Drops what zod emits for its own checks but JSON Schema readers do not need or know. */
function tidy(zodSchema: unknown, node: JsonSchema): void {
  // A field the schema accepts only so that a check can say what to write instead (config/schema.ts, refusedHere):
  // any value is wrong, so an editor flags it at once, with the description that says what to do.
  if (node[REFUSED_HERE]) {
    for (const key of Object.keys(node)) if (key !== "description") delete node[key];
    node.not = {};
  }
  // zod writes a regex's source without its flags; JSON Schema patterns have none, so fold the case into the pattern.
  const checks: any[] = (zodSchema as any)?._zod?.def?.checks ?? [];
  const ignoresCase = checks.some((c) => c?._zod?.def?.pattern instanceof RegExp && c._zod.def.pattern.flags.includes("i"));
  if (ignoresCase && typeof node.pattern === "string") node.pattern = caseInsensitive(node.pattern);
  // z.string().includes() and .startsWith() become a pattern plus a "format" that no validator or editor knows.
  if (node.format === "includes" || node.format === "starts_with" || node.format === "ends_with") delete node.format;
  // .int() bounds every integer by Number.MAX_SAFE_INTEGER: noise in an editor's hover.
  if (node.minimum === Number.MIN_SAFE_INTEGER) delete node.minimum;
  if (node.maximum === Number.MAX_SAFE_INTEGER) delete node.maximum;
}

/** The pattern with every letter also in the other case: what the i flag does, in flag-less regex syntax. */
export function caseInsensitive(pattern: string): string {
  const letter = (c: string | undefined) => c !== undefined && /[a-z]/i.test(c);
  const other = (text: string) => text.replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
  let out = "";
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "\\") {
      out += c + (pattern[++i] ?? ""); // \d, \., \/: escapes keep their meaning
    } else if (inClass) {
      if (c === "]") {
        inClass = false;
        out += c;
      } else if (letter(c) && pattern[i + 1] === "-" && letter(pattern[i + 2])) {
        const span = pattern.slice(i, i + 3); // a-f becomes a-fA-F
        out += span + other(span);
        i += 2;
      } else out += letter(c) ? c + other(c) : c;
    } else if (c === "[") {
      inClass = true;
      out += c;
      if (pattern[i + 1] === "^") out += pattern[++i];
    } else out += letter(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

export function descriptionSchemaFile(): string {
  return `${JSON.stringify(descriptionJsonSchema(), null, 2)}\n`;
}

export interface FieldRow {
  readonly path: string;
  readonly type: string;
  /** yes, no, or "" for a map entry (there as often as the user names one). */
  readonly required: string;
  readonly default?: unknown;
  readonly description?: string;
}

/** Every field of the description, parents before children, in the schema's order (not the fields refused where they stand). */
export function descriptionFields(schema: JsonSchema = descriptionJsonSchema()): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (node: JsonSchema, at: string, required: string) => {
    if (node.$ref) throw new Error(`${at}: references are not expected in the description's schema`);
    if (isRefused(node)) return;
    if (at) rows.push({ path: at, type: typeOf(node), required, default: node.default, description: node.description });
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      visit(child, at ? `${at}.${key}` : key, node.required?.includes(key) ? "yes" : "no");
    }
    if (typeof node.additionalProperties === "object") {
      // A map keyed by names the user chooses: environments.<environment>, secrets.<secret>, ...
      visit(node.additionalProperties, `${at}.<${singular(at.split(".").pop() ?? "name")}>`, "");
    }
    if (node.items && isStructured(node.items)) visit(node.items, `${at}[]`, "");
    for (const variant of node.oneOf ?? node.anyOf ?? []) {
      const kind = variant.properties?.type?.const;
      for (const [key, child] of Object.entries(variant.properties ?? {})) {
        visit(child, `${at}{type=${String(kind)}}.${key}`, variant.required?.includes(key) ? "yes" : "no");
      }
    }
  };
  visit(schema, "", "");
  return rows;
}

const isStructured = (n: JsonSchema) => Boolean(n.properties || n.oneOf || n.anyOf || typeof n.additionalProperties === "object");
const singular = (plural: string) => plural.replace(/s$/, "");

function typeOf(n: JsonSchema): string {
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  if (n.enum) return `one of ${n.enum.map((v) => `\`${String(v)}\``).join(", ")}`;
  const variants = n.oneOf ?? n.anyOf;
  if (variants) {
    const kinds = variants.map((v) => v.properties?.type?.const).filter((k) => k !== undefined);
    return kinds.length === variants.length ? `map; \`type\` one of ${kinds.map((k) => `\`${String(k)}\``).join(", ")}` : "any of several";
  }
  switch (n.type) {
    case "object":
      return typeof n.additionalProperties === "object" ? "map of names" : "map";
    case "array":
      return `list of ${n.items ? (isStructured(n.items) ? "maps" : `${n.items.type ?? "value"}s`) : "values"}${n.minItems ? `, at least ${n.minItems}` : ""}`;
    case "integer":
    case "number":
      return `${n.type}${range(n.minimum, n.maximum)}`;
    case "string":
      return `string${n.maxLength !== undefined ? `, at most ${n.maxLength} characters` : ""}`;
    case undefined:
      return "any";
    default:
      return n.type;
  }
}

function range(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return ` ${min} to ${max}`;
  if (min !== undefined) return ` from ${min}`;
  if (max !== undefined) return ` up to ${max}`;
  return "";
}

const cell = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
/** Outside code spans, Markdown would take <env> for an HTML tag and hide it. */
const prose = (text: string) => cell(text).replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A block of the description: a map with fields of its own (an environment's aws, a secret of one type). The
 * reference gives each its own section, with only the fields that apply there, and a short example.
 */
export interface Block {
  /** The block's path, as in a field path: environments.<environment>.aws, applications.<application>.secrets.<secret>. */
  readonly path: string;
  /** For one variant of a block (a secret's type) and the blocks inside it: the value of its type field. */
  readonly variant?: string;
  /** The path of the block whose type field is variant. */
  readonly variantAt?: string;
  readonly description?: string;
  readonly fields: { readonly name: string; readonly row: FieldRow; readonly block?: Block }[];
}

/** The blocks of the description, parents before children, each with its own fields only. */
export function descriptionBlocks(schema: JsonSchema = descriptionJsonSchema()): Block[] {
  const blocks: Block[] = [];
  const visit = (node: JsonSchema, at: string, variant?: string, variantAt?: string): Block | undefined => {
    // A map of names (environments, secrets): its entries are the block.
    if (!node.properties && typeof node.additionalProperties === "object") {
      return visit(node.additionalProperties, `${at}.<${singular(at.split(".").pop() ?? "name")}>`, variant, variantAt);
    }
    // A list of maps: its items are.
    if (node.type === "array" && node.items && isStructured(node.items)) return visit(node.items, `${at}[]`, variant, variantAt);
    const variants = node.oneOf ?? node.anyOf;
    if (variants && variants.every((v) => v.properties?.type?.const !== undefined)) {
      const first = variants.map((v) => visit(v, at, String(v.properties!.type!.const), at));
      return first[0];
    }
    if (!node.properties) return undefined;
    const fields: Block["fields"][number][] = [];
    const block: Block = { path: at, variant, variantAt, description: node.description, fields };
    blocks.push(block);
    for (const [name, child] of Object.entries(node.properties)) {
      if (isRefused(child)) continue;
      const path = at ? `${at}.${name}` : name;
      const row: FieldRow = { path, type: typeOf(child), required: node.required?.includes(name) ? "yes" : "no", default: child.default, description: child.description };
      const structured = isStructured(child) || (child.type === "array" && child.items && isStructured(child.items));
      fields.push({ name, row, block: structured ? visit(child, path, variant, variantAt) : undefined });
    }
    return block;
  };
  visit(schema, "");
  return blocks;
}

/** The section title of a block, which is also what its anchor is made from. */
export function blockTitle(block: Block): string {
  return `${block.path || "top level"}${block.variant ? ` (type ${block.variant})` : ""}`;
}

/** The heading of a block's section: its path as code (so <environment> shows), then its variant. */
function blockHeading(block: Block): string {
  return block.path ? `\`${block.path}\`${block.variant ? ` (type ${block.variant})` : ""}` : "Top level";
}

/** GitHub's anchor of a block's heading: lowercase, punctuation dropped (but - and _), spaces to dashes. */
export function blockAnchor(block: Block): string {
  return blockTitle(block).toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, "").replace(/\s/g, "-");
}

/** docs/description.md: a section per block with the fields that apply there and an example of it. */
export function descriptionReference(schema: JsonSchema = descriptionJsonSchema(), examples: (block: Block) => string = blockExample): string {
  const blocks = descriptionBlocks(schema);
  const contents = blocks.map((b) => `${"  ".repeat(depth(b))}- [${cell(blockHeading(b))}](#${blockAnchor(b)})`);
  const sections = blocks.flatMap((b) => {
    const rows = b.fields.map(({ name, row, block }) => {
      const field = block ? `[\`${cell(name)}\`](#${blockAnchor(block)})` : `\`${cell(name)}\``;
      return `| ${field} | ${cell(row.type)} | ${row.required} | ${row.default === undefined ? "" : `\`${cell(JSON.stringify(row.default))}\``} | ${prose(row.description ?? "")} |`;
    });
    return [
      `## ${blockHeading(b)}`,
      "",
      ...(b.description ? [prose(b.description), ""] : []),
      "| Field | Type | Required | Default | Description |",
      "| --- | --- | --- | --- | --- |",
      ...rows,
      "",
      "```yaml",
      examples(b).trimEnd(),
      "```",
      "",
    ];
  });
  return [
    "# The platform description: every field",
    "",
    "<!-- Generated by `npm run schema` from config/schema.ts and scripts/description-examples.ts; edit those, not this file. -->",
    "",
    "The description is one YAML file, `config/platform.yaml` by default or the file `PLATFORM_CONFIG` names.",
    "`npm run check` validates it in well under a second; editors that use the YAML language server (VS Code's YAML",
    "extension, for one) complete and check fields as you type, through the JSON Schema",
    "`config/platform.schema.json` that the example names on its first line.",
    "",
    "Each block of the description has a section below: the fields that apply there, and an example (the tests check",
    "every example against the schema). In a path, `<environment>`, `<application>`, `<secret>` and `<workload>` stand",
    "for names you choose and `[]` for each item of a list; a secret's fields depend on its `type`, so each type has",
    "a section. Required `yes` means the field must be there whenever its block is. Besides these rules,",
    "`npm run check` applies checks that span fields (references between secrets, names that would collide on a",
    "backend, production rules).",
    "",
    ...contents,
    "",
    ...sections,
  ].join("\n");
}

const depth = (b: Block) => (b.path ? b.path.split(".").length - (b.path.split(".").filter((s) => s.startsWith("<")).length) : 0);

/**
 * The example of a block: the one written for it in scripts/description-examples.ts, else the block as the example
 * description (config/platform.yaml) has it, when that is short.
 */
export function blockExample(block: Block): string {
  const written = BLOCK_EXAMPLES[blockTitle(block)];
  if (written !== undefined) return written;
  const found = exampleInstance(block);
  if (found !== undefined) {
    const text = stringify(found.key === undefined ? [found.value] : { [found.key]: found.value }, { lineWidth: 120 });
    if (text.split("\n").length <= MAX_EXAMPLE_LINES + 1) return text;
  }
  throw new Error(`scripts/description-examples.ts has no example for ${blockTitle(block)} and the example description has no short one: add one (the tests check it against the schema)`);
}

const MAX_EXAMPLE_LINES = 14;

let exampleDescription: unknown;
/** The first instance of a block in config/platform.yaml, with the key it stands under (none for a list item). */
function exampleInstance(block: Block): { key?: string; value: unknown } | undefined {
  exampleDescription ??= parse(readFileSync(path.join(__dirname, "..", "config", "platform.yaml"), "utf8"));
  const segments = block.path.split(".").flatMap((s) => (s.endsWith("[]") ? [s.slice(0, -2), "[]"] : [s]));
  const variantDepth = block.variantAt === undefined ? -1 : block.variantAt.split(".").length;
  const walk = (value: unknown, rest: string[], key?: string): { key?: string; value: unknown } | undefined => {
    if (segments.length - rest.length === variantDepth && (value as { type?: unknown })?.type !== block.variant) return undefined;
    if (rest.length === 0) return { key, value };
    const [seg, ...tail] = rest;
    if (seg === "[]") return Array.isArray(value) && value.length > 0 ? walk(value[0], tail, undefined) : undefined;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    const map = value as Record<string, unknown>;
    if (seg.startsWith("<")) {
      for (const [k, v] of Object.entries(map)) {
        const hit = walk(v, tail, k);
        if (hit) return hit;
      }
      return undefined;
    }
    return seg in map ? walk(map[seg], tail, seg) : undefined;
  };
  return walk(exampleDescription, block.path ? segments : []);
}
