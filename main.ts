// The cdktf app: load and validate the platform description, then build every stack.
// A bad description stops here, before anything is written to cdktf.out/.
import { App } from "cdktf";
import { configPath, loadPlatform, PlatformConfigError } from "./config/load";
import { buildPlatform } from "./stacks/platform";

function main(): void {
  let platform;
  try {
    platform = loadPlatform(configPath());
  } catch (err) {
    if (err instanceof PlatformConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = new App();
  const stacks = buildPlatform(app, platform);
  app.synth();
  process.stdout.write(`synthesized ${stacks.length} stacks: ${stacks.map((s) => s.name).join(", ")}\n`);
}

main();
