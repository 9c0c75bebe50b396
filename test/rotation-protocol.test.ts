// The shared rotation protocol (event checks, dispatch, logs) and the fake Secrets Manager's
// fidelity, through the real SDK client over HTTP.
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from "@aws-sdk/client-secrets-manager";
import { randomUUID } from "node:crypto";
import { RotationError, toSafeError } from "../lambda/shared/errors";
import { createLogger, formatLogLine, redact, registerSecret } from "../lambda/shared/log";
import { Rotator, createRotationHandler, parseRotationEvent } from "../lambda/shared/protocol";
import { handler as jwtHandler } from "../lambda/jwt";
import { handler as postgresHandler } from "../lambda/postgres";
import { handler as tokenHandler } from "../lambda/token";
import { AWSCURRENT, AWSPENDING, AWSPREVIOUS } from "./helpers/fake-secrets-manager";
import { HARNESS_FUNCTION_ARN, RotationHarness } from "./helpers/rotation-harness";
import { expectNoSecretInLogs, setupRotationEnv } from "./helpers/rotation-env";

const env = setupRotationEnv();
const harness = () => {
  const h = new RotationHarness(env.fake, tokenHandler);
  return h;
};
const invoke = async (handler: (e: unknown) => Promise<unknown>, event: unknown) => {
  try {
    await handler(event);
  } catch (err) {
    env.thrown.push((err as Error).message, (err as Error).stack ?? "");
    throw err;
  }
};

describe("event checks", () => {
  it.each([
    [null, /expected an object/],
    [{}, /Step undefined is not one of createSecret, setSecret, testSecret, finishSecret/],
    [{ Step: "deleteSecret", SecretId: "x", ClientRequestToken: "t" }, /Step "deleteSecret" is not one of/],
    [{ Step: "createSecret", ClientRequestToken: "t" }, /SecretId must be a non-empty string/],
    [{ Step: "createSecret", SecretId: "x", ClientRequestToken: "" }, /ClientRequestToken must be a non-empty string/],
    [{ Step: "createSecret", SecretId: "x", ClientRequestToken: "t", RotationToken: 5 }, /RotationToken must be a string/],
  ])("rejects %j", (event, message) => {
    expect(() => parseRotationEvent(event)).toThrow(message);
  });

  it("rejects a bad event through the handler with a BAD_EVENT error", async () => {
    await expect(invoke(tokenHandler, { Step: "rotate" })).rejects.toMatchObject({ name: "RotationError", code: "BAD_EVENT" });
  });

  it("refuses a secret whose rotation is disabled", async () => {
    const arn = env.fake.createSecret("proto/disabled", { rotationEnabled: false, value: { token: "x".repeat(48) } });
    const token = randomUUID();
    await expect(invoke(tokenHandler, { Step: "createSecret", SecretId: arn, ClientRequestToken: token })).rejects.toMatchObject({
      code: "ROTATION_DISABLED",
      message: expect.stringContaining("is not enabled for rotation"),
    });
  });

  it("refuses a token that is not a version of the secret", async () => {
    const arn = env.fake.createSecret("proto/unknown-token", { value: { token: "y".repeat(48) } });
    await expect(invoke(tokenHandler, { Step: "setSecret", SecretId: arn, ClientRequestToken: randomUUID() })).rejects.toMatchObject({
      code: "UNKNOWN_VERSION",
      message: expect.stringContaining("is not a version of secret"),
    });
  });

  it("refuses a token that is not AWSPENDING", async () => {
    const arn = env.fake.createSecret("proto/not-pending", { value: { token: "z".repeat(48) } });
    await harness().rotate(arn); // the first value becomes AWSPREVIOUS
    const previous = env.fake.versionWith(arn, AWSPREVIOUS)!.id;
    await expect(invoke(tokenHandler, { Step: "createSecret", SecretId: arn, ClientRequestToken: previous })).rejects.toMatchObject({
      code: "NOT_PENDING",
      message: expect.stringMatching(/not labelled AWSPENDING \(labels: AWSPREVIOUS\)/),
    });
  });

  it("does nothing, for every step, when the token is already AWSCURRENT", async () => {
    const arn = env.fake.createSecret("proto/already-current");
    const { token } = await harness().rotate(arn);
    const before = env.fake.snapshot(arn);
    const callsBefore = env.fake.calls.length;
    for (const step of ["createSecret", "setSecret", "testSecret", "finishSecret"]) {
      await invoke(tokenHandler, { Step: step, SecretId: arn, ClientRequestToken: token });
    }
    expect(env.fake.snapshot(arn)).toEqual(before);
    const writes = env.fake.calls.slice(callsBefore).filter((c) => c.op !== "DescribeSecret");
    expect(writes).toEqual([]);
  });

  it("names a secret that does not exist", async () => {
    await expect(invoke(tokenHandler, { Step: "createSecret", SecretId: "no/such/secret", ClientRequestToken: randomUUID() })).rejects.toMatchObject({
      code: "ResourceNotFoundException",
      message: expect.stringContaining("can't find the specified secret"),
    });
  });

  it("fails clearly when ROTATION_STRATEGY is wrong (unset, the value decides: see rotation-bundle)", async () => {
    const saved = process.env.ROTATION_STRATEGY;
    try {
      process.env.ROTATION_STRATEGY = "dual";
      await expect(invoke(postgresHandler, { Step: "createSecret", SecretId: "x", ClientRequestToken: "t" })).rejects.toThrow(/got "dual"/);
    } finally {
      if (saved === undefined) delete process.env.ROTATION_STRATEGY;
      else process.env.ROTATION_STRATEGY = saved;
    }
  });

  it("passes RotationToken to PutSecretValue and never logs it", async () => {
    const arn = env.fake.createSecret("proto/rotation-token");
    const rotationToken = "rotation-token-" + randomUUID();
    env.mustNotLog.push(rotationToken);
    await harness().rotate(arn, randomUUID(), { rotationToken });
    const put = env.fake.calls.find((c) => c.op === "PutSecretValue" && c.input.SecretId === arn);
    expect(put?.input.RotationToken).toBe(rotationToken);
  });
});

describe("Secrets Manager's configuration test (RotateImmediately=false)", () => {
  // Values each function accepts as AWSCURRENT; the postgres one names no reachable server, which
  // the configuration test must not need.
  const functions = [
    ["postgres", postgresHandler, { engine: "postgres", host: "db.invalid", port: 5432, username: "app", password: `pw-${randomUUID()}` }],
    ["jwt", jwtHandler, { secret_key: "k".repeat(43), algorithm: "HS256", expiry_hours: 24, kid: "kid-config-test" }],
    ["token", tokenHandler, { token: `t-${randomUUID()}-${randomUUID()}` }],
  ] as const;
  const track = (h: RotationHarness) => {
    afterEach(() => env.thrown.push(...h.thrownMessages.splice(0)));
    return h;
  };

  describe.each(functions)("%s", (name, handler, value) => {
    const h = track(new RotationHarness(env.fake, handler));

    it.each([
      ["with no value yet", undefined],
      ["with a value", value],
    ])("passes it %s: testSecret logs test.configuration-only; no AWSPENDING is left and AWSCURRENT is untouched", async (_what, initial) => {
      const arn = env.fake.createSecret(`proto/config-${name}-${initial ? "value" : "empty"}`, initial ? { value: initial } : {});
      const before = env.fake.snapshot(arn);
      const linesBefore = env.capture.lines.length;
      await h.configureRotation(arn);
      expect(env.fake.snapshot(arn)).toEqual(before);
      expect(env.fake.versionWith(arn, AWSPENDING)).toBeUndefined();
      const lines = env.capture.lines.slice(linesBefore).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.filter((l) => l.event === "test.configuration-only")).toEqual([
        expect.objectContaining({ level: "info", step: "testSecret", secretId: arn }),
      ]);
      expect(lines.filter((l) => l.level === "error")).toEqual([]);
      // Then a real rotation (postgres: against a real server, in rotation-postgres-*).
      if (name !== "postgres") {
        const { token } = await h.rotate(arn);
        expect(env.fake.versionWith(arn, AWSCURRENT)!.id).toBe(token);
        expect(env.fake.versionWith(arn, AWSPENDING)?.id ?? token).toBe(token);
      }
    });

    it("refuses finishSecret onto a version with no value, leaving AWSCURRENT where it is", async () => {
      const arn = env.fake.createSecret(`proto/finish-empty-${name}`, { value });
      const current = env.fake.versionWith(arn, AWSCURRENT)!.id;
      const { VersionId } = env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: randomUUID() });
      await expect(h.invoke("finishSecret", arn, VersionId)).rejects.toMatchObject({
        code: "NO_PENDING_VALUE",
        message: expect.stringMatching(/has no value \(createSecret has not run for it\); AWSCURRENT stays on its version/),
      });
      expect(env.fake.versionWith(arn, AWSCURRENT)!.id).toBe(current);
      expect(env.fake.calls.filter((c) => c.op === "UpdateSecretVersionStage" && c.input.SecretId === arn)).toEqual([]);
    });
  });

  const tokens = track(new RotationHarness(env.fake, tokenHandler));
  it("goes through the SDK: RotateSecret with RotateImmediately=false runs testSecret only, then a rotation works", async () => {
    const arn = env.fake.createSecret("proto/config-sdk");
    const h = tokens;
    env.fake.functions.set(HARNESS_FUNCTION_ARN, (e) => h.invoke(e.Step as "testSecret", e.SecretId, e.ClientRequestToken));
    const callsBefore = env.fake.calls.length;
    const sm = new SecretsManagerClient({});
    try {
      await sm.send(new RotateSecretCommand({ SecretId: arn, RotationLambdaARN: HARNESS_FUNCTION_ARN, RotateImmediately: false }));
    } finally {
      sm.destroy();
    }
    // The function only read: no value was put, no label moved.
    const ops = env.fake.calls.slice(callsBefore).map((c) => c.op);
    expect(ops.filter((op) => ["PutSecretValue", "UpdateSecretVersionStage", "GetRandomPassword"].includes(op))).toEqual([]);
    expect(env.fake.labels(arn)).toEqual({});
    expect(env.fake.find(arn)).toMatchObject({ rotationEnabled: true, rotationLambdaArn: HARNESS_FUNCTION_ARN });
    await h.rotate(arn);
    expect(env.fake.valueAt<{ token: string }>(arn, AWSCURRENT)!.token).toHaveLength(48);
  });

  it("fails RotateSecret when the test fails, removing the empty version and leaving the configuration as it was", async () => {
    const arn = env.fake.createSecret("proto/config-fails", { value: { token: "c".repeat(48) }, rotationEnabled: false });
    const before = env.fake.snapshot(arn);
    const failingArn = "arn:aws:lambda:us-east-1:111111111111:function:broken";
    env.fake.functions.set(failingArn, async () => {
      throw new RotationError("testSecret broke", "BROKEN");
    });
    await expect(
      env.fake.configureRotation({ SecretId: arn, RotationLambdaARN: failingArn, RotateImmediately: false }),
    ).rejects.toMatchObject({ type: "InvalidRequestException", message: expect.stringContaining("testSecret broke") });
    expect(env.fake.snapshot(arn)).toEqual(before);
    expect(env.fake.find(arn)).toMatchObject({ rotationEnabled: false, rotationLambdaArn: undefined });
  });
});

describe("logs", () => {
  it("keeps only allow-listed fields of the right type", () => {
    const line = JSON.parse(
      formatLogLine("info", "x", { step: "createSecret", port: 5432, ...({ password: "hunter2-secret", value: { a: 1 }, attempt: "3" } as object) }),
    );
    expect(Object.keys(line).sort()).toEqual(["event", "level", "port", "step", "time"]);
  });

  it("redacts registered secrets, PEM blocks and password assignments", () => {
    registerSecret("s3cr3t-Value-42");
    const pem = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----";
    const text = redact(
      `a s3cr3t-Value-42 b ${pem} password=abc123xyz "password":"q w" ALTER ROLE x PASSWORD 'it''s' secret_key='k3y' {'token': 't0k'}`,
    );
    expect(text).not.toMatch(/s3cr3t-Value-42|MIGHAgEA|abc123xyz|q w|it''s|k3y|t0k/);
    expect(text).toContain("[REDACTED]");
    // Prose about a field, and placeholders in guidance, stay readable.
    expect(redact(`a bad "password": expected a string; put {"password":"<password>"}`)).toBe(
      `a bad "password": expected a string; put {"password":"<password>"}`,
    );
  });

  it("redacts error messages before they are logged or thrown", () => {
    registerSecret("leaky-password-123");
    const safe = toSafeError(Object.assign(new Error('syntax error near "leaky-password-123"'), { code: "42601", detail: "leaky-password-123" }));
    expect(safe).toBeInstanceOf(RotationError);
    expect(safe.message).not.toContain("leaky-password-123");
    expect(safe.code).toBe("42601");
    expect(JSON.stringify(safe)).not.toContain("leaky-password-123");
  });

  it("logs step.failed with the error, redacted, when a step throws", async () => {
    const lines: string[] = [];
    const failing: Rotator = {
      name: "failing",
      createSecret: async () => {
        registerSecret("another-secret-value-77");
        throw new Error("boom with another-secret-value-77 inside");
      },
      setSecret: async () => undefined,
      testSecret: async () => undefined,
      finishSecret: async () => undefined,
    };
    const arn = env.fake.createSecret("proto/failing");
    const { VersionId } = env.fake.rotateSecret({ SecretId: arn, ClientRequestToken: randomUUID() });
    const handler = createRotationHandler(() => failing, createLogger({}, (l) => lines.push(l)));
    await expect(handler({ Step: "createSecret", SecretId: arn, ClientRequestToken: VersionId })).rejects.toThrow(/boom with \[REDACTED\] inside/);
    const failed = lines.map((l) => JSON.parse(l)).find((l) => l.event === "step.failed");
    expect(failed).toMatchObject({ level: "error", step: "createSecret", strategy: "failing", errorCode: "Error" });
    expect(lines.join("\n")).not.toContain("another-secret-value-77");
  });
});

describe("fake Secrets Manager, through the SDK (AWS_ENDPOINT_URL_SECRETS_MANAGER)", () => {
  let sm: SecretsManagerClient;
  beforeAll(() => {
    sm = new SecretsManagerClient({});
  });
  afterAll(() => sm.destroy());

  it("is reached by a default-configured client", async () => {
    const arn = env.fake.createSecret("fake/describe", { tags: { team: "a" } });
    const out = await sm.send(new DescribeSecretCommand({ SecretId: "fake/describe" }));
    expect(out).toMatchObject({ ARN: arn, Name: "fake/describe", RotationEnabled: true, Tags: [{ Key: "team", Value: "a" }] });
  });

  it("keeps a label on one version, moves AWSPREVIOUS with AWSCURRENT, and deprecates unlabelled versions", async () => {
    const arn = env.fake.createSecret("fake/labels");
    const v1 = randomUUID();
    const v2 = randomUUID();
    const v3 = randomUUID();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: v1, SecretString: "one" }));
    await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: v2, SecretString: "two" }));
    expect(env.fake.labels(arn)).toEqual({ [v1]: [AWSPREVIOUS], [v2]: [AWSCURRENT] });
    await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: v3, SecretString: "three", VersionStages: [AWSPENDING] }));
    await expect(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: AWSCURRENT, MoveToVersionId: v3 })),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
    await expect(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: AWSCURRENT, MoveToVersionId: v3, RemoveFromVersionId: v1 })),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
    await sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: AWSCURRENT, MoveToVersionId: v3, RemoveFromVersionId: v2 }));
    // v1 lost AWSPREVIOUS to v2: deprecated, not listed, still readable by id.
    expect(env.fake.labels(arn)).toEqual({ [v2]: [AWSPREVIOUS], [v3]: [AWSCURRENT, AWSPENDING] });
    const old = await sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: v1 }));
    expect(old.SecretString).toBe("one");
    await expect(
      sm.send(new UpdateSecretVersionStageCommand({ SecretId: arn, VersionStage: AWSCURRENT, RemoveFromVersionId: v3 })),
    ).rejects.toMatchObject({ name: "InvalidParameterException" });
  });

  it("treats PutSecretValue with an existing token as idempotent for the same value and an error otherwise", async () => {
    const arn = env.fake.createSecret("fake/idempotent");
    const token = randomUUID();
    await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: "v", VersionStages: [AWSPENDING] }));
    const before = env.fake.snapshot(arn);
    await sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: "v", VersionStages: [AWSPENDING] }));
    expect(env.fake.snapshot(arn)).toEqual(before);
    await expect(
      sm.send(new PutSecretValueCommand({ SecretId: arn, ClientRequestToken: token, SecretString: "other", VersionStages: [AWSPENDING] })),
    ).rejects.toMatchObject({ name: "ResourceExistsException" });
  });

  it("labels a new empty version AWSPENDING on RotateSecret and refuses a second rotation while it is pending", async () => {
    const arn = env.fake.createSecret("fake/rotate", { value: "first" });
    const token = randomUUID();
    const out = await sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: token }));
    expect(out.VersionId).toBe(token);
    expect(env.fake.labels(arn)[token]).toEqual([AWSPENDING]);
    await expect(sm.send(new GetSecretValueCommand({ SecretId: arn, VersionId: token, VersionStage: AWSPENDING }))).rejects.toMatchObject({
      name: "ResourceNotFoundException",
    });
    await expect(sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: randomUUID() }))).rejects.toMatchObject({
      name: "InvalidRequestException",
      message: expect.stringContaining("previous rotation isn't complete"),
    });
    // The retry of the same rotation is allowed.
    await sm.send(new RotateSecretCommand({ SecretId: arn, ClientRequestToken: token }));
  });

  it("answers GetRandomPassword within the requested alphabet", async () => {
    const { randomPassword } = await import("../lambda/shared/secrets");
    const password = await randomPassword({ length: 40, excludeCharacters: "abcABC123!@#" });
    expect(password).toHaveLength(40);
    expect(password).not.toMatch(/[abcABC123!@#]/);
  });
});

afterAll(() => {
  expectNoSecretInLogs(env);
});
