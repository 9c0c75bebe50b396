// PostgreSQL single-user rotation against a real PostgreSQL server started for this file.
import { PutSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { handler } from "../lambda/postgres";
import { connect, scramVerifier, setPassword } from "../lambda/postgres/db";
import { parsePostgresValue, sslMode } from "../lambda/postgres/value";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from "./helpers/fake-secrets-manager";
import { PostgresServer, startPostgres, type PgValue } from "./helpers/postgres";
import { RotationHarness, STEPS } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(60_000);

const env = setupRotationEnv();
let pg: PostgresServer;
const h = new RotationHarness(env.fake, handler);
let savedStrategy: string | undefined;

beforeAll(async () => {
  pg = await startPostgres();
  env.mustNotLog.push(pg.superuser.password);
  savedStrategy = process.env.ROTATION_STRATEGY;
  process.env.ROTATION_STRATEGY = "single-user";
});
afterAll(() => {
  pg?.destroy();
  if (savedStrategy === undefined) delete process.env.ROTATION_STRATEGY;
  else process.env.ROTATION_STRATEGY = savedStrategy;
});
afterEach(() => {
  env.thrown.push(...h.thrownMessages.splice(0));
});

let counter = 0;
/** A database user with a known password, and a secret holding it as AWSCURRENT. */
async function appUser(name = `app_single_${++counter}`, password = `Initial-${randomUUID()}`) {
  env.mustNotLog.push(password);
  const ident = `"${name.replace(/"/g, '""')}"`;
  const lit = `'${password.replace(/'/g, "''")}'`;
  await pg.sql(`CREATE ROLE ${ident} LOGIN PASSWORD ${lit}`);
  const value: PgValue = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: name, password };
  const arn = env.fake.createSecret(`dev/app/db-${counter}-${randomUUID().slice(0, 8)}`, { value });
  return { arn, name, password, value };
}

const current = (arn: string) => env.fake.valueAt<PgValue>(arn, AWSCURRENT)!;
const storedVerifier = async (name: string) =>
  (await pg.sql<{ rolpassword: string }>(`SELECT rolpassword FROM pg_authid WHERE rolname = '${name.replace(/'/g, "''")}'`))[0]?.rolpassword;

function expectSettled(arn: string): void {
  const labels = env.fake.labels(arn);
  expect(Object.values(labels).filter((s) => s.includes(AWSCURRENT))).toHaveLength(1);
  expect(Object.values(labels).filter((s) => s.includes(AWSPENDING) && !s.includes(AWSCURRENT))).toEqual([]);
}

it("rotates twice in a row: the new password logs in, the old one no longer does", async () => {
  const { arn, name, password } = await appUser();
  await h.rotate(arn);
  const first = current(arn);
  expect(first).toMatchObject({ engine: "postgres", username: name, host: pg.host, port: pg.port, dbname: "postgres" });
  expect(first.password).toHaveLength(32);
  expect(await pg.canLogin(name, first.password)).toBe(true);
  expect(await pg.canLogin(name, password)).toBe(false);
  expect(env.fake.valueAt<PgValue>(arn, AWSPREVIOUS)!.password).toBe(password);
  // The server got a SCRAM verifier, never the password itself.
  expect(await storedVerifier(name)).toMatch(/^SCRAM-SHA-256\$4096:/);

  await h.rotate(arn);
  const second = current(arn);
  expect(second.password).not.toBe(first.password);
  expect(await pg.canLogin(name, second.password)).toBe(true);
  expect(await pg.canLogin(name, first.password)).toBe(false);
  expectSettled(arn);
});

it("leaves generated passwords free of characters that break connection strings", async () => {
  const { arn } = await appUser();
  for (let i = 0; i < 3; i++) await h.rotate(arn);
  for (const pw of env.fake.generatedPasswords) expect(pw).not.toMatch(/[/@:?#[\]%"'\\`$ ]/);
});

it("between setSecret and finishSecret only the pending password works (the single-user trade-off)", async () => {
  const { arn, name } = await appUser();
  const seen: Array<[string, boolean, boolean]> = [];
  const token = randomUUID();
  await h.rotate(arn, token, {
    between: async (after) => {
      const cur = current(arn);
      const pending = env.fake.find(arn).versions.get(token)?.value;
      const pendingPw = pending ? (JSON.parse(pending) as PgValue).password : undefined;
      seen.push([after, await pg.canLogin(name, cur.password), pendingPw ? await pg.canLogin(name, pendingPw) : false]);
    },
  });
  expect(seen).toEqual([
    ["start", true, false],
    ["createSecret", true, false],
    ["setSecret", false, true],
    ["testSecret", false, true],
    ["finishSecret", true, true],
  ]);
});

it.each(STEPS)("changes nothing when %s is called twice", async (repeated) => {
  const { arn, name } = await appUser();
  const token = randomUUID();
  env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
  for (const step of STEPS) {
    await h.invoke(step, arn, token);
    if (step === repeated) {
      const before = [env.fake.snapshot(arn), await storedVerifier(name)];
      await h.invoke(step, arn, token);
      expect([env.fake.snapshot(arn), await storedVerifier(name)]).toEqual(before);
    }
  }
  env.fake.completeRotation(arn, token);
  expect(await pg.canLogin(name, current(arn).password)).toBe(true);
});

it.each(STEPS)("converges after a crash following %s when the rotation is retried", async (crashAfter) => {
  const { arn, name, password } = await appUser();
  const { token } = await h.rotate(arn, randomUUID(), { stopAfter: crashAfter });
  await h.rotate(arn, token);
  expectSettled(arn);
  expect(env.fake.versionWith(arn, AWSCURRENT)!.id).toBe(token);
  expect(await pg.canLogin(name, current(arn).password)).toBe(true);
  expect(await pg.canLogin(name, password)).toBe(false);
  await h.rotate(arn);
  expect(await pg.canLogin(name, current(arn).password)).toBe(true);
});

it("fails createSecret with what to put, and the command, when no one has put the connection details", async () => {
  const arn = env.fake.createSecret("dev/app/db-empty");
  const rotation = h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 });
  await expect(rotation).rejects.toMatchObject({ step: "createSecret" });
  const message = ((await rotation.catch((e: Error) => e)) as Error).message;
  expect(message).toContain(`has no AWSCURRENT value yet`);
  expect(message).toContain(`{"engine":"postgres","host":"<host>","port":5432,"dbname":"<database>","username":"<user>","password":"<password>"}`);
  expect(message).toContain(`aws secretsmanager put-secret-value --secret-id ${arn} --secret-string file://value.json`);
  expect(env.fake.versionWith(arn, AWSCURRENT)).toBeUndefined();

  // The person puts the value (as the CLI does), and Secrets Manager's retry of that rotation succeeds.
  const { name, password } = await appUser(`app_single_late_${counter}`);
  const sm = new SecretsManagerClient({});
  const value = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: name, password };
  await sm.send(new PutSecretValueCommand({ SecretId: arn, SecretString: JSON.stringify(value) }));
  sm.destroy();
  const pendingToken = env.fake.versionWith(arn, AWSPENDING)!.id;
  await h.rotate(arn, pendingToken);
  expect(await pg.canLogin(name, current(arn).password)).toBe(true);
  expectSettled(arn);
});

describe("rotation configured without rotating immediately (the stack's rotate_immediately = false)", () => {
  it("passes Secrets Manager's configuration test for a secret with no value yet; the first rotation works once a person puts one", async () => {
    const arn = env.fake.createSecret(`dev/app/db-config-empty-${randomUUID().slice(0, 8)}`, { rotationEnabled: false });
    const passwords = env.fake.generatedPasswords.length;
    await h.configureRotation(arn);
    expect(env.fake.snapshot(arn)).toEqual({});
    expect(env.fake.find(arn).rotationEnabled).toBe(true);
    expect(env.fake.generatedPasswords).toHaveLength(passwords);

    const { name, value } = await appUser();
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(value) });
    await h.rotate(arn);
    expect(current(arn).username).toBe(name);
    expect(await pg.canLogin(name, current(arn).password)).toBe(true);
    expect(await pg.canLogin(name, value.password)).toBe(false);
    expectSettled(arn);
  });

  it("passes it for a secret with a value, changing neither the secret nor the database; then a rotation works", async () => {
    const { arn, name, password } = await appUser();
    const before = env.fake.snapshot(arn);
    const verifier = await storedVerifier(name);
    await h.configureRotation(arn);
    expect(env.fake.snapshot(arn)).toEqual(before);
    expect(env.fake.versionWith(arn, AWSPENDING)).toBeUndefined();
    expect(await storedVerifier(name)).toBe(verifier);
    expect(await pg.canLogin(name, password)).toBe(true);
    const events = env.capture.json().filter((l) => l.secretId === arn).map((l) => l.event);
    expect(events).toEqual(["step.start", "test.configuration-only", "step.done"]);

    await h.rotate(arn);
    expect(await pg.canLogin(name, current(arn).password)).toBe(true);
    expect(await pg.canLogin(name, password)).toBe(false);
    expectSettled(arn);
  });
});

it("fails setSecret while the database is down, leaves AWSCURRENT untouched, and completes when it is back", async () => {
  const { arn, name, password } = await appUser();
  const before = env.fake.versionWith(arn, AWSCURRENT)!;
  pg.stop();
  let failure: Error | undefined;
  try {
    failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(
      () => undefined,
      (e: Error) => e,
    );
  } finally {
    pg.start();
  }
  expect(failure).toMatchObject({ step: "setSecret" });
  expect(failure!.message).toMatch(/Cannot reach PostgreSQL at 127\.0\.0\.1:\d+ \(database postgres, TLS disable\) as .*ECONNREFUSED/);
  expect(env.fake.versionWith(arn, AWSCURRENT)).toBe(before);
  expect(env.fake.valueAt<PgValue>(arn, AWSCURRENT)!.password).toBe(password);
  expect(await pg.canLogin(name, password)).toBe(true);
  // Secrets Manager retries the same rotation.
  await h.rotate(arn, (failure as unknown as { token: string }).token);
  expect(await pg.canLogin(name, current(arn).password)).toBe(true);
});

it("works with a current password full of special characters and generated ones with any punctuation", async () => {
  const special = `p'a"s\\s @/w:o;r$d%#?[]{}\`~!&|<>=+,.^*()-_ end`;
  const { arn, name } = await appUser(undefined, special);
  expect(await pg.canLogin(name, special)).toBe(true);
  const saved = process.env.EXCLUDE_CHARACTERS;
  process.env.EXCLUDE_CHARACTERS = "";
  try {
    // Force a generated password made of the nastiest characters.
    const nasty = `'";\\--$$/@:?#[]%\`{}aA1'\\'`;
    env.mustNotLog.push(nasty);
    // A one-shot answer from the fake: GetRandomPassword returns this password next.
    const original = env.fake.getRandomPassword.bind(env.fake);
    env.fake.getRandomPassword = (input) => {
      env.fake.getRandomPassword = original;
      env.fake.generatedPasswords.push(nasty);
      expect(input.ExcludeCharacters).toBeUndefined();
      return { RandomPassword: nasty };
    };
    await h.rotate(arn);
    expect(current(arn).password).toBe(nasty);
    expect(await pg.canLogin(name, nasty)).toBe(true);
    expect(await pg.canLogin(name, special)).toBe(false);
  } finally {
    if (saved === undefined) delete process.env.EXCLUDE_CHARACTERS;
    else process.env.EXCLUDE_CHARACTERS = saved;
  }
});

it("sets a password outside printable ASCII as an escaped literal (no SCRAM shortcut)", async () => {
  const { name, password } = await appUser();
  const unicode = `pässwörd'"\\ ✓ ${randomUUID()}`;
  env.mustNotLog.push(unicode);
  const client = await connect({ host: pg.host, port: pg.port, database: "postgres", user: name, password, ssl: "disable" });
  try {
    await setPassword(client, name, unicode);
  } finally {
    await client.end();
  }
  expect(await pg.canLogin(name, unicode)).toBe(true);
});

it("quotes a user name that needs quoting", async () => {
  const { arn, name } = await appUser(`App User"x ${counter + 1}`);
  await h.rotate(arn);
  await h.rotate(arn);
  expect(current(arn).username).toBe(name);
  expect(await pg.canLogin(name, current(arn).password)).toBe(true);
});

it("refuses a pending value that names another user", async () => {
  const { arn } = await appUser();
  const token = randomUUID();
  env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
  await h.invoke("createSecret", arn, token);
  const version = env.fake.find(arn).versions.get(token)!;
  version.value = JSON.stringify({ ...JSON.parse(version.value!), username: "postgres" });
  await expect(h.invoke("setSecret", arn, token)).rejects.toMatchObject({ code: "PENDING_MISMATCH" });
});

it("fails, rather than report a rotation that changed nothing, when the server lets the user in without a password (pg_hba.conf trust)", async () => {
  const { arn, name, password } = await appUser();
  const before = await storedVerifier(name);
  await pg.prependHba([`host all ${name} 127.0.0.1/32 trust`]);
  const hostile = { ...current(arn), password: `made-up-${randomUUID()}` };
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(hostile) });
  await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toMatchObject({
    step: "setSecret",
    cause: { code: "LOGIN_WITHOUT_PASSWORD" },
  });
  expect(await storedVerifier(name)).toBe(before);
  expect(password).not.toBe(hostile.password);
});

it("says so when no known password logs in", async () => {
  const { arn, name } = await appUser();
  await pg.sql(`ALTER ROLE "${name}" PASSWORD 'changed-by-hand-${randomUUID()}'`);
  await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(
    /None of the pending, current or previous passwords .* logs in as/,
  );
});

describe("TLS", () => {
  it("requires verified TLS by default, except for a loopback host; the value's ssl field or POSTGRES_SSL_MODE decides otherwise", () => {
    expect(sslMode({ host: "db.example.com" }, {})).toBe("verify-full");
    expect(sslMode({ host: "127.0.0.1" }, {})).toBe("disable");
    expect(sslMode({ host: "localhost" }, {})).toBe("disable");
    expect(sslMode({ host: "127.0.0.1", ssl: true }, {})).toBe("verify-full");
    expect(sslMode({ host: "db.example.com", ssl: false }, {})).toBe("disable");
    expect(sslMode({ host: "db.example.com", ssl: "require" }, {})).toBe("require");
    expect(sslMode({ host: "db.example.com" }, { POSTGRES_SSL_MODE: "require" })).toBe("require");
    expect(sslMode({ host: "db.example.com", ssl: true }, { POSTGRES_SSL_MODE: "disable" })).toBe("verify-full");
    expect(() => sslMode({ host: "db.example.com" }, { POSTGRES_SSL_MODE: "prefer" })).toThrow(/POSTGRES_SSL_MODE must be one of disable, require, verify-full/);
  });

  it("accepts the ssl and port shapes AWS's functions accept", () => {
    const base = { engine: "postgres", host: "db.example.com", username: "u", password: "p" };
    const parse = (extra: Record<string, unknown>) => parsePostgresValue({ ...base, ...extra }, "AWSCURRENT", "arn:x");
    for (const [ssl, mode] of [
      [true, "verify-full"],
      ["true", "verify-full"],
      ["TRUE", "verify-full"],
      ["True", "verify-full"],
      [false, "disable"],
      ["false", "disable"],
      ["FALSE", "disable"],
      ["Require", "require"],
    ] as const) {
      expect(sslMode(parse({ ssl }), { POSTGRES_SSL_MODE: "require" })).toBe(mode);
    }
    expect(() => parse({ ssl: "yes" })).toThrow(/bad "ssl"/);
    expect(() => parse({ ssl: 1 })).toThrow(/bad "ssl"/);
    expect(parse({ port: "6543" }).port).toBe(6543);
    expect(parse({ port: 6543 }).port).toBe(6543);
    expect(() => parse({ port: "65a" })).toThrow(/bad "port"/);
  });

  it("fails, leaving AWSCURRENT untouched, when the value asks for TLS and the server has none", async () => {
    const { arn, name, password, value } = await appUser();
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, ssl: true }) });
    const failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
    expect(failure).toMatchObject({ cause: { code: "TLS_UNAVAILABLE" } });
    expect(failure?.message).toMatch(/PostgreSQL at .* \(database postgres, TLS verify-full\) .*the server does not offer TLS.*does not support SSL/);
    expect(current(arn).password).toBe(password);
    expect(await pg.canLogin(name, password)).toBe(true);
  });
});

describe("values", () => {
  const secretId = "arn:example";
  it("accepts AWS's shape, a port as text, and defaults dbname and port", () => {
    const v = parsePostgresValue({ host: "h", username: "u", password: "p", port: "6543" }, AWSCURRENT, secretId);
    expect(v).toMatchObject({ engine: "postgres", host: "h", port: 6543, dbname: "postgres", username: "u" });
    expect(parsePostgresValue({ host: "h", username: "u", password: "p" }, AWSCURRENT, secretId).port).toBe(5432);
  });

  it.each([
    [{ username: "u", password: "p" }, /bad "host": expected a non-empty string/],
    [{ host: "h", username: "u", password: "p", port: 70000 }, /bad "port": expected a port number/],
    [{ host: "h", username: "u", password: "p", engine: "mysql" }, /bad "engine": expected one of postgres, aurora-postgresql/],
    [{ host: "h", username: "u", password: 42 }, /bad "password": expected a string/],
    [{ host: "h", username: "u", password: "p", ssl: "maybe" }, /bad "ssl"/],
  ])("rejects %j, naming the field and not its value", (raw, message) => {
    expect(() => parsePostgresValue(raw as Record<string, unknown>, AWSCURRENT, secretId)).toThrow(message);
  });

  it("computes the SCRAM verifier PostgreSQL itself stores", async () => {
    const { name } = await appUser();
    const pw = `verifier-check-${randomUUID()}`;
    env.mustNotLog.push(pw);
    await pg.sql(`SET password_encryption = 'scram-sha-256'; ALTER ROLE "${name}" PASSWORD '${pw}'`);
    const stored = (await storedVerifier(name))!;
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored)!;
    expect(scramVerifier(pw, Buffer.from(salt, "base64"), Number(iterations))).toBe(stored);
  });
});

it("never logs a secret value", () => {
  expect(env.capture.json().some((l) => l.event === "set.password-changed")).toBe(true);
  expectNoSecretInLogs(env);
});
