// PostgreSQL alternating-users rotation against a real PostgreSQL server started for this file.
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { handler } from "../lambda/postgres";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS, AwsError } from "./helpers/fake-secrets-manager";
import { PostgresServer, startPostgres } from "./helpers/postgres";
import { RotationHarness, STEPS } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(60_000);

const env = setupRotationEnv();
let pg: PostgresServer;
let masterArn: string;
const h = new RotationHarness(env.fake, handler);
let savedStrategy: string | undefined;

interface PgValue {
  engine: string;
  host: string;
  port: number;
  dbname: string;
  username: string;
  password: string;
  masterarn?: string;
}

beforeAll(async () => {
  pg = await startPostgres();
  env.mustNotLog.push(pg.superuser.password);
  masterArn = env.fake.createSecret("dev/dbadmin/master", {
    value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "postgres", password: pg.superuser.password },
  });
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
/** An application user with its own database, where it already owns a table (made before rotation). */
async function appUser(name = `app_alt_${++counter}`) {
  const password = `Initial-${randomUUID()}`;
  env.mustNotLog.push(password);
  const dbname = `db_alt_${counter}_${randomUUID().slice(0, 4)}`;
  await pg.sql(`CREATE ROLE ${quoteIdent(name)} LOGIN PASSWORD ${quoteLit(password)}`);
  await pg.sql(`CREATE DATABASE ${dbname}`);
  await pg.sql(`CREATE SCHEMA app AUTHORIZATION ${quoteIdent(name)}`, dbname);
  const value: PgValue = { engine: "postgres", host: pg.host, port: pg.port, dbname, username: name, password, masterarn: masterArn };
  await withLogin(value, async (c) => {
    await c.query("CREATE TABLE app.before_rotation (id int)");
    await c.query("INSERT INTO app.before_rotation VALUES (1)");
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
    `SELECT r.rolname, a.rolpassword, r.rolcanlogin,
            (SELECT array_agg(g.rolname ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
            (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = r.oid) AS config
       FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid
      WHERE r.rolname IN (${list}) ORDER BY r.rolname`,
  );
}

it("alternates user and clone, twice; the previous user logs in until the next rotation", async () => {
  const { arn, name, password } = await appUser();
  await h.rotate(arn);
  const first = current(arn);
  expect(first).toMatchObject({ username: `${name}_clone`, masterarn: masterArn, engine: "postgres" });
  expect(await pg.canLogin(first.username, first.password, first.dbname)).toBe(true);
  // The previous user (AWSPREVIOUS) keeps working until the next rotation.
  expect(env.fake.valueAt<PgValue>(arn, AWSPREVIOUS)).toMatchObject({ username: name, password });
  expect(await pg.canLogin(name, password, first.dbname)).toBe(true);

  await h.rotate(arn);
  const second = current(arn);
  expect(second.username).toBe(name);
  expect(second.password).not.toBe(password);
  expect(await pg.canLogin(name, second.password, second.dbname)).toBe(true);
  expect(await pg.canLogin(name, password, second.dbname)).toBe(false);
  expect(await pg.canLogin(first.username, first.password, first.dbname)).toBe(true);

  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  expect(await pg.canLogin(first.username, first.password, first.dbname)).toBe(false);
  expectSettled(arn);

  const roles = await pg.sql<{ rolname: string; rolcanlogin: boolean }>(
    `SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (${quoteLit(name)}, ${quoteLit(name + "_clone")}, ${quoteLit(name + "_group")}) ORDER BY rolname`,
  );
  expect(roles).toEqual([
    { rolname: name, rolcanlogin: true },
    { rolname: `${name}_clone`, rolcanlogin: true },
    { rolname: `${name}_group`, rolcanlogin: false },
  ]);
});

it("keeps an application logging in with AWSCURRENT between every two steps", async () => {
  const { arn } = await appUser();
  const logins: string[] = [];
  for (let i = 0; i < 2; i++) {
    await h.rotate(arn, randomUUID(), {
      between: async (after) => {
        const value = current(arn);
        const who = await withLogin(value, async (c) => (await c.query("SELECT session_user AS u FROM app.before_rotation")).rows[0].u);
        logins.push(`${after}:${who === value.username}`);
      },
    });
  }
  expect(logins).toHaveLength(10);
  expect(logins.every((l) => l.endsWith(":true"))).toBe(true);
});

it("shares objects between the users through the group role", async () => {
  const { arn, name, dbname } = await appUser();
  await h.rotate(arn);
  const clone = current(arn);
  // A table the user created before rotation began is now the group's: the clone uses it.
  await withLogin(clone, async (c) => {
    await c.query("INSERT INTO app.before_rotation VALUES (2)");
    expect((await c.query("SELECT count(*)::int AS n FROM app.before_rotation")).rows[0].n).toBe(2);
    await c.query("CREATE TABLE app.made_by_clone (id int)");
    await c.query("INSERT INTO app.made_by_clone VALUES (10)");
  });
  await h.rotate(arn);
  const base = current(arn);
  expect(base.username).toBe(name);
  await withLogin(base, async (c) => {
    await c.query("INSERT INTO app.made_by_clone VALUES (11)");
    expect((await c.query("SELECT array_agg(id ORDER BY id) AS ids FROM app.made_by_clone")).rows[0].ids).toEqual([10, 11]);
    await c.query("UPDATE app.made_by_clone SET id = id + 1");
    await c.query("CREATE TABLE app.made_by_base (id int)");
  });
  await h.rotate(arn);
  await withLogin(current(arn), async (c) => {
    await c.query("INSERT INTO app.made_by_base VALUES (1)");
    await c.query("DROP TABLE app.made_by_base");
  });
  const owners = await pg.sql<{ relname: string; owner: string }>(
    `SELECT c.relname, pg_get_userbyid(c.relowner) AS owner FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'app' ORDER BY c.relname`,
    dbname,
  );
  expect(owners).toEqual([
    { relname: "before_rotation", owner: `${name}_group` },
    { relname: "made_by_clone", owner: `${name}_group` },
  ]);
});

it.each(STEPS)("changes nothing when %s is called twice", async (repeated) => {
  const { arn, name } = await appUser();
  await h.rotate(arn); // the clone exists from here on
  const names = [name, `${name}_clone`, `${name}_group`];
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

it("changes nothing when setSecret is called twice on the first rotation (clone created)", async () => {
  const { arn, name } = await appUser();
  const token = randomUUID();
  env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: token });
  await h.invoke("createSecret", arn, token);
  await h.invoke("setSecret", arn, token);
  const before = await dbState([name, `${name}_clone`, `${name}_group`]);
  expect(before).toHaveLength(3);
  await h.invoke("setSecret", arn, token);
  expect(await dbState([name, `${name}_clone`, `${name}_group`])).toEqual(before);
});

it.each(STEPS)("converges after a crash following %s when the rotation is retried", async (crashAfter) => {
  const { arn, name, password } = await appUser();
  const { token } = await h.rotate(arn, randomUUID(), { stopAfter: crashAfter });
  // Whatever the crash, AWSCURRENT still logs in.
  expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
  await h.rotate(arn, token);
  expectSettled(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
  expect(await pg.canLogin(name, password, current(arn).dbname)).toBe(true);
  await h.rotate(arn);
  expect(current(arn).username).toBe(name);
});

it("fails setSecret when the master secret cannot be read, leaving AWSCURRENT untouched", async () => {
  const { arn, name, password, dbname } = await appUser();
  const before = env.fake.snapshot(arn);
  const undo = env.fake.inject((op, input) =>
    op === "GetSecretValue" && input.SecretId === masterArn
      ? new AwsError("AccessDeniedException", "User is not authorized to perform: secretsmanager:GetSecretValue on resource")
      : undefined,
  );
  let failure: Error | undefined;
  try {
    failure = await h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }).then(() => undefined, (e: Error) => e);
  } finally {
    undo();
  }
  expect(failure).toMatchObject({ step: "setSecret" });
  expect(failure!.message).toContain(`Cannot read the master secret named by masterarn ${masterArn}: AccessDeniedException`);
  expect(env.fake.valueAt(arn, AWSCURRENT)).toEqual(JSON.parse(Object.values(before).find((v) => v.stages.includes(AWSCURRENT))!.value!));
  expect(await pg.canLogin(name, password, dbname)).toBe(true);
});

it("fails setSecret while the database is down, leaving AWSCURRENT untouched, and completes when it is back", async () => {
  const { arn, name, password, dbname } = await appUser();
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

it("requires masterarn, naming the field", async () => {
  const { arn, value } = await appUser();
  const { masterarn: _m, ...withoutMaster } = value;
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(withoutMaster) });
  await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(/has no "masterarn"/);
});

it("fails clearly for a user name whose clone would pass PostgreSQL's 63-byte limit", async () => {
  const long = "u".repeat(58);
  const arn = env.fake.createSecret("dev/app/db-long-name", {
    value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: long, password: `pw-${randomUUID()}`, masterarn: masterArn },
  });
  await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(
    /The clone user name for user "u{58}" would be 64 bytes; PostgreSQL allows 63 .* at most 57 bytes/,
  );
});

it("works for a user name that needs quoting", async () => {
  const { arn, name } = await appUser(`App User"x ${counter + 1}`);
  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  await withLogin(current(arn), async (c) => {
    expect((await c.query("SELECT current_user AS g FROM app.before_rotation")).rows[0].g).toBe(`${name}_group`);
  });
  await h.rotate(arn);
  expect(current(arn).username).toBe(name);
  expect(await pg.canLogin(name, current(arn).password, current(arn).dbname)).toBe(true);
});

it("refuses a master secret for another host", async () => {
  const otherMaster = env.fake.createSecret("dev/dbadmin/elsewhere", {
    value: { engine: "postgres", host: "db.elsewhere.example", port: 5432, username: "postgres", password: `pw-${randomUUID()}` },
  });
  const { arn, value } = await appUser();
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: otherMaster }) });
  await expect(h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 })).rejects.toThrow(
    /is for host db\.elsewhere\.example, not 127\.0\.0\.1/,
  );
});

it("works with a master that is not a superuser (CREATEROLE, as on RDS), and says what a person must run once", async () => {
  const masterPassword = `Master-${randomUUID()}`;
  env.mustNotLog.push(masterPassword);
  await pg.sql(`CREATE ROLE rds_like_master LOGIN CREATEROLE CREATEDB PASSWORD ${quoteLit(masterPassword)}`);
  const limitedMaster = env.fake.createSecret("dev/dbadmin/limited", {
    value: { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: "rds_like_master", password: masterPassword },
  });
  const { arn, name, value, dbname } = await appUser();
  env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: limitedMaster }) });
  const linesBefore = env.capture.lines.length;
  await h.rotate(arn);
  expect(current(arn).username).toBe(`${name}_clone`);
  expect(await pg.canLogin(current(arn).username, current(arn).password, dbname)).toBe(true);
  const warning = env.capture.lines
    .slice(linesBefore)
    .map((l) => JSON.parse(l) as Record<string, string>)
    .filter((l) => l.event === "reassign.failed");
  expect(warning).toHaveLength(1);
  expect(warning[0].message).toContain(`REASSIGN OWNED BY <user> TO <group> in database ${dbname}`);
  // The person's one-time step, as the README (Rotation) gives it, run as the (non-superuser) master
  // which, as on RDS, may create in the database it manages.
  await pg.sql(`GRANT CREATE ON DATABASE ${dbname} TO rds_like_master`);
  const asMaster = new Client({ host: pg.host, port: pg.port, user: "rds_like_master", password: masterPassword, database: dbname });
  await asMaster.connect();
  try {
    const users = `${quoteIdent(name)}, ${quoteIdent(name + "_group")}`;
    await asMaster.query(`GRANT ${users} TO rds_like_master`);
    await asMaster.query(`REASSIGN OWNED BY ${quoteIdent(name)} TO ${quoteIdent(name + "_group")}`);
    await asMaster.query(`REVOKE ${users} FROM rds_like_master`);
  } finally {
    await asMaster.end();
  }
  await withLogin(current(arn), async (c) => {
    await c.query("INSERT INTO app.before_rotation VALUES (3)");
    await c.query("CREATE TABLE app.by_clone (id int)");
  });
  await h.rotate(arn);
  await withLogin(current(arn), async (c) => {
    await c.query("INSERT INTO app.by_clone VALUES (1)");
  });
});

it("grants the group the roles the user already had, so acting as the group loses nothing", async () => {
  await pg.sql(`CREATE ROLE reporting_reader NOLOGIN`);
  const { arn, name } = await appUser();
  await pg.sql(`GRANT reporting_reader TO ${quoteIdent(name)}`);
  await h.rotate(arn);
  const rows = await pg.sql<{ member: boolean }>(`SELECT pg_has_role(${quoteLit(name + "_group")}, 'reporting_reader', 'MEMBER') AS member`);
  expect(rows[0].member).toBe(true);
  expect(
    (await pg.sql<{ member: boolean }>(`SELECT pg_has_role(${quoteLit(name + "_clone")}, 'reporting_reader', 'USAGE') AS member`))[0].member,
  ).toBe(true);
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
  const { arn, name } = await appUser();
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
    const { arn, name, password, value, dbname } = await appUser();
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
    const { arn, name, value } = await appUser();
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
    const { arn, name } = await appUser();
    await withEnv({ MASTER_SECRET_ARN: masterArn }, () => h.rotate(arn));
    expect(current(arn)).toMatchObject({ username: `${name}_clone`, masterarn: masterArn });
    expect(await pg.canLogin(current(arn).username, current(arn).password, current(arn).dbname)).toBe(true);
  });

  it("uses the allowed master for a value without masterarn", async () => {
    const { arn, name, value } = await appUser();
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
    const { arn, name, value } = await appUser();
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
    const { arn, name } = await appUser();
    await withEnv(unset, () => h.rotate(arn));
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(strategies(arn)).toEqual(["postgres/implied-by-value"]);
    expect(implied(arn)).toEqual(["ROTATION_STRATEGY is not set; the value has masterarn: postgres/alternating-users."]);
  });

  it("rotates a single user for a value without masterarn", async () => {
    const { arn, name, password, value, dbname } = await appUser();
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
    const { arn, name, password, value, dbname } = await appUser();
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify({ ...value, masterarn: 42 }) });
    const rotation = withEnv(unset, () => h.rotate(arn, randomUUID(), { stepAttempts: 1, rotationAttempts: 1 }));
    await expect(rotation).rejects.toThrow(/has a bad "masterarn": expected a string/);
    expect(await pg.canLogin(name, password, dbname)).toBe(true);
  });

  it("with MASTER_SECRET_ARN, rotates alternating users with that master even without masterarn, and refuses another master", async () => {
    const { arn, name, value } = await appUser();
    const { masterarn: _m, ...withoutMaster } = value;
    env.fake.putSecretValue({ SecretId: arn, ClientRequestToken: randomUUID(), SecretString: JSON.stringify(withoutMaster) });
    await withEnv({ ...unset, MASTER_SECRET_ARN: masterArn }, () => h.rotate(arn));
    expect(current(arn).username).toBe(`${name}_clone`);
    expect(implied(arn)).toEqual(["ROTATION_STRATEGY is not set; MASTER_SECRET_ARN is set: postgres/alternating-users."]);

    // A foreign masterarn is refused, not rotated as a single user either.
    const other = await appUser();
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
