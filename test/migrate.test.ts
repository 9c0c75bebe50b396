// `npm run migrate` (issue 23): a .env file's keys proposed as secret fields or configuration, then, with --write, put
// into Secrets Manager, Key Vault and Vault KV v2 through their own APIs: the real SDKs against the Secrets Manager and
// Key Vault fakes (their wire protocols), plain HTTP against a Vault KV v2 fake. Never a value in the output; a dry
// run calls no service; a partial failure is reported per backend and a rerun completes without new versions.
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SecretClient } from "@azure/keyvault-secrets";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parsePlatform } from "../config/load";
import { UNSET_SECRET_VALUE } from "../constructs/azure/key-vault-secret";
import { parseArgs } from "../scripts/migrate";
import { descriptionFragment, propose } from "../scripts/migrate/propose";
import { migrate, MigrateUsageError, type MigrateOptions } from "../scripts/migrate/run";
import { MISSING_SECRET } from "../scripts/migrate/stores";
import { fakeCredential } from "./helpers/azure-rotation-env";
import { exampleDescription, toYaml } from "./helpers/descriptions";
import { FakeKeyVault } from "./helpers/fake-key-vault";
import { AWSCURRENT, FakeSecretsManager, useFakeEndpoint } from "./helpers/fake-secrets-manager";
import { FakeVaultKv } from "./helpers/fake-vault-kv";

const VALUES = {
  DB_HOST: "pg.internal.example",
  DB_PORT: "5432",
  DB_USER: "myapp_user",
  DB_PASSWORD: "Sup3r-S3cret-Pw!",
  DB_NAME: "myapp_db",
  JWT_SECRET_KEY: "jwt-signing-key-0123456789abcdef",
  JWT_ALGORITHM: "HS256",
  OPENAI_API_KEY: "sk-test-abcdef0123456789",
  OPENAI_MODEL: "gpt-4o-mini-test",
  OPENAI_BASE_URL: "https://api.openai.com/v1",
  AWS_REGION: "us-east-1",
  DEBUG: "false",
  PORT: "8080",
  REDIS_HOST: "redis.internal",
  STRIPE_API_KEY: "sk_live_stripe_0123456789",
  DATABASE_URL: "postgres://myapp_user:Sup3r-S3cret-Pw!@pg.internal.example:5432/myapp_db",
};
/** The values a leak check looks for (flags and numbers are too short or too common to be told apart from text). */
const SECRET_VALUES = [VALUES.DB_PASSWORD, VALUES.JWT_SECRET_KEY, VALUES.OPENAI_API_KEY, VALUES.STRIPE_API_KEY, VALUES.DATABASE_URL, VALUES.DB_USER, VALUES.OPENAI_MODEL];

/** The example's dev environment, myapp on all three backends; openai adopted on Vault at another path. */
function platform() {
  const d = exampleDescription();
  delete d.environments.staging;
  delete d.environments.prod;
  d.applications.myapp.secrets.openai.adopt = { vault: "legacy/openai" };
  return parsePlatform(toYaml(d), "test");
}

const dir = mkdtempSync(path.join(os.tmpdir(), "migrate-"));
const envFile = path.join(dir, ".env");
writeFileSync(envFile, `# the application's old configuration\n${Object.entries(VALUES).map(([k, v]) => `${k}="${v}"`).join("\n")}\n`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface World {
  sm: FakeSecretsManager;
  kv: FakeKeyVault;
  vault: FakeVaultKv;
  restore: () => void;
  run(extra?: Partial<MigrateOptions>): Promise<{ code: number; lines: string[] }>;
}

/** The three fakes with the secrets Terraform would have created (no values; Key Vault's marker). */
async function world(): Promise<World> {
  const sm = new FakeSecretsManager();
  const kv = new FakeKeyVault("acme-dev-kv");
  const vault = new FakeVaultKv();
  const restore = useFakeEndpoint(await sm.start());
  await kv.start();
  await vault.start();
  for (const s of ["database", "jwt", "openai"]) {
    sm.createSecret(`dev/myapp/${s}`);
    kv.put(`myapp--${s}`, UNSET_SECRET_VALUE);
  }
  const p = platform();
  return {
    sm,
    kv,
    vault,
    restore,
    async run(extra = {}) {
      const lines: string[] = [];
      const code = await migrate(
        { env: "dev", app: "myapp", from: envFile, ...extra },
        {
          platform: p,
          out: (l) => lines.push(l),
          aws: (region) => new SecretsManagerClient({ region, maxAttempts: 1 }),
          azure: () => new SecretClient(kv.url, fakeCredential, { agent: kv.agent(), retryOptions: { maxRetries: 0 } }),
          vault: { address: vault.url, token: vault.token },
        },
      );
      return { code, lines };
    },
  };
}

async function done(w: World): Promise<void> {
  w.restore();
  await Promise.all([w.sm.stop(), w.kv.stop(), w.vault.stop()]);
}

const current = (w: World, name: string) => {
  const v = [...w.sm.secrets.get(name)!.versions.values()].find((x) => x.stages.has(AWSCURRENT));
  return v?.value === undefined ? undefined : JSON.parse(v.value);
};
const versionCounts = (w: World) => ({
  aws: Object.fromEntries([...w.sm.secrets].map(([n, s]) => [n, s.versions.size])),
  azure: Object.fromEntries([...w.kv.secrets].map(([n, v]) => [n, v.length])),
  vault: Object.fromEntries([...w.vault.secrets].map(([n, v]) => [n, v.length])),
});
const expectNoValue = (lines: string[]) => {
  const text = lines.join("\n");
  for (const v of SECRET_VALUES) expect(text).not.toContain(v);
};

describe("proposals", () => {
  const secrets = platform().applications.myapp.secrets;
  const proposals = propose(Object.keys(VALUES), VALUES, { secrets });
  const byKey = Object.fromEntries(proposals.map((p) => [p.key, p]));

  it("puts each key in its secret's field: DB_HOST is the postgres secret's host, not configuration", () => {
    const fields = (keys: string[]) => keys.map((k) => (byKey[k].kind === "secret" ? `${(byKey[k] as any).secret}.${(byKey[k] as any).field}` : byKey[k].kind));
    expect(fields(["DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "DB_NAME"])).toEqual(["database.host", "database.port", "database.username", "database.password", "database.dbname"]);
    expect(fields(["JWT_SECRET_KEY", "JWT_ALGORITHM", "OPENAI_API_KEY", "OPENAI_MODEL"])).toEqual(["jwt.secret_key", "jwt.algorithm", "openai.api_key", "openai.model"]);
  });

  it("lists endpoints, regions, flags, ports and hosts of no secret as staying configuration", () => {
    for (const k of ["OPENAI_BASE_URL", "AWS_REGION", "DEBUG", "PORT", "REDIS_HOST"]) expect([k, byKey[k].kind]).toEqual([k, "configuration"]);
  });

  it("proposes a new api-key secret for a key-looking key, and refuses to guess a URL with a password in it", () => {
    expect(byKey.STRIPE_API_KEY).toMatchObject({ kind: "secret", secret: "stripe", field: "api_key", newSecret: "api-key" });
    expect(byKey.DATABASE_URL).toMatchObject({ kind: "unmatched" });
    expect(descriptionFragment("myapp", proposals)).toBe(
      ["applications:", "  myapp:", "    secrets:", "      stripe: { type: api-key, expiresAfterDays: 90 }   # fields: api_key", "    # and add each to the reads of the workloads that use it"].join("\n"),
    );
  });

  it("takes --map over a guess, into an existing or a new secret", () => {
    const mapped = propose(["DEBUG", "LEGACY_TOKEN"], { DEBUG: "1", LEGACY_TOKEN: "x" }, { secrets, map: { DEBUG: "openai.debug", LEGACY_TOKEN: "legacy.token" } });
    expect(mapped).toEqual([
      { key: "DEBUG", kind: "secret", secret: "openai", field: "debug", source: "map" },
      { key: "LEGACY_TOKEN", kind: "secret", secret: "legacy", field: "token", source: "map", newSecret: "api-key" },
    ]);
  });

  it("parses the command line, refusing what it does not know", () => {
    expect(parseArgs(["--env", "dev", "--app", "myapp", "--from", ".env", "--map", "A=b.c", "--write"])).toEqual({ env: "dev", app: "myapp", from: ".env", map: { A: "b.c" }, write: true, allowTracked: false });
    expect(() => parseArgs(["--env", "dev", "--app", "myapp"])).toThrow(/--env, --app and --from are required/);
    expect(() => parseArgs(["--env", "dev", "--app", "myapp", "--from", "x", "--force"])).toThrow(/unknown argument --force/);
  });
});

describe("migrate", () => {
  let w: World;
  beforeEach(async () => {
    w = await world();
  });
  afterEach(async () => {
    await done(w);
  });

  it("dry run: prints proposals, the fragment and what it would write where, calls no service, prints no value", async () => {
    const { code, lines } = await w.run();
    expect(code).toBe(0);
    const text = lines.join("\n");
    expect(text).toContain("DB_HOST -> database.host");
    expect(text).toContain("AWS_REGION: stays configuration");
    expect(text).toContain("stripe: { type: api-key");
    expect(text).toContain("myapp/openai on aws: would write api_key, model to Secrets Manager dev/myapp/openai (dry run: nothing written)");
    // The adopted Vault path, not the convention.
    expect(text).toContain("myapp/openai on vault: would write api_key, model to Vault secret/legacy/openai");
    expect(text).toContain("myapp/jwt on vault: skipped: Vault keeps it as a transit");
    expect(text).toContain("myapp/database on vault: skipped: Vault keeps it as a dynamic-role");
    expect(lines.at(-1)).toMatch(/^Now remove .*\.env and rotate every value it held/);
    expect(w.sm.calls).toEqual([]);
    expect(w.kv.calls).toEqual([]);
    expect(w.vault.calls).toEqual([]);
    expectNoValue(lines);
  });

  it("--write: puts each secret's fields on every backend it is placed on, through each service's API; a rerun writes nothing", async () => {
    const first = await w.run({ write: true });
    expect(first.code).toBe(0);
    expect(current(w, "dev/myapp/database")).toEqual({ host: VALUES.DB_HOST, port: 5432, username: VALUES.DB_USER, password: VALUES.DB_PASSWORD, dbname: VALUES.DB_NAME, engine: "postgres" });
    expect(current(w, "dev/myapp/jwt")).toEqual({ secret_key: VALUES.JWT_SECRET_KEY, algorithm: "HS256" });
    expect(current(w, "dev/myapp/openai")).toEqual({ api_key: VALUES.OPENAI_API_KEY, model: VALUES.OPENAI_MODEL });
    const kvOpenai = w.kv.latest("myapp--openai")!;
    expect(JSON.parse(kvOpenai.value)).toEqual({ api_key: VALUES.OPENAI_API_KEY, model: VALUES.OPENAI_MODEL });
    expect(kvOpenai.contentType).toBe("application/json");
    expect(w.vault.latest("secret", "legacy/openai")).toEqual({ version: 1, data: { api_key: VALUES.OPENAI_API_KEY, model: VALUES.OPENAI_MODEL } });
    // Vault's rotating secrets are not KV values: nothing written at their paths.
    expect([...w.vault.secrets.keys()]).toEqual(["secret/legacy/openai"]);
    expect(first.lines.filter((l) => l.includes(": written:")).length).toBe(7);
    expectNoValue(first.lines);

    const before = versionCounts(w);
    const again = await w.run({ write: true });
    expect(again.code).toBe(0);
    expect(versionCounts(w)).toEqual(before);
    expect(again.lines.filter((l) => l.includes(": unchanged:")).length).toBe(7);
    expect(w.sm.calls.filter((c) => c.op === "PutSecretValue")).toHaveLength(3);
  });

  it("keeps fields the file does not have: the file's fields go over the current value", async () => {
    w.sm.putSecretValue({ SecretId: "dev/myapp/openai", ClientRequestToken: "00000000-0000-4000-8000-000000000001", SecretString: JSON.stringify({ api_key: "old-key-value", organization: "org-kept" }) });
    await w.run({ write: true });
    expect(current(w, "dev/myapp/openai")).toEqual({ api_key: VALUES.OPENAI_API_KEY, model: VALUES.OPENAI_MODEL, organization: "org-kept" });
  });

  it("partial failure: reports each backend, exits 1, and a rerun completes without duplicating versions", async () => {
    w.vault.denyWrite.add("secret/legacy/openai");
    w.kv.fault = (method, name) => (method === "PUT" && name === "myapp--jwt" ? { status: 403, code: "Forbidden", message: "Caller is not authorized to perform action on resource." } : undefined);
    const first = await w.run({ write: true });
    expect(first.code).toBe(1);
    const outcome = (label: string) => first.lines.find((l) => l.startsWith(`${label}: `));
    expect(outcome("myapp/openai on aws")).toMatch(/: written:/);
    expect(outcome("myapp/openai on azure")).toMatch(/: written:/);
    expect(outcome("myapp/openai on vault")).toMatch(/: REFUSED: Vault write answered 403/);
    expect(outcome("myapp/jwt on aws")).toMatch(/: written:/);
    expect(outcome("myapp/jwt on azure")).toMatch(/: REFUSED: .*not authorized/);
    expect(first.lines.join("\n")).toContain("2 writes refused");
    expectNoValue(first.lines);

    w.vault.denyWrite.clear();
    w.kv.fault = undefined;
    const before = versionCounts(w);
    const second = await w.run({ write: true });
    expect(second.code).toBe(0);
    const after = versionCounts(w);
    // Only the two refused writes make versions now; what was written stays one version.
    expect(after.aws).toEqual(before.aws);
    expect(after.azure).toEqual({ ...before.azure, "myapp--jwt": before.azure["myapp--jwt"] + 1 });
    expect(after.vault).toEqual({ "secret/legacy/openai": 1 });
    expect(second.lines.filter((l) => l.includes(": written:"))).toEqual([
      expect.stringMatching(/^myapp\/jwt on azure: written/),
      expect.stringMatching(/^myapp\/openai on vault: written/),
    ]);
  });

  it("refuses a secret that does not exist yet on a backend, naming it, and goes on with the others", async () => {
    w.sm.secrets.delete("dev/myapp/jwt");
    const { code, lines } = await w.run({ write: true });
    expect(code).toBe(1);
    expect(lines).toContain(`myapp/jwt on aws: REFUSED: ${MISSING_SECRET}`);
    expect(lines.find((l) => l.startsWith("myapp/jwt on azure"))).toMatch(/written/);
  });

  it("scrubs values from a service's error text", async () => {
    // A service that echoes what it was sent in its error: the message is printed, the value is not.
    w.kv.fault = (method, name) => (method === "PUT" && name === "myapp--openai" ? { status: 400, code: "BadParameter", message: `rejected value ${VALUES.OPENAI_API_KEY}` } : undefined);
    const { lines } = await w.run({ write: true });
    expect(lines.find((l) => l.startsWith("myapp/openai on azure"))).toMatch(/REFUSED: .*rejected value <redacted>/);
    expectNoValue(lines);
  });

  it("refuses a file git tracks unless --allow-tracked", async () => {
    const repo = mkdtempSync(path.join(os.tmpdir(), "migrate-git-"));
    try {
      const tracked = path.join(repo, ".env");
      writeFileSync(tracked, "OPENAI_API_KEY=sk-tracked-0000\n");
      execFileSync("git", ["init", "-q"], { cwd: repo });
      execFileSync("git", ["add", ".env"], { cwd: repo });
      await expect(w.run({ from: tracked })).rejects.toThrow(MigrateUsageError);
      await expect(w.run({ from: tracked })).rejects.toThrow(/is tracked by git: .*pass --allow-tracked/);
      const { code } = await w.run({ from: tracked, allowTracked: true });
      expect(code).toBe(0);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
