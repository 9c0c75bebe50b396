// The cdktf app: load and validate the platform description, then build and synthesize every stack.
// A bad description or a guardrail finding stops the run with a message and exit code 1, and
// cdktf.out/ keeps what it had: stacks are synthesized into a staging folder that replaces the
// previous output only when every stack succeeded.
import { App } from "cdktf";
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import * as path from "node:path";
import { configPath, loadPlatform, PlatformConfigError } from "./config/load";
import type { Platform } from "./config/schema";
import { buildPlatform } from "./stacks/platform";

function fail(message: string): never {
  process.stderr.write(`${message.trimEnd()}\n`);
  process.exit(1);
}

function main(): void {
  let platform: Platform;
  try {
    platform = loadPlatform(configPath());
  } catch (err) {
    if (err instanceof PlatformConfigError) fail(err.message);
    throw err;
  }

  const outdir = path.resolve(process.env.CDKTF_OUTDIR ?? "cdktf.out");
  mkdirSync(path.dirname(outdir), { recursive: true });
  const staging = mkdtempSync(`${outdir}.staging-`);
  try {
    const app = new App({ outdir: staging });
    const stacks = buildPlatform(app, platform);
    try {
      app.synth();
    } catch (err) {
      // Guardrail errors arrive as cdktf's annotation error: its message says everything.
      if (err instanceof Error && err.message.includes('Annotations with level "ERROR"')) fail(err.message);
      throw err;
    }
    mkdirSync(outdir, { recursive: true });
    for (const entry of readdirSync(staging)) {
      rmSync(path.join(outdir, entry), { recursive: true, force: true });
      renameSync(path.join(staging, entry), path.join(outdir, entry));
    }
    process.stdout.write(`synthesized ${stacks.length} stacks into ${path.relative(process.cwd(), outdir) || "."}: ${stacks.map((s) => s.name).join(", ")}\n`);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

main();
