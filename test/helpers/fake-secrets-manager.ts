// A Secrets Manager stand-in that speaks the service's real wire protocol (awsJson1_1: POST /,
// `X-Amz-Target: secretsmanager.<Operation>`) on 127.0.0.1, so the real SDK client, and the built
// bundles, talk to it through AWS_ENDPOINT_URL_SECRETS_MANAGER.
//
// It keeps versions and staging labels as Secrets Manager documents them:
// - a staging label is on at most one version; putting or moving it takes it off the other one;
// - whenever AWSCURRENT moves, AWSPREVIOUS goes to the version AWSCURRENT left;
// - PutSecretValue with an existing ClientRequestToken: same value = no-op, other value = error;
// - UpdateSecretVersionStage needs RemoveFromVersionId (and it must match) when the label is
//   on another version; a version left without labels is deprecated (no longer listed by
//   DescribeSecret, still readable by id);
// - RotateSecret attaches AWSPENDING to a new, empty version whose id is the ClientRequestToken,
//   and refuses while AWSPENDING is on another version than AWSCURRENT ("previous rotation isn't
//   complete"), unless the request is the retry of that same rotation;
// - RotateSecret with RotateImmediately=false (Terraform's `rotate_immediately = false`) only tests
//   the configuration: it labels a new, empty version AWSPENDING, invokes the rotation function for
//   testSecret alone, then removes that version, and fails when the function fails. That is what
//   AWS documents ("the test creates an AWSPENDING version of the secret and then removes it"); the
//   error AWS answers with when the test fails is not documented, so the one here is a stand-in.
//   The function is one registered in `functions` under the secret's RotationLambdaARN.
// Steps of an immediate rotation are not invoked here: tests drive them (see rotation-harness).
// Signatures are not checked.
import { randomBytes, randomInt, randomUUID } from "node:crypto";
import * as http from "node:http";
import { closeServer, listenOnLoopback } from "./loopback-server";

export const AWSCURRENT = "AWSCURRENT";
export const AWSPENDING = "AWSPENDING";
export const AWSPREVIOUS = "AWSPREVIOUS";

const REGION = "us-east-1";
const ACCOUNT = "111111111111";

export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export interface FakeVersion {
  readonly id: string;
  value?: string;
  readonly stages: Set<string>;
  readonly created: number;
}

export interface FakeSecret {
  readonly arn: string;
  readonly name: string;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  tags: Record<string, string>;
  readonly versions: Map<string, FakeVersion>;
}

export interface RecordedCall {
  readonly op: string;
  readonly input: Record<string, unknown>;
  readonly error?: string;
}

/** A rotation function, as the fake invokes it (the event Secrets Manager sends). */
export type RotationFunction = (event: { Step: string; SecretId: string; ClientRequestToken: string }) => Promise<unknown>;

/** Returns an error to answer with instead of running the operation, or undefined. */
export type FaultInjector = (op: string, input: Record<string, unknown>) => AwsError | undefined;

const PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const UPPER = LOWER.toUpperCase();
const DIGITS = "0123456789";

export class FakeSecretsManager {
  readonly secrets = new Map<string, FakeSecret>();
  readonly calls: RecordedCall[] = [];
  /** Rotation functions by ARN, for RotateSecret's configuration test (RotateImmediately=false). */
  readonly functions = new Map<string, RotationFunction>();
  /** Every password GetRandomPassword returned. */
  readonly generatedPasswords: string[] = [];
  private readonly faults: FaultInjector[] = [];
  private server?: http.Server;
  private clock = 1_700_000_000;
  url = "";

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => this.serve(req, res));
    this.url = await listenOnLoopback(this.server);
    return this.url;
  }

  async stop(): Promise<void> {
    await closeServer(this.server);
    this.server = undefined;
  }

  /** Adds a fault; returns a function that removes it. */
  inject(fault: FaultInjector): () => void {
    this.faults.push(fault);
    return () => {
      const i = this.faults.indexOf(fault);
      if (i >= 0) this.faults.splice(i, 1);
    };
  }

  /** Creates a secret directly (as Terraform would): optionally with a first value as AWSCURRENT. */
  createSecret(name: string, options: { value?: unknown; tags?: Record<string, string>; rotationEnabled?: boolean } = {}): string {
    if (this.secrets.has(name)) throw new Error(`secret ${name} exists`);
    const suffix = randomBytes(6).toString("base64url").replace(/[-_]/g, "x").slice(0, 6);
    const secret: FakeSecret = {
      arn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-${suffix}`,
      name,
      rotationEnabled: options.rotationEnabled ?? true,
      tags: { ...(options.tags ?? {}) },
      versions: new Map(),
    };
    this.secrets.set(name, secret);
    if (options.value !== undefined) {
      this.putSecretValue({
        SecretId: name,
        ClientRequestToken: randomUUID(),
        SecretString: typeof options.value === "string" ? options.value : JSON.stringify(options.value),
      });
    }
    return secret.arn;
  }

  find(secretId: string): FakeSecret {
    for (const secret of this.secrets.values()) {
      if (secretId === secret.name || secretId === secret.arn) return secret;
      // A partial ARN (without the random suffix) names the secret too.
      if (secret.arn.startsWith(secretId + "-") && secretId.startsWith("arn:") && secret.arn.length === secretId.length + 7) return secret;
    }
    throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
  }

  /** Version id -> labels, for versions with labels (what DescribeSecret lists). */
  labels(secretId: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const v of this.find(secretId).versions.values()) if (v.stages.size) out[v.id] = [...v.stages].sort();
    return out;
  }

  versionWith(secretId: string, stage: string): FakeVersion | undefined {
    return [...this.find(secretId).versions.values()].find((v) => v.stages.has(stage));
  }

  /** The parsed value of the version holding `stage`, or undefined. */
  valueAt<T = Record<string, unknown>>(secretId: string, stage: string): T | undefined {
    const v = this.versionWith(secretId, stage);
    return v?.value === undefined ? undefined : (JSON.parse(v.value) as T);
  }

  /** A deep copy of a secret's versions, labels and values, to compare before and after. */
  snapshot(secretId: string): Record<string, { value?: string; stages: string[] }> {
    const out: Record<string, { value?: string; stages: string[] }> = {};
    for (const v of this.find(secretId).versions.values()) out[v.id] = { value: v.value, stages: [...v.stages].sort() };
    return out;
  }

  /** Every string stored in any version of any secret, except fields that are not secret. */
  secretStrings(nonSecretKeys: readonly string[] = ["engine", "host", "port", "ssl", "dbname", "username", "masterarn", "grouprole", "algorithm", "kid", "public_key"]): string[] {
    const out = new Set<string>(this.generatedPasswords);
    const walk = (v: unknown, key?: string) => {
      if (typeof v === "string") {
        if (!key || !nonSecretKeys.includes(key)) out.add(v);
      } else if (v && typeof v === "object") {
        for (const [k, item] of Object.entries(v)) walk(item, Array.isArray(v) ? key : k);
      }
    };
    for (const secret of this.secrets.values()) {
      for (const version of secret.versions.values()) {
        if (version.value === undefined) continue;
        try {
          walk(JSON.parse(version.value));
        } catch {
          out.add(version.value);
        }
      }
    }
    return [...out].filter((s) => s.length >= 6);
  }

  // --- operations ------------------------------------------------------------------------------

  private attach(secret: FakeSecret, version: FakeVersion, stage: string): void {
    const holder = [...secret.versions.values()].find((v) => v.stages.has(stage));
    if (holder === version) return;
    holder?.stages.delete(stage);
    version.stages.add(stage);
    if (stage === AWSCURRENT && holder) {
      for (const v of secret.versions.values()) v.stages.delete(AWSPREVIOUS);
      holder.stages.add(AWSPREVIOUS);
    }
  }

  describeSecret(input: { SecretId: string }) {
    const s = this.find(input.SecretId);
    return {
      ARN: s.arn,
      Name: s.name,
      RotationEnabled: s.rotationEnabled,
      ...(s.rotationLambdaArn ? { RotationLambdaARN: s.rotationLambdaArn } : {}),
      VersionIdsToStages: this.labels(s.arn),
      Tags: Object.entries(s.tags).map(([Key, Value]) => ({ Key, Value })),
    };
  }

  getSecretValue(input: { SecretId: string; VersionId?: string; VersionStage?: string }) {
    const s = this.find(input.SecretId);
    let version: FakeVersion | undefined;
    if (input.VersionId) {
      version = s.versions.get(input.VersionId);
      if (version && input.VersionStage && !version.stages.has(input.VersionStage)) version = undefined;
    } else {
      const stage = input.VersionStage ?? AWSCURRENT;
      version = [...s.versions.values()].find((v) => v.stages.has(stage));
    }
    if (!version || version.value === undefined) {
      throw new AwsError(
        "ResourceNotFoundException",
        `Secrets Manager can't find the specified secret value for ${input.VersionId ? `VersionId: ${input.VersionId}` : ""}` +
          `${input.VersionStage || !input.VersionId ? ` staging label: ${input.VersionStage ?? AWSCURRENT}` : ""}`,
      );
    }
    return {
      ARN: s.arn,
      Name: s.name,
      VersionId: version.id,
      SecretString: version.value,
      VersionStages: [...version.stages],
      CreatedDate: version.created,
    };
  }

  putSecretValue(input: { SecretId: string; ClientRequestToken?: string; SecretString?: string; SecretBinary?: string; VersionStages?: string[] }) {
    const s = this.find(input.SecretId);
    if ((input.SecretString === undefined) === (input.SecretBinary === undefined)) {
      throw new AwsError("InvalidParameterException", "You must provide either SecretString or SecretBinary, but not both.");
    }
    if (input.SecretBinary !== undefined) throw new AwsError("InvalidParameterException", "This fake stores SecretString only.");
    const token = input.ClientRequestToken;
    if (!token || token.length < 32 || token.length > 64) {
      throw new AwsError("InvalidParameterException", "ClientRequestToken must be 32 to 64 characters.");
    }
    const stages = input.VersionStages ?? [AWSCURRENT];
    let version = s.versions.get(token);
    if (version && version.value !== undefined) {
      if (version.value === input.SecretString) {
        return { ARN: s.arn, Name: s.name, VersionId: version.id, VersionStages: [...version.stages] };
      }
      throw new AwsError(
        "ResourceExistsException",
        "A resource with the ID you requested already exists: a version with this ClientRequestToken has a different value.",
      );
    }
    if (!version) {
      version = { id: token, stages: new Set(), created: ++this.clock };
      s.versions.set(token, version);
    }
    version.value = input.SecretString;
    for (const stage of stages) this.attach(s, version, stage);
    return { ARN: s.arn, Name: s.name, VersionId: version.id, VersionStages: [...version.stages] };
  }

  updateSecretVersionStage(input: { SecretId: string; VersionStage: string; MoveToVersionId?: string; RemoveFromVersionId?: string }) {
    const s = this.find(input.SecretId);
    const stage = input.VersionStage;
    if (!stage) throw new AwsError("InvalidParameterException", "VersionStage is required.");
    const holder = [...s.versions.values()].find((v) => v.stages.has(stage));
    if (input.RemoveFromVersionId !== undefined && holder?.id !== input.RemoveFromVersionId) {
      throw new AwsError(
        "InvalidParameterException",
        `The staging label ${stage} is not attached to version ${input.RemoveFromVersionId}` +
          (holder ? `; it is attached to ${holder.id}.` : "."),
      );
    }
    if (input.MoveToVersionId !== undefined) {
      const target = s.versions.get(input.MoveToVersionId);
      if (!target) throw new AwsError("ResourceNotFoundException", `Secrets Manager can't find version ${input.MoveToVersionId}.`);
      if (holder && holder !== target && input.RemoveFromVersionId === undefined) {
        throw new AwsError(
          "InvalidParameterException",
          `The staging label ${stage} is attached to version ${holder.id}; specify RemoveFromVersionId to move it.`,
        );
      }
      this.attach(s, target, stage);
    } else {
      if (input.RemoveFromVersionId === undefined) {
        throw new AwsError("InvalidParameterException", "Specify MoveToVersionId, RemoveFromVersionId or both.");
      }
      if (stage === AWSCURRENT) {
        throw new AwsError("InvalidParameterException", "You can't remove the AWSCURRENT staging label; move it to another version instead.");
      }
      holder!.stages.delete(stage);
    }
    return { ARN: s.arn, Name: s.name };
  }

  getRandomPassword(input: {
    PasswordLength?: number;
    ExcludeCharacters?: string;
    ExcludeNumbers?: boolean;
    ExcludePunctuation?: boolean;
    ExcludeUppercase?: boolean;
    ExcludeLowercase?: boolean;
    IncludeSpace?: boolean;
    RequireEachIncludedType?: boolean;
  }) {
    const length = input.PasswordLength ?? 32;
    if (!Number.isInteger(length) || length < 1 || length > 4096) {
      throw new AwsError("InvalidParameterException", "PasswordLength must be from 1 to 4096.");
    }
    const exclude = new Set(input.ExcludeCharacters ?? "");
    const classes = [
      input.ExcludeLowercase ? "" : LOWER,
      input.ExcludeUppercase ? "" : UPPER,
      input.ExcludeNumbers ? "" : DIGITS,
      input.ExcludePunctuation ? "" : PUNCTUATION,
      input.IncludeSpace ? " " : "",
    ]
      .map((c) => [...c].filter((ch) => !exclude.has(ch)).join(""))
      .filter((c) => c.length > 0);
    if (classes.length === 0) throw new AwsError("InvalidParameterException", "No characters are left to make a password from.");
    const all = classes.join("");
    const requireEach = input.RequireEachIncludedType ?? true;
    if (requireEach && length < classes.length) {
      throw new AwsError("InvalidParameterException", "PasswordLength is too short to include every character type.");
    }
    const chars: string[] = [];
    if (requireEach) for (const c of classes) chars.push(c[randomInt(c.length)]);
    while (chars.length < length) chars.push(all[randomInt(all.length)]);
    for (let i = chars.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [chars[i], chars[j]] = [chars[j], chars[i]];
    }
    const password = chars.join("");
    this.generatedPasswords.push(password);
    return { RandomPassword: password };
  }

  /**
   * RotateSecret that rotates (RotateImmediately true or absent): labels the new version. The
   * steps are then the caller's to invoke. For RotateImmediately=false, see configureRotation.
   */
  rotateSecret(input: { SecretId: string; ClientRequestToken?: string; RotationLambdaARN?: string; RotateImmediately?: boolean }) {
    if (input.RotateImmediately === false) throw new Error("RotateImmediately=false runs the function: use configureRotation (async).");
    const s = this.find(input.SecretId);
    if (input.RotationLambdaARN) {
      s.rotationLambdaArn = input.RotationLambdaARN;
      s.rotationEnabled = true;
    }
    if (!s.rotationEnabled) {
      throw new AwsError("InvalidRequestException", "Rotation is not configured for this secret: specify RotationLambdaARN.");
    }
    const token = input.ClientRequestToken ?? randomUUID();
    const version = this.newPendingVersion(s, token);
    if (!version.stages.has(AWSCURRENT)) this.attach(s, version, AWSPENDING);
    return { ARN: s.arn, Name: s.name, VersionId: token };
  }

  private newPendingVersion(s: FakeSecret, token: string): FakeVersion {
    const pending = [...s.versions.values()].find((v) => v.stages.has(AWSPENDING));
    if (pending && !pending.stages.has(AWSCURRENT) && pending.id !== token) {
      throw new AwsError("InvalidRequestException", "A previous rotation isn't complete. That rotation will be reattempted.");
    }
    let version = s.versions.get(token);
    if (!version) {
      version = { id: token, stages: new Set(), created: ++this.clock };
      s.versions.set(token, version);
    }
    return version;
  }

  /**
   * RotateSecret with RotateImmediately=false: stores the configuration, then tests it by invoking
   * the function for testSecret on a new, empty AWSPENDING version, which it removes afterwards
   * (label and version: nothing was put in it). A failed test fails the call and leaves the
   * configuration as it was.
   */
  async configureRotation(input: { SecretId: string; ClientRequestToken?: string; RotationLambdaARN?: string; RotateImmediately?: boolean }) {
    const s = this.find(input.SecretId);
    const lambdaArn = input.RotationLambdaARN ?? s.rotationLambdaArn;
    if (!lambdaArn) throw new AwsError("InvalidRequestException", "No Lambda rotation function ARN is associated with this secret.");
    const fn = this.functions.get(lambdaArn);
    if (!fn) throw new AwsError("InvalidRequestException", `The fake has no rotation function registered as ${lambdaArn}.`);
    const token = input.ClientRequestToken ?? randomUUID();
    const version = this.newPendingVersion(s, token);
    const saved = { rotationLambdaArn: s.rotationLambdaArn, rotationEnabled: s.rotationEnabled };
    s.rotationLambdaArn = lambdaArn;
    s.rotationEnabled = true;
    this.attach(s, version, AWSPENDING);
    let failure: unknown;
    try {
      await fn({ Step: "testSecret", SecretId: s.arn, ClientRequestToken: token });
    } catch (err) {
      failure = err;
    } finally {
      version.stages.delete(AWSPENDING);
      if (version.stages.size === 0 && version.value === undefined) s.versions.delete(token);
    }
    if (failure !== undefined) {
      Object.assign(s, saved);
      throw new AwsError(
        "InvalidRequestException",
        `The rotation configuration test failed: the function's testSecret step failed: ${(failure as Error)?.message ?? String(failure)}`,
      );
    }
    return { ARN: s.arn, Name: s.name };
  }

  /** What Secrets Manager does after finishSecret succeeds: AWSPENDING leaves the new AWSCURRENT version. */
  completeRotation(secretId: string, token: string): void {
    const v = this.find(secretId).versions.get(token);
    if (v?.stages.has(AWSCURRENT)) v.stages.delete(AWSPENDING);
  }

  // --- HTTP --------------------------------------------------------------------------------------

  private async dispatch(op: string, input: Record<string, any>): Promise<unknown> {
    switch (op) {
      case "DescribeSecret":
        return this.describeSecret(input as { SecretId: string });
      case "GetSecretValue":
        return this.getSecretValue(input as { SecretId: string });
      case "PutSecretValue":
        return this.putSecretValue(input as { SecretId: string });
      case "UpdateSecretVersionStage":
        return this.updateSecretVersionStage(input as { SecretId: string; VersionStage: string });
      case "GetRandomPassword":
        return this.getRandomPassword(input);
      case "RotateSecret":
        return input.RotateImmediately === false
          ? this.configureRotation(input as { SecretId: string })
          : this.rotateSecret(input as { SecretId: string });
      default:
        throw new AwsError("UnknownOperationException", `The fake does not implement ${op}.`);
    }
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const op = target.startsWith("secretsmanager.") ? target.slice("secretsmanager.".length) : "";
      let input: Record<string, unknown> = {};
      const reply = (status: number, body: unknown, errorType?: string) => {
        res.writeHead(status, {
          "content-type": "application/x-amz-json-1.1",
          "x-amzn-requestid": randomUUID(),
          ...(errorType ? { "x-amzn-errortype": errorType } : {}),
        });
        res.end(JSON.stringify(body));
      };
      try {
        if (req.method !== "POST" || !op) throw new AwsError("UnknownOperationException", "Expected POST with X-Amz-Target: secretsmanager.<Operation>.");
        input = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>) : {};
        for (const fault of this.faults) {
          const err = fault(op, input);
          if (err) throw err;
        }
        const out = await this.dispatch(op, input);
        this.calls.push({ op, input: redactInput(input) });
        reply(200, out);
      } catch (err) {
        const e = err instanceof AwsError ? err : new AwsError("InternalServiceError", String(err), 500);
        this.calls.push({ op, input: redactInput(input), error: e.type });
        reply(e.status, { __type: e.type, message: e.message }, e.type);
      }
    });
  }
}

function redactInput(input: Record<string, unknown>): Record<string, unknown> {
  const { SecretString: _s, SecretBinary: _b, ...rest } = input;
  return { ...rest, ...(_s !== undefined ? { SecretString: "<value>" } : {}) };
}

/** Points the SDK's default configuration at the fake; returns a function that restores the environment. */
export function useFakeEndpoint(url: string): () => void {
  const keys = {
    AWS_ENDPOINT_URL_SECRETS_MANAGER: url,
    AWS_REGION: REGION,
    AWS_ACCESS_KEY_ID: "test-access-key-id",
    AWS_SECRET_ACCESS_KEY: "fake-secret-access-key-for-tests-only",
    AWS_EC2_METADATA_DISABLED: "true",
  } as const;
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(keys)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const profile = process.env.AWS_PROFILE;
  delete process.env.AWS_PROFILE;
  return () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    if (profile !== undefined) process.env.AWS_PROFILE = profile;
  };
}
