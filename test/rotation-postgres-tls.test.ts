// TLS and pg_hba.conf, against a PostgreSQL server that offers TLS (self-signed) and whose
// pg_hba.conf this file edits: the master logs in with its own secret's TLS setting, and a
// refusal by pg_hba.conf is reported as such, never as a wrong password.
import { randomUUID } from "node:crypto";
import { handler } from "../lambda/postgres";
import { AWSCURRENT } from "./helpers/fake-secrets-manager";
import { PostgresServer, startPostgres } from "./helpers/postgres";
import { RotationHarness } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(60_000);

const env = setupRotationEnv();
let pg: PostgresServer;
const h = new RotationHarness(env.fake, handler);
const saved = { ...process.env };
const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;

async function role(name: string, attrs = ""): Promise<string> {
  const password = `Pw-${randomUUID()}`;
  env.mustNotLog.push(password);
  await pg.sql(`CREATE ROLE ${name} LOGIN ${attrs} PASSWORD ${quoteLit(password)}`);
  return password;
}

beforeAll(async () => {
  pg = await startPostgres({ tls: true });
  env.mustNotLog.push(pg.superuser.password);
  // Only these lines admit TCP clients: the master and tls_only over TLS only (as a server
  // that requires TLS answers: no entry, no encryption), hba_refused never (a reject rule).
  await pg.prependHba(
    [
      "hostssl all tls_master 127.0.0.1/32 scram-sha-256",
      "host    all hba_refused 127.0.0.1/32 reject",
      "hostssl all tls_only 127.0.0.1/32 scram-sha-256",
      "host    all postgres,tls_app,tls_app_clone 127.0.0.1/32 scram-sha-256",
    ],
    { replaceHost: true },
  );
});
afterAll(() => {
  pg?.destroy();
  process.env = saved;
});
afterEach(() => env.thrown.push(...h.thrownMessages.splice(0)));

const fail = (arn: string) => h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error & { cause?: { code?: string } }) => e);

it("logs the master in with the master secret's TLS setting, not the application's (which says plain text)", async () => {
  process.env.ROTATION_STRATEGY = "alternating-users";
  const masterPassword = await role("tls_master", "CREATEROLE");
  const master = env.fake.createSecret("dev/tls/master", {
    value: { engine: "postgres", host: pg.host, port: String(pg.port), username: "tls_master", password: masterPassword, ssl: "require" },
  });
  const password = await role("tls_app");
  const arn = env.fake.createSecret("dev/tls/app", {
    value: { engine: "postgres", host: pg.host, port: String(pg.port), dbname: "postgres", username: "tls_app", password, masterarn: master, ssl: "FALSE" },
  });
  await h.rotate(arn);
  await h.rotate(arn);
  const value = env.fake.valueAt<{ username: string; password: string; ssl: string; port: string }>(arn, AWSCURRENT)!;
  expect(value).toMatchObject({ username: "tls_app", ssl: "FALSE", port: String(pg.port) });
  expect(await pg.canLogin("tls_app", value.password)).toBe(true);
});

it("reports a pg_hba.conf reject rule as such (28000), not as a wrong password", async () => {
  process.env.ROTATION_STRATEGY = "single-user";
  const password = await role("hba_refused");
  const arn = env.fake.createSecret("dev/tls/refused", {
    value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "hba_refused", password },
  });
  const failure = await fail(arn);
  expect(failure).toMatchObject({ step: "setSecret", cause: { code: "PG_HBA_REFUSED" } });
  expect(failure!.message).toMatch(/refused the connection in pg_hba\.conf \(SQLSTATE 28000: .*\); this is not a wrong password/);
  expect(failure!.message).not.toMatch(/None of the pending, current or previous passwords/);
});

it("reports a server that requires TLS as such, and rotates once the value asks for TLS", async () => {
  process.env.ROTATION_STRATEGY = "single-user";
  const password = await role("tls_only");
  const value = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "tls_only", password };
  const arn = env.fake.createSecret("dev/tls/only", { value: { ...value, ssl: "false" } });
  const failure = await fail(arn);
  expect(failure).toMatchObject({ step: "setSecret", cause: { code: "TLS_REQUIRED" } });
  expect(failure!.message).toMatch(/refused a connection without TLS .*The server requires TLS/);
  // A person fixes the value and abandons the failed rotation (the README's command), then rotates.
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, ssl: "require" }) });
  const stale = env.fake.versionWith(arn, "AWSPENDING")!;
  env.fake.updateSecretVersionStage({ SecretId: arn, VersionStage: "AWSPENDING", RemoveFromVersionId: stale.id });
  await h.rotate(arn);
  expect(env.fake.valueAt<{ password: string }>(arn, AWSCURRENT)!.password).not.toBe(password);
});

it("reports the alternating function's own login refused by pg_hba.conf as such", async () => {
  process.env.ROTATION_STRATEGY = "alternating-users";
  const master = env.fake.createSecret("dev/tls/super", {
    value: { engine: "postgres", host: pg.host, port: pg.port, username: "postgres", password: pg.superuser.password },
  });
  const password = await pg.sql(`ALTER ROLE hba_refused PASSWORD 'Refused-1234567'`).then(() => "Refused-1234567");
  env.mustNotLog.push(password);
  const arn = env.fake.createSecret("dev/tls/alt-refused", {
    value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "hba_refused", password, masterarn: master },
  });
  const failure = await fail(arn);
  expect(failure).toMatchObject({ step: "setSecret", cause: { code: "PG_HBA_REFUSED" } });
});

it("never logs a secret value", () => {
  expectNoSecretInLogs(env);
});
