// The built zips: deterministic, small, well-formed, and working when loaded on their own.
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import { builtinModules } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { benchLambdas } from "../scripts/bench-lambdas";
import { FUNCTIONS, MAX_ZIP_BYTES, buildLambdas, createZip, readZip } from "../scripts/build-lambdas";
import { BundledFunction } from "./helpers/bundle-runner";
import { AWSCURRENT, AWSPREVIOUS } from "./helpers/fake-secrets-manager";
import { PostgresServer, startPostgres } from "./helpers/postgres";
import { RotationHarness } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(120_000);

const env = setupRotationEnv();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "rotation-build-"));
let zips: Record<string, string>;
const running: BundledFunction[] = [];

beforeAll(async () => {
  zips = await buildLambdas(path.join(tmp, "a"));
});
afterAll(async () => {
  for (const f of running) env.capture.lines.push(...f.stdout, ...f.stderr);
  await Promise.all(running.map((f) => f.stop()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("bundles", () => {
  it("builds one zip per function, byte-identical from the same sources", async () => {
    expect(Object.keys(zips)).toEqual([...FUNCTIONS]);
    const again = await buildLambdas(path.join(tmp, "b"));
    for (const name of FUNCTIONS) {
      expect(path.basename(zips[name])).toBe(`${name}.zip`);
      expect(fs.readFileSync(again[name]).equals(fs.readFileSync(zips[name]))).toBe(true);
    }
  });

  it("keeps a zip whose inputs did not change, without rebuilding", async () => {
    const before = FUNCTIONS.map((n) => fs.statSync(zips[n]).mtimeMs);
    const started = Date.now();
    await buildLambdas(path.join(tmp, "a"));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(FUNCTIONS.map((n) => fs.statSync(zips[n]).mtimeMs)).toEqual(before);
  });

  it("decides up to date from the inputs' sizes and times when they match, and from their contents when only times moved", async () => {
    const dir = path.join(tmp, "a");
    const cache = () => JSON.parse(fs.readFileSync(path.join(dir, ".build-cache.json"), "utf8")).functions.jwt;
    expect(cache().statsSha256).toMatch(/^[0-9a-f]{64}$/);
    // A checkout or copy moves times, not contents: no rebuild, and the times are recorded again for the next check.
    const before = cache().statsSha256;
    const zip = zips.jwt;
    const bytes = fs.readFileSync(zip);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(zip, later, later);
    await buildLambdas(dir);
    expect(fs.readFileSync(zip).equals(bytes)).toBe(true);
    expect(cache().statsSha256).not.toBe(before);
    // Kept, not rewritten: its time is still the one set above, a minute ahead of any write.
    expect(Math.abs(fs.statSync(zip).mtimeMs - later.getTime())).toBeLessThan(1000);
  });

  it.each(FUNCTIONS)("%s.zip is under 1 MB and holds only index.js, with fixed time and permissions", (name) => {
    const zip = fs.readFileSync(zips[name]);
    expect(zip.length).toBeLessThan(MAX_ZIP_BYTES);
    const files = readZip(zip);
    expect([...files.keys()]).toEqual(["index.js"]);
    // Local header: DOS time 0, date 1980-01-01; central directory: Unix mode 0644.
    expect(zip.readUInt16LE(10)).toBe(0);
    expect(zip.readUInt16LE(12)).toBe(0x21);
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    expect((zip.readUInt32LE(central + 38) >>> 16) & 0o777777).toBe(0o100644);
    const code = files.get("index.js")!.toString("utf8");
    // CommonJS for node, with the SDK and pg inside; no cdktf or constructs.
    expect(code).toMatch(/module\.exports/);
    // Everything is inside, except Node's own modules and optional ones loaded in a try (the SDK's
    // CRT signer, pg-native for pg.native): neither is used.
    const required = [...new Set([...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]))];
    const outside = required.filter((m) => !builtinModules.includes(m.replace(/^node:/, "")));
    expect(outside.filter((m) => !["@aws-sdk/signature-v4-crt", "pg-native"].includes(m))).toEqual([]);
    expect(code).not.toMatch(/cdktf|constructs/);
  });

  it("writes zips that the system's unzip accepts", () => {
    const probe = spawnSync("unzip", ["-v"], { encoding: "utf8" });
    if (probe.status !== 0) return; // no unzip on this machine: readZip above checked the format
    for (const name of FUNCTIONS) {
      const out = spawnSync("unzip", ["-t", zips[name]], { encoding: "utf8" });
      expect(out.stdout).toContain("No errors detected");
    }
  });

  it("sorts entries whatever order they are given in", async () => {
    const a = await createZip([{ name: "b.js", data: Buffer.from("b") }, { name: "a.js", data: Buffer.from("a") }]);
    const b = await createZip([{ name: "a.js", data: Buffer.from("a") }, { name: "b.js", data: Buffer.from("b") }]);
    expect(a.equals(b)).toBe(true);
    expect([...readZip(a).keys()]).toEqual(["a.js", "b.js"]);
  });

  it("gives the same bytes in any time zone (no UTC timestamp field)", () => {
    // A fresh process per zone: Node fixes its time zone at start. dist/build-lambdas.js is the compiled script.
    const script = `require(${JSON.stringify(path.resolve(__dirname, "../dist/build-lambdas.js"))})
      .createZip([{ name: "index.js", data: Buffer.from("exports.handler = 1;") }])
      .then((zip) => process.stdout.write(zip.toString("base64")));`;
    const zipIn = (TZ: string) => Buffer.from(spawnSync(process.execPath, ["-e", script], { env: { ...process.env, TZ }, encoding: "utf8" }).stdout, "base64");
    const [utc, auckland, honolulu] = [zipIn("UTC"), zipIn("Pacific/Auckland"), zipIn("Pacific/Honolulu")];
    expect(utc.length).toBeGreaterThan(0);
    expect(utc.equals(auckland)).toBe(true);
    expect(utc.equals(honolulu)).toBe(true);
    expect(utc.readUInt16LE(10)).toBe(0); // 00:00:00
    expect(utc.readUInt16LE(12)).toBe(0x21); // 1980-01-01
  });

  it("measures cold start in a fresh process", async () => {
    const results = await benchLambdas({ runs: 3, outDir: path.join(tmp, "a") });
    expect(results.map((r) => r.name)).toEqual([...FUNCTIONS]);
    for (const r of results) {
      expect(r.zipBytes).toBeLessThan(MAX_ZIP_BYTES);
      expect(r.coldStartMedianMs).toBeGreaterThan(0);
      expect(r.coldStartMedianMs).toBeLessThan(2000);
    }
  });
});

describe("the built zips, loaded on their own", () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await startPostgres();
    env.mustNotLog.push(pg.superuser.password);
  });
  afterAll(() => pg?.destroy());

  async function load(name: string, extraEnv: NodeJS.ProcessEnv = {}) {
    const fn = new BundledFunction(zips[name], extraEnv);
    running.push(fn);
    expect(await fn.start()).toBe("function");
    return fn;
  }

  it("postgres.zip rotates a single user twice against PostgreSQL", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "single-user" });
    const password = `Initial-${randomUUID()}`;
    env.mustNotLog.push(password);
    await pg.sql(`CREATE ROLE bundled_app LOGIN PASSWORD '${password}'`);
    const arn = env.fake.createSecret("dev/bundle/db", {
      value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "bundled_app", password },
    });
    const h = new RotationHarness(env.fake, fn.handler);
    await h.rotate(arn);
    await h.rotate(arn);
    const value = env.fake.valueAt<{ username: string; password: string }>(arn, AWSCURRENT)!;
    const previous = env.fake.valueAt<{ password: string }>(arn, AWSPREVIOUS)!;
    expect(await pg.canLogin("bundled_app", value.password)).toBe(true);
    expect(await pg.canLogin("bundled_app", previous.password)).toBe(false);
    expect(await pg.canLogin("bundled_app", password)).toBe(false);
    const events = fn.stdout.map((l) => JSON.parse(l) as { event: string; strategy?: string });
    expect(events.filter((e) => e.event === "step.done")).toHaveLength(8);
    expect(events.every((e) => e.strategy === undefined || e.strategy === "postgres/single-user")).toBe(true);
  });

  it("postgres.zip rotates alternating users", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "alternating-users" });
    const password = `Initial-${randomUUID()}`;
    env.mustNotLog.push(password);
    await pg.sql(`CREATE ROLE bundled_alt LOGIN PASSWORD '${password}'`);
    const master = env.fake.createSecret("dev/bundle/master", {
      value: { engine: "postgres", host: pg.host, port: pg.port, username: "postgres", password: pg.superuser.password },
    });
    const arn = env.fake.createSecret("dev/bundle/db-alt", {
      value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "bundled_alt", password, masterarn: master },
    });
    await new RotationHarness(env.fake, fn.handler).rotate(arn);
    const value = env.fake.valueAt<{ username: string; password: string }>(arn, AWSCURRENT)!;
    expect(value.username).toBe("bundled_alt_clone");
    expect(await pg.canLogin(value.username, value.password)).toBe(true);
    expect(await pg.canLogin("bundled_alt", password)).toBe(true);
  });

  it("postgres.zip, with an RDS-like master, refuses another role's clone name and rotates its own pair", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "alternating-users" });
    const masterPassword = `Master-${randomUUID()}`;
    const password = `Initial-${randomUUID()}`;
    env.mustNotLog.push(masterPassword, password);
    await pg.sql(`CREATE ROLE bundle_rds_master LOGIN CREATEROLE PASSWORD '${masterPassword}'`);
    await pg.sql(`CREATE ROLE bundle_app LOGIN PASSWORD '${password}'`);
    await pg.sql(`CREATE ROLE bundle_victim LOGIN PASSWORD '${password}'`);
    await pg.sql(`GRANT bundle_app TO bundle_rds_master`);
    const master = env.fake.createSecret("dev/bundle/rds-master", {
      value: { engine: "postgres", host: pg.host, port: String(pg.port), username: "bundle_rds_master", password: masterPassword, ssl: "False" },
    });
    const base = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", masterarn: master };
    const hostile = env.fake.createSecret("dev/bundle/hostile", { value: { ...base, username: "bundle_victim_clone", password: "made-up-password" } });
    const h = new RotationHarness(env.fake, fn.handler);
    await expect(h.rotate(hostile, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toMatchObject({ cause: { code: "CURRENT_LOGIN_FAILED" } });
    expect(await pg.sql(`SELECT 1 FROM pg_roles WHERE rolname = 'bundle_victim_clone'`)).toEqual([]);
    expect(await pg.canLogin("bundle_victim", password)).toBe(true);
    const own = env.fake.createSecret("dev/bundle/own", { value: { ...base, username: "bundle_app", password } });
    await h.rotate(own);
    await h.rotate(own);
    const value = env.fake.valueAt<{ username: string; password: string }>(own, AWSCURRENT)!;
    expect(value.username).toBe("bundle_app");
    expect(await pg.canLogin("bundle_app", value.password)).toBe(true);
    const clone = env.fake.valueAt<{ username: string; password: string }>(own, AWSPREVIOUS)!;
    expect(clone.username).toBe("bundle_app_clone");
    expect(await pg.canLogin(clone.username, clone.password)).toBe(true);
  });

  it("postgres.zip without ROTATION_STRATEGY follows the value, as AWS's functions do", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "" });
    const password = `Initial-${randomUUID()}`;
    env.mustNotLog.push(password);
    await pg.sql(`CREATE ROLE implied_single LOGIN PASSWORD '${password}'`);
    await pg.sql(`CREATE ROLE implied_alt LOGIN PASSWORD '${password}'`);
    const master = env.fake.createSecret("dev/bundle/implied-master", {
      value: { engine: "postgres", host: pg.host, port: pg.port, username: "postgres", password: pg.superuser.password },
    });
    const base = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", password };
    const single = env.fake.createSecret("dev/bundle/implied-single", { value: { ...base, username: "implied_single" } });
    const alternating = env.fake.createSecret("dev/bundle/implied-alt", { value: { ...base, username: "implied_alt", masterarn: master } });
    const h = new RotationHarness(env.fake, fn.handler);
    await h.rotate(single);
    await h.rotate(alternating);
    expect(env.fake.valueAt<{ username: string }>(single, AWSCURRENT)!.username).toBe("implied_single");
    expect(await pg.canLogin("implied_single", password)).toBe(false);
    expect(env.fake.valueAt<{ username: string }>(alternating, AWSCURRENT)!.username).toBe("implied_alt_clone");
    expect(await pg.canLogin("implied_alt", password)).toBe(true);
  });

  it("postgres.zip passes Secrets Manager's configuration test (rotate_immediately = false) for a secret with no value yet", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "alternating-users", MASTER_SECRET_ARN: "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/bundle/m-AbCdEf" });
    const arn = env.fake.createSecret("dev/bundle/config-test", { rotationEnabled: false });
    await new RotationHarness(env.fake, fn.handler).configureRotation(arn);
    expect(env.fake.snapshot(arn)).toEqual({});
    const events = () => fn.stdout.map((l) => (JSON.parse(l) as { event: string }).event);
    // stdout and the runner's reply travel on different pipes: give the log lines a moment.
    for (let i = 0; i < 50 && !events().includes("step.done"); i++) await new Promise((r) => setTimeout(r, 20));
    expect(events()).toEqual(["step.start", "test.configuration-only", "step.done"]);
  });

  it("postgres.zip refuses an unknown ROTATION_STRATEGY with a clear error", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "dual-user" });
    const arn = env.fake.createSecret("dev/bundle/bad-strategy", { value: { engine: "postgres", host: pg.host, port: pg.port, username: "x", password: "y" } });
    await expect(new RotationHarness(env.fake, fn.handler).rotate(arn)).rejects.toThrow(/failed at createSecret: ROTATION_STRATEGY must be one of single-user, alternating-users, or unset/);
  });

  it("postgres.zip reports a bad event as a clear error", async () => {
    const fn = await load("postgres", { ROTATION_STRATEGY: "single-user" });
    await expect(fn.handler({ Step: "nope" })).rejects.toMatchObject({ name: "RotationError", code: "BAD_EVENT" });
  });

  it("jwt.zip rotates an ES256 key on creation and again", async () => {
    const fn = await load("jwt");
    const arn = env.fake.createSecret("dev/bundle/jwt", { tags: { "secrets-platform:jwt-algorithm": "ES256" } });
    const h = new RotationHarness(env.fake, fn.handler);
    await h.rotate(arn);
    await h.rotate(arn);
    const value = env.fake.valueAt<{ algorithm: string; kid: string; previous: { kid: string } }>(arn, AWSCURRENT)!;
    expect(value.algorithm).toBe("ES256");
    expect(value.previous.kid).toBeDefined();
    expect(value.previous.kid).not.toBe(value.kid);
  });

  it("token.zip rotates on creation", async () => {
    const fn = await load("token");
    const arn = env.fake.createSecret("dev/bundle/token");
    await new RotationHarness(env.fake, fn.handler).rotate(arn);
    expect(env.fake.valueAt<{ token: string }>(arn, AWSCURRENT)!.token).toHaveLength(48);
  });

  it("never logs a secret value", () => {
    const lines = running.flatMap((f) => f.stdout);
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    env.capture.lines.push(...lines, ...running.flatMap((f) => f.stderr));
    expectNoSecretInLogs(env);
  });
});
