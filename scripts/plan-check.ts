// node dist/plan-check.js <stack>=<plan.json> ...: exits 1, naming each change, when a saved plan holds a change that only
// a person can apply (a write-only secret the pipeline does not hold). The CI plan job runs it before uploading plans.
import { readFileSync } from "node:fs";
import { personOnlyChanges } from "./review/person-applies";

function main(argv: string[]): number {
  const problems: string[] = [];
  for (const arg of argv) {
    const at = arg.indexOf("=");
    if (at <= 0) {
      process.stderr.write(`usage: node dist/plan-check.js <stack>=<plan.json> ...\n`);
      return 2;
    }
    problems.push(...personOnlyChanges(arg.slice(0, at), JSON.parse(readFileSync(arg.slice(at + 1), "utf8"))));
  }
  for (const p of problems) process.stderr.write(`ERROR ${p}\n`);
  return problems.length > 0 ? 1 : 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
