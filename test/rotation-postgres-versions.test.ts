// Issue 21's PostgreSQL cases, and a core subset of the rotation suites, on every server version this machine can
// start (Debian's 15, and 16 and 17 from the npm aliases pg16/pg17; PG_VERSIONS narrows them). The master is the
// kind RDS, Aurora and Azure give: CREATEROLE, not SUPERUSER, prepared as docs/rotation.md says (on 16+ it needs
// ADMIN OPTION on the application's user: "CREATEROLE ... ALTER ROLE ... requires ADMIN OPTION on the role",
// postgresql.org/docs/16/release-16.html, "Restrict the privileges of CREATEROLE and its ability to modify other roles").
// The full suites (rotation-postgres-alternating, -single, -tls, the Azure ones) run on 15 only, to keep the run time
// bounded on two cores; this file runs on all of them.
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { handler } from "../lambda/postgres";
import { AWSCURRENT, AWSPENDING } from "./helpers/fake-secrets-manager";
import { PostgresInstall, PostgresServer, postgresInstalls, startPostgres, type PgValue } from "./helpers/postgres";
import { RotationHarness, STEPS } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(90_000);

const env = setupRotationEnv();
const h = new RotationHarness(env.fake, handler);
const saved = process.env.ROTATION_STRATEGY;
afterAll(() => {
  if (saved === undefined) delete process.env.ROTATION_STRATEGY;
  else process.env.ROTATION_STRATEGY = saved;
});
afterEach(() => env.thrown.push(...h.thrownMessages.splice(0)));

const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const MASTER = "dbadmin";

const installs = postgresInstalls();
it("runs on every version the issue asks for that this machine has", () => {
  // The npm aliases come with `npm ci`; Debian's 15 with the machine image (.ci/run installs it when missing).
  if (process.env.PG_VERSIONS) return;
  expect(installs.map((i) => i.version)).toEqual(expect.arrayContaining([16, 17]));
  expect(installs.some((i) => i.source === "Debian")).toBe(true);
});

describe.each(installs.map((i) => [`PostgreSQL ${i.version} (${i.source})`, i] as const))("%s, CREATEROLE master", (_name, install: PostgresInstall) => {
  let pg: PostgresServer;
  let masterArn: string;
  let counter = 0;

  beforeAll(async () => {
    pg = await startPostgres({ install });
    expect(pg.version).toBe(install.version);
    const masterPassword = `Master-${randomUUID()}`;
    env.mustNotLog.push(pg.superuser.password, masterPassword);
    await pg.sql(`CREATE ROLE ${MASTER} LOGIN CREATEROLE CREATEDB PASSWORD ${quoteLit(masterPassword)}`);
    await pg.sql(`CREATE ROLE victim LOGIN PASSWORD 'victim-password-unchanged'`);
    masterArn = env.fake.createSecret(`dev/dbadmin/master-${install.version}`, {
      value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: MASTER, password: masterPassword },
    });
  });
  afterAll(() => pg?.destroy());

  /** An application user with its own database, prepared by the DBA as docs/rotation.md says. */
  async function appUser(strategy: "alternating-users" | "single-user" = "alternating-users") {
    const name = `app_v${install.version}_${++counter}`;
    const password = `Initial-${randomUUID()}`;
    env.mustNotLog.push(password);
    await pg.sql(`CREATE ROLE ${name} LOGIN PASSWORD ${quoteLit(password)}`);
    await pg.sql(`GRANT ${name} TO ${MASTER} WITH ADMIN OPTION`);
    await pg.sql(`CREATE DATABASE ${name} OWNER ${name}`);
    await pg.sql(`CREATE SCHEMA app AUTHORIZATION ${name}; CREATE TABLE app.items (id int); ALTER TABLE app.items OWNER TO ${name}`, name);
    const value: PgValue = {
      engine: "postgres", host: pg.host, port: pg.port, dbname: name, username: name, password,
      ...(strategy === "alternating-users" ? { masterarn: masterArn } : {}),
    };
    const arn = env.fake.createSecret(`dev/app/${name}-${randomUUID().slice(0, 6)}`, { value });
    return { arn, name, password, value };
  }

  const current = (arn: string) => env.fake.valueAt<PgValue>(arn, AWSCURRENT)!;
  async function withLogin<T>(v: PgValue, run: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ host: pg.host, port: pg.port, user: v.username, password: v.password, database: v.dbname });
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  }
  const settingsOf = async (role: string) =>
    (
      await pg.sql<{ db: string | null; c: string }>(
        `SELECT d.datname AS db, c FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole LEFT JOIN pg_database d ON d.oid = s.setdatabase,
                unnest(s.setconfig) c WHERE r.rolname = ${quoteLit(role)} AND c NOT LIKE 'role=%' ORDER BY 1, 2`,
      )
    ).map((r) => `${r.db ?? "*"}:${r.c}`);
  const attributes = async (role: string) =>
    (await pg.sql(`SELECT rolcanlogin, rolconnlimit, rolvaliduntil FROM pg_roles WHERE rolname = ${quoteLit(role)}`))[0];

  describe("core", () => {
    beforeAll(() => void (process.env.ROTATION_STRATEGY = "alternating-users"));

    it("alternating users: three rotations alternate the users; each acts as the base user and uses its objects", async () => {
      const app = await appUser();
      for (let round = 1; round <= 3; round++) {
        await h.rotate(app.arn);
        const v = current(app.arn);
        expect(v.username).toBe(round % 2 ? `${app.name}_clone` : app.name);
        await withLogin(v, async (c) => {
          expect((await c.query("SELECT current_user AS u")).rows[0].u).toBe(app.name);
          await c.query("INSERT INTO app.items VALUES ($1)", [round]);
        });
      }
      expect(await pg.canLogin("victim", "victim-password-unchanged")).toBe(true);
    });

    it("single user: a rotation changes the password, and only it", async () => {
      process.env.ROTATION_STRATEGY = "single-user";
      try {
        const app = await appUser("single-user");
        await h.rotate(app.arn);
        expect(await pg.canLogin(app.name, current(app.arn).password, app.name)).toBe(true);
        expect(await pg.canLogin(app.name, app.password, app.name)).toBe(false);
      } finally {
        process.env.ROTATION_STRATEGY = "alternating-users";
      }
    });
  });

  describe("the clone acts exactly as the base user", () => {
    beforeAll(() => void (process.env.ROTATION_STRATEGY = "alternating-users"));

    it("has the base user's settings in every database (but role), kept in step on every rotation", async () => {
      const app = await appUser();
      await pg.sql(`CREATE SCHEMA "My ""Odd"" Schema" AUTHORIZATION ${app.name}`, app.name);
      await pg.sql(`ALTER ROLE ${app.name} SET search_path = app, "My ""Odd"" Schema", public`);
      await pg.sql(`ALTER ROLE ${app.name} IN DATABASE ${app.name} SET statement_timeout = '7s'`);
      // A hostile value: the copy quotes it as a literal, it runs nothing.
      await pg.sql(`ALTER ROLE ${app.name} SET application_name = ${quoteLit(`x'; ALTER ROLE victim PASSWORD 'owned'; --`)}`);
      await h.rotate(app.arn);
      const clone = current(app.arn);
      expect(clone.username).toBe(`${app.name}_clone`);
      expect(await settingsOf(clone.username)).toEqual(await settingsOf(app.name));
      await withLogin(clone, async (c) => {
        // The application's unqualified names resolve as the base user's do.
        await c.query("SELECT count(*) FROM items");
        expect((await c.query("SHOW statement_timeout")).rows[0].statement_timeout).toBe("7s");
        expect((await c.query("SHOW search_path")).rows[0].search_path).toBe(`app, "My ""Odd"" Schema", public`);
      });
      // The DBA changes the base user's settings: the next rotation that hands out the clone gives it the same.
      await pg.sql(`ALTER ROLE ${app.name} IN DATABASE ${app.name} RESET statement_timeout`);
      await pg.sql(`ALTER ROLE ${app.name} SET work_mem = '8MB'`);
      await h.rotate(app.arn);
      await h.rotate(app.arn);
      expect(current(app.arn).username).toBe(`${app.name}_clone`);
      expect(await settingsOf(`${app.name}_clone`)).toEqual(await settingsOf(app.name));
      expect(await settingsOf(`${app.name}_clone`)).not.toContain(`${app.name}:statement_timeout=7s`);
      expect(await pg.canLogin("victim", "victim-password-unchanged")).toBe(true);
    });

    it("copies a per-database setting of a database with a hostile name, quoting it as an identifier", async () => {
      const app = await appUser();
      const db = `db_${install.version}"; ALTER ROLE victim PASSWORD 'owned'; --`;
      await pg.sql(`CREATE DATABASE "${db.replace(/"/g, '""')}"`);
      await pg.sql(`ALTER ROLE ${app.name} IN DATABASE "${db.replace(/"/g, '""')}" SET work_mem = '2MB'`);
      await h.rotate(app.arn);
      expect(await settingsOf(`${app.name}_clone`)).toEqual(await settingsOf(app.name));
      expect(await settingsOf(`${app.name}_clone`)).toContain(`${db}:work_mem=2MB`);
      expect(await pg.canLogin("victim", "victim-password-unchanged")).toBe(true);
    });

    it("a setting only a superuser may give (the base user's log_min_duration_statement) stops the rotation naming the grant; nothing changes", async () => {
      const app = await appUser();
      await h.rotate(app.arn);
      await h.rotate(app.arn); // the base user is current again; the next rotation hands out the clone
      await pg.sql(`ALTER ROLE ${app.name} SET log_min_duration_statement = 0`);
      const before = await settingsOf(`${app.name}_clone`);
      const failed = await h.rotate(app.arn).then(() => undefined, (e: { token: string; cause?: unknown }) => e);
      expect(failed?.cause).toMatchObject({ code: "MASTER_LACKS_GRANT", message: expect.stringContaining("GRANT SET ON PARAMETER") });
      expect(await settingsOf(`${app.name}_clone`)).toEqual(before);
      expect(current(app.arn).username).toBe(app.name);
      expect(await pg.canLogin(app.name, current(app.arn).password, app.name)).toBe(true);
      // With the grant the documentation names, the rotation completes and the clone has the setting too.
      await pg.sql(`GRANT SET ON PARAMETER log_min_duration_statement TO ${MASTER}`);
      await h.rotate(app.arn, failed!.token); // Secrets Manager retries the same rotation
      expect(await settingsOf(`${app.name}_clone`)).toEqual(await settingsOf(app.name));
    });

    it("has the base user's connection limit and VALID UNTIL", async () => {
      const app = await appUser();
      await pg.sql(`ALTER ROLE ${app.name} CONNECTION LIMIT 7 VALID UNTIL '2999-01-02 03:04:05+00'`);
      await h.rotate(app.arn);
      expect(await attributes(`${app.name}_clone`)).toEqual({ ...(await attributes(app.name)), rolcanlogin: true });
      await pg.sql(`ALTER ROLE ${app.name} CONNECTION LIMIT -1 VALID UNTIL 'infinity'`);
      await h.rotate(app.arn);
      await h.rotate(app.arn);
      const clone = await attributes(`${app.name}_clone`);
      expect(clone.rolconnlimit).toBe(-1);
      expect(clone.rolvaliduntil === null || String(clone.rolvaliduntil) === "Infinity").toBe(true);
    });
  });

  describe("nothing else of the base user changes; what blocks a login is named", () => {
    beforeAll(() => void (process.env.ROTATION_STRATEGY = "alternating-users"));

    it("a DBA's NOLOGIN on the base user is not undone: the rotation stops naming it, the clone keeps working", async () => {
      const app = await appUser();
      await h.rotate(app.arn);
      await pg.sql(`ALTER ROLE ${app.name} NOLOGIN`);
      await expect(h.rotate(app.arn)).rejects.toMatchObject({ cause: { code: "ROLE_NOLOGIN", message: expect.stringContaining("NOLOGIN") } });
      expect((await attributes(app.name)).rolcanlogin).toBe(false);
      expect(current(app.arn).username).toBe(`${app.name}_clone`);
      expect(await pg.canLogin(`${app.name}_clone`, current(app.arn).password, app.name)).toBe(true);
    });

    it("an expired VALID UNTIL on the current user is reported as such, not as a wrong password", async () => {
      const app = await appUser();
      await pg.sql(`ALTER ROLE ${app.name} VALID UNTIL '2001-01-01 00:00:00+00'`);
      await expect(h.rotate(app.arn)).rejects.toMatchObject({ cause: { code: "VALID_UNTIL_PASSED", message: expect.stringMatching(/VALID UNTIL 2001-01-01.*has passed.*not a wrong password/) } });
    });

    it("a base user's VALID UNTIL that has passed stops the rotation before the current clone gets it", async () => {
      const app = await appUser();
      await h.rotate(app.arn);
      await pg.sql(`ALTER ROLE ${app.name} VALID UNTIL '2001-01-01 00:00:00+00'`);
      await expect(h.rotate(app.arn)).rejects.toMatchObject({ cause: { code: "VALID_UNTIL_PASSED" } });
      // The clone, AWSCURRENT, still logs in: its VALID UNTIL was not copied.
      expect(await pg.canLogin(`${app.name}_clone`, current(app.arn).password, app.name)).toBe(true);
    });

    it("a reached connection limit is reported as such, not as a wrong password or an unreachable server", async () => {
      const app = await appUser();
      await pg.sql(`ALTER ROLE ${app.name} CONNECTION LIMIT 1`);
      await withLogin(app.value, async () => {
        const failure = await h.rotate(app.arn).then(() => undefined, (e: { cause?: { code?: string; message?: string } }) => e.cause);
        expect(failure?.code).toBe("CONNECTION_LIMIT_REACHED");
        expect(failure?.message).toMatch(/connection limit is reached.*SQLSTATE 53300.*not a wrong password/);
        expect(failure?.message).not.toMatch(/Cannot reach/);
      });
    });
  });

  describe.each(["alternating-users", "single-user"] as const)("%s: finishSecret invoked right after createSecret", (strategy) => {
    it("refuses to move AWSCURRENT onto a password the database never got; the rotation then completes", async () => {
      process.env.ROTATION_STRATEGY = strategy;
      const app = await appUser(strategy);
      const token = randomUUID();
      env.fake.rotateSecret({ SecretId: app.arn, ClientRequestToken: token });
      await h.invoke("createSecret", app.arn, token);
      await expect(h.invoke("finishSecret", app.arn, token)).rejects.toMatchObject({ code: "PENDING_LOGIN_FAILED" });
      expect(current(app.arn)).toEqual(app.value);
      expect(env.fake.labels(app.arn)[token]).toEqual([AWSPENDING]);
      expect(await pg.canLogin(app.name, app.password, app.name)).toBe(true);
      for (const step of STEPS.slice(1)) await h.invoke(step, app.arn, token);
      expect(await pg.canLogin(current(app.arn).username, current(app.arn).password, app.name)).toBe(true);
    });
  });
});

afterAll(() => expectNoSecretInLogs(env));
