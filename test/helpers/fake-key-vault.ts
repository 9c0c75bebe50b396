// A Key Vault stand-in that speaks the data-plane REST API the real @azure/keyvault-secrets client uses, over HTTPS
// with a throwaway self-signed certificate (openssl, at test time) for `<vault>.vault.azure.net`, which the client's
// agent resolves to 127.0.0.1. So the client runs unmodified: its challenge authentication (a first request without
// body or token, answered 401 with a `WWW-Authenticate: Bearer authorization=..., resource=...` challenge, then the
// request again with a bearer token for `<resource>/.default`, checked against the vault's domain), the
// api-version query parameter, and its error handling (error bodies `{"error":{"code","message"}}`).
//
// Behaviour kept as Key Vault documents or is seen to do it:
// - PUT /secrets/<name> makes a new version (32 hex digits) that becomes the latest; GET /secrets/<name> (no
//   version) returns the latest; an unknown secret or version is 404 SecretNotFound;
// - a disabled version is 403 Forbidden, inner code SecretDisabled, on get (azure-sdk-for-js#24756);
// - GET /secrets/<name>/versions lists versions without values, in no particular order (sorted by id here);
// - PATCH /secrets/<name>/<version> updates attributes, content type and tags of that version only;
// - tags: "Key Vault supports up to 15 tags, each of which can have a 256 character name and a 256 character value"
//   (learn.microsoft.com/azure/key-vault/secrets/about-secrets#secret-tags): a PUT or PATCH beyond that is refused
//   with 400 BadParameter and nothing is written (the status and code are the service's usual ones for a bad request
//   body; the exact message is this fake's).
// Every new version is recorded as the SecretNewVersionCreated event Key Vault would publish to Event Grid.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as https from "node:https";
import type { AddressInfo, LookupFunction } from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const FAKE_TOKEN = "fake-bearer-token-for-tests";

/** Key Vault's documented tag limits per secret version (about-secrets#secret-tags). */
export const KV_MAX_TAGS = 15;
export const KV_MAX_TAG_CHARS = 256;

/** What Key Vault would say about these tags, or undefined when it accepts them. */
export function tagProblem(tags: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(tags ?? {});
  if (entries.length > KV_MAX_TAGS) return `The number of tags (${entries.length}) exceeds the maximum of ${KV_MAX_TAGS}.`;
  const long = entries.find(([k, v]) => k.length > KV_MAX_TAG_CHARS || String(v).length > KV_MAX_TAG_CHARS);
  if (long) return `Tag names and values are limited to ${KV_MAX_TAG_CHARS} characters.`;
  return undefined;
}

export interface FakeKvVersion {
  readonly id: string;
  readonly value: string;
  contentType?: string;
  tags: Record<string, string>;
  enabled: boolean;
  readonly created: number;
  updated: number;
  exp?: number;
  nbf?: number;
}

export interface KvCall {
  readonly method: string;
  readonly name: string;
  readonly version?: string;
  readonly status: number;
}

/** What a fault answers with instead of the operation (e.g. 403 for a missing role, 503 for an outage). */
export interface KvFault {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface KeyVaultEventGridEvent {
  readonly id: string;
  readonly topic: string;
  readonly subject: string;
  readonly eventType: string;
  readonly eventTime: string;
  readonly dataVersion: string;
  readonly data: { Id: string; VaultName: string; ObjectType: string; ObjectName: string; Version: string; NBF: number | null; EXP: number | null };
}

export class FakeKeyVault {
  readonly secrets = new Map<string, FakeKvVersion[]>();
  readonly calls: KvCall[] = [];
  /** SecretNewVersionCreated events, in the order the versions were made. */
  readonly events: KeyVaultEventGridEvent[] = [];
  fault?: (method: string, name: string) => KvFault | undefined;
  private server?: https.Server;
  private dir?: string;
  private ca?: Buffer;
  private port = 0;
  private clock = 1_700_000_000;

  constructor(readonly vaultName: string = "kv-rotation-test") {}

  get host(): string {
    return `${this.vaultName}.vault.azure.net`;
  }

  get url(): string {
    return `https://${this.host}:${this.port}`;
  }

  async start(): Promise<string> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "fake-kv-"));
    const key = path.join(this.dir, "key.pem");
    const cert = path.join(this.dir, "cert.pem");
    execFileSync("openssl", [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
      "-subj", `/CN=${this.host}`, "-addext", `subjectAltName=DNS:${this.host}`, "-keyout", key, "-out", cert,
    ], { stdio: "ignore" });
    this.ca = fs.readFileSync(cert);
    this.server = https.createServer({ key: fs.readFileSync(key), cert: this.ca }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => this.handle(req.method ?? "GET", req.url ?? "/", req.headers, Buffer.concat(chunks).toString("utf8"), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** An agent that trusts only the throwaway certificate and sends the vault's host name to 127.0.0.1. */
  agent(): https.Agent {
    const lookup = ((hostname: string, options: unknown, callback: (...args: unknown[]) => void) => {
      const cb = typeof options === "function" ? (options as typeof callback) : callback;
      const all = typeof options === "object" && options !== null && (options as { all?: boolean }).all;
      if (hostname !== this.host) return cb(new Error(`the test agent resolves only ${this.host}`));
      return all ? cb(null, [{ address: "127.0.0.1", family: 4 }]) : cb(null, "127.0.0.1", 4);
    }) as unknown as LookupFunction;
    return new https.Agent({ ca: this.ca, lookup, keepAlive: false });
  }

  /** Advances the fake's clock (versions' created/updated) by `seconds`. */
  tick(seconds = 1): void {
    this.clock += seconds;
  }

  latest(name: string): FakeKvVersion | undefined {
    const versions = this.secrets.get(name);
    return versions?.[versions.length - 1];
  }

  /** Stores a version directly, as Terraform or a person would (also records its event). */
  put(name: string, value: string, options: { contentType?: string; tags?: Record<string, string>; enabled?: boolean; exp?: number } = {}): FakeKvVersion {
    // A person's write goes through the same service: a test cannot give a version more tags than Key Vault takes.
    const badTags = tagProblem(options.tags);
    if (badTags) throw new Error(`Key Vault would refuse this version: ${badTags}`);
    this.tick();
    const version: FakeKvVersion = {
      id: randomBytes(16).toString("hex"),
      value,
      contentType: options.contentType,
      tags: { ...(options.tags ?? {}) },
      enabled: options.enabled ?? true,
      created: this.clock,
      updated: this.clock,
      exp: options.exp,
    };
    const versions = this.secrets.get(name) ?? [];
    versions.push(version);
    this.secrets.set(name, versions);
    this.events.push(this.event("Microsoft.KeyVault.SecretNewVersionCreated", name, version));
    return version;
  }

  /** The event Key Vault publishes for `name`'s latest version (or `version`). */
  event(eventType: string, name: string, version: FakeKvVersion = this.latest(name)!): KeyVaultEventGridEvent {
    return {
      id: randomBytes(16).toString("hex"),
      topic: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/${this.vaultName}`,
      subject: name,
      eventType,
      eventTime: new Date(this.clock * 1000).toISOString(),
      dataVersion: "1",
      data: {
        Id: `https://${this.vaultName}.vault.azure.net/secrets/${name}/${version.id}`,
        VaultName: this.vaultName,
        ObjectType: "Secret",
        ObjectName: name,
        Version: version.id,
        NBF: version.nbf ?? null,
        EXP: version.exp ?? null,
      },
    };
  }

  /** Every value ever stored, for the log-leak checks. */
  secretStrings(): string[] {
    return [...this.secrets.values()].flatMap((vs) => vs.map((v) => v.value));
  }

  private bundle(name: string, v: FakeKvVersion, withValue: boolean): Record<string, unknown> {
    return {
      ...(withValue ? { value: v.value } : {}),
      id: `https://${this.host}/secrets/${name}/${v.id}`,
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      tags: v.tags,
      attributes: {
        enabled: v.enabled,
        created: v.created,
        updated: v.updated,
        recoveryLevel: "Recoverable",
        recoverableDays: 90,
        ...(v.exp !== undefined ? { exp: v.exp } : {}),
        ...(v.nbf !== undefined ? { nbf: v.nbf } : {}),
      },
    };
  }

  private handle(method: string, rawUrl: string, headers: Record<string, string | string[] | undefined>, body: string, res: import("node:http").ServerResponse): void {
    const url = new URL(rawUrl, "https://x");
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...extra });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };
    const error = (status: number, code: string, message: string, inner?: string) =>
      send(status, { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } });
    const parts = url.pathname.split("/").filter(Boolean);
    const name = parts[1] ?? "";
    const sub = parts[2];
    const record = (status: number) => this.calls.push({ method, name, version: sub, status });

    if (headers.authorization !== `Bearer ${FAKE_TOKEN}`) {
      record(401);
      return send(401, { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } }, {
        "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"`,
      });
    }
    if (!url.searchParams.get("api-version")) {
      record(400);
      return error(400, "BadParameter", "The request URI contains an invalid API version.");
    }
    if (parts[0] !== "secrets" || !/^[0-9a-zA-Z-]{1,127}$/.test(name)) {
      record(400);
      return error(400, "BadParameter", "The request URI is not a secret's.");
    }
    const fault = this.fault?.(method, name);
    if (fault) {
      record(fault.status);
      return error(fault.status, fault.code, fault.message);
    }
    const versions = this.secrets.get(name);
    const notFound = () => {
      record(404);
      error(404, "SecretNotFound", `A secret with (name/id) ${name}${sub ? "/" + sub : ""} was not found in this key vault.`);
    };

    if (method === "PUT" && parts.length === 2) {
      let input: { value?: unknown; contentType?: string; tags?: Record<string, string>; attributes?: { enabled?: boolean; exp?: number; nbf?: number } };
      try {
        input = JSON.parse(body);
      } catch {
        record(400);
        return error(400, "BadParameter", "The request body is not JSON.");
      }
      if (typeof input.value !== "string") {
        record(400);
        return error(400, "BadParameter", "Property value is required.");
      }
      const badTags = tagProblem(input.tags);
      if (badTags) {
        record(400);
        return error(400, "BadParameter", badTags);
      }
      const v = this.put(name, input.value, { contentType: input.contentType, tags: input.tags, enabled: input.attributes?.enabled, exp: input.attributes?.exp });
      if (input.attributes?.nbf !== undefined) v.nbf = input.attributes.nbf;
      record(200);
      return send(200, this.bundle(name, v, true));
    }
    if (method === "GET" && sub === "versions" && parts.length === 3) {
      if (!versions) return notFound();
      record(200);
      const items = [...versions].sort((a, b) => (a.id < b.id ? -1 : 1)).map((v) => this.bundle(name, v, false));
      return send(200, { value: items, nextLink: null });
    }
    if (method === "GET" && parts.length <= 3) {
      const v = sub ? versions?.find((x) => x.id === sub) : versions?.[versions.length - 1];
      if (!v) return notFound();
      if (!v.enabled) {
        record(403);
        return error(403, "Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled");
      }
      record(200);
      return send(200, this.bundle(name, v, true));
    }
    if (method === "PATCH" && parts.length === 3) {
      const v = versions?.find((x) => x.id === sub);
      if (!v) return notFound();
      const input = JSON.parse(body || "{}") as { contentType?: string; tags?: Record<string, string>; attributes?: { enabled?: boolean; exp?: number; nbf?: number } };
      const badTags = tagProblem(input.tags);
      if (badTags) {
        record(400);
        return error(400, "BadParameter", badTags);
      }
      if (input.contentType !== undefined) v.contentType = input.contentType;
      if (input.tags !== undefined) v.tags = { ...input.tags };
      if (input.attributes?.enabled !== undefined) v.enabled = input.attributes.enabled;
      if (input.attributes?.exp !== undefined) v.exp = input.attributes.exp;
      if (input.attributes?.nbf !== undefined) v.nbf = input.attributes.nbf;
      v.updated = this.clock;
      record(200);
      return send(200, this.bundle(name, v, false));
    }
    record(405);
    return error(405, "MethodNotAllowed", `${method} is not supported here.`);
  }
}
