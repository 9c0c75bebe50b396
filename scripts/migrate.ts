// `npm run migrate -- --env <env> --app <app> --from <file> [--map KEY=secret.field]... [--write] [--allow-tracked]`
// (docs/adopting.md). Bad arguments or a bad description: a message and exit 2; a refused write: exit 1.
import { loadDescription } from "../config/load";
import { migrate, MigrateUsageError, type MigrateOptions } from "./migrate/run";

const USAGE = "usage: npm run migrate -- --env <env> --app <app> --from <.env file> [--map KEY=secret.field]... [--write] [--allow-tracked]";

export function parseArgs(argv: readonly string[]): MigrateOptions {
  const map: Record<string, string> = {};
  let env: string | undefined;
  let app: string | undefined;
  let from: string | undefined;
  let write = false;
  let allowTracked = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new MigrateUsageError(`${a} needs a value\n${USAGE}`);
      return v;
    };
    if (a === "--env") env = next();
    else if (a === "--app") app = next();
    else if (a === "--from") from = next();
    else if (a === "--write") write = true;
    else if (a === "--allow-tracked") allowTracked = true;
    else if (a === "--map") {
      const m = /^([^=]+)=(.+)$/.exec(next());
      if (!m) throw new MigrateUsageError(`--map takes KEY=secret.field\n${USAGE}`);
      map[m[1]] = m[2];
    } else throw new MigrateUsageError(`unknown argument ${a}\n${USAGE}`);
  }
  if (!env || !app || !from) throw new MigrateUsageError(`--env, --app and --from are required\n${USAGE}`);
  return { env, app, from, map, write, allowTracked };
}

async function main(): Promise<number> {
  const loaded = loadDescription();
  if ("problem" in loaded) {
    process.stderr.write(`${loaded.problem.trimEnd()}\n`);
    return 2;
  }
  try {
    return await migrate(parseArgs(process.argv.slice(2)), { platform: loaded.platform, out: (line) => process.stdout.write(`${line}\n`) });
  } catch (err) {
    if (err instanceof MigrateUsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

if (require.main === module) {
  main().then(
    (code) => (process.exitCode = code),
    (err) => {
      process.stderr.write(`migrate failed: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
