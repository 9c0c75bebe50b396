// Loads and validates the platform description. Every problem is collected, named by its field path,
// and reported at once; nothing is built from a description that has any problem.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import { Platform, platformSchema } from "./schema";
import { stackGroupIssues } from "./stack-groups";
import { crossCheck } from "./checks";
import { entries, isMap } from "./checks/shared";
import { rawConnections } from "./vault-databases";
import { foldMisindented, locate, nearestField, type Position } from "./positions";

/** The project folder: the nearest one above this module holding package.json (this module also runs bundled into dist/). */
function projectRoot(from: string = __dirname): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  return path.resolve(from, "..");
}

export const DEFAULT_CONFIG = path.join(projectRoot(), "config", "platform.yaml");

export interface ConfigIssue {
  /** Dotted field path, e.g. applications.myapp.workloads.api.reads[2]. */
  readonly path: string;
  readonly message: string;
}

export class PlatformConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
    /** Where each issue is in the file (1-based), by index, when the description came from YAML text that has it. */
    readonly positions: readonly (Position | undefined)[] = [],
  ) {
    super(
      `${shownPath(source)}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the platform description\n` +
        // A problem of the whole file (unreadable, empty, bad YAML) has no field path; later lines of a message
        // (the offending YAML line) are indented under their bullet.
        issues.map((issue, n) => `  - ${where(source, positions[n])}${issue.path ? `${issue.path}: ` : ""}${issue.message.replace(/\n/g, "\n    ")}`).join("\n"),
    );
    this.name = "PlatformConfigError";
  }
}

/** A description file as messages show it: relative to the current folder when it is under it, as compilers do. */
function shownPath(source: string): string {
  const relative = path.relative(process.cwd(), source);
  return path.isAbsolute(source) && relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : source;
}

/** file:line:column, as compilers print it. */
function where(source: string, position: Position | undefined): string {
  return position ? `${shownPath(source)}:${position.line}:${position.column}: ` : "";
}

/** The description file to use: PLATFORM_CONFIG when set, else config/platform.yaml. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLATFORM_CONFIG ? path.resolve(env.PLATFORM_CONFIG) : DEFAULT_CONFIG;
}

/**
 * The first step of synth and check (review loads the same way): load the description that PLATFORM_CONFIG names, or the
 * example. A problem with it comes back as the text the command prints on stderr before it exits with 1.
 */
export function loadDescription(env: NodeJS.ProcessEnv = process.env): { platform: Platform; file: string } | { problem: string } {
  const file = configPath(env);
  try {
    return { platform: loadPlatform(file, env), file };
  } catch (err) {
    if (err instanceof PlatformConfigError) return { problem: err.message };
    throw err;
  }
}

export function loadPlatform(file: string = configPath(), env: NodeJS.ProcessEnv = process.env): Platform {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "the file does not exist" : `cannot read the file (${code ?? err})`;
    // Someone who exported PLATFORM_CONFIG for another description may have forgotten it.
    const named = env.PLATFORM_CONFIG && path.resolve(env.PLATFORM_CONFIG) === file
      ? `; PLATFORM_CONFIG=${env.PLATFORM_CONFIG} names it: correct the path, or unset PLATFORM_CONFIG to use ${EXAMPLE}`
      : "";
    throw new PlatformConfigError(file, [{ path: "", message: `${what}${named}` }]);
  }
  return parsePlatform(text, file, path.dirname(file));
}

/** The example every message points a user to. */
const EXAMPLE = "config/platform.yaml";

/**
 * @param baseDir the folder that file paths in the description (CA certificates) are relative to
 * @default baseDir - the current directory
 */
export function parsePlatform(text: string, source = "platform description", baseDir?: string): Platform {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) {
    const { issue, position } = yamlProblem(text, doc.errors, lines);
    throw new PlatformConfigError(source, [issue], [position]);
  }
  try {
    return validatePlatform(doc.toJS(), source, baseDir);
  } catch (err) {
    if (!(err instanceof PlatformConfigError)) throw err;
    const issues = foldMisindented(err.issues, platformSchema);
    throw new PlatformConfigError(source, issues, issues.map((i) => (i.path ? locate(doc, lines, i.path) : undefined)));
  }
}

/** What to change, for the parser's messages that name a symptom rather than the slip. */
const YAML_HINTS: Partial<Record<YAMLError["code"], string>> = {
  BAD_INDENT: "check the indentation here and on the line before: the keys of one map start in the same column",
  BLOCK_AS_IMPLICIT_KEY: "check the indentation here and on the next line: the keys of one map start in the same column",
  MULTILINE_IMPLICIT_KEY: "check the indentation here and on the next line: the keys of one map start in the same column",
  TAB_AS_INDENT: "indent with spaces",
  DUPLICATE_KEY: "each key may appear once in a map: merge the two or rename one",
};

/**
 * The first YAML error only: after one slip (an indentation, an unclosed bracket) the parser reports every
 * following token as unexpected too, and those messages point away from the line to fix.
 */
function yamlProblem(text: string, errors: readonly YAMLError[], lines: LineCounter): { issue: ConfigIssue; position: Position } {
  const first = errors.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
  const { line, col: at } = lines.linePos(first.pos[0]);
  const source = text.split(/\r?\n/)[line - 1] ?? "";
  // Indentation errors start at column 1; point at the key whose indentation is wrong instead.
  const indent = /^ */.exec(source)![0].length;
  const col = at <= indent && indent < source.length ? indent + 1 : at;
  const gutter = `${line} | `;
  // BAD_INDENT also names an unclosed [ or {, whose message already says what is missing.
  const hint = YAML_HINTS[first.code] && !/^Flow /.test(first.message) ? ` (${YAML_HINTS[first.code]})` : "";
  return {
    issue: { path: "", message: `YAML syntax: ${first.message}${hint}\n${gutter}${source}\n${" ".repeat(gutter.length + col - 1)}^` },
    position: { line, column: col },
  };
}

export function validatePlatform(raw: unknown, source = "platform description", baseDir: string = process.cwd()): Platform {
  if (raw === null || raw === undefined) {
    throw new PlatformConfigError(source, [{ path: "", message: `the description is empty: it needs organization, environments and applications; start from the example, ${EXAMPLE}` }]);
  }
  if (!isMap(raw)) {
    throw new PlatformConfigError(source, [{ path: "", message: `the description must be a map of organization, environments and applications, not ${typeName(raw)}; see the example, ${EXAMPLE}` }]);
  }
  const result = platformSchema.safeParse(raw, { reportInput: true });
  const issues = result.success ? [] : result.error.issues.flatMap(describeIssue);
  // Cross-references are checked on the raw input too, so one run reports every problem.
  issues.push(...crossCheck(raw));
  issues.push(...checkFiles(raw, baseDir));
  issues.push(...stackGroupIssues(raw));
  if (issues.length > 0 || !result.success) {
    throw new PlatformConfigError(source, dedupe(issues));
  }
  return resolveFiles(result.data, baseDir);
}

/** The text of a PEM certificate file, or why it is not one. Never accepts a file that holds a private key. */
export function readCertificateFile(file: string): { pem: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})` };
  }
  if (/PRIVATE KEY-----/.test(text)) return { problem: `${file} holds a private key; give a file with the CA certificate only, and delete the key from it` };
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text)) {
    return { problem: `${file} is not a PEM certificate (no -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- block)` };
  }
  return { pem: text.endsWith("\n") ? text : `${text}\n` };
}

/** The certificate files a description names, by field path, relative as written. */
function certificateFiles(raw: unknown): { at: string; file: string; what: string }[] {
  const out: { at: string; file: string; what: string }[] = [];
  if (!isMap(raw)) return out;
  for (const [env, e] of entries(raw.environments)) {
    const v = isMap(e.vault) ? e.vault : undefined;
    if (isMap(v?.kubernetes) && typeof v.kubernetes.caCertFile === "string" && v.kubernetes.caCertFile !== "") {
      out.push({ at: `environments.${env}.vault.kubernetes.caCertFile`, file: v.kubernetes.caCertFile, what: "the Kubernetes cluster's CA certificate (kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d)" });
    }
    for (const c of rawConnections(env, v)) {
      if (typeof c.spec.tlsCaFile !== "string" || c.spec.tlsCaFile === "") continue;
      out.push({ at: `${c.at}.tlsCaFile`, file: c.spec.tlsCaFile, what: "the CA certificate that signed the database server's certificate (for RDS, the region's CA bundle)" });
    }
  }
  return out;
}

/** File paths are relative to the description file; each must be a readable PEM certificate. */
function checkFiles(raw: unknown, baseDir: string): ConfigIssue[] {
  return certificateFiles(raw).flatMap(({ at, file, what }) => {
    const read = readCertificateFile(path.resolve(baseDir, file));
    return "problem" in read ? [{ path: at, message: `${read.problem}: give the path, relative to the description file, of ${what}` }] : [];
  });
}

/** The description with every file path made absolute, so stacks read the same files wherever they run. */
function resolveFiles(platform: Platform, baseDir: string): Platform {
  for (const e of Object.values(platform.environments)) {
    if (e.vault?.kubernetes) e.vault.kubernetes.caCertFile = path.resolve(baseDir, e.vault.kubernetes.caCertFile);
    for (const db of Object.values(e.vault?.databases ?? {})) if (db.tlsCaFile) db.tlsCaFile = path.resolve(baseDir, db.tlsCaFile);
  }
  return platform;
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), "");
}

function describeIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => {
        const present = new Set(isMap(issue.input) ? Object.keys(issue.input) : []);
        const near = nearestField(platformSchema, at, k, present);
        return {
          path: at ? `${at}.${k}` : k,
          message: near
            ? `unknown field: did you mean ${near}? (docs/description.md lists the fields allowed here)`
            : "unknown field (check the spelling; docs/description.md lists the fields allowed here)",
        };
      });
    case "invalid_type":
      if (issue.input === undefined) return [{ path: at, message: `is required (${issue.expected})` }];
      // Custom messages say more than zod's "Invalid input".
      return [{ path: at, message: issue.message.startsWith("Invalid input") ? `must be ${issue.expected}, not ${typeName(issue.input)}` : issue.message }];
    case "invalid_key":
      return [{ path: at, message: `name ${JSON.stringify(issue.path.at(-1) ?? "")} is invalid: ${issue.issues.map((i) => i.message).join("; ")}` }];
    default:
      return [{ path: at, message: issue.message }];
  }
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a map" : `${typeof v} ${JSON.stringify(v)}`;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
