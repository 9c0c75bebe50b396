// The cdktf app: load and validate the platform description, then build and synthesize every stack.
// A bad description or a guardrail finding stops the run with a message and exit code 1, and
// cdktf.out/ keeps what it had: stacks are synthesized into a staging folder that replaces the
// previous output only when every stack succeeded.
import { AnnotationMetadataEntryType, App } from "cdktf";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { loadDescription } from "./config/load";
import type { Platform } from "./config/schema";
import { buildPlatform, StackRef } from "./stacks/platform";
import { shortenTokenTraces } from "./stacks/token-traces";

/** A problem the user fixes from its message; the stack trace would only hide it. */
class Stop extends Error {}

/** The same first step as `npm run check`, so both print the same problems and exit with the same code. */
function load(): Platform {
  const loaded = loadDescription();
  if ("problem" in loaded) throw new Stop(loaded.problem);
  return loaded.platform;
}

function synthesize(platform: Platform, outdir: string): StackRef[] {
  const staging = mkdtempSync(`${outdir}.staging-`);
  try {
    const app = new App({ outdir: staging });
    let stacks: StackRef[];
    try {
      stacks = buildPlatform(app, platform);
      app.synth();
    } catch (err) {
      // Guardrail findings, construct validations, a missing rotation bundle: the message says
      // what to change. SECRETS_PLATFORM_DEBUG=1 keeps the stack trace.
      if (err instanceof Error && !process.env.SECRETS_PLATFORM_DEBUG) throw new Stop(err.message);
      throw err;
    }
    printWarnings(staging);
    publish(staging, outdir);
    return stacks;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Moves the new output into place stack by stack, and removes the folders of stacks no longer in the description,
 * except under the cdktf CLI (cdktf.json sets SECRETS_PLATFORM_CDKTF_CLI): the CLI lists cdktf.out/stacks before it
 * runs the app and removes the vanished stacks' folders itself afterwards, failing with ENOENT on one already gone.
 */
function publish(staging: string, outdir: string): void {
  const stacksDir = path.join(outdir, "stacks");
  mkdirSync(stacksDir, { recursive: true });
  const fresh = existsSync(path.join(staging, "stacks")) ? readdirSync(path.join(staging, "stacks")) : [];
  if (!process.env.SECRETS_PLATFORM_CDKTF_CLI) {
    for (const gone of readdirSync(stacksDir).filter((s) => !fresh.includes(s))) rmSync(path.join(stacksDir, gone), { recursive: true, force: true });
  }
  for (const stack of fresh) replace(path.join(staging, "stacks", stack), path.join(stacksDir, stack));
  for (const entry of readdirSync(staging).filter((e) => e !== "stacks")) replace(path.join(staging, entry), path.join(outdir, entry));
}

function replace(from: string, to: string): void {
  rmSync(to, { recursive: true, force: true });
  renameSync(from, to);
}

/** cdktf prints annotations only under its CLI; npm run synth shows the warnings too. */
function printWarnings(dir: string): void {
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8"));
  for (const stack of Object.values<{ annotations?: { level: string; constructPath: string; message: string }[] }>(manifest.stacks)) {
    for (const a of stack.annotations ?? []) {
      if (a.level === AnnotationMetadataEntryType.WARN) process.stderr.write(`WARN [${a.constructPath}]: ${a.message}\n`);
    }
  }
}

function main(): number {
  try {
    const platform = load();
    const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
    mkdirSync(path.dirname(outdir), { recursive: true });
    const stacks = synthesize(platform, outdir);
    const shown = path.relative(process.cwd(), outdir);
    process.stdout.write(`synthesized ${stacks.length} stacks into ${shown.startsWith("..") ? outdir : shown || "."}: ${stacks.map((s) => s.name).join(", ")}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    process.stderr.write(`${err.message.trimEnd()}\n`);
    return 1;
  }
}

shortenTokenTraces();
process.exitCode = main();
