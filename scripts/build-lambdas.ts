// Bundles each rotation function in lambda/ with esbuild into dist/lambda/<name>.zip, holding one
// `index.js` (CommonJS, node22) that exports `handler`: Lambda handler `index.handler`, runtime
// nodejs22.x. The AWS SDK client and pg are bundled.
//
// The zips are deterministic: the same sources give the same bytes (one entry, fixed time,
// permissions and attributes, deflate at a fixed level), so Terraform sees no change when nothing
// changed. yazl writes the zip; createZip fixes every field that could vary between runs.
//
// When the inputs a zip was built from (every bundled file, this script, esbuild's version) are
// unchanged, the zip is kept and esbuild is not run: this runs before every synth and test.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import type * as Esbuild from "esbuild";
import type * as Yazl from "yazl";
import { ROTATABLE_TYPES } from "../contracts/secret-types";
import { AZURE_FUNCTION_ZIP as FUNCTION_ZIP, AZURE_ROTATE_FUNCTION_NAME } from "../contracts/azure-rotation";

// esbuild and yazl are loaded only when a bundle is stale: loading them was most of what an up-to-date check cost,
// which `npm run cdktf -- synth` pays on every run (cdktf.json's app command builds first).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuild = (): typeof Esbuild => require("esbuild");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yazl = (): typeof Yazl => require("yazl");
/** esbuild's version without loading esbuild. */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const esbuildVersion = (): string => (require("esbuild/package.json") as { version: string }).version;

export const ROOT = path.resolve(__dirname, "..");
export const DEFAULT_OUT_DIR = path.join(ROOT, "dist", "lambda");
/** One rotation function per rotatable secret type (contracts/secret-types.ts), built from lambda/<type>. */
export const FUNCTIONS = ROTATABLE_TYPES;
export type FunctionName = (typeof FUNCTIONS)[number];

/** The Lambda settings the bundles are built for; the AWS stack uses the same. */
export const LAMBDA_RUNTIME = "nodejs22.x";
export const LAMBDA_HANDLER = "index.handler";
export const LAMBDA_ARCHITECTURE = "arm64";
export const MAX_ZIP_BYTES = 1024 * 1024;

/**
 * The Azure rotation function (lambda/azure): dist/lambda/azure-rotation.zip, the package the Azure stack deploys to
 * the function app (Flex Consumption, Node 22). It holds host.json, package.json (whose `main` the Functions host
 * loads: the v4 programming model registers functions in code) and index.js, with every dependency bundled.
 */
export const AZURE_FUNCTION_ZIP = FUNCTION_ZIP;
/** The function's name: the Event Grid subscription's endpoint is <app>/functions/rotate. */
export const AZURE_FUNCTION_NAME = AZURE_ROTATE_FUNCTION_NAME;
export const AZURE_RUNTIME = "node";
export const AZURE_RUNTIME_VERSION = "22";
/** The Azure SDK and MSAL make this bundle larger than the Lambdas'; the limit catches a dependency that balloons. */
export const MAX_AZURE_ZIP_BYTES = 4 * 1024 * 1024;

/**
 * host.json: the Event Grid trigger is a binding extension, which a non-.NET app gets from the extension bundle
 * (learn.microsoft.com/azure/azure-functions/functions-bindings-event-grid#install-bundle: version [4.0.0, 5.0.0)).
 */
export const AZURE_HOST_JSON = {
  version: "2.0",
  extensionBundle: { id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.0.0, 5.0.0)" },
};

export const AZURE_PACKAGE_JSON = {
  name: "secrets-platform-azure-rotation",
  version: "1.0.0",
  private: true,
  main: "index.js",
};

const CACHE_FORMAT = 3;
const CACHE_FILE = ".build-cache.json";

// ---------------------------------------------------------------------------------------------
// Zip: written by yazl, with everything that could vary between runs fixed.

/**
 * 1980-01-01 00:00:00, the earliest DOS date. yazl stores the local date and time of a Date, so it is made
 * in the local time zone when a zip is written: the same fields, hence bytes, in every time zone.
 */
const fixedMtime = () => new Date(1980, 0, 1, 0, 0, 0);
/** Regular file, rw-r--r--: Lambda only needs to read index.js. */
const FILE_MODE = 0o100644;

export function crc32(data: Uint8Array): number {
  // node:zlib has crc32 from Node 20.15; readZip uses it to check what it reads.
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (typeof native === "function") return native(data) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) {
    c ^= data[i];
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

/**
 * A deterministic zip of `entries`: sorted by name, fixed time and mode, deflate level 9, and no extended
 * timestamp field (forceDosTimestamp), whose UTC time would differ between time zones.
 */
export function createZip(entries: readonly ZipEntry[]): Promise<Buffer> {
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const zip = new (yazl().ZipFile)();
  for (const entry of sorted) {
    zip.addBuffer(Buffer.from(entry.data), entry.name, { mtime: fixedMtime(), mode: FILE_MODE, compress: true, compressionLevel: 9, forceDosTimestamp: true });
  }
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on("data", (c: Buffer) => chunks.push(c));
    zip.outputStream.on("error", reject);
    zip.outputStream.on("end", () => resolve(Buffer.concat(chunks)));
  });
}

/** Reads a zip written by createZip (or any zip of stored/deflated entries without zip64). */
export function readZip(zip: Buffer): Map<string, Buffer> {
  const endAt = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endAt < 0) throw new Error("not a zip: no end of central directory");
  const count = zip.readUInt16LE(endAt + 10);
  let at = zip.readUInt32LE(endAt + 16);
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error("bad central directory entry");
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const localAt = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString("utf8");
    const dataAt = localAt + 30 + zip.readUInt16LE(localAt + 26) + zip.readUInt16LE(localAt + 28);
    const raw = zip.subarray(dataAt, dataAt + compressedSize);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? zlib.inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`unsupported compression method ${method} for ${name}`);
    if (crc32(data) !== crc) throw new Error(`CRC mismatch for ${name}`);
    files.set(name, data);
    at += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

// ---------------------------------------------------------------------------------------------
// Build

export function esbuildOptions(name: FunctionName): Esbuild.BuildOptions & { write: false; metafile: true } {
  return {
    absWorkingDir: ROOT,
    entryPoints: [`lambda/${name}/index.ts`],
    outfile: "index.js",
    bundle: true,
    platform: "node",
    target: "node22",
    format: "cjs",
    minify: true,
    // ESM builds of the SDK tree-shake better than its CommonJS builds.
    mainFields: ["module", "main"],
    // pg loads pg-native only for `pg.native`, which these functions never use.
    external: ["pg-native"],
    legalComments: "eof",
    sourcemap: false,
    write: false,
    metafile: true,
    logLevel: "warning",
  };
}

/**
 * The Azure function's bundle. `@azure/functions-core` stays external: the Functions Node.js worker provides it at run
 * time (the @azure/functions package requires it, and runs in "test mode" where it is absent).
 */
export function azureEsbuildOptions(): Esbuild.BuildOptions & { write: false; metafile: true } {
  return { ...esbuildOptions("token"), entryPoints: ["lambda/azure/index.ts"], external: ["pg-native", "@azure/functions-core"] };
}

interface CacheEntry {
  readonly zipSha256: string;
  /** The files esbuild read, relative to the repository root, sorted. */
  readonly inputs: string[];
  /** SHA-256 over every input's path and content. */
  readonly inputsSha256: string;
  /** SHA-256 over the inputs' and the zip's paths, sizes and modification times: the check that reads no file. */
  readonly statsSha256?: string;
}

interface Cache {
  readonly format: number;
  readonly key: string;
  readonly functions: Partial<Record<FunctionName, CacheEntry>>;
}

const sha256 = (data: Uint8Array | string) => createHash("sha256").update(data).digest("hex");

function cacheKey(): string {
  // Any change to this script or to esbuild rebuilds everything.
  const self = fs.existsSync(__filename) ? fs.readFileSync(__filename) : Buffer.from("");
  return sha256(`${CACHE_FORMAT}\n${esbuildVersion()}\n${sha256(self)}`);
}

function readCache(outDir: string): Cache | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(outDir, CACHE_FILE), "utf8")) as Cache;
  } catch {
    return undefined;
  }
}

/** One hash over the inputs' paths and contents; undefined when one of them is gone. */
function inputsSha256(inputs: readonly string[]): string | undefined {
  const hash = createHash("sha256");
  for (const file of inputs) {
    let content: Buffer;
    try {
      content = fs.readFileSync(path.join(ROOT, file));
    } catch {
      return undefined;
    }
    hash.update(`${file}\0${content.length}\0`).update(content);
  }
  return hash.digest("hex");
}

/** The files' paths, sizes and modification times, as make compares them; undefined when one is missing. */
function statsSha256(inputs: readonly string[], zipPath: string): string | undefined {
  const hash = createHash("sha256");
  for (const file of [...inputs.map((f) => path.join(ROOT, f)), zipPath]) {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    if (!stat) return undefined;
    hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  return hash.digest("hex");
}

/**
 * Whether the zip was built from the inputs as they are: the same sizes and times as at the last build (no file read),
 * else the same contents (hashes: a checkout or a copy changes times, not contents).
 */
function upToDate(entry: CacheEntry | undefined, zipPath: string): boolean {
  if (!entry || !Array.isArray(entry.inputs) || !fs.existsSync(zipPath)) return false;
  if (entry.statsSha256 !== undefined && statsSha256(entry.inputs, zipPath) === entry.statsSha256) return true;
  if (sha256(fs.readFileSync(zipPath)) !== entry.zipSha256) return false;
  return inputsSha256(entry.inputs) === entry.inputsSha256;
}

/** Writes through a temporary file and a rename, so a reader never sees half a zip. */
function writeAtomically(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/** Bundles one function and returns its zip bytes and the files it was built from. */
export async function bundleFunction(name: FunctionName): Promise<{ zip: Buffer; inputs: string[] }> {
  const result = await esbuild().build(esbuildOptions(name));
  const output = result.outputFiles.find((f) => f.path.endsWith("index.js"));
  if (!output) throw new Error(`esbuild produced no index.js for ${name}`);
  // Only real files (esbuild also lists virtual modules such as "<define:...>").
  const inputs = Object.keys(result.metafile.inputs)
    .filter((file) => fs.existsSync(path.join(ROOT, file)))
    .sort();
  return { zip: await createZip([{ name: "index.js", data: output.contents }]), inputs };
}

/** Bundles the Azure function and returns its zip bytes and the files it was built from. */
export async function bundleAzureFunction(): Promise<{ zip: Buffer; inputs: string[] }> {
  const result = await esbuild().build(azureEsbuildOptions());
  const output = result.outputFiles.find((f) => f.path.endsWith("index.js"));
  if (!output) throw new Error("esbuild produced no index.js for the Azure function");
  const inputs = Object.keys(result.metafile.inputs)
    .filter((file) => fs.existsSync(path.join(ROOT, file)))
    .sort();
  const json = (v: unknown) => Buffer.from(JSON.stringify(v, null, 2) + "\n");
  const zip = await createZip([
    { name: "host.json", data: json(AZURE_HOST_JSON) },
    { name: "package.json", data: json(AZURE_PACKAGE_JSON) },
    { name: "index.js", data: output.contents },
  ]);
  return { zip, inputs };
}

const AZURE_CACHE_FILE = ".build-cache-azure.json";

/** Builds dist/lambda/azure-rotation.zip (kept when its inputs are unchanged) and returns its path. */
export async function buildAzureFunction(outDir: string = DEFAULT_OUT_DIR): Promise<string> {
  fs.mkdirSync(outDir, { recursive: true });
  const zipPath = path.join(outDir, AZURE_FUNCTION_ZIP);
  const key = cacheKey();
  let cached: { key?: string; entry?: CacheEntry } | undefined;
  try {
    cached = JSON.parse(fs.readFileSync(path.join(outDir, AZURE_CACHE_FILE), "utf8"));
  } catch {
    cached = undefined;
  }
  if (cached?.key === key && cached.entry && upToDate(cached.entry, zipPath)) {
    const stats = statsSha256(cached.entry.inputs, zipPath);
    if (stats !== cached.entry.statsSha256) writeAtomically(path.join(outDir, AZURE_CACHE_FILE), Buffer.from(JSON.stringify({ key, entry: { ...cached.entry, statsSha256: stats } }) + "\n"));
    return zipPath;
  }
  const { zip, inputs } = await bundleAzureFunction();
  if (zip.length >= MAX_AZURE_ZIP_BYTES) {
    throw new Error(`dist/lambda/${AZURE_FUNCTION_ZIP} is ${zip.length} bytes; it must stay under ${MAX_AZURE_ZIP_BYTES}.`);
  }
  writeAtomically(zipPath, zip);
  const entry: CacheEntry = { zipSha256: sha256(zip), inputs, inputsSha256: inputsSha256(inputs) ?? "", statsSha256: statsSha256(inputs, zipPath) };
  writeAtomically(path.join(outDir, AZURE_CACHE_FILE), Buffer.from(JSON.stringify({ key, entry }) + "\n"));
  return zipPath;
}

/**
 * Builds every function into `outDir` (default dist/lambda) and returns name -> zip path. Zips
 * whose inputs are unchanged are kept as they are.
 */
export async function buildLambdas(outDir: string = DEFAULT_OUT_DIR): Promise<Record<string, string>> {
  fs.mkdirSync(outDir, { recursive: true });
  const key = cacheKey();
  const previous = readCache(outDir);
  const functions: Partial<Record<FunctionName, CacheEntry>> = {};
  const paths: Record<string, string> = {};
  await Promise.all(
    FUNCTIONS.map(async (name) => {
      const zipPath = path.join(outDir, `${name}.zip`);
      paths[name] = zipPath;
      const cached = previous?.format === CACHE_FORMAT && previous.key === key ? previous.functions[name] : undefined;
      if (cached && upToDate(cached, zipPath)) {
        // The times as they are now, so the next check reads no file either.
        functions[name] = { ...cached, statsSha256: statsSha256(cached.inputs, zipPath) };
        return;
      }
      const { zip, inputs } = await bundleFunction(name);
      if (zip.length >= MAX_ZIP_BYTES) {
        throw new Error(`dist/lambda/${name}.zip is ${zip.length} bytes; rotation bundles must stay under ${MAX_ZIP_BYTES}.`);
      }
      writeAtomically(zipPath, zip);
      functions[name] = { zipSha256: sha256(zip), inputs, inputsSha256: inputsSha256(inputs) ?? "", statsSha256: statsSha256(inputs, zipPath) };
    }),
  );
  const cache: Cache = { format: CACHE_FORMAT, key, functions };
  writeAtomically(path.join(outDir, CACHE_FILE), Buffer.from(JSON.stringify(cache) + "\n"));
  // The Azure function is built alongside; it is not a Lambda, so it is not among the names returned.
  await buildAzureFunction(outDir);
  // Sorted keys, whatever order the builds finished in.
  return Object.fromEntries(FUNCTIONS.map((name) => [name, paths[name]]));
}

if (require.main === module) {
  const started = Date.now();
  buildLambdas(process.argv[2] ? path.resolve(process.argv[2]) : undefined)
    .then((zips) => {
      const azure = path.join(path.dirname(Object.values(zips)[0]), AZURE_FUNCTION_ZIP);
      for (const [name, file] of [...Object.entries(zips), ["azure", azure]]) {
        console.log(`${name}: ${path.relative(process.cwd(), file)} (${fs.statSync(file).size} bytes)`);
      }
      console.log(`lambda bundles ready in ${Date.now() - started} ms`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
