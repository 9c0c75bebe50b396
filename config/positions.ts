// Where in the file a problem is: every issue's field path is looked up in the parsed YAML document, so a message
// can start with file:line:column as compilers' do (editors and terminals make that a link). Also recognises the
// commonest slip that the schema alone reports badly: a block indented one step too deep.
import { isMap as isYamlMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from "yaml";
import type { z } from "zod";

/** A field path as the checks write it (applications.myapp.workloads.api.reads[2]), as keys and indexes. */
export function pathSegments(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const part of path.split(".")) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1] !== "") out.push(m[1]);
    for (const i of m[2].matchAll(/\[(\d+)\]/g)) out.push(Number(i[1]));
  }
  return out;
}

export interface Position {
  readonly line: number;
  readonly column: number;
}

/**
 * The position of the deepest node of the path that the file has: the key of a map entry (the line a person
 * reads the field on), the item of a list. A path the file lacks (a required field left out) points at its
 * nearest ancestor, where the field is to be added.
 */
export function locate(doc: Document, lines: LineCounter, path: string): Position | undefined {
  let node: unknown = doc.contents;
  let at: number | undefined = (node as Node | null)?.range?.[0];
  for (const seg of pathSegments(path)) {
    if (isYamlMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      at = (pair.key as Node).range?.[0] ?? at;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg];
      at = (node as Node | null)?.range?.[0] ?? at;
    } else break;
  }
  if (at === undefined) return undefined;
  const { line, col } = lines.linePos(at);
  return { line, column: col };
}

type AnySchema = z.core.$ZodType;

/** The schema that describes the value at a path, through optionals, defaults, records, lists and unions. */
export function schemasAt(schema: AnySchema, segments: readonly (string | number)[]): AnySchema[] {
  let current: AnySchema[] = [schema];
  for (const seg of segments) {
    current = current.flatMap(unwrap).flatMap((s) => child(s, seg));
    if (current.length === 0) break;
  }
  return current.flatMap(unwrap);
}

function unwrap(s: AnySchema): AnySchema[] {
  const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "nullable":
    case "default":
    case "prefault":
    case "readonly":
    case "catch":
      return unwrap(def.innerType as AnySchema);
    case "pipe":
      return unwrap(def.in as AnySchema);
    case "union":
      return (def.options as AnySchema[]).flatMap(unwrap);
    default:
      return [s];
  }
}

function child(s: AnySchema, seg: string | number): AnySchema[] {
  const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === "object" && typeof seg === "string") {
    const shape = def.shape as Record<string, AnySchema>;
    return Object.hasOwn(shape, seg) ? [shape[seg]] : [];
  }
  if (def.type === "record" && typeof seg === "string") return [def.valueType as AnySchema];
  if (def.type === "array" && typeof seg === "number") return [def.element as AnySchema];
  return [];
}

/** The fields an object at this path declares; undefined where the value is not an object (a record, a list). */
function declaredFields(schema: AnySchema, segments: readonly (string | number)[]): Set<string> | undefined {
  const objects = schemasAt(schema, segments).filter((s) => (s._zod.def as { type: string }).type === "object");
  if (objects.length === 0) return undefined;
  return new Set(objects.flatMap((s) => Object.keys((s._zod.def as unknown as { shape: object }).shape)));
}

export interface Misindented {
  /** The path of the key that sits one level too deep, e.g. applications.myapp.secrets.workloads. */
  readonly path: string;
  /** The path of the map it belongs to, e.g. applications.myapp. */
  readonly belongsTo: string;
}

/**
 * A key that has problems at or under it, that is not a field where it stands, and that is a field of the map one
 * level up: `workloads` indented under `secrets` is read as a secret named "workloads", and its fields are then all
 * wrong. Those problems are one slip, and the fix is to indent the block one step less.
 */
export function misindentedKey(schema: AnySchema, issuePath: string): Misindented | undefined {
  const segs = pathSegments(issuePath);
  // The shallowest key first: the block that moved is the outermost one that fits.
  for (let i = 2; i < segs.length + 1; i++) {
    const key = segs[i - 1];
    if (typeof key !== "string") continue;
    const parent = segs.slice(0, i - 1);
    const grand = segs.slice(0, i - 2);
    // Under a list the step up is the list's owner; only map levels are considered.
    if (typeof parent.at(-1) === "number" || grand.some((s) => typeof s === "number")) continue;
    const here = declaredFields(schema, parent);
    if (here?.has(key)) continue;
    const above = declaredFields(schema, grand);
    if (above?.has(key)) return { path: join(segs.slice(0, i)), belongsTo: join(grand) };
  }
  return undefined;
}

function join(segs: readonly (string | number)[]): string {
  return segs.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), "");
}

/**
 * The declared field of the map at parentPath nearest to a misspelt key (at most two edits away), if one is and the map
 * does not already have it.
 */
export function nearestField(schema: AnySchema, parentPath: string, key: string, present: ReadonlySet<string> = new Set()): string | undefined {
  const fields = declaredFields(schema, parentPath ? pathSegments(parentPath) : []);
  if (!fields) return undefined;
  let best: { field: string; distance: number } | undefined;
  for (const field of fields) {
    if (present.has(field)) continue;
    const distance = editDistance(key.toLowerCase(), field.toLowerCase());
    if (distance <= Math.min(2, Math.floor(field.length / 3)) && (!best || distance < best.distance)) best = { field, distance };
  }
  return best?.field;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (regoin -> region). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/**
 * The problems a block indented one step too deep causes (every field of `workloads` under `secrets` is wrong for a
 * secret), replaced by one that says so, at the block's key.
 */
export function foldMisindented<T extends { readonly path: string; readonly message: string }>(issues: readonly T[], schema: AnySchema): { path: string; message: string }[] {
  const folded = new Set<string>();
  const out: { path: string; message: string }[] = [];
  for (const issue of issues) {
    const slip = issue.path ? misindentedKey(schema, issue.path) : undefined;
    if (!slip) {
      out.push(issue);
      continue;
    }
    if (folded.has(slip.path)) continue;
    folded.add(slip.path);
    const key = slip.path.slice(slip.path.lastIndexOf(".") + 1);
    const owner = slip.belongsTo || "the top level";
    out.push({
      path: slip.path,
      message: `looks mis-indented: ${key} is a field of ${owner}, not of what it is under; indent the ${key} block one step less, in line with the other fields of ${owner}`,
    });
  }
  return out;
}
