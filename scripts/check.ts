// `npm run check`: validates the description (the schema and every cross-check) without building the rotation
// bundles or any stack, so a typo costs a fraction of a second instead of a synth. It is the first step of
// `npm run synth` (main.ts), so both print the same problems and exit 1 on them.
import * as path from "node:path";
import { loadDescription } from "../config/load";

function main(): number {
  const loaded = loadDescription();
  if ("problem" in loaded) {
    process.stderr.write(`${loaded.problem.trimEnd()}\n`);
    return 1;
  }
  const { platform, file } = loaded;
  const shown = path.relative(process.cwd(), file);
  const list = (names: string[], what: string) => `${names.length} ${what}${names.length === 1 ? "" : "s"} (${names.join(", ")})`;
  process.stdout.write(
    `${shown.startsWith("..") ? file : shown}: valid: ${list(Object.keys(platform.environments), "environment")}, ${list(Object.keys(platform.applications), "application")}\n`,
  );
  return 0;
}

process.exitCode = main();
