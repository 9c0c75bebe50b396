// PostgreSQL alternating-users rotation against a real PostgreSQL server started for this file,
// with two masters: the superuser, and an RDS-like master (CREATEROLE, not SUPERUSER, granted the
// application's role as RDS's rds_superuser model allows on PostgreSQL 15). The hostile-value tests
// put values that whoever may write an application's secret could put, and check that no other
// role changes.
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { handler } from "../lambda/postgres";
import { markerFor } from "../lambda/postgres/pair-roles";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, AwsError } from "./helpers/fake-secrets-manager";
import { PostgresServer, startPostgres, type PgValue } from "./helpers/postgres";
import { RotationHarness, STEPS } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(60_000);

const env = setupRotationEnv();
let pg: PostgresServer;
let masterArn: string;
let rdsMasterArn: string;
const RDS_MASTER = "rds_like_master";
const h = new RotationHarness(env.fake, handler);
let savedStrategy: string | undefined;

type MasterKind = "superuser" | "RDS-like";
const MASTERS: MasterKind[] = ["superuser", "RDS-like"];
const masterArnFor = (kind: MasterKind) => (kind === "superuser" ? masterArn : rdsMasterArn);
const masterNameFor = (kind: MasterKind) => (kind === "superuser" ? "postgres" : RDS_MASTER);

beforeAll(async () => {
  pg = await startPostgres();
  env.mustNotLog.push(pg.superuser.password);
  masterArn = env.fake.createSecret("dev/dbadmin/master", {
    value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "postgres", password: pg.superuser.password },
  });
  const rdsPassword = `Master-${randomUUID()}`;
  env.mustNotLog.push(rdsPassword);
  await pg.sql(`CREATE ROLE ${RDS_MASTER} LOGIN CREATEROLE CREATEDB PASSWORD ${quoteLit(rdsPassword)}`);
  rdsMasterArn = env.fake.createSecret("dev/dbadmin/rds-like-master", {
    value: { engine: "postgres", host: pg.host, port: String(pg.port), username: RDS_MASTER, password: rdsPassword },
  });
  await pg.sql(`CREATE ROLE reporting NOLOGIN`);
  savedStrategy = process.env.ROTATION_STRATEGY;
  process.env.ROTATION_STRATEGY = "alternating-users";
});
afterAll(() => {
  pg?.destroy();
  if (savedStrategy === undefined) delete process.env.ROTATION_STRATEGY;
  else process.env.ROTATION_STRATEGY = savedStrategy;
});
afterEach(() => {
  env.thrown.push(...h.thrownMessages.splice(0));
});

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;

let counter = 0;
/**
 * An application user with its own database, set up as item 3 of issue 9 lists: CONNECT granted
 * to the user only; a schema it owns with a table and sequence made before rotation; a table and
 * sequence in another schema granted to it directly; default privileges set for it.
 */
async function appUser(name = `app_alt_${++counter}`, master: MasterKind = "superuser", options: { database?: boolean } = {}) {
  const password = `Initial-${randomUUID()}`;
  env.mustNotLog.push(password);
  await pg.sql(`CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD ${quoteLit(password)}`);
  if (master === "RDS-like") await pg.sql(`GRANT ${quoteIdent(name)} TO ${RDS_MASTER}`);
  if (options.database === false) {
    // Only the role (CREATE DATABASE takes about a second here): for tests about roles alone.
    const value: PgValue = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: name, password, masterarn: masterArnFor(master) };
    const arn = env.fake.createSecret(`dev/app/db-alt-${counter}-${randomUUID().slice(0, 6)}`, { value });
    return { arn, name, password, value, dbname: "postgres" };
  }
  const dbname = `db_alt_${counter}_${randomUUID().slice(0, 4)}`;
  await pg.sql(`CREATE DATABASE ${dbname}`);
  await pg.sql(`REVOKE ALL ON DATABASE ${dbname} FROM PUBLIC`);
  await pg.sql(`GRANT CONNECT, TEMPORARY ON DATABASE ${dbname} TO ${quoteIdent(name)}`);
  await pg.sql(`CREATE SCHEMA app AUTHORIZATION ${quoteIdent(name)}`, dbname);
  await pg.sql(
    `CREATE SCHEMA shared;
     CREATE TABLE shared.granted (id serial PRIMARY KEY, v text);
     GRANT USAGE ON SCHEMA shared TO ${quoteIdent(name)};
     GRANT SELECT, INSERT ON shared.granted TO ${quoteIdent(name)};
     GRANT USAGE ON SEQUENCE shared.granted_id_seq TO ${quoteIdent(name)};
     ALTER DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(name)} IN SCHEMA app GRANT SELECT ON TABLES TO reporting;`,
    dbname,
  );
  const value: PgValue = { engine: "postgres", host: pg.host, port: pg.port, dbname, username: name, password, masterarn: masterArnFor(master) };
  await withLogin(value, async (c) => {
    await c.query("CREATE TABLE app.before_rotation (id serial PRIMARY KEY, v text)");
    await c.query("INSERT INTO app.before_rotation (v) VALUES ('made before rotation')");
  });
  const arn = env.fake.createSecret(`dev/app/db-alt-${counter}-${randomUUID().slice(0, 6)}`, { value });
  return { arn, name, password, value, dbname };
}

async function withLogin<T>(v: Pick<PgValue, "username" | "password" | "dbname">, run: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ host: pg.host, port: pg.port, user: v.username, password: v.password, database: v.dbname });
  await c.connect();
  try {
    return await run(c);
  } finally {
    await c.end();
  }
}

const current = (arn: string) => env.fake.valueAt<PgValue>(arn, AWSCURRENT)!;

function expectSettled(arn: string): void {
  const labels = env.fake.labels(arn);
  expect(Object.values(labels).filter((s) => s.includes(AWSCURRENT))).toHaveLength(1);
  expect(Object.values(labels).filter((s) => s.includes(AWSPENDING) && !s.includes(AWSCURRENT))).toEqual([]);
}

/** Everything rotation may change in the database for these users. */
async function dbState(names: string[]) {
  const list = names.map(quoteLit).join(",");
  return pg.sql(
    `SELECT r.rolname, a.rolpassword, r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolinherit,
            shobj_description(r.oid, 'pg_authid') AS comment,
            (SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
            (SELECT array_agg(u.rolname::text ORDER BY u.rolname) FROM pg_auth_members m JOIN pg_roles u ON u.oid = m.member WHERE m.roleid = r.oid) AS members,
            (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = r.oid) AS config
       FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid
      WHERE r.rolname IN (${list}) ORDER BY r.rolname`,
  );
}

/** Every role of the cluster with its password hash, memberships and settings. */
const clusterState = async () =>
  dbState((await pg.sql<{ rolname: string }>("SELECT rolname FROM pg_roles")).map((r) => r.rolname));

/**
 * Item 3 of issue 9, checked for AWSCURRENT and AWSPREVIOUS: each logs in, uses what the original
 * user owned and was granted, creates a table the other can use, and default privileges apply.
 */
async function expectAccess(arn: string, base: string, round: number): Promise<void> {
  const values = [AWSCURRENT, AWSPREVIOUS].map((stage) => env.fake.valueAt<PgValue>(arn, stage)).filter((v): v is PgValue => v !== undefined);
  expect(values.length).toBeGreaterThanOrEqual(1);
  for (const [i, v] of values.entries()) {
    const table = `app.r${round}_${i}`;
    await withLogin(v, async (c) => {
      expect((await c.query("SELECT current_user AS u, session_user AS s")).rows[0]).toEqual({ u: base, s: v.username });
      await c.query("INSERT INTO app.before_rotation (v) VALUES ($1)", [`round ${round} by ${v.username}`]);
      expect((await c.query("SELECT count(*)::int AS n FROM app.before_rotation")).rows[0].n).toBeGreaterThan(1);
      await c.query("INSERT INTO shared.granted (v) VALUES ('x')");
      await c.query("SELECT v FROM shared.granted LIMIT 1");
      await c.query(`CREATE TABLE ${table} (id serial PRIMARY KEY)`);
      await c.query(`INSERT INTO ${table} DEFAULT VALUES`);
    });
    // The other user of the pair uses what this one created; default privileges applied to it.
    const other = values[(i + 1) % values.length];
    await withLogin(other, async (c) => {
      await c.query(`INSERT INTO ${table} DEFAULT VALUES`);
      expect((await c.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n).toBe(2);
      expect((await c.query(`SELECT has_table_privilege('reporting', '${table}', 'SELECT') AS ok`)).rows[0].ok).toBe(true);
      await c.query(`DROP TABLE ${table}`);
    });
  }
}

describe.each(MASTERS)("with a %s master", (kind) => {
  it("six consecutive rotations alternate the users and keep every access of the original user", async () => {
    const { arn, name, password } = await appUser(undefined, kind);
    for (let round = 1; round <= 6; round++) {
      await h.rotate(arn);
      expectSettled(arn);
      const value = current(arn);
      expect(value.username).toBe(round % 2 ? `${name}_clone` : name);
      expect(value).toMatchObject({ masterarn: masterArnFor(kind), engine: "postgres" });
      await expectAccess(arn, name, round);
      if (round === 1) expect(env.fake.valueAt<PgValue>(arn, AWSPREVIOUS)).toMatchObject({ username: name, password });
      if (round === 2) expect(await pg.canLogin(name, password, value.dbname)).toBe(false);
    }
    // The clone: marked as this secret's, a member of the user only, acting as it, no attributes.
    const [clone] = await dbState([`${name}_clone`]);
    expect(clone).toMatchObject({
      comment: markerFor(arn),
      member_of: [name],
      members: null,
      config: [`role=${name}`],
      rolsuper: false,
      rolcreaterole: false,
      rolinherit: true,
      rolcanlogin: true,
    });
    expect(await pg.sql(`SELECT 1 FROM pg_roles WHERE rolname = ${quoteLit(name + "_group")}`)).toEqual([]);
  });

  it("keeps an application logging in with AWSCURRENT between every two steps", async () => {
    const { arn } = await appUser(undefined, kind, { database: false });
    const logins: string[] = [];
    for (let i = 0; i < 2; i++) {
      await h.rotate(arn, randomUUID(), {
        between: async (after) => {
          const value = current(arn);
          const who = await withLogin(value, async (c) => (await c.query("SELECT session_user AS u")).rows[0].u);
          logins.push(`${after}:${who === value.username}`);
        },
      });
    }
    expect(logins).toHaveLength(10);
    expect(logins.every((l) => l.endsWith(":true"))).toBe(true);
  });

  it.each(STEPS)("changes nothing when %s is called twice", async (repeated) => {
    const { arn, name } = await appUser(undefined, kind, { database: false });
    await h.rotate(arn); // the clone exists from here on
    const names = [name, `${name}_clone`];
    const token = randomUUID();
    env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
    for (const step of STEPS) {
      await h.invoke(step, arn, token);
      if (step === repeated) {
        const before = [env.fake.snapshot(arn), await dbState(names)];
        await h.invoke(step, arn, token);
        expect([env.fake.snapshot(arn), await dbState(names)]).toEqual(before);
      }
    }
    env.fake.completeRotation(arn, token);
    expect(current(arn).username).toBe(name);
  });

  it.each(STEPS)("converges after a crash following %s when the rotation is retried", async (crashAfter) => {
    const { arn, name, password } = await appUser(undefined, kind, { database: false });
    const { token } = await h.rotate(arn, randomUUID(), { stopAfter: crashAfter });
    // Whatever the crash, AWSCURRENT still logs in.
    expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
    await h.rotate(arn, token);
    expectSettled(arn);
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(await pg.canLogin(name, password, current(arn).dbname)).toBe(true);
    await withLogin(current(arn), async (c) => expect((await c.query("SELECT current_user AS u")).rows[0].u).toBe(name));
  });

  it("takes over a secret that AWS's own multi-user function rotated (AWSCURRENT <user>_clone, a member of <user>)", async () => {
    const { arn, name, value, dbname } = await appUser(undefined, kind);
    // What AWS's function leaves: the clone, created by the master, a member of the user, with a
    // table of its own (it never acted as the user).
    const clonePassword = `AwsClone-${randomUUID()}`;
    env.mustNotLog.push(clonePassword);
    const masterValue = env.fake.valueAt<PgValue>(masterArnFor(kind), AWSCURRENT)!;
    await withLogin({ ...masterValue, dbname: "postgres" }, async (c) => {
      await c.query(`CREATE ROLE ${quoteIdent(name + "_clone")} WITH LOGIN PASSWORD ${quoteLit(clonePassword)}`);
      await c.query(`GRANT ${quoteIdent(name)} TO ${quoteIdent(name + "_clone")}`);
    });
    await withLogin({ username: `${name}_clone`, password: clonePassword, dbname }, (c) => c.query("CREATE TABLE app.made_by_aws_clone (id int)"));
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, username: `${name}_clone`, password: clonePassword }) });

    await h.rotate(arn);
    expect(current(arn).username).toBe(name);
    const owner = await pg.sql<{ o: string }>(`SELECT pg_get_userbyid(relowner) AS o FROM pg_class WHERE relname = 'made_by_aws_clone'`, dbname);
    expect(owner).toEqual([{ o: name }]);
    await withLogin(current(arn), (c) => c.query("INSERT INTO app.made_by_aws_clone VALUES (1)"));
    await expectAccess(arn, name, 1);
    await h.rotate(arn);
    expect(current(arn).username).toBe(`${name}_clone`);
    await expectAccess(arn, name, 2);
  });

  it("fails setSecret naming the missing grant when the master lacks CREATEROLE, changing nothing", async () => {
    const { arn, name, password, dbname } = await appUser(undefined, kind, { database: false });
    const weakPassword = `Weak-${randomUUID()}`;
    env.mustNotLog.push(weakPassword);
    const weak = `weak_master_${counter}`;
    await pg.sql(`CREATE ROLE ${weak} LOGIN PASSWORD ${quoteLit(weakPassword)}`);
    const weakArn = env.fake.createSecret(`dev/dbadmin/weak-${counter}`, {
      value: { engine: "postgres", host: pg.host, port: pg.port, username: weak, password: weakPassword },
    });
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...current(arn), masterarn: weakArn }) });
    const before = await dbState([name, `${name}_clone`]);
    const failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
    expect(failure).toMatchObject({ step: "setSecret", cause: { code: "MASTER_LACKS_CREATEROLE" } });
    expect(failure!.message).toContain(`ALTER ROLE "${weak}" CREATEROLE`);
    expect(await dbState([name, `${name}_clone`])).toEqual(before);
    expect(await pg.canLogin(name, password, dbname)).toBe(true);
  });
});

describe("hostile values: nothing outside the secret's own pair changes", () => {
  let victimPassword: string;
  let evil: PostgresServer;
  const evilPassword = `Evil-${randomUUID()}`;
  afterAll(() => evil?.destroy());
  beforeAll(async () => {
    victimPassword = `Victim-${randomUUID()}`;
    env.mustNotLog.push(victimPassword);
    env.mustNotLog.push(evilPassword);
    evil = await startPostgres();
    await evil.sql(`CREATE ROLE victim LOGIN PASSWORD ${quoteLit(evilPassword)}`);
    await pg.sql(`CREATE ROLE victim LOGIN PASSWORD ${quoteLit(victimPassword)}`);
    await pg.sql(`CREATE ROLE other_team LOGIN PASSWORD ${quoteLit(victimPassword)}`);
  });

  /** Puts `changes` over the value, rotates once (no retries), returns the failure; the cluster must not change. */
  async function attempt(kind: MasterKind, changes: Partial<PgValue>, setup?: (app: Awaited<ReturnType<typeof appUser>>) => Promise<void>) {
    const app = await appUser(undefined, kind, { database: false });
    await setup?.(app);
    env.fake.putSecretValue({ SecretId: app.arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...app.value, ...changes }) });
    const before = await clusterState();
    const failure = await h.rotate(app.arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(
      () => undefined,
      (e: Error & { cause?: { code?: string } }) => e,
    );
    expect(failure).toBeDefined();
    expect(await clusterState()).toEqual(before);
    expect(await pg.canLogin("victim", victimPassword)).toBe(true);
    return { failure: failure!, app };
  }

  describe.each(MASTERS)("with a %s master", (kind) => {
    it("refuses another role's clone name with a made-up password: AWSCURRENT must log in first", async () => {
      const { failure } = await attempt(kind, { username: "victim_clone", password: `made-up-${randomUUID()}` });
      expect(failure).toMatchObject({ step: "setSecret", cause: { code: "CURRENT_LOGIN_FAILED" } });
    });

    it("refuses another role's name with a made-up password", async () => {
      const { failure } = await attempt(kind, { username: "victim", password: `made-up-${randomUUID()}` });
      expect(failure).toMatchObject({ step: "setSecret", cause: { code: "CURRENT_LOGIN_FAILED" } });
    });

    it.each(["master", "master_clone", "Master (another case)"])("refuses the master's own name (%s) before touching the database", async (form) => {
      const m = masterNameFor(kind);
      const username = form === "master" ? m : form === "master_clone" ? `${m}_clone` : m.toUpperCase();
      const { failure } = await attempt(kind, { username, password: "whatever-it-is" });
      expect(failure).toMatchObject({ step: "createSecret" });
      expect(failure.cause?.code).toMatch(/^(MASTER_ROLE|RESERVED_ROLE)$/);
    });

    it.each(["pg_monitor", "pg_read_all_data_clone", "rds_superuser", "rdsadmin_clone", "azure_pg_admin", "cloudsqlsuperuser", "Postgres", "\uff50\uff4f\uff53\uff54\uff47\uff52\uff45\uff53"])(
      "refuses the reserved role %s",
      async (username) => {
        const { failure } = await attempt(kind, { username, password: "whatever-it-is" });
        expect(failure).toMatchObject({ step: "createSecret", cause: { code: "RESERVED_ROLE" } });
      },
    );

    it("refuses to act on an existing <user>_clone that is not this secret's (another team's role)", async () => {
      const { failure, app } = await attempt(kind, {}, async (a) => {
        await pg.sql(`CREATE ROLE ${quoteIdent(a.name + "_clone")} LOGIN PASSWORD ${quoteLit(victimPassword)}`);
      });
      expect(failure).toMatchObject({ step: "setSecret", cause: { code: "NOT_THIS_SECRETS_ROLE" } });
      expect(await pg.canLogin(`${app.name}_clone`, victimPassword)).toBe(true);
    });

    it("refuses a <user>_clone made a member of the user by a role other than the master or a superuser", async () => {
      const { failure } = await attempt(kind, {}, async (a) => {
        await pg.sql(`CREATE ROLE ${quoteIdent(a.name + "_clone")} LOGIN PASSWORD ${quoteLit(victimPassword)}`);
        await pg.sql(`CREATE ROLE ${quoteIdent(a.name + "_team_admin")} LOGIN CREATEROLE PASSWORD ${quoteLit(victimPassword)}`);
        await withLogin({ username: `${a.name}_team_admin`, password: victimPassword, dbname: "postgres" }, (c) =>
          c.query(`GRANT ${quoteIdent(a.name)} TO ${quoteIdent(a.name + "_clone")}`),
        );
      });
      expect(failure).toMatchObject({ step: "setSecret", cause: { code: "NOT_THIS_SECRETS_ROLE" } });
    });

    it("refuses an unmarked <user>_clone the master made a member of the user, unless a password in the secret logs in as it", async () => {
      // A DBA, as the master, made a login `<user>_clone` for another team (reading this user's
      // data, plus grants of its own). Membership granted by the master says nothing about whose
      // it is: resetting it would lock that team out and hand its login to this secret's writer.
      const masterValue = env.fake.valueAt<PgValue>(masterArnFor(kind), AWSCURRENT)!;
      const { failure, app } = await attempt(kind, {}, async (a) => {
        await withLogin({ ...masterValue, dbname: "postgres" }, async (c) => {
          await c.query(`CREATE ROLE ${quoteIdent(a.name + "_clone")} LOGIN PASSWORD ${quoteLit(victimPassword)}`);
          await c.query(`GRANT ${quoteIdent(a.name)} TO ${quoteIdent(a.name + "_clone")}`);
        });
      });
      expect(failure).toMatchObject({ step: "setSecret", cause: { code: "NOT_THIS_SECRETS_ROLE" } });
      expect(await pg.canLogin(`${app.name}_clone`, victimPassword)).toBe(true);

      // The same clone, when AWSPREVIOUS holds its working password (AWS's own function rotated
      // twice: AWSCURRENT is the user, AWSPREVIOUS the clone), is taken over.
      env.fake.putSecretValue({ SecretId: app.arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...app.value, username: `${app.name}_clone`, password: victimPassword }) });
      env.fake.putSecretValue({ SecretId: app.arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(app.value) });
      await h.rotate(app.arn, (failure as unknown as { token: string }).token); // Secrets Manager retries the failed rotation
      expect(current(app.arn).username).toBe(`${app.name}_clone`);
      expect(await pg.canLogin(`${app.name}_clone`, victimPassword)).toBe(false);
      await withLogin(current(app.arn), async (c) => expect((await c.query("SELECT current_user AS u")).rows[0].u).toBe(app.name));
    });

    it("refuses a pair whose clone this function made for another secret", async () => {
      const first = await appUser(undefined, kind, { database: false });
      await h.rotate(first.arn);
      await h.rotate(first.arn); // AWSCURRENT is the user again, with a known password
      const { failure } = await attempt(kind, {}, async (a) => {
        // A second secret for the first one's user: its writer knows that password (e.g. copied it).
        a.value.username = first.name;
        a.value.password = current(first.arn).password;
      });
      expect(failure).toMatchObject({ step: "setSecret", cause: { code: "CLONE_OF_ANOTHER_SECRET" } });
    });

    it.each(["pg_read_all_data", "master", "other_team"])("refuses grouprole %s and grants nothing", async (role) => {
      const { failure } = await attempt(kind, { grouprole: role === "master" ? masterNameFor(kind) : role });
      expect(failure).toMatchObject({ step: "createSecret", cause: { code: "GROUPROLE_NOT_SUPPORTED" } });
    });

    it("refuses an application user with CREATEROLE, or one that is a member of the master", async () => {
      const a = await attempt(kind, {}, async (app) => {
        await pg.sql(`ALTER ROLE ${quoteIdent(app.name)} CREATEROLE`);
      });
      expect(a.failure).toMatchObject({ step: "setSecret", cause: { code: "PRIVILEGED_ROLE" } });
      // (The RDS-like master is a member of the application's role, so the reverse is a cycle PostgreSQL refuses.)
      if (kind === "superuser") {
        const b = await attempt(kind, {}, async (app) => {
          await pg.sql(`GRANT ${masterNameFor(kind)} TO ${quoteIdent(app.name)}`);
        });
        expect(b.failure).toMatchObject({ step: "setSecret", cause: { code: "PRIVILEGED_ROLE" } });
      }
    });

    it("refuses a value whose port names another server on the master's host (the current login must be proven where the master acts)", async () => {
      // The writer runs a server of their own on the same host, with a role named like the victim
      // and a password they chose: logging in there proves nothing about the master's server.
      const { failure } = await attempt(kind, { port: evil.port, username: "victim", password: evilPassword });
      expect(failure).toMatchObject({ step: "createSecret", cause: { code: "MASTER_HOST_MISMATCH" } });
      expect(await pg.sql(`SELECT 1 FROM pg_roles WHERE rolname = 'victim_clone'`)).toEqual([]);
    });

    it("refuses an AWSPENDING written by someone else that names another role or turns TLS off", async () => {
      for (const forged of [{ username: "victim", password: `chosen-${randomUUID()}` }, { ssl: false }]) {
        const app = await appUser(undefined, kind, { database: false });
        const token = randomUUID();
        env.fake.rotateSecret({ SecretId: app.arn, ClientRequestToken: token });
        const pendingValue = { ...app.value, username: `${app.name}_clone`, password: `chosen-${randomUUID()}`, ...forged };
        env.fake.putSecretValue({ SecretId: app.arn, ClientRequestToken: token, SecretString: JSON.stringify(pendingValue), VersionStages: [AWSPENDING] });
        const before = await clusterState();
        await h.invoke("createSecret", app.arn, token);
        await expect(h.invoke("setSecret", app.arn, token)).rejects.toMatchObject({ code: "PENDING_MISMATCH" });
        expect(await clusterState()).toEqual(before);
      }
      expect(await pg.canLogin("victim", victimPassword)).toBe(true);
    });
  });

  it("refuses a current login the server let in without asking for a password (pg_hba.conf trust)", async () => {
    // A trust rule for the function's network: any password "works", so the login proves nothing.
    await pg.sql(`CREATE ROLE trusted_victim LOGIN PASSWORD ${quoteLit(victimPassword)}`);
    await pg.prependHba(["host all trusted_victim 127.0.0.1/32 trust"]);
    const { failure } = await attempt("RDS-like", { username: "trusted_victim", password: `made-up-${randomUUID()}` });
    expect(failure).toMatchObject({ step: "setSecret", cause: { code: "LOGIN_WITHOUT_PASSWORD" } });
    expect(await pg.sql(`SELECT 1 FROM pg_roles WHERE rolname = 'trusted_victim_clone'`)).toEqual([]);
  });

  it("refuses names PostgreSQL would truncate: a 58-byte user, and a 63-byte user's name plus _clone", async () => {
    const long = "u".repeat(58);
    const a = await attempt("superuser", { username: long });
    expect(a.failure).toMatchObject({ step: "createSecret", cause: { code: "NAME_TOO_LONG" } });
    // The server truncates a 69-byte login name to the 63-byte role, so the login would succeed.
    const name63 = "w".repeat(63);
    const pw = `Long-${randomUUID()}`;
    env.mustNotLog.push(pw);
    await pg.sql(`CREATE ROLE ${name63} LOGIN PASSWORD ${quoteLit(pw)}`);
    const b = await attempt("superuser", { username: `${name63}_clone`, password: pw });
    expect(b.failure).toMatchObject({ step: "createSecret", cause: { code: "NAME_TOO_LONG" } });
  });

  it("refuses invisible characters in a user name", async () => {
    const { failure } = await attempt("superuser", { username: "victim\u200b" });
    expect(failure).toMatchObject({ step: "createSecret", cause: { code: "BAD_USERNAME" } });
  });
});

it("the master's session ignores objects and settings the application user put in the master's database", async () => {
  // The master secret names a database where the application user may create objects (here: its
  // CREATE on the public schema). An unnest(text[]) there is a better match than pg_catalog's
  // unnest(anyarray), and a default role for the database would make the master act as the user.
  const { name, value, dbname } = await appUser(undefined, "RDS-like");
  const masterValue = env.fake.valueAt<PgValue>(rdsMasterArn, AWSCURRENT)!;
  await pg.sql(`GRANT CONNECT ON DATABASE ${dbname} TO ${RDS_MASTER}; GRANT CREATE ON SCHEMA public TO ${quoteIdent(name)}`, dbname);
  const masterInAppDb = env.fake.createSecret(`dev/dbadmin/rds-like-in-${dbname}`, { value: { ...masterValue, dbname } });
  await withLogin(value, (c) =>
    c.query(
      `CREATE FUNCTION public.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql AS $$
         BEGIN
           IF session_user <> ${quoteLit(name)} THEN EXECUTE 'ALTER ROLE ${quoteIdent(name)} CREATEROLE'; END IF;
           RETURN QUERY SELECT pg_catalog.unnest($1);
         END $$;
       ALTER ROLE CURRENT_USER SET work_mem = '8MB'`, // so the master's query of role settings has one to unnest
    ),
  );
  await pg.sql(`ALTER DATABASE ${dbname} SET role = ${quoteLit(name)}`);
  const arn = env.fake.createSecret(`dev/app/db-alt-master-db-${counter}`, { value: { ...value, masterarn: masterInAppDb } });
  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  expect(await pg.sql(`SELECT rolcreaterole FROM pg_roles WHERE rolname = ${quoteLit(name)}`)).toEqual([{ rolcreaterole: false }]);
});

it("fails setSecret with MISSING_GRANT when a clone's schema cannot go to the user, and completes once the grant is made", async () => {
  // AWS's function left a clone owning a schema; the user lacks CREATE on the database, which
  // taking a schema over needs. The rotation must fail naming the grant, not skip it.
  const { arn, name, value, dbname } = await appUser(undefined, "RDS-like");
  const clonePassword = `AwsClone-${randomUUID()}`;
  env.mustNotLog.push(clonePassword);
  const clone = quoteIdent(name + "_clone");
  await pg.sql(`CREATE ROLE ${clone} LOGIN PASSWORD ${quoteLit(clonePassword)}; GRANT ${quoteIdent(name)} TO ${clone}; GRANT CREATE ON DATABASE ${dbname} TO ${clone}`);
  await withLogin({ username: `${name}_clone`, password: clonePassword, dbname }, (c) => c.query("CREATE SCHEMA clone_made"));
  await pg.sql(`REVOKE CREATE ON DATABASE ${dbname} FROM ${clone}`);
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, username: `${name}_clone`, password: clonePassword }) });
  const failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
  expect(failure).toMatchObject({ step: "setSecret", cause: { code: "MISSING_GRANT" } });
  expect(failure!.message).toContain(`GRANT CREATE ON DATABASE "${dbname}" TO "${name}"`);
  expect(current(arn).username).toBe(`${name}_clone`);
  expect(await pg.canLogin(`${name}_clone`, clonePassword, dbname)).toBe(true);

  await pg.sql(`GRANT CREATE ON DATABASE ${dbname} TO ${quoteIdent(name)}`);
  await h.rotate(arn, (failure as unknown as { token: string }).token);
  expect(current(arn).username).toBe(name);
  expect(await pg.sql(`SELECT pg_get_userbyid(nspowner) AS o FROM pg_namespace WHERE nspname = 'clone_made'`, dbname)).toEqual([{ o: name }]);
});

it("a clone that gave itself a per-database default role acts as the user again after the next rotation", async () => {
  // The clone may change its own settings, also for one database (ALTER ROLE ... IN DATABASE):
  // the rotation puts its "act as the user" back rather than stopping for good.
  const { arn, name } = await appUser(undefined, "RDS-like", { database: false });
  await h.rotate(arn);
  await withLogin(current(arn), (c) => c.query(`SET ROLE NONE; ALTER ROLE CURRENT_USER IN DATABASE postgres SET role = ${quoteLit(name + "_clone")}`));
  await h.rotate(arn);
  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  await withLogin(current(arn), async (c) => expect((await c.query("SELECT current_user AS u")).rows[0].u).toBe(name));
  const [clone] = await dbState([`${name}_clone`]);
  expect(clone.config).toEqual([`role=${name}`]);
});

it("stops, naming the fix, while the user itself has a default role (what it creates would not be shared)", async () => {
  const { arn, name, value } = await appUser(undefined, "RDS-like", { database: false });
  await pg.sql(`GRANT reporting TO ${quoteIdent(name)}`);
  await withLogin(value, (c) => c.query(`ALTER ROLE CURRENT_USER SET role = 'reporting'`)); // a user may set its own
  const failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
  expect(failure).toMatchObject({ step: "setSecret", cause: { code: "BASE_HAS_DEFAULT_ROLE" } });
  expect(failure!.message).toContain(`ALTER ROLE "${name}" RESET role`);
  await pg.sql(`ALTER ROLE ${quoteIdent(name)} RESET role`);
  await h.rotate(arn, (failure as unknown as { token: string }).token);
  expect(current(arn).username).toBe(`${name}_clone`);
});

it("works for a user name that needs quoting", async () => {
  const { arn, name } = await appUser(`App User"x ${counter + 1}`);
  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  await expectAccess(arn, name, 1);
  await h.rotate(arn);
  expect(current(arn).username).toBe(name);
  await expectAccess(arn, name, 2);
});

it("the clone has the roles the user is a member of, through the user", async () => {
  await pg.sql(`CREATE ROLE reporting_reader NOLOGIN`);
  const { arn, name } = await appUser(undefined, "superuser", { database: false });
  await pg.sql(`GRANT reporting_reader TO ${quoteIdent(name)}`);
  await h.rotate(arn);
  const rows = await pg.sql<{ usage: boolean }>(`SELECT pg_has_role(${quoteLit(name + "_clone")}, 'reporting_reader', 'USAGE') AS usage`);
  expect(rows[0].usage).toBe(true);
});

it("fails setSecret when the master secret cannot be read, leaving AWSCURRENT untouched", async () => {
  const { arn, name, password, dbname } = await appUser(undefined, "superuser", { database: false });
  const before = env.fake.snapshot(arn);
  // createSecret reads the master (to refuse its name early); setSecret reads it again.
  const token = randomUUID();
  env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
  await h.invoke("createSecret", arn, token);
  const undo = env.fake.inject((op, input) =>
    op === "GetSecretValue" && input.SecretId === masterArn
      ? new AwsError("AccessDeniedException", "User is not authorized to perform: secretsmanager:GetSecretValue on resource")
      : undefined,
  );
  let failure: Error | undefined;
  try {
    failure = await h.invoke("setSecret", arn, token).then(() => undefined, (e: Error) => e);
  } finally {
    undo();
  }
  expect(failure!.message).toContain(`Cannot read the master secret named by masterarn ${masterArn}: AccessDeniedException`);
  expect(env.fake.valueAt(arn, AWSCURRENT)).toEqual(JSON.parse(Object.values(before).find((v) => v.stages.includes(AWSCURRENT))!.value!));
  expect(await pg.canLogin(name, password, dbname)).toBe(true);
});

it("fails setSecret while the database is down, leaving AWSCURRENT untouched, and completes when it is back", async () => {
  const { arn, name, password, dbname } = await appUser(undefined, "superuser", { database: false });
  pg.stop();
  let failure: Error | undefined;
  try {
    failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
  } finally {
    pg.start();
  }
  expect(failure).toMatchObject({ step: "setSecret" });
  expect(failure!.message).toMatch(/Cannot reach PostgreSQL .*ECONNREFUSED/);
  expect(current(arn)).toMatchObject({ username: name, password });
  expect(await pg.canLogin(name, password, dbname)).toBe(true);
  await h.rotate(arn, (failure as unknown as { token: string }).token);
  expect(await pg.canLogin(current(arn).username, current(arn).password, dbname)).toBe(true);
});

it("refuses a master secret for another host", async () => {
  const otherMaster = env.fake.createSecret("dev/dbadmin/elsewhere", {
    value: { engine: "postgres", host: "db.elsewhere.example", port: 5432, username: "postgres", password: `pw-${randomUUID()}` },
  });
  const { arn, value } = await appUser(undefined, "superuser", { database: false });
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: otherMaster }) });
  await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(
    /is for db\.elsewhere\.example:5432, not 127\.0\.0\.1:\d+/,
  );
});

/** Runs `run` with these environment variables (undefined = unset), restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string | undefined>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined) delete process.env[k];
      else process.env[k] = value;
    }
  };
  apply(vars);
  try {
    return await run();
  } finally {
    apply(saved);
  }
}

const reads = (secretArn: string) => env.fake.calls.filter((c) => c.op === "GetSecretValue" && c.input.SecretId === secretArn).length;

it("passes Secrets Manager's configuration test (rotate_immediately = false) without touching the database; then rotates", async () => {
  const { arn, name } = await appUser(undefined, "superuser", { database: false });
  const names = [name, `${name}_clone`, `${name}_group`];
  const before = [env.fake.snapshot(arn), await dbState(names)];
  const masterReads = reads(masterArn);
  await h.configureRotation(arn);
  expect([env.fake.snapshot(arn), await dbState(names)]).toEqual(before);
  expect(env.fake.versionWith(arn, AWSPENDING)).toBeUndefined();
  expect(reads(masterArn)).toBe(masterReads);
  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
  expectSettled(arn);
});

describe("MASTER_SECRET_ARN: the one master the function may use", () => {
  let otherMaster: string;
  beforeAll(() => {
    // A second master for the same server, as another application's function would have: the
    // function must not be talked into using it by a value.
    otherMaster = env.fake.createSecret("dev/otherteam/master", {
      value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "postgres", password: pg.superuser.password },
    });
  });

  it("refuses a value whose masterarn names another master: nothing changes in PostgreSQL, AWSCURRENT is untouched", async () => {
    const { arn, name, password, value, dbname } = await appUser(undefined, "superuser", { database: false });
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: otherMaster }) });
    const names = [name, `${name}_clone`, `${name}_group`];
    const dbBefore = await dbState(names);
    const currentBefore = env.fake.versionWith(arn, AWSCURRENT)!;
    const otherReads = reads(otherMaster);
    const failure = await withEnv({ MASTER_SECRET_ARN: masterArn }, () =>
      h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e),
    );
    expect(failure).toMatchObject({ step: "createSecret", cause: { code: "MASTER_NOT_ALLOWED" } });
    expect(failure!.message).toContain(`names master secret "${otherMaster}" in "masterarn", but this function may use only ${masterArn} (its MASTER_SECRET_ARN)`);
    expect(await dbState(names)).toEqual(dbBefore);
    expect(env.fake.versionWith(arn, AWSCURRENT)).toBe(currentBefore);
    expect(current(arn)).toMatchObject({ username: name, password, masterarn: otherMaster });
    expect(env.fake.find(arn).versions.get((failure as unknown as { token: string }).token)?.value).toBeUndefined();
    expect(reads(otherMaster)).toBe(otherReads);
    expect(await pg.canLogin(name, password, dbname)).toBe(true);
  });

  it("refuses it at setSecret too, when the value changed after createSecret", async () => {
    const { arn, name, value } = await appUser(undefined, "superuser", { database: false });
    const token = randomUUID();
    env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
    await withEnv({ MASTER_SECRET_ARN: masterArn }, async () => {
      await h.invoke("createSecret", arn, token);
      env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: otherMaster }) });
      const names = [name, `${name}_clone`, `${name}_group`];
      const dbBefore = await dbState(names);
      const otherReads = reads(otherMaster);
      await expect(h.invoke("setSecret", arn, token)).rejects.toMatchObject({ code: "MASTER_NOT_ALLOWED" });
      expect(await dbState(names)).toEqual(dbBefore);
      expect(reads(otherMaster)).toBe(otherReads);
    });
  });

  it("accepts a value whose masterarn is the allowed master", async () => {
    const { arn, name } = await appUser(undefined, "superuser", { database: false });
    await withEnv({ MASTER_SECRET_ARN: masterArn }, () => h.rotate(arn));
    expect(current(arn)).toMatchObject({ username: `${name}_clone`, masterarn: masterArn });
    expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
  });

  it("uses the allowed master for a value without masterarn", async () => {
    const { arn, name, value } = await appUser(undefined, "superuser", { database: false });
    const { masterarn: _m, ...withoutMaster } = value;
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(withoutMaster) });
    const masterReads = reads(masterArn);
    await withEnv({ MASTER_SECRET_ARN: masterArn }, () => h.rotate(arn));
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(current(arn).masterarn).toBeUndefined();
    expect(reads(masterArn)).toBeGreaterThan(masterReads);
    expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
  });

  it("without MASTER_SECRET_ARN, the value's masterarn decides, as with AWS's functions", async () => {
    const { arn, name, value } = await appUser(undefined, "superuser", { database: false });
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: otherMaster }) });
    const otherReads = reads(otherMaster);
    await withEnv({ MASTER_SECRET_ARN: undefined }, () => h.rotate(arn));
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(reads(otherMaster)).toBeGreaterThan(otherReads);
  });
});

describe("without ROTATION_STRATEGY (the value decides)", () => {
  const unset = { ROTATION_STRATEGY: undefined, MASTER_SECRET_ARN: undefined };
  const strategies = (arn: string) => [
    ...new Set(
      env.capture
        .json()
        .filter((l) => l.secretId === arn && l.event === "step.start")
        .map((l) => l.strategy),
    ),
  ];
  const implied = (arn: string) => [
    ...new Set(
      env.capture
        .json()
        .filter((l) => l.secretId === arn && l.event === "strategy.implied")
        .map((l) => l.message),
    ),
  ];

  it("rotates alternating users for a value with masterarn", async () => {
    const { arn, name } = await appUser(undefined, "superuser", { database: false });
    await withEnv(unset, () => h.rotate(arn));
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(strategies(arn)).toEqual(["postgres/implied-by-value"]);
    expect(implied(arn)).toEqual(["ROTATION_STRATEGY is not set; the value has masterarn: postgres/alternating-users."]);
  });

  it("rotates a single user for a value without masterarn", async () => {
    const { arn, name, password, value, dbname } = await appUser(undefined, "superuser", { database: false });
    const { masterarn: _m, ...withoutMaster } = value;
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(withoutMaster) });
    await withEnv(unset, () => h.rotate(arn));
    expect(current(arn).username).toBe(name);
    expect(await pg.canLogin(name, current(arn).password, dbname)).toBe(true);
    expect(await pg.canLogin(name, password, dbname)).toBe(false);
    expect((await pg.sql(`SELECT 1 FROM pg_roles WHERE rolname = ${quoteLit(name + "_clone")}`)).length).toBe(0);
    expect(implied(arn)).toEqual(["ROTATION_STRATEGY is not set; the value has no masterarn: postgres/single-user."]);
  });

  it("refuses a malformed masterarn rather than rotating anything", async () => {
    const { arn, name, password, value, dbname } = await appUser(undefined, "superuser", { database: false });
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: 42 }) });
    const rotation = withEnv(unset, () => h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }));
    await expect(rotation).rejects.toThrow(/has a bad "masterarn": expected a string/);
    expect(await pg.canLogin(name, password, dbname)).toBe(true);
  });

  it("with MASTER_SECRET_ARN, rotates alternating users with that master even without masterarn, and refuses another master", async () => {
    const { arn, name, value } = await appUser(undefined, "superuser", { database: false });
    const { masterarn: _m, ...withoutMaster } = value;
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(withoutMaster) });
    await withEnv({ ...unset, MASTER_SECRET_ARN: masterArn }, () => h.rotate(arn));
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(implied(arn)).toEqual(["ROTATION_STRATEGY is not set; MASTER_SECRET_ARN is set: postgres/alternating-users."]);

    // A foreign masterarn is refused, not rotated as a single user either.
    const other = await appUser(undefined, "superuser", { database: false });
    const elsewhere = env.fake.createSecret("dev/thirdteam/master", {
      value: { engine: "postgres", host: pg.host, port: pg.port, username: "postgres", password: pg.superuser.password },
    });
    env.fake.putSecretValue({ SecretId: other.arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...other.value, masterarn: elsewhere }) });
    const names = [other.name, `${other.name}_clone`, `${other.name}_group`];
    const dbBefore = await dbState(names);
    const rotation = withEnv({ ...unset, MASTER_SECRET_ARN: masterArn }, () =>
      h.rotate(other.arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }),
    );
    await expect(rotation).rejects.toMatchObject({ step: "createSecret", cause: { code: "MASTER_NOT_ALLOWED" } });
    expect(await dbState(names)).toEqual(dbBefore);
    expect(await pg.canLogin(other.name, other.password, other.dbname)).toBe(true);
  });
});

it("never logs a secret value", () => {
  expect(env.capture.json().some((l) => l.event === "set.password-changed")).toBe(true);
  expectNoSecretInLogs(env);
});
