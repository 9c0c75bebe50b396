// dist/lambda/azure-rotation.zip: deterministic, what the Functions host needs (host.json with the extension bundle,
// package.json's main), self-contained, and registering the Event Grid function `rotate` and the timer function
// `sweep` when the host loads it.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ROTATION_SWEEP_NAME } from "../constructs/azure/rotation-function";
import { SWEEP_SCHEDULE } from "../lambda/azure/rotate";
import { AZURE_FUNCTION_NAME, DEFAULT_OUT_DIR, AZURE_FUNCTION_ZIP, FUNCTIONS, MAX_AZURE_ZIP_BYTES, buildAzureFunction, bundleAzureFunction, readZip } from "../scripts/build-lambdas";

jest.setTimeout(60_000);

let tmp: string;
let zip: Map<string, Buffer>;
let zipBytes: number;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "azure-bundle-"));
  const file = await buildAzureFunction(path.join(tmp, "out"));
  expect(path.basename(file)).toBe(AZURE_FUNCTION_ZIP);
  zipBytes = fs.statSync(file).size;
  zip = readZip(fs.readFileSync(file));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

it("is built deterministically: the same sources give the same bytes", async () => {
  const [a, b] = [await bundleAzureFunction(), await bundleAzureFunction()];
  expect(a.zip.equals(b.zip)).toBe(true);
  expect(a.zip.equals(fs.readFileSync(path.join(tmp, "out", AZURE_FUNCTION_ZIP)))).toBe(true);
});

it("holds host.json with the extension bundle the Event Grid trigger needs, package.json with main, and index.js", () => {
  expect([...zip.keys()].sort()).toEqual(["host.json", "index.js", "package.json"]);
  expect(JSON.parse(zip.get("host.json")!.toString())).toEqual({
    version: "2.0",
    extensionBundle: { id: "Microsoft.Azure.Functions.ExtensionBundle", version: "[4.0.0, 5.0.0)" },
  });
  expect(JSON.parse(zip.get("package.json")!.toString())).toMatchObject({ main: "index.js" });
  expect(zipBytes).toBeLessThan(MAX_AZURE_ZIP_BYTES);
});

it("keeps the clouds apart: no Secrets Manager client in the Azure bundle, no Azure SDK in the Lambda bundles", () => {
  const index = zip.get("index.js")!.toString();
  expect(index).not.toMatch(/SecretsManagerClient|client-secrets-manager/);
  expect(index).toMatch(/keyvault/i);
  for (const name of FUNCTIONS) {
    // The Lambda bundles jest's global setup built (scripts/build.js).
    const lambda = readZip(fs.readFileSync(path.join(DEFAULT_OUT_DIR, `${name}.zip`)));
    expect(lambda.get("index.js")!.toString()).not.toMatch(/@azure\/|keyvault|ManagedIdentityCredential/i);
  }
});

it("registers the Event Grid function rotate and the daily timer function sweep with the worker, and runs them", () => {
  // Only the zip's files and a stand-in for @azure/functions-core, which the Functions Node.js worker provides.
  const app = path.join(tmp, "app");
  fs.mkdirSync(path.join(app, "node_modules", "@azure", "functions-core"), { recursive: true });
  for (const [name, data] of zip) fs.writeFileSync(path.join(app, name), data);
  fs.writeFileSync(
    path.join(app, "node_modules", "@azure", "functions-core", "index.js"),
    `const registered = [];
     module.exports = { registered, setProgrammingModel() {}, registerFunction(metadata, callback) { registered.push({ metadata, callback }); } };`,
  );
  const probe = `
    const core = require("@azure/functions-core");
    require("./" + require("./package.json").main);
    const byName = Object.fromEntries(core.registered.map((f) => [f.metadata.name, f]));
    const lines = [];
    const ctx = { log: (l) => lines.push(["log", l]), warn: (l) => lines.push(["warn", l]), error: (l) => lines.push(["error", l]) };
    const event = { eventType: "Microsoft.KeyVault.SecretNearExpiry", subject: "other--secret",
      data: { ObjectName: "other--secret", VaultName: "kv-test", Version: "0123456789abcdef0123456789abcdef" } };
    const triggers = (fn) => Object.values(fn.metadata.bindings).filter((b) => b.direction === "in");
    byName[${JSON.stringify(AZURE_FUNCTION_NAME)}].callback(event, ctx)
      .then(() => byName[${JSON.stringify(ROTATION_SWEEP_NAME)}].callback({ isPastDue: false }, ctx))
      .then(() => {
        const functions = Object.fromEntries(Object.entries(byName).map(([name, fn]) => [name, triggers(fn)]));
        process.stdout.write(JSON.stringify({ count: core.registered.length, functions, lines }));
      }, (e) => { process.stderr.write(String(e)); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", probe], {
    cwd: app,
    encoding: "utf8",
    env: { PATH: process.env.PATH, KEY_VAULT_URL: "https://kv-test.vault.azure.net/", ROTATION_SECRETS: "{}" },
  });
  expect(r.stderr).toBe("");
  const out = JSON.parse(r.stdout);
  expect(out.count).toBe(2);
  expect(out.functions[AZURE_FUNCTION_NAME]).toEqual([expect.objectContaining({ type: "eventGridTrigger" })]);
  // Once a day, never at the host's start (each scale-out would sweep every secret again).
  expect(out.functions[ROTATION_SWEEP_NAME]).toEqual([expect.objectContaining({ type: "timerTrigger", schedule: SWEEP_SCHEDULE, runOnStartup: false })]);
  expect(SWEEP_SCHEDULE).toMatch(/^\d+ \d+ \d+ \* \* \*$/);
  // rotate refused the unlisted secret with a log line; sweep, with nothing listed, logged that it was done.
  expect(out.lines).toHaveLength(2);
  expect(out.lines[0][0]).toBe("warn");
  expect(JSON.parse(out.lines[0][1])).toMatchObject({ event: "event.refused", secretId: "other--secret" });
  expect(out.lines[1][0]).toBe("log");
  expect(JSON.parse(out.lines[1][1])).toMatchObject({ event: "sweep.done" });
});
