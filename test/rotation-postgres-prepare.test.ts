// The database preparation that docs/rotation.md documents is the one tested: this file reads the
// SQL blocks from that page, runs them on a fresh cluster (the master's block as the superuser,
// the per-database blocks as that master, as on RDS), then rotates each strategy and checks that
// the application works with every user the rotation hands out; on every server version the machine has (15, 16, 17:
// 16 restricted CREATEROLE, so the documented ADMIN OPTION is what makes it work there).
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { handler } from "../lambda/postgres";
import { AWSCURRENT, AWSPREVIOUS } from "./helpers/fake-secrets-manager";
import { PostgresInstall, PostgresServer, postgresInstalls, startPostgres } from "./helpers/postgres";
import { RotationHarness } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

jest.setTimeout(60_000);

const DOC = path.join(__dirname, "..", "docs", "rotation.md");

/** The ```sql block that follows `<!-- sql:name -->` in docs/rotation.md. */
function documentedSql(name: string): string {
  const text = fs.readFileSync(DOC, "utf8");
  const match = new RegExp(`<!-- sql:${name} -->\\s*\`\`\`sql\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!match) throw new Error(`docs/rotation.md has no sql block "${name}"`);
  return match[1];
}

/** Statements of a block, comments removed; placeholders filled in. */
function statements(sql: string, fill: Record<string, string>): string[] {
  let out = sql.replace(/--.*$/gm, "");
  for (const [from, to] of Object.entries(fill)) out = out.split(from).join(to);
  return out.split(";").map((s) => s.trim()).filter(Boolean);
}

const env = setupRotationEnv();
const h = new RotationHarness(env.fake, handler);
afterEach(() => env.thrown.push(...h.thrownMessages.splice(0)));

describe.each(postgresInstalls().map((i) => [`PostgreSQL ${i.version} (${i.source})`, i] as const))("%s", (_name, install: PostgresInstall) => {
  let pg: PostgresServer;
  const saved = process.env.ROTATION_STRATEGY;
  const masterPassword = `Master-${randomUUID()}`;
  let masterArn: string;

  async function as<T>(user: string, password: string, database: string, run: (c: Client) => Promise<T>): Promise<T> {
    const c = new Client({ host: pg.host, port: pg.port, user, password, database });
    await c.connect();
    try {
      return await run(c);
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    pg = await startPostgres({ install });
    env.mustNotLog.push(pg.superuser.password, masterPassword);
    for (const s of statements(documentedSql("master"), { "<master password>": masterPassword })) await pg.sql(s);
    masterArn = env.fake.createSecret(`dev/dbadmin/master-${install.version}`, {
      value: { engine: "postgres", host: pg.host, port: pg.port, username: "dbadmin", password: masterPassword },
    });
  });
  afterAll(() => {
    pg?.destroy();
    if (saved === undefined) delete process.env.ROTATION_STRATEGY;
    else process.env.ROTATION_STRATEGY = saved;
  });

  it("documents a master that is not a superuser", async () => {
    expect(await pg.sql(`SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = 'dbadmin'`)).toEqual([{ rolsuper: false, rolcreaterole: true }]);
  });

  it.each(["single-user", "alternating-users"])("%s: the documented preparation, then three rotations; every user works and shares its objects", async (strategy) => {
    process.env.ROTATION_STRATEGY = strategy;
    const app = strategy === "single-user" ? "myapp_single" : "myapp";
    const password = `Initial-${randomUUID()}`;
    env.mustNotLog.push(password);
    // The documented block names `myapp`; the single-user run gives it its own name on this cluster.
    const fill = { "<password>": password, ...(app === "myapp" ? {} : { myapp: app }) };
    await as("dbadmin", masterPassword, "postgres", async (c) => {
      // PostgreSQL 16 restricted CREATEROLE: the page has a block for 16 and later.
      const block = strategy === "alternating-users" && install.version >= 16 ? "alternating-users-16" : strategy;
      for (const s of statements(documentedSql(block), fill)) await c.query(s);
    });
    await as(app, password, app, (c) => c.query("CREATE TABLE items (id serial PRIMARY KEY, v text)"));
    const arn = env.fake.createSecret(`dev/${app}/database-${install.version}`, {
      value: { engine: "postgres", host: pg.host, port: pg.port, dbname: app, username: app, password, ...(strategy === "alternating-users" ? { masterarn: masterArn } : {}) },
    });
    for (let round = 1; round <= 3; round++) {
      await h.rotate(arn);
      for (const stage of [AWSCURRENT, AWSPREVIOUS]) {
        const v = env.fake.valueAt<{ username: string; password: string }>(arn, stage)!;
        if (strategy === "single-user" && stage === AWSPREVIOUS) continue; // only the current password works
        await as(v.username, v.password, app, async (c) => {
          await c.query("INSERT INTO items (v) VALUES ($1)", [`${round} ${stage}`]);
          await c.query(`CREATE TABLE t_${round}_${stage.toLowerCase()} (id int)`);
        });
      }
      const current = env.fake.valueAt<{ username: string; password: string }>(arn, AWSCURRENT)!;
      await as(current.username, current.password, app, async (c) => {
        for (const t of (await c.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).rows) {
          await c.query(`INSERT INTO ${t.tablename} DEFAULT VALUES`);
        }
      });
    }
    if (strategy === "alternating-users") {
      const owners = await pg.sql<{ o: string }>(`SELECT DISTINCT tableowner AS o FROM pg_tables WHERE schemaname = 'public'`, app);
      expect(owners).toEqual([{ o: app }]);
    }
  });
});

afterAll(() => expectNoSecretInLogs(env));
