// The Azure rotation function for postgres secrets, single-user and alternating-users, against a real PostgreSQL
// server (one per file) with two masters: the superuser, and an Azure-like master as Azure Database for PostgreSQL
// flexible server has it (not SUPERUSER: CREATEROLE and a member of azure_pg_admin, granted the application's role).
// Key Vault is the REST fake with the real SDK client; events are delivered as Event Grid delivers them.
import { randomUUID } from "node:crypto";
import { Client } from "pg";
import { AzureRotatedSecret } from "../config/azure-rotation";
import { COMPANION_SUFFIX, ROTATION_TAGS, UNSET_MARKER } from "../lambda/azure/key-vault-store";
import { NEAR_EXPIRY } from "../lambda/azure/rotate";
import { markerFor } from "../lambda/postgres/pair-roles";
import { expectNoSecretInAzureLogs, setupAzureRotationEnv } from "./helpers/azure-rotation-env";
import { HOSTILE_POSTGRES_VALUES } from "./helpers/postgres-hostile-values";
import { PostgresInstall, PostgresServer, postgresInstalls, startPostgres, type PgValue } from "./helpers/postgres";

jest.setTimeout(60_000);

const env = setupAzureRotationEnv();
let pg: PostgresServer;
let evil: PostgresServer;
const FLEX_ADMIN = "flex_admin";
const SUPER_MASTER = "dbadmin--master";
const FLEX_MASTER = "dbadmin--flex";
const victimPassword = `Victim-${randomUUID()}`;
const evilPassword = `Evil-${randomUUID()}`;
env.mustNotLog.push(victimPassword, evilPassword);

type MasterKind = "superuser" | "Azure-like";
const MASTERS: MasterKind[] = ["superuser", "Azure-like"];
const masterSecretFor = (kind: MasterKind) => (kind === "superuser" ? SUPER_MASTER : FLEX_MASTER);

const quoteIdent = (s: string) => `"${s.replace(/"/g, '""')}"`;
const quoteLit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const TERRAFORM_TAGS = { app: "app", type: "postgres", "managed-by": "secrets-platform" };

beforeAll(async () => {
  [pg, evil] = await Promise.all([startPostgres(), startPostgres()]);
  env.mustNotLog.push(pg.superuser.password);
  await evil.sql(`CREATE ROLE victim LOGIN PASSWORD ${quoteLit(evilPassword)}`);
  await pg.sql(`CREATE ROLE victim LOGIN PASSWORD ${quoteLit(victimPassword)}`);
  // Azure's flexible server: the administrator is a member of azure_pg_admin with CREATEROLE and CREATEDB, not a superuser.
  const flexPassword = `Flex-${randomUUID()}`;
  env.mustNotLog.push(flexPassword);
  await useServer(pg, flexPassword);
});

/** Prepares `server` as an Azure flexible server has it and points the two master secrets at it (a new version each). */
async function useServer(server: PostgresServer, flexPassword: string): Promise<void> {
  await server.sql(`CREATE ROLE azure_pg_admin NOLOGIN; CREATE ROLE ${FLEX_ADMIN} LOGIN CREATEROLE CREATEDB PASSWORD ${quoteLit(flexPassword)} IN ROLE azure_pg_admin`);
  const master = (username: string, password: string) =>
    JSON.stringify({ engine: "postgres", host: server.host, port: server.port, dbname: "postgres", username, password });
  env.vault.put(SUPER_MASTER, master("postgres", server.superuser.password), { contentType: "application/json" });
  env.vault.put(FLEX_MASTER, master(FLEX_ADMIN, flexPassword), { contentType: "application/json" });
}
afterAll(() => {
  pg?.destroy();
  evil?.destroy();
  expectNoSecretInAzureLogs(env);
});

let counter = 0;
/** An application user, its secret as Terraform creates it (the marker), and its entry in ROTATION_SECRETS. */
async function appSecret(settings: Omit<AzureRotatedSecret & { type: "postgres" }, "type" | "everyDays">, master: MasterKind = "Azure-like") {
  const user = `az_app_${++counter}`;
  const password = `Initial-${randomUUID()}`;
  env.mustNotLog.push(password);
  await pg.sql(`CREATE ROLE ${quoteIdent(user)} LOGIN PASSWORD ${quoteLit(password)}`);
  // WITH ADMIN OPTION: PostgreSQL 16+ needs it for a CREATEROLE master to alter the role (docs/rotation.md); 15 takes it.
  if (master === "Azure-like") await pg.sql(`GRANT ${quoteIdent(user)} TO ${FLEX_ADMIN} WITH ADMIN OPTION`);
  const name = `app--db-${counter}`;
  env.settings = { ...env.settings, [name]: { type: "postgres", everyDays: 30, ...settings } };
  env.vault.put(name, UNSET_MARKER, { contentType: "application/json", tags: TERRAFORM_TAGS });
  const value: PgValue = { engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username: user, password };
  return { name, user, password, value };
}

/** A person puts the first value: a new version, and its SecretNewVersionCreated event. */
function personPuts(name: string, value: Record<string, unknown>) {
  env.vault.put(name, JSON.stringify(value), { contentType: "application/json", tags: TERRAFORM_TAGS });
  return env.vault.events.at(-1)!;
}

const latest = (name: string) => JSON.parse(env.vault.latest(name)!.value) as PgValue;

async function logsIn(v: Pick<PgValue, "username" | "password">): Promise<boolean> {
  return pg.canLogin(v.username, v.password);
}

async function actsAs(v: PgValue): Promise<string> {
  const c = new Client({ host: pg.host, port: pg.port, user: v.username, password: v.password, database: v.dbname });
  await c.connect();
  try {
    return (await c.query("SELECT current_user AS u")).rows[0].u;
  } finally {
    await c.end();
  }
}

/** Every role with its password hash, memberships and settings. */
async function clusterState() {
  return pg.sql(
    `SELECT r.rolname, a.rolpassword, r.rolcanlogin, r.rolcreaterole, shobj_description(r.oid, 'pg_authid') AS comment,
            (SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid) AS member_of,
            (SELECT array_agg(c ORDER BY c) FROM pg_db_role_setting s, unnest(s.setconfig) c WHERE s.setrole = r.oid) AS config
       FROM pg_roles r JOIN pg_authid a ON a.oid = r.oid ORDER BY r.rolname`,
  );
}

describe("single-user", () => {
  it("waits for a person while the secret holds Terraform's marker: a log line, no write, no database change", async () => {
    const app = await appSecret({ strategy: "single-user" });
    const writes = env.vault.calls.filter((c) => c.method === "PUT").length;
    await expect(env.deliver(env.vault.events.at(-1))).resolves.toBe("waiting-for-person");
    expect(env.vault.calls.filter((c) => c.method === "PUT").length).toBe(writes);
    expect(await logsIn(app.value)).toBe(true);
    const line = env.capture.json().find((l) => l.event === "waiting-for-person" && l.secretId === app.name);
    expect(line?.message).toMatch(/az keyvault secret set --vault-name kv-rotation-test --name app--db-\d+/);
  });

  it("rotates as soon as a person puts the first value, then on near-expiry; the old password stops working", async () => {
    const app = await appSecret({ strategy: "single-user" });
    await expect(env.deliver(personPuts(app.name, app.value))).resolves.toBe("rotated");
    const first = latest(app.name);
    expect(first).toMatchObject({ ...app.value, password: expect.any(String) });
    expect(first.password).not.toBe(app.password);
    expect(await logsIn(first)).toBe(true);
    expect(await logsIn(app.value)).toBe(false);
    expect(env.vault.latest(app.name)!.tags).toMatchObject({ ...TERRAFORM_TAGS, [ROTATION_TAGS.strategy]: "postgres/single-user" });

    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, app.name))).resolves.toBe("rotated");
    const second = latest(app.name);
    expect(second.password).not.toBe(first.password);
    expect(await logsIn(second)).toBe(true);
    expect(await logsIn(first)).toBe(false);
  });

  it.each(["createSecret", "setSecret", "testSecret"] as const)("a crash after %s converges on the redelivery", async (crashAfter) => {
    const app = await appSecret({ strategy: "single-user" });
    await env.deliver(personPuts(app.name, app.value));
    const event = env.vault.event(NEAR_EXPIRY, app.name);
    await expect(env.deliver(event, { afterStep: (s) => { if (s === crashAfter) throw new Error("simulated crash"); } })).rejects.toThrow(/simulated crash/);
    await expect(env.deliver(event)).resolves.toBe("rotated");
    expect(await logsIn(latest(app.name))).toBe(true);
  });

  it("a person's password that no longer works fails the rotation and leaves the secret as it was", async () => {
    const app = await appSecret({ strategy: "single-user" });
    const event = personPuts(app.name, { ...app.value, password: `wrong-${randomUUID()}` });
    const before = env.vault.latest(app.name)!.id;
    await expect(env.deliver(event)).rejects.toMatchObject({ code: "NO_WORKING_PASSWORD" });
    expect(env.vault.latest(app.name)!.id).toBe(before);
    expect(await logsIn(app.value)).toBe(true);
  });
});

describe.each(MASTERS)("alternating users with a %s master", (kind) => {
  it("alternates user and clone, and readers log in at every moment of every rotation", async () => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: masterSecretFor(kind) }, kind);
    const seen: boolean[] = [];
    const check = async () => {
      seen.push(await logsIn(latest(app.name)));
    };
    await expect(env.deliver(personPuts(app.name, app.value), { afterStep: check })).resolves.toBe("rotated");
    expect(latest(app.name).username).toBe(`${app.user}_clone`);
    // The clone is this secret's: the marker names the secret's Key Vault id.
    const [{ comment }] = await pg.sql<{ comment: string }>(`SELECT shobj_description(oid, 'pg_authid') AS comment FROM pg_roles WHERE rolname = ${quoteLit(app.user + "_clone")}`);
    expect(comment).toBe(markerFor(`${env.vault.url}/secrets/${app.name}`));
    expect(await actsAs(latest(app.name))).toBe(app.user);
    // The previous user keeps working until the next rotation.
    expect(await logsIn(app.value)).toBe(true);
    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, app.name), { afterStep: check })).resolves.toBe("rotated");
    expect(latest(app.name).username).toBe(app.user);
    expect(seen).toEqual(Array(8).fill(true));
  });

  it.each(["createSecret", "setSecret", "testSecret"] as const)("a crash after %s converges on the redelivery", async (crashAfter) => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: masterSecretFor(kind) }, kind);
    const event = personPuts(app.name, app.value);
    await expect(env.deliver(event, { afterStep: (s) => { if (s === crashAfter) throw new Error("simulated crash"); } })).rejects.toThrow(/simulated crash/);
    expect(await logsIn(latest(app.name))).toBe(true);
    await expect(env.deliver(event)).resolves.toBe("rotated");
    expect(latest(app.name).username).toBe(`${app.user}_clone`);
    expect(await logsIn(latest(app.name))).toBe(true);
  });

  it("a duplicate delivered at the same time makes one rotation", async () => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: masterSecretFor(kind) }, kind);
    const event = personPuts(app.name, app.value);
    const count = env.vault.secrets.get(app.name)!.length;
    const outcomes = await Promise.all([env.deliver(event), env.deliver(event)]);
    expect(outcomes.sort()).toEqual(["ignored", "rotated"]);
    expect(env.vault.secrets.get(app.name)).toHaveLength(count + 1);
    expect(await logsIn(latest(app.name))).toBe(true);
  });
});

describe("hostile values (the confused-deputy cases of the Lambda's tests): nothing outside the secret's pair changes", () => {
  it.each(HOSTILE_POSTGRES_VALUES.map((c) => [c.what, c] as const))("refuses %s", async (_what, hostile) => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: FLEX_MASTER });
    await hostile.setup?.({ sql: (text) => pg.sql(text), app: app.user, victimPassword });
    const event = personPuts(app.name, { ...app.value, ...hostile.changes({ master: FLEX_ADMIN, evilPort: evil.port, evilPassword }) });
    const before = await clusterState();
    const latestBefore = env.vault.latest(app.name)!.id;
    const failure = await env.deliver(event).then(
      () => undefined,
      (e: { code?: string }) => e,
    );
    expect(failure?.code).toMatch(hostile.code);
    expect(await clusterState()).toEqual(before);
    expect(await pg.canLogin("victim", victimPassword)).toBe(true);
    expect(env.vault.latest(app.name)!.id).toBe(latestBefore);
  });

  it("refuses a masterarn naming another master than the settings' masterSecret, changing nothing", async () => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: FLEX_MASTER });
    const before = await clusterState();
    const event = personPuts(app.name, { ...app.value, masterarn: SUPER_MASTER });
    await expect(env.deliver(event)).rejects.toMatchObject({ code: "MASTER_NOT_ALLOWED", message: expect.stringContaining("masterSecret in ROTATION_SECRETS") });
    expect(await clusterState()).toEqual(before);
  });

  it("accepts a masterarn that is the settings' masterSecret", async () => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: FLEX_MASTER });
    await expect(env.deliver(personPuts(app.name, { ...app.value, masterarn: FLEX_MASTER }))).resolves.toBe("rotated");
    expect(latest(app.name)).toMatchObject({ username: `${app.user}_clone`, masterarn: FLEX_MASTER });
  });

  it("fails, changing nothing, when the master secret cannot be read (no Key Vault Secrets User role on it)", async () => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: FLEX_MASTER });
    env.vault.fault = (method, name) => (name === FLEX_MASTER ? { status: 403, code: "Forbidden", message: "Caller is not authorized to perform action on resource." } : undefined);
    const before = await clusterState();
    try {
      await expect(env.deliver(personPuts(app.name, app.value))).rejects.toThrow(/Key Vault Secrets User/);
    } finally {
      env.vault.fault = undefined;
    }
    expect(await clusterState()).toEqual(before);
    expect(JSON.parse(env.vault.latest(app.name)!.value)).toEqual(app.value);
  });

  it("a master secret still holding the marker is a clear failure", async () => {
    env.vault.put("dbadmin--unset", UNSET_MARKER);
    const app = await appSecret({ strategy: "alternating-users", masterSecret: "dbadmin--unset" });
    await expect(env.deliver(personPuts(app.name, app.value))).rejects.toMatchObject({ code: "MASTER_SECRET_UNSET" });
  });

  it("never leaves a pending value readable under the secret's own name", () => {
    for (const [name, versions] of env.vault.secrets) {
      if (!name.startsWith("app--")) continue;
      if (name.endsWith(COMPANION_SUFFIX)) continue;
      expect(versions.every((v) => v.enabled)).toBe(true);
    }
  });
});

// Issue 21's Azure cases on every server version the machine has (15, 16, 17): each block gets its own server, which
// the file's helpers (appSecret, logsIn) and the master secrets point at while it runs.
describe.each(postgresInstalls().map((i) => [`PostgreSQL ${i.version} (${i.source})`, i] as const))("issue 21 on %s: Key Vault's tag limit, a person's edit during an interrupted rotation, Azure's own commands in messages", (_name, install: PostgresInstall) => {
  let fileServer: PostgresServer;
  let server: PostgresServer;
  let fileFlexPassword: string;
  beforeAll(async () => {
    fileServer = pg;
    server = await startPostgres({ install });
    env.mustNotLog.push(server.superuser.password);
    const flexPassword = `Flex-${randomUUID()}`;
    env.mustNotLog.push(flexPassword);
    fileFlexPassword = JSON.parse(env.vault.latest(FLEX_MASTER)!.value).password;
    await useServer(server, flexPassword);
    pg = server;
  });
  afterAll(() => {
    pg = fileServer;
    // The masters point at the file's server again.
    const master = (username: string, password: string) =>
      JSON.stringify({ engine: "postgres", host: pg.host, port: pg.port, dbname: "postgres", username, password });
    env.vault.put(SUPER_MASTER, master("postgres", pg.superuser.password), { contentType: "application/json" });
    env.vault.put(FLEX_MASTER, master(FLEX_ADMIN, fileFlexPassword), { contentType: "application/json" });
    server?.destroy();
  });

  /** A person's version with `count` tags in all (Terraform's three and theirs). */
  const tagsOf = (count: number) => ({ ...TERRAFORM_TAGS, ...Object.fromEntries(Array.from({ length: count - 3 }, (_, i) => [`team-tag-${i}`, `v${i}`])) });

  it("the Key Vault fake refuses a 16th tag, as Key Vault documents (about-secrets#secret-tags), over REST and for a test's own writes", async () => {
    expect(pg.version).toBe(install.version);
    await expect(env.client().setSecret("app--tag-limit", "v", { tags: tagsOf(16) })).rejects.toMatchObject({ statusCode: 400, code: "BadParameter" });
    await expect(env.client().setSecret("app--tag-limit", "v", { tags: tagsOf(15) })).resolves.toBeDefined();
    expect(() => env.vault.put("app--tag-limit", "v", { tags: tagsOf(16) })).toThrow(/maximum of 15/);
  });

  it.each(["single-user", "alternating-users"] as const)("%s: a person's version with 12 tags rotates, keeps every tag, and the published password works", async (strategy) => {
    const app = await appSecret(strategy === "single-user" ? { strategy } : { strategy, masterSecret: FLEX_MASTER });
    env.vault.put(app.name, JSON.stringify(app.value), { contentType: "application/json", tags: tagsOf(12) });
    await expect(env.deliverUntilDone(env.vault.events.at(-1))).resolves.toBe("rotated");
    const published = env.vault.latest(app.name)!;
    expect(published.tags).toMatchObject(tagsOf(12));
    // Key Vault's limit (about-secrets#secret-tags) holds for every version the function wrote.
    expect(Object.keys(published.tags).length).toBeLessThanOrEqual(15);
    expect(await logsIn(latest(app.name))).toBe(true);
  });

  it("a person's version with 15 tags (no room for the function's state) is refused before the database changes", async () => {
    const app = await appSecret({ strategy: "single-user" });
    env.vault.put(app.name, JSON.stringify(app.value), { contentType: "application/json", tags: tagsOf(15) });
    const before = env.vault.latest(app.name)!.id;
    const failure = await env.deliver(env.vault.events.at(-1)).then(() => undefined, (e: { code?: string; message?: string }) => e);
    expect(failure).toMatchObject({ code: "TAG_LIMIT", message: expect.stringContaining("az keyvault secret set-attributes") });
    expect(env.vault.latest(app.name)!.id).toBe(before);
    // The password a person gave is still the database's: nothing was changed for a write that could not land.
    expect(await logsIn(app.value)).toBe(true);
  });

  it("single-user: a person's edit while a rotation is interrupted after setSecret recovers from the function's own pending value", async () => {
    const app = await appSecret({ strategy: "single-user" });
    await expect(env.deliver(personPuts(app.name, app.value))).resolves.toBe("rotated");
    const before = latest(app.name);
    const event = env.vault.event(NEAR_EXPIRY, app.name);
    await expect(env.deliver(event, { afterStep: (s) => { if (s === "setSecret") throw new Error("simulated crash"); } })).rejects.toThrow(/simulated crash/);
    expect(await logsIn(before)).toBe(false); // the database has the pending password now
    // A person edits the secret (a field of theirs), copying the password that was current: it no longer works.
    const edit = personPuts(app.name, { ...before, note: "edited by a person" });
    await expect(env.deliverUntilDone(edit)).resolves.toBe("rotated");
    const now = latest(app.name);
    expect(now.note).toBe("edited by a person");
    expect(await logsIn(now)).toBe(true);
    // The stale delivery of the interrupted rotation changes nothing now.
    await expect(env.deliver(event)).resolves.toBe("ignored");
    expect(await logsIn(latest(app.name))).toBe(true);
  });

  it("the publishing write lands even when a person's 15-tag version arrives after the database changed: their tags kept, the function's left off", async () => {
    const app = await appSecret({ strategy: "single-user" });
    await expect(env.deliver(personPuts(app.name, app.value))).resolves.toBe("rotated");
    const event = env.vault.event(NEAR_EXPIRY, app.name);
    // The database gets the pending password at setSecret; then, before testSecret, a person tags a new version fully.
    const person = { ...latest(app.name), note: "a person's edit" };
    const afterStep = (s: string) => {
      if (s === "setSecret") env.vault.put(app.name, JSON.stringify(person), { contentType: "application/json", tags: tagsOf(15) });
    };
    // Their version is the latest now: this delivery's event is stale on redelivery, so the steps run in this one.
    await expect(env.deliver(event, { afterStep })).resolves.toBe("rotated");
    const published = env.vault.latest(app.name)!;
    expect(published.tags).toEqual(tagsOf(15));
    expect(await logsIn(latest(app.name))).toBe(true);
  });

  it("alternating users: a current password that does not log in names Azure's command", async () => {
    const app = await appSecret({ strategy: "alternating-users", masterSecret: FLEX_MASTER });
    const failure = await env.deliver(personPuts(app.name, { ...app.value, password: `wrong-${randomUUID()}` })).then(() => undefined, (e: { code?: string; message?: string }) => e);
    expect(failure?.code).toBe("CURRENT_LOGIN_FAILED");
    expect(failure?.message).toContain(`az keyvault secret set --vault-name kv-rotation-test --name ${app.name}`);
    expect(failure?.message).not.toMatch(/secretsmanager/);
  });

  it("single-user: no working password names Azure's command, not Secrets Manager's", async () => {
    const app = await appSecret({ strategy: "single-user" });
    const event = personPuts(app.name, { ...app.value, password: `wrong-${randomUUID()}` });
    const failure = await env.deliver(event).then(() => undefined, (e: { code?: string; message?: string }) => e);
    expect(failure?.code).toBe("NO_WORKING_PASSWORD");
    expect(failure?.message).toContain(`az keyvault secret set --vault-name kv-rotation-test --name ${app.name}`);
    expect(failure?.message).not.toMatch(/secretsmanager/);
  });
});
