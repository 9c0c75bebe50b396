// The description's JSON Schema (config/platform.schema.json, which editors use to complete and check fields as
// the user types) and its field reference (docs/description.md), both generated from the zod schema in
// config/schema.ts so neither can drift from what the platform accepts. `npm run schema` writes them; a test fails
// when the committed files are stale.
import { z } from "zod";
import { platformSchema } from "../config/schema";

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

/** Every field of the description, parents before children, in the schema's order. */
export function descriptionFields(schema: JsonSchema = descriptionJsonSchema()): FieldRow[] {
  const rows: FieldRow[] = [];
  const visit = (node: JsonSchema, at: string, required: string) => {
    if (node.$ref) throw new Error(`${at}: references are not expected in the description's schema`);
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

/** docs/description.md: the reference table of every field. */
export function descriptionReference(schema: JsonSchema = descriptionJsonSchema()): string {
  const rows = descriptionFields(schema).map(
    (r) =>
      `| \`${cell(r.path)}\` | ${cell(r.type)} | ${r.required} | ${r.default === undefined ? "" : `\`${cell(JSON.stringify(r.default))}\``} | ${prose(r.description ?? "")} |`,
  );
  return [
    "# The platform description: every field",
    "",
    "<!-- Generated by `npm run schema` from config/schema.ts; edit the schema, not this file. -->",
    "",
    "The description is one YAML file, `config/platform.yaml` by default or the file `PLATFORM_CONFIG` names.",
    "`npm run check` validates it in well under a second; editors that use the YAML language server (VS Code's YAML",
    "extension, for one) complete and check fields as you type, through the JSON Schema",
    "`config/platform.schema.json` that the example names on its first line.",
    "",
    "In a path, `<environment>`, `<application>`, `<secret>` and `<workload>` stand for names you choose, `[]` for",
    "each item of a list, and `{type=postgres}` for the fields of that type only. Required `yes` means the field",
    "must be there whenever its parent is. Besides these rules, `npm run check` applies checks that span fields",
    "(references between secrets, names that would collide on a backend, production rules).",
    "",
    "| Field | Type | Required | Default | Description |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}
