// `npm run check` is the fast path for a person editing the description: the same problems and exit code as
// synth, without the rotation bundles or any stack.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { minimalDescription, toYaml } from "./helpers/descriptions";

const ROOT = path.resolve(__dirname, "..");
const CHECK = path.join(ROOT, "dist", "check.js");
const tmp = mkdtempSync(path.join(os.tmpdir(), "check-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = (extra: Record<string, string>) => ({ ...process.env, CDKTF_OUTDIR: path.join(tmp, "cdktf.out"), ...extra });

function check(extra: Record<string, string> = {}) {
  return spawnSync(process.execPath, [CHECK], { cwd: ROOT, encoding: "utf8", env: env(extra) });
}

function synth(extra: Record<string, string>) {
  return spawnSync(process.execPath, [path.join(ROOT, "dist", "main.js")], {
    cwd: ROOT,
    encoding: "utf8",
    env: env(extra),
  });
}

describe("npm run check", () => {
  let script: ReturnType<typeof spawnSync>;
  beforeAll(() => {
    // The script as a person runs it: it builds dist/check.js, then checks the example.
    script = spawnSync("npm", ["run", "--silent", "check"], { cwd: ROOT, encoding: "utf8", env: env({}) });
  });

  it("accepts the example, naming what it checked", () => {
    expect(script.stderr).toBe("");
    expect(script.status).toBe(0);
    expect(script.stdout).toBe("config/platform.yaml: valid: 3 environments (dev, staging, prod), 2 applications (dbadmin, myapp)\n");
  });

  it("rebuilds dist/check.js when a source changed, and not when only the description did", () => {
    const npmCheck = () => spawnSync("npm", ["run", "--silent", "check"], { cwd: ROOT, encoding: "utf8", env: env({}) });
    const past = new Date("2000-01-01T00:00:00Z");
    utimesSync(CHECK, past, past); // older than every source
    expect(npmCheck().status).toBe(0);
    expect(statSync(CHECK).mtime.getTime()).toBeGreaterThan(past.getTime());
    const future = new Date(Date.now() + 3_600_000);
    utimesSync(CHECK, future, future); // newer than every source, as after a build
    try {
      expect(npmCheck().status).toBe(0);
      expect(statSync(CHECK).mtime.getTime()).toBe(future.getTime());
    } finally {
      // A bundle dated in the future would hide the next hour's source edits from the script.
      const now = new Date();
      utimesSync(CHECK, now, now);
    }
  });

  it("loads neither cdktf nor a stack: the bundle holds only the description's modules", () => {
    // esbuild heads each module it bundles with a comment naming its file.
    const modules = [...readFileSync(CHECK, "utf8").matchAll(/^\/\/ (\S+\/\S+\.[cm]?[jt]s)$/gm)].map((m) => m[1]);
    const packages = new Set(modules.filter((m) => m.startsWith("node_modules/")).map((m) => m.split("/").slice(1, m.startsWith("node_modules/@") ? 3 : 2).join("/")));
    expect([...packages].sort()).toEqual(["yaml", "zod"]);
    // scripts/check.sh rebuilds the bundle when a file under config/ changes: a module from elsewhere needs it too.
    const own = [...new Set(modules.filter((m) => !m.startsWith("node_modules/")))];
    expect(own).toEqual(expect.arrayContaining(["config/load.ts", "config/schema.ts", "scripts/check.ts"]));
    expect(own.filter((m) => !m.startsWith("config/") && m !== "scripts/check.ts")).toEqual([]);
  });

  it("needs well under a second of CPU once built", () => {
    // CPU time, not wall time: the machines that run the suite are shared, and a loaded one stretches every
    // process's wall time. Building the stacks instead would take several seconds of CPU.
    const probe = `require(${JSON.stringify(CHECK)}); process.on("exit", () => { const u = process.cpuUsage(); require("fs").writeSync(3, String((u.user + u.system) / 1000)); });`;
    const run = spawnSync(process.execPath, ["-e", probe], { cwd: ROOT, encoding: "utf8", env: env({}), stdio: ["ignore", "pipe", "pipe", "pipe"] });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("valid: 3 environments");
    const cpuMs = Number(run.output[3]);
    expect(cpuMs).toBeGreaterThan(0);
    expect(cpuMs).toBeLessThan(1000);
  });
});

describe("check and synth say the same about a bad description", () => {
  const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    writeFileSync(file, text);
    return file;
  };
  const shared = minimalDescription();
  shared.applications.billing = { secrets: { token: { type: "token" } }, workloads: { worker: { kubernetes: { namespace: "myapp", serviceAccount: "myapp-api" }, reads: ["token"] } } };
  const cases: Array<[string, string, RegExp]> = [
    ["an empty file", write("empty.yaml", ""), /the description is empty/],
    ["a YAML slip", write("slip.yaml", "organization: acme\nenvironments:\n  dev:\n    aws: {}\n   vault: {}\n"), /slip\.yaml:5:4: YAML syntax/],
    ["a cross-check", write("shared.yaml", toYaml(shared)), /service account myapp\/myapp-api is also built for applications.myapp.workloads.api.kubernetes.serviceAccount/],
    ["a missing file", path.join(tmp, "missing.yaml"), /the file does not exist; PLATFORM_CONFIG=.* names it/],
  ];

  it.each(cases)("%s", (_what, file, message) => {
    const fromCheck = check({ PLATFORM_CONFIG: file });
    const fromSynth = synth({ PLATFORM_CONFIG: file });
    expect(fromCheck.stderr).toMatch(message);
    expect(fromCheck.status).toBe(1);
    expect(fromCheck.stdout).toBe("");
    expect({ status: fromSynth.status, stderr: fromSynth.stderr }).toEqual({ status: fromCheck.status, stderr: fromCheck.stderr });
  });
});
