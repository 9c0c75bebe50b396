// A newcomer's mistakes in the example description: each one must print file:line:column (the line of the
// mistake, as an editor counts it), the field path, and what to change. The mistakes are made in the example's own
// text, so the lines are those a person edits.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadPlatform, PlatformConfigError } from "../config/load";

const EXAMPLE = path.join(__dirname, "..", "config", "platform.yaml");
const exampleText = readFileSync(EXAMPLE, "utf8");
const dir = mkdtempSync(path.join(os.tmpdir(), "description-errors-"));
for (const pem of ["example-kubernetes-ca.pem", "example-database-ca.pem"]) copyFileSync(path.join(path.dirname(EXAMPLE), pem), path.join(dir, pem));

interface Mistake {
  /** The text of the example that the mistake replaces (its first occurrence), and what replaces it. */
  readonly from: string;
  readonly to: string;
  /** The field path reported, and a word of the replacement that the column must point at. */
  readonly path: string;
  readonly at: string;
  /** What the message must say to change. */
  readonly fix: RegExp;
}

const MISTAKES: Record<string, Mistake> = {
  "a misspelt field": { from: "      region: us-east-1", to: "      regoin: us-east-1", path: "environments.dev.aws.regoin", at: "regoin", fix: /did you mean region\?/ },
  "a misspelt top-level block": { from: "\nenvironments:", to: "\nenviroments:", path: "enviroments", at: "enviroments", fix: /did you mean environments\?/ },
  "a word where a number goes": { from: "strategy: single-user, everyDays: 30", to: "strategy: single-user, everyDays: thirty", path: "applications.dbadmin.secrets.master.rotation.everyDays", at: "everyDays", fix: /must be number/ },
  "a block indented one step too deep": {
    from: "    workloads:\n      api:",
    to: "      workloads:\n        api:",
    path: "applications.myapp.secrets.workloads",
    at: "workloads",
    fix: /looks mis-indented: workloads is a field of applications\.myapp.*indent the workloads block one step less/,
  },
  "a reader of a secret that does not exist": { from: "reads: [jwt]", to: "reads: [jwt, stripe]", path: "applications.myapp.workloads.web.reads[1]", at: "stripe", fix: /secret "stripe" is not defined in applications\.myapp\.secrets/ },
  "a cron schedule with an hour out of range": { from: "rotation: { everyDays: 7 }", to: "rotation: { scheduleExpression: \"cron(0 25 * * ? *)\" }", path: "applications.myapp.secrets.jwt.rotation.scheduleExpression", at: "scheduleExpression", fix: /cron|hour/ },
  "an application name with capitals": { from: "\n  myapp:\n", to: "\n  MyApp:\n", path: "applications.MyApp", at: "MyApp", fix: /lowercase letters, digits and single dashes/ },
  "a certificate file that does not exist": { from: "caCertFile: example-kubernetes-ca.pem", to: "caCertFile: missing-ca.pem", path: "environments.dev.vault.kubernetes.caCertFile", at: "caCertFile", fix: /give the path, relative to the description file/ },
  "an override for an application the description lacks": {
    from: "    pipeline:                 # bootstrap-dev",
    to: "    applications:\n      mypp: { backends: [aws] }\n    pipeline:                 # bootstrap-dev",
    path: "environments.dev.applications.mypp",
    at: "mypp",
    fix: /myapp|application/,
  },
  "a secret type that does not exist": { from: "type: api-key", to: "type: apikey", path: "applications.myapp.secrets.openai.type", at: "type", fix: /one of postgres, jwt, api-key, token/ },
  "an account id without quotes": { from: "accountId: \"222222222222\"", to: "accountId: 222222222222", path: "environments.staging.aws.accountId", at: "accountId", fix: /in quotes/ },
  "a master secret that does not exist": { from: "masterSecret: dbadmin/master", to: "masterSecret: dbadmin/root", path: "applications.myapp.secrets.database.rotation.masterSecret", at: "masterSecret", fix: /"dbadmin\/root" is not defined/ },
  "a required field left out": { from: "      tenantId: 00000000-0000-0000-0000-0000000000aa\n      location: eastus\n      resourceGroupName: rg-secrets-staging", to: "      location: eastus\n      resourceGroupName: rg-secrets-staging", path: "environments.staging.azure.tenantId", at: "azure", fix: /is required/ },
};

function mistake(name: string, m: Mistake): { file: string; line: number; column: number } {
  expect(exampleText).toContain(m.from);
  const text = exampleText.replace(m.from, m.to);
  const file = path.join(dir, `${name.replace(/\W+/g, "-")}.yaml`);
  writeFileSync(file, text);
  // Where the mistake is: the first line of the replacement holding the word (for a field left out, the
  // nearest line before the change that holds it: the block the field belongs in).
  const start = text.indexOf(m.to);
  const before = text.slice(0, start).split("\n");
  const replaced = m.to.split("\n");
  const inside = replaced.findIndex((l) => l.includes(m.at));
  if (inside >= 0) {
    const firstLine = before.length + inside;
    const lineText = text.split("\n")[firstLine - 1];
    return { file, line: firstLine, column: lineText.indexOf(m.at) + 1 };
  }
  const lines = text.split("\n");
  for (let i = before.length - 1; i >= 0; i--) {
    if (lines[i].includes(`${m.at}:`)) return { file, line: i + 1, column: lines[i].indexOf(m.at) + 1 };
  }
  throw new Error(`${m.at} is not before the change`);
}

describe("every description error points at its line", () => {
  it("covers at least twelve mistakes", () => expect(Object.keys(MISTAKES).length).toBeGreaterThanOrEqual(12));

  it.each(Object.entries(MISTAKES))("%s", (name, m) => {
    const { file, line, column } = mistake(name, m);
    let error: unknown;
    try {
      loadPlatform(file, {});
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(PlatformConfigError);
    const { issues, positions } = error as PlatformConfigError;
    const index = issues.findIndex((i) => i.path === m.path);
    expect(index).toBeGreaterThanOrEqual(0);
    const issue = issues[index];
    expect(positions[index]).toEqual({ line, column });
    expect(issue!.message).toMatch(m.fix);
    // As printed: the file, line and column first, then the field path, then the message.
    const printed = (error as PlatformConfigError).message.split("\n").find((l) => l.includes(`${m.path}: `));
    expect(printed).toBe(`  - ${file}:${line}:${column}: ${m.path}: ${issue!.message.split("\n")[0]}`);
  });

  it("a mis-indented block is one problem, not one per field inside it", () => {
    const m = MISTAKES["a block indented one step too deep"];
    const { file } = mistake("folded", m);
    let error: PlatformConfigError | undefined;
    try {
      loadPlatform(file, {});
    } catch (err) {
      error = err as PlatformConfigError;
    }
    expect(error!.issues.filter((i) => i.path.startsWith("applications.myapp.secrets.workloads"))).toHaveLength(1);
  });

  it("a field that is present is not suggested for a misspelt neighbour", () => {
    const text = exampleText.replace("      region: us-east-1", "      region: us-east-1\n      regoin: us-east-1");
    const file = path.join(dir, "both.yaml");
    writeFileSync(file, text);
    expect(() => loadPlatform(file, {})).toThrow(/environments\.dev\.aws\.regoin: unknown field \(check the spelling/);
  });
});

describe("the README's sample of problems", () => {
  it("is what npm run check prints for the mistakes it describes", () => {
    const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");
    const sample = /```text\n(config\/platform\.yaml: \d+ problems in the platform description\n[\s\S]*?)```/.exec(readme)![1];
    // The quick start's stripe, then the two slips the README names.
    const text = exampleText
      .replace("      region: us-east-1", "      regoin: us-east-1")
      .replace("        expiresAfterDays: 90\n", "        expiresAfterDays: 90\n      stripe: { type: api-key, expiresAfterDays: 90 }\n")
      .replace("reads: [database, jwt, openai]", "reads: [database, jwt, openai, strpe]");
    const file = path.join(dir, "platform.yaml");
    writeFileSync(file, text);
    let message = "";
    try {
      loadPlatform(file, {});
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message.split(file).join("config/platform.yaml")).toBe(sample.trimEnd());
  });
});
