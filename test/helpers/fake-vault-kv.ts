// A Vault KV version 2 stand-in speaking Vault's HTTP API on 127.0.0.1 (plain HTTP), as documented at
// https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2:
// - GET  /v1/<mount>/data/<path>: the latest version, {data: {data, metadata: {version, ...}}}; 404 {errors: []} when
//   the path has no version;
// - GET  /v1/<mount>/metadata/<path>: {data: {current_version, versions}}; 404 when nothing was ever written;
// - POST /v1/<mount>/data/<path> with {options: {cas}, data}: a new version; with cas_required on the mount (as the
//   platform sets it), a write without cas is refused, cas 0 writes only where no version exists and cas N only when
//   the current version is N ("check-and-set parameter did not match the current version");
// - every request needs X-Vault-Token; an unknown token or a path the token may not write is 403
//   {"errors": ["permission denied"]}.
import * as http from "node:http";
import { closeServer, listenOnLoopback } from "./loopback-server";

export interface FakeKvV2Version {
  readonly version: number;
  readonly data: Record<string, unknown>;
}

export interface VaultCall {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}

export class FakeVaultKv {
  /** Versions by "<mount>/<path>", oldest first. */
  readonly secrets = new Map<string, FakeKvV2Version[]>();
  readonly calls: VaultCall[] = [];
  /** Answers 403 to writes of these "<mount>/<path>" (a policy without create/update there). */
  readonly denyWrite = new Set<string>();
  private server?: http.Server;
  url = "";

  constructor(
    readonly token: string = "hvs.fake-token-for-tests",
    readonly mounts: readonly string[] = ["secret"],
  ) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req, Buffer.concat(chunks).toString("utf8"), res));
    });
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
  }

  /** Puts a version directly (as a person with `vault kv put` would). */
  put(mount: string, path: string, data: Record<string, unknown>): number {
    const key = `${mount}/${path}`;
    const versions = this.secrets.get(key) ?? [];
    versions.push({ version: versions.length + 1, data: structuredClone(data) });
    this.secrets.set(key, versions);
    return versions.length;
  }

  latest(mount: string, path: string): FakeKvV2Version | undefined {
    return this.secrets.get(`${mount}/${path}`)?.at(-1);
  }

  /** Every value string held, for leak checks. */
  secretStrings(): string[] {
    return [...this.secrets.values()].flatMap((vs) => vs.flatMap((v) => Object.values(v.data).map(String)));
  }

  private handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
    const method = req.method ?? "GET";
    const url = new URL(req.url ?? "/", "http://localhost");
    const reply = (status: number, payload?: unknown) => {
      this.calls.push({ method, path: url.pathname, status });
      res.writeHead(status, { "Content-Type": "application/json" });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };
    if (req.headers["x-vault-token"] !== this.token) return reply(403, { errors: ["permission denied"] });
    const m = /^\/v1\/([^/]+)\/(data|metadata)\/(.+)$/.exec(url.pathname);
    if (!m || !this.mounts.includes(m[1])) return reply(404, { errors: [] });
    const [, mount, kind, path] = m;
    const key = `${mount}/${path}`;
    const versions = this.secrets.get(key) ?? [];
    if (method === "GET" && kind === "data") {
      const latest = versions.at(-1);
      if (!latest) return reply(404, { errors: [] });
      return reply(200, { data: { data: latest.data, metadata: { version: latest.version, deletion_time: "", destroyed: false, custom_metadata: null } } });
    }
    if (method === "GET" && kind === "metadata") {
      if (versions.length === 0) return reply(404, { errors: [] });
      return reply(200, { data: { current_version: versions.length, max_versions: 0, versions: Object.fromEntries(versions.map((v) => [String(v.version), { destroyed: false }])) } });
    }
    if ((method === "POST" || method === "PUT") && kind === "data") {
      if (this.denyWrite.has(key)) return reply(403, { errors: ["1 error occurred:\n\t* permission denied\n\n"] });
      let parsed: { options?: { cas?: number }; data?: Record<string, unknown> };
      try {
        parsed = JSON.parse(body);
      } catch {
        return reply(400, { errors: ["error parsing JSON"] });
      }
      if (!parsed.data || typeof parsed.data !== "object") return reply(400, { errors: ["no data provided"] });
      const cas = parsed.options?.cas;
      if (cas === undefined) return reply(400, { errors: ["check-and-set parameter required for this call"] });
      if (cas !== versions.length) return reply(400, { errors: ["check-and-set parameter did not match the current version"] });
      const version = this.put(mount, path, parsed.data);
      return reply(200, { data: { version, created_time: new Date(0).toISOString(), deletion_time: "", destroyed: false } });
    }
    return reply(405, { errors: [] });
  }
}
