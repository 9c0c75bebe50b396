// The Azure rotation function's daily sweep (lambda/azure/rotate.ts createSweepHandler), against the Key Vault fake:
// what no event triggers any more (a dead-lettered near-expiry and expired event, an expiry a person removed) is
// rotated by the sweep, through the same path as an event; what is not due is left alone.
import { NEAR_EXPIRY_LEAD_DAYS, ROTATION_TAGS, UNSET_MARKER } from "../lambda/azure/key-vault-store";
import { NEAR_EXPIRY, RotateDeps, createSweepHandler, rotationIdFor } from "../lambda/azure/rotate";
import { expectNoSecretInAzureLogs, setupAzureRotationEnv } from "./helpers/azure-rotation-env";

const DAY = 24 * 60 * 60;
const nowSeconds = () => Math.floor(Date.now() / 1000);

const env = setupAzureRotationEnv({
  "app--no-expiry": { type: "token", everyDays: 7, length: 32 },
  "app--far": { type: "token", everyDays: 90, length: 32 },
  "app--too-far": { type: "token", everyDays: 7, length: 32 },
  "app--due": { type: "jwt", everyDays: 7, algorithm: "ES256" },
  "app--expired": { type: "token", everyDays: 7, length: 32 },
  "app--db": { type: "postgres", strategy: "single-user", everyDays: 30 },
});

/** One run of the timer function, as the Functions host starts it. */
const sweep = (extra: Partial<RotateDeps> = {}) => createSweepHandler({ client: () => env.client(), env: env.env(), pendingSettleMs: 20, ...extra })();
const versions = (name: string) => env.vault.secrets.get(name) ?? [];
const logs = () => env.capture.json();

afterAll(() => expectNoSecretInAzureLogs(env));

describe("what the sweep rotates (the events that would have said so were lost)", () => {
  let outcomes: Record<string, string>;
  const before: Record<string, string> = {};

  beforeAll(async () => {
    // The versions exist; their SecretNewVersionCreated events were never delivered (env.vault.events is not drained).
    before["app--no-expiry"] = env.vault.put("app--no-expiry", "token-version-without-any-expiry-0001", { contentType: "text/plain" }).id;
    before["app--far"] = env.vault.put("app--far", "token-version-expiring-in-ninety-days", { contentType: "text/plain", exp: nowSeconds() + 90 * DAY }).id;
    before["app--too-far"] = env.vault.put("app--too-far", "token-version-expiring-in-two-hundred-days", { contentType: "text/plain", exp: nowSeconds() + 200 * DAY }).id;
    before["app--due"] = env.vault.put("app--due", UNSET_MARKER, { contentType: "application/json" }).id;
    before["app--expired"] = env.vault.put("app--expired", "token-version-that-expired-yesterday", { contentType: "text/plain", exp: nowSeconds() - DAY }).id;
    before["app--db"] = env.vault.put("app--db", UNSET_MARKER, { contentType: "application/json" }).id;
    outcomes = await sweep();
  });

  it("rotates a secret whose latest version has no expiry (no event ever comes for it), giving it one", () => {
    expect(outcomes["app--no-expiry"]).toBe("rotated");
    const latest = env.vault.latest("app--no-expiry")!;
    expect(latest.tags[ROTATION_TAGS.previousVersion]).toBe(before["app--no-expiry"]);
    expect(latest.value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(latest.exp! - nowSeconds()).toBeGreaterThan((7 + NEAR_EXPIRY_LEAD_DAYS) * DAY - 60);
  });

  it("leaves a secret whose latest version expires beyond the 30-day lead and within a cadence of it", () => {
    expect(outcomes["app--far"]).toBe("not-due");
    expect(versions("app--far")).toHaveLength(1);
    expect(env.vault.latest("app--far")!.id).toBe(before["app--far"]);
  });

  it("rotates a secret whose latest version expires later than a cadence plus the lead (not a date this function sets)", () => {
    // everyDays 7: this function writes expiries 37 days out; a version expiring in 200 would rotate only in 170.
    expect(outcomes["app--too-far"]).toBe("rotated");
    const latest = env.vault.latest("app--too-far")!;
    expect(latest.tags[ROTATION_TAGS.previousVersion]).toBe(before["app--too-far"]);
    expect(latest.exp! - nowSeconds()).toBeLessThanOrEqual((7 + NEAR_EXPIRY_LEAD_DAYS) * DAY + 60);
  });

  it("gives a jwt secret still holding Terraform's marker its first value", () => {
    expect(outcomes["app--due"]).toBe("rotated");
    expect(JSON.parse(env.vault.latest("app--due")!.value)).toMatchObject({ algorithm: "ES256" });
  });

  it("rotates a secret whose latest version has expired (SecretNearExpiry and SecretExpired both dead-lettered)", () => {
    expect(outcomes["app--expired"]).toBe("rotated");
    expect(env.vault.latest("app--expired")!.tags[ROTATION_TAGS.previousVersion]).toBe(before["app--expired"]);
  });

  it("leaves the marker of a postgres secret: its first value is a person's, and says so in the log", () => {
    expect(outcomes["app--db"]).toBe("waiting-for-person");
    expect(versions("app--db")).toHaveLength(1);
    expect(env.vault.latest("app--db")!.value).toBe(UNSET_MARKER);
    expect(logs().some((l) => l.event === "waiting-for-person" && l.secretId === "app--db")).toBe(true);
  });

  it("uses the event's rotation id: the one derived from the version it rotates away from", () => {
    const latest = env.vault.latest("app--expired")!;
    expect(latest.tags[ROTATION_TAGS.rotationId]).toBe(rotationIdFor("app--expired", before["app--expired"]));
  });

  it("a second sweep right after finds nothing due: the versions it wrote expire everyDays + 30 days from now", async () => {
    const counts = Object.fromEntries(Object.keys(before).map((n) => [n, versions(n).length]));
    const again = await sweep();
    expect(again).toEqual({ "app--no-expiry": "not-due", "app--far": "not-due", "app--too-far": "not-due", "app--due": "not-due", "app--expired": "not-due", "app--db": "waiting-for-person" });
    for (const n of Object.keys(before)) expect(versions(n)).toHaveLength(counts[n]);
  });

  it("rotates a version whose expiry a person removed afterwards (Key Vault raises no event for that)", async () => {
    const v = env.vault.latest("app--far")!;
    delete v.exp;
    await expect(sweep()).resolves.toMatchObject({ "app--far": "rotated" });
    expect(env.vault.latest("app--far")!.tags[ROTATION_TAGS.previousVersion]).toBe(v.id);
  });

  it("rotates what comes within the lead as time passes (what SecretNearExpiry would have said)", async () => {
    const exp = env.vault.latest("app--no-expiry")!.exp!;
    // 36 days on, the version written 7 + 30 days ahead expires within the lead.
    const later = () => new Date((exp - NEAR_EXPIRY_LEAD_DAYS * DAY + 60) * 1000);
    const tooEarly = () => new Date((exp - NEAR_EXPIRY_LEAD_DAYS * DAY - 60) * 1000);
    await expect(sweep({ now: tooEarly })).resolves.toMatchObject({ "app--no-expiry": "not-due" });
    await expect(sweep({ now: later })).resolves.toMatchObject({ "app--no-expiry": "rotated" });
  });
});

describe("failures", () => {
  it("a failing secret does not stop the others; the sweep fails at the end, naming it, with no value logged", async () => {
    for (const name of ["app--no-expiry", "app--expired"]) delete env.vault.latest(name)!.exp;
    const counts = { ok: versions("app--expired").length, failing: versions("app--no-expiry").length };
    env.vault.fault = (method, name) => (method === "PUT" && name.startsWith("app--no-expiry") ? { status: 503, code: "ServiceUnavailable", message: "try later" } : undefined);
    try {
      await expect(sweep()).rejects.toMatchObject({ code: "SWEEP_FAILED", message: expect.stringMatching(/1 of 6 secrets: app--no-expiry\./) });
    } finally {
      env.vault.fault = undefined;
    }
    // "app--expired" comes after the failing one in ROTATION_SECRETS, and was rotated all the same.
    expect(versions("app--expired")).toHaveLength(counts.ok + 1);
    expect(versions("app--no-expiry")).toHaveLength(counts.failing);
    expect(logs().find((l) => l.event === "rotation.failed" && l.secretId === "app--no-expiry")).toMatchObject({ level: "error" });
    expect(logs().find((l) => l.event === "sweep.secret-failed" && l.secretId === "app--no-expiry")).toMatchObject({ level: "error", errorCode: "ServiceUnavailable" });
    // The next sweep finishes the failed rotation.
    await expect(sweep()).resolves.toMatchObject({ "app--no-expiry": "rotated" });
  });

  it("a read that fails (no access to one secret) is logged and the others go on", async () => {
    delete env.vault.latest("app--far")!.exp;
    env.vault.fault = (method, name) => (method === "GET" && name === "app--due" ? { status: 403, code: "Forbidden", message: "no role" } : undefined);
    try {
      await expect(sweep()).rejects.toMatchObject({ code: "SWEEP_FAILED", message: expect.stringMatching(/app--due/) });
    } finally {
      env.vault.fault = undefined;
    }
    expect(env.vault.latest("app--far")!.exp).toBeDefined();
  });

  it("fails at once, writing nothing, when ROTATION_SECRETS is bad", async () => {
    const writes = env.vault.calls.filter((c) => c.method === "PUT").length;
    const run = createSweepHandler({ client: () => env.client(), env: { ...env.env(), ROTATION_SECRETS: "{" } })();
    await expect(run).rejects.toMatchObject({ code: "BAD_SETTING" });
    expect(env.vault.calls.filter((c) => c.method === "PUT").length).toBe(writes);
    expect(logs().some((l) => l.event === "sweep.failed" && l.level === "error")).toBe(true);
  });
});

describe("a sweep racing an event about the same version: one rotation, the event's", () => {
  const name = "app--no-expiry";
  let from: ReturnType<typeof env.vault.latest>;
  let count = 0;
  beforeEach(() => {
    delete env.vault.latest(name)!.exp;
    from = env.vault.latest(name)!;
    count = versions(name).length;
  });
  afterEach(() => {
    expect(versions(name)).toHaveLength(count + 1);
    expect(env.vault.latest(name)!.tags[ROTATION_TAGS.previousVersion]).toBe(from!.id);
    expect(env.vault.latest(name)!.tags[ROTATION_TAGS.rotationId]).toBe(rotationIdFor(name, from!.id));
  });

  it("the event rotating while the sweep has read the same version: the sweep finds it stale", async () => {
    // The sweep's client tells when it has read the version; the event waits for that after its first step.
    let sweepRead!: () => void;
    const read = new Promise<void>((resolve) => (sweepRead = resolve));
    const c = env.client();
    const sweepClient = {
      getSecret: async (...a: Parameters<typeof c.getSecret>) => {
        const r = await c.getSecret(...a);
        if (a[0] === name) sweepRead();
        return r;
      },
      setSecret: (...a: Parameters<typeof c.setSecret>) => c.setSecret(...a),
      listPropertiesOfSecretVersions: (...a: Parameters<typeof c.listPropertiesOfSecretVersions>) => c.listPropertiesOfSecretVersions(...a),
    };
    const [eventOutcome, sweepOutcomes] = await Promise.all([
      env.deliver(env.vault.event(NEAR_EXPIRY, name, from), { afterStep: (step) => (step === "createSecret" ? read : undefined) }),
      sweep({ client: () => sweepClient }),
    ]);
    expect(eventOutcome).toBe("rotated");
    expect(sweepOutcomes[name]).toBe("ignored");
    expect(logs().some((l) => l.event === "event.stale" && l.secretId === name)).toBe(true);
  });

  it("the sweep rotating when the event arrives: the event waits for it, then finds its version stale", async () => {
    let delivery: Promise<string> | undefined;
    const sweepOutcomes = await sweep({
      afterStep: (step, secret) => {
        if (secret === name && step === "createSecret") delivery = env.deliver(env.vault.event(NEAR_EXPIRY, name, from));
      },
    });
    expect(sweepOutcomes[name]).toBe("rotated");
    await expect(delivery).resolves.toBe("ignored");
  });
});
