// The Azure rotation function (lambda/azure) for token and jwt secrets, driven as Event Grid drives it, against a Key
// Vault fake that the real @azure/keyvault-secrets client talks to over HTTPS. PostgreSQL is in
// rotation-azure-postgres.test.ts.
import { UNSET_SECRET_VALUE } from "../constructs/azure/key-vault-secret";
import { JWT_ALGORITHM_TAG, TOKEN_LENGTH_TAG } from "../contracts/tags";
import { jwksOf, signJwt, verifyJwt, KeyEntry } from "../lambda/jwt/keys";
import type { SecretClient } from "@azure/keyvault-secrets";
import { COMPANION_SUFFIX, KeyVaultClient, KeyVaultStore, NEAR_EXPIRY_LEAD_DAYS, ROTATED_BY, ROTATION_TAGS, UNSET_MARKER } from "../lambda/azure/key-vault-store";
import { AWSPENDING } from "../lambda/shared/store";
import { EXPIRED, NEAR_EXPIRY, NEW_VERSION, parseEvent, rotationIdFor } from "../lambda/azure/rotate";
import { randomPasswordSync } from "../lambda/azure/password";
import { DEFAULT_EXCLUDE_CHARACTERS } from "../lambda/postgres/value";
import { expectNoSecretInAzureLogs, setupAzureRotationEnv } from "./helpers/azure-rotation-env";
import { minimalDescription } from "./helpers/descriptions";
import { validatePlatform } from "../config/load";
import { keyVaultSecretName } from "../config/naming";

const TERRAFORM_TAGS = { "managed-by": "secrets-platform", type: "token", app: "myapp" };
const DAY = 24 * 60 * 60;

const env = setupAzureRotationEnv({
  "myapp--session": { type: "token", everyDays: 7, length: 32 },
  "myapp--jwt": { type: "jwt", everyDays: 7, algorithm: "ES256", expiryHours: 12 },
  "myapp--hs": { type: "jwt", everyDays: 30, algorithm: "HS256" },
});

/** What Terraform creates: the marker, with the content type and tags of stacks/azure-stack.ts. */
function terraformCreates(name: string, type: "token" | "jwt") {
  return env.vault.put(name, UNSET_MARKER, { contentType: type === "token" ? "text/plain" : "application/json", tags: { ...TERRAFORM_TAGS, type } });
}

const mainVersions = (name: string) => env.vault.secrets.get(name) ?? [];
const logs = () => env.capture.json();

afterAll(() => expectNoSecretInAzureLogs(env));

describe("contract with the stack", () => {
  it("the marker the function recognises is the value Terraform writes", () => {
    expect(UNSET_MARKER).toBe(UNSET_SECRET_VALUE);
  });

  it("companion names (<app>--<secret>--rotation) cannot be an application secret's Key Vault name", () => {
    const accepts = (app: string, secret: string) => {
      const d = minimalDescription();
      d.applications[app] = { secrets: { [secret]: { type: "token", rotation: { everyDays: 7 } } } };
      try {
        validatePlatform(d);
        return true;
      } catch {
        return false;
      }
    };
    expect(accepts("myapp", "session")).toBe(true);
    expect(keyVaultSecretName("myapp", "session") + COMPANION_SUFFIX).toBe("myapp--session--rotation");
    // Every way to spell a second "--" is refused by the schema.
    expect(accepts("myapp--session", "rotation")).toBe(false);
    expect(accepts("myapp", "session--rotation")).toBe(false);
    expect(accepts("myapp", "session_-rotation")).toBe(false);
    expect(accepts("myapp", "session__rotation")).toBe(false);
    expect(accepts("myapp-", "session")).toBe(false);
  });

  it("reads the Event Grid schema of Key Vault events (data.ObjectName, VaultName, Version)", () => {
    const v = env.vault.put("parse-only", "x");
    expect(parseEvent(env.vault.event(NEAR_EXPIRY, "parse-only", v))).toEqual({ eventType: NEAR_EXPIRY, objectName: "parse-only", vaultName: "kv-rotation-test", version: v.id });
    expect(parseEvent({ eventType: NEAR_EXPIRY, data: {} })).toBeUndefined();
  });
});

describe("token", () => {
  const name = "myapp--session";
  let markerId = "";

  it("writes the first value when Terraform's marker version is created, keeping content type and tags", async () => {
    const marker = terraformCreates(name, "token");
    markerId = marker.id;
    const before = Math.floor(Date.now() / 1000);
    await expect(env.deliver(env.vault.events.at(-1))).resolves.toBe("rotated");
    const latest = env.vault.latest(name)!;
    expect(latest.id).not.toBe(marker.id);
    // Bare text, as Terraform declared it (text/plain), of the settings' length, base64url.
    expect(latest.value).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(latest.contentType).toBe("text/plain");
    expect(latest.tags).toMatchObject({ ...TERRAFORM_TAGS, [ROTATION_TAGS.rotatedBy]: ROTATED_BY, [ROTATION_TAGS.previousVersion]: marker.id, [ROTATION_TAGS.strategy]: "token" });
    expect(latest.tags[ROTATION_TAGS.rotationId]).toMatch(/^[0-9a-f]{32}$/);
    // SecretNearExpiry comes 30 days before exp: the next rotation starts everyDays (7) from now.
    expect(latest.exp! - before).toBeGreaterThanOrEqual((7 + NEAR_EXPIRY_LEAD_DAYS) * DAY - 5);
    expect(latest.exp! - before).toBeLessThanOrEqual((7 + NEAR_EXPIRY_LEAD_DAYS) * DAY + 5);
    expect(latest.enabled).toBe(true);
    expect(latest.nbf).toBeUndefined();
  });

  it("authenticated through Key Vault's bearer challenge (a 401 first, then the token)", () => {
    expect(env.vault.calls[0]).toMatchObject({ status: 401 });
    expect(env.vault.calls.filter((c) => c.status === 401)).toHaveLength(1);
  });

  it("keeps the pending value in the companion secret, never as a version of the secret readers read", () => {
    const companion = env.vault.latest(name + COMPANION_SUFFIX)!;
    expect(companion.tags).toMatchObject({ [ROTATION_TAGS.pendingFor]: name, [ROTATION_TAGS.rotationId]: env.vault.latest(name)!.tags[ROTATION_TAGS.rotationId] });
    expect(mainVersions(name)).toHaveLength(2);
  });

  it("ignores the SecretNewVersionCreated event of the version it wrote itself", async () => {
    const own = env.vault.events.filter((e) => e.subject === name).at(-1)!;
    expect(own.data.Version).toBe(env.vault.latest(name)!.id);
    await expect(env.deliver(own)).resolves.toBe("ignored");
    expect(mainVersions(name)).toHaveLength(2);
    expect(logs().some((l) => l.event === "event.own-version")).toBe(true);
  });

  it("ignores a late duplicate of the marker event (its version is no longer the latest)", async () => {
    const first = env.vault.events.find((e) => e.data.Version === markerId)!;
    await expect(env.deliver(first)).resolves.toBe("ignored");
    expect(mainVersions(name)).toHaveLength(2);
  });

  it("rotates on SecretNearExpiry: a new token, the previous version recorded", async () => {
    const old = env.vault.latest(name)!;
    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, name))).resolves.toBe("rotated");
    const latest = env.vault.latest(name)!;
    expect(latest.value).not.toBe(old.value);
    expect(latest.value).toHaveLength(32);
    expect(latest.tags[ROTATION_TAGS.previousVersion]).toBe(old.id);
  });

  it("rotates on SecretExpired too (a near-expiry delivery that never succeeded)", async () => {
    const old = env.vault.latest(name)!;
    await expect(env.deliver(env.vault.event(EXPIRED, name))).resolves.toBe("rotated");
    expect(env.vault.latest(name)!.tags[ROTATION_TAGS.previousVersion]).toBe(old.id);
  });

  it("takes the length from ROTATION_SECRETS, never from a tag someone wrote on a version", async () => {
    const v = env.vault.put(name, "a-token-a-person-put-by-hand-000000", { contentType: "text/plain", tags: { ...TERRAFORM_TAGS, [TOKEN_LENGTH_TAG]: "100" } });
    await expect(env.deliver(env.vault.events.at(-1))).resolves.toBe("rotated");
    const latest = env.vault.latest(name)!;
    expect(latest.tags[ROTATION_TAGS.previousVersion]).toBe(v.id);
    expect(latest.value).toHaveLength(32);
  });

  it("a duplicate delivered at the same time makes one rotation, not two", async () => {
    const event = env.vault.event(NEAR_EXPIRY, name);
    const count = mainVersions(name).length;
    const results = await Promise.allSettled([env.deliver(event), env.deliver(event), env.deliver(event)]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : "failed")).sort()).toEqual(["ignored", "ignored", "rotated"]);
    expect(mainVersions(name)).toHaveLength(count + 1);
  });

  it.each(["createSecret", "setSecret", "testSecret"] as const)(
    "a crash after %s is resumed by the redelivery, with the pending value already made",
    async (crashAfter) => {
      const event = env.vault.event(NEAR_EXPIRY, name);
      const old = env.vault.latest(name)!;
      const count = mainVersions(name).length;
      await expect(
        env.deliver(event, {
          afterStep: (step) => {
            if (step === crashAfter) throw new Error(`simulated crash after ${step}`);
          },
        }),
      ).rejects.toThrow(/simulated crash/);
      // Readers still get the old token, and it still is the latest version.
      expect((await env.client().getSecret(name)).value).toBe(old.value);
      const pending = env.vault.latest(name + COMPANION_SUFFIX)!;
      await expect(env.deliver(event)).resolves.toBe("rotated");
      expect(mainVersions(name)).toHaveLength(count + 1);
      expect(env.vault.latest(name)!.value).toBe(JSON.parse(pending.value).token);
    },
  );

  it("a crash after finishSecret leaves the rotation done; the redelivery changes nothing", async () => {
    const event = env.vault.event(NEAR_EXPIRY, name);
    await expect(
      env.deliver(event, {
        afterStep: (step) => {
          if (step === "finishSecret") throw new Error("simulated crash after finishSecret");
        },
      }),
    ).rejects.toThrow(/simulated crash/);
    const after = env.vault.latest(name)!;
    await expect(env.deliver(event)).resolves.toBe("ignored");
    expect(env.vault.latest(name)!.id).toBe(after.id);
  });

  it("readers get a working token at every moment of a rotation", async () => {
    const seen: Array<string | undefined> = [];
    const old = env.vault.latest(name)!.value;
    await env.deliver(env.vault.event(NEAR_EXPIRY, name), {
      afterStep: async () => {
        seen.push((await env.client().getSecret(name)).value);
      },
    });
    const now = env.vault.latest(name)!.value;
    expect(seen).toEqual([old, old, old, now]);
  });
});

describe("jwt", () => {
  const name = "myapp--jwt";

  it("writes the first key set when the marker is created: the AWS value shape, the settings' algorithm", async () => {
    terraformCreates(name, "jwt");
    await expect(env.deliver(env.vault.events.at(-1))).resolves.toBe("rotated");
    const value = JSON.parse(env.vault.latest(name)!.value);
    expect(value).toMatchObject({ algorithm: "ES256", expiry_hours: 12 });
    expect(value.current).toMatchObject({ kid: value.kid, algorithm: "ES256", secret_key: value.secret_key, public_key: value.public_key });
    expect(value.next.kid).not.toBe(value.kid);
    expect(value.previous).toBeUndefined();
    expect(env.vault.latest(name)!.contentType).toBe("application/json");
  });

  it("on near-expiry the published next key signs, and tokens of the old key still verify", async () => {
    const before = JSON.parse(env.vault.latest(name)!.value);
    const oldToken = await signJwt(before.current as KeyEntry, { sub: "x", exp: Math.floor(Date.now() / 1000) + 60 });
    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, name))).resolves.toBe("rotated");
    const after = JSON.parse(env.vault.latest(name)!.value);
    expect(after.kid).toBe(before.next.kid);
    expect(after.previous.kid).toBe(before.kid);
    expect(after.previous.secret_key).toBeUndefined();
    await expect(verifyJwt(oldToken, await jwksOf(after))).resolves.toMatchObject({ sub: "x" });
  });

  it("ignores an algorithm tag on the version: the settings say ES256", async () => {
    const v = env.vault.latest(name)!;
    v.tags[JWT_ALGORITHM_TAG] = "HS256";
    await env.deliver(env.vault.event(NEAR_EXPIRY, name));
    expect(JSON.parse(env.vault.latest(name)!.value).algorithm).toBe("ES256");
  });

  it("HS256 from the settings", async () => {
    terraformCreates("myapp--hs", "jwt");
    await env.deliver(env.vault.events.at(-1));
    const value = JSON.parse(env.vault.latest("myapp--hs")!.value);
    expect(value).toMatchObject({ algorithm: "HS256", expiry_hours: 24 });
    expect(value.secret_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("refusals", () => {
  it("refuses a secret ROTATION_SECRETS does not list, with a log line and no write", async () => {
    const v = env.vault.put("other--secret", "a value nobody asked to rotate");
    const writes = env.vault.calls.filter((c) => c.method === "PUT").length;
    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, "other--secret", v))).resolves.toBe("refused");
    expect(env.vault.calls.filter((c) => c.method === "PUT").length).toBe(writes);
    expect(logs().find((l) => l.event === "event.refused" && l.secretId === "other--secret")).toMatchObject({ level: "warn" });
  });

  it("refuses events about its own companion secrets", async () => {
    const companion = "myapp--session" + COMPANION_SUFFIX;
    await expect(env.deliver(env.vault.event(NEW_VERSION, companion))).resolves.toBe("refused");
  });

  it("refuses an event about another vault", async () => {
    const event = env.vault.event(NEAR_EXPIRY, "myapp--session");
    const count = mainVersions("myapp--session").length;
    await expect(env.deliver({ ...event, data: { ...event.data, VaultName: "kv-someone-else" } })).resolves.toBe("refused");
    expect(mainVersions("myapp--session")).toHaveLength(count);
  });

  it("ignores event types it does not handle", async () => {
    await expect(env.deliver(env.vault.event("Microsoft.KeyVault.VaultAccessPolicyChanged", "myapp--session"))).resolves.toBe("ignored");
  });

  it.each([
    ["not JSON", "{", /ROTATION_SECRETS is not valid JSON/],
    ["an unknown type", JSON.stringify({ "myapp--session": { type: "api-key", everyDays: 7 } }), /type must be postgres, jwt or token/],
    ["a bad cadence", JSON.stringify({ "myapp--session": { type: "token", everyDays: 0 } }), /everyDays/],
    ["a bad algorithm", JSON.stringify({ "myapp--jwt": { type: "jwt", everyDays: 7, algorithm: "none" } }), /algorithm must be one of/],
    ["alternating users without a master", JSON.stringify({ "a--db": { type: "postgres", strategy: "alternating-users", everyDays: 7 } }), /masterSecret must name/],
  ])("fails with a message naming the setting for %s, and writes nothing", async (_what, text, message) => {
    const writes = env.vault.calls.filter((c) => c.method === "PUT").length;
    const handler = (await import("../lambda/azure/rotate")).createRotateHandler({
      client: () => env.client(),
      env: { KEY_VAULT_URL: env.vault.url, ROTATION_SECRETS: text },
    });
    await expect(handler(env.vault.event(NEAR_EXPIRY, "myapp--session"))).rejects.toMatchObject({ code: "BAD_SETTING", message: expect.stringMatching(message) });
    expect(env.vault.calls.filter((c) => c.method === "PUT").length).toBe(writes);
  });

  it("fails when KEY_VAULT_URL is missing", async () => {
    const handler = (await import("../lambda/azure/rotate")).createRotateHandler({ client: () => env.client(), env: { ROTATION_SECRETS: "{}" } });
    await expect(handler(env.vault.event(NEAR_EXPIRY, "myapp--session"))).rejects.toMatchObject({ code: "BAD_SETTING", message: expect.stringMatching(/KEY_VAULT_URL/) });
  });

  it("a Key Vault failure fails the delivery (so Event Grid retries) and logs no value", async () => {
    env.vault.fault = (method) => (method === "PUT" ? { status: 503, code: "ServiceUnavailable", message: "try later" } : undefined);
    try {
      await expect(env.deliver(env.vault.event(NEAR_EXPIRY, "myapp--session"))).rejects.toThrow(/try later/);
    } finally {
      env.vault.fault = undefined;
    }
    expect(logs().some((l) => l.event === "rotation.failed" && l.level === "error")).toBe(true);
    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, "myapp--session"))).resolves.toBe("rotated");
  });
});

describe("random passwords (node:crypto, Secrets Manager's rules)", () => {
  it("have the length, one of each class and none of the excluded characters", () => {
    for (let i = 0; i < 200; i++) {
      const p = randomPasswordSync({ length: 32, excludeCharacters: DEFAULT_EXCLUDE_CHARACTERS });
      expect(p).toHaveLength(32);
      expect(p).toMatch(/[a-z]/);
      expect(p).toMatch(/[A-Z]/);
      expect(p).toMatch(/[0-9]/);
      expect(p).toMatch(/[!-/:-@[-`{-~]/);
      for (const ch of DEFAULT_EXCLUDE_CHARACTERS) expect(p).not.toContain(ch);
    }
  });

  it("refuse when every character is excluded", () => {
    const all = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i)).join("");
    expect(() => randomPasswordSync({ length: 32, excludeCharacters: all })).toThrow(/Every character is excluded/);
  });
});

describe("two instances delivering the same rotation at once (Key Vault has no conditional write)", () => {
  it("agree on one pending value, which no later write changes once a delivery went on with it", async () => {
    const name = "myapp--race";
    const settings = { type: "token", everyDays: 7 } as const;
    env.vault.put(name, "the-current-token-of-the-race-test", { contentType: "text/plain" });
    const token = "rotation-of-the-race-test";
    // Both instances pass putPendingValue's "no pending value yet" check before either writes; B's write then lands
    // 100 ms after A's (a slower network path), so A could go on before B's value exists.
    let arrived = 0;
    let bothChecked!: () => void;
    const checked = new Promise<void>((resolve) => (bothChecked = resolve));
    const instance = (delayMs: number): KeyVaultClient => {
      const c = env.client();
      return {
        getSecret: (...a: Parameters<SecretClient["getSecret"]>) => c.getSecret(...a),
        listPropertiesOfSecretVersions: (...a: Parameters<SecretClient["listPropertiesOfSecretVersions"]>) => c.listPropertiesOfSecretVersions(...a),
        setSecret: async (...a: Parameters<SecretClient["setSecret"]>) => {
          if (++arrived === 2) bothChecked();
          await checked;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return c.setSecret(...a);
        },
      };
    };
    const stores = [instance(0), instance(100)].map((client) => new KeyVaultStore(client, env.vault.url, name, settings, "token", undefined, 300));
    const values = ["pending-token-written-by-instance-a", "pending-token-written-by-instance-b"];
    // What each delivery reads as the pending value right after its putPendingValue returned: what it goes on with.
    const wentOnWith = await Promise.allSettled(
      stores.map(async (store, i) => {
        await store.putPendingValue(store.secretId, token, { token: values[i] });
        return (await store.getSecretVersion(store.secretId, AWSPENDING, token))!.value.token;
      }),
    );
    const fulfilled = wentOnWith.filter((r) => r.status === "fulfilled").map((r) => (r as PromiseFulfilledResult<unknown>).value);
    const rejected = wentOnWith.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toEqual([expect.objectContaining({ code: "PENDING_CONFLICT" })]);
    // Both companion versions exist, yet every reader, now and later, takes the one the winner went on with.
    expect(env.vault.secrets.get(name + COMPANION_SUFFIX)!.map((v) => JSON.parse(v.value).token).sort()).toEqual(values);
    for (const store of stores) expect((await store.getSecretVersion(store.secretId, AWSPENDING, token))!.value.token).toBe(fulfilled[0]);
  });
});

describe("a person with write access to one secret forging the function's tags", () => {
  const name = "myapp--forged";
  beforeAll(async () => {
    env.settings = { ...env.settings, [name]: { type: "token", everyDays: 7 } };
    terraformCreates(name, "token");
    await expect(env.deliver(env.vault.events.at(-1))).resolves.toBe("rotated");
  });

  it("cannot stop rotation with a version tagged rotated-by that never expires: it is rotated at once", async () => {
    const forged = env.vault.put(name, "a-token-a-person-chose-and-tagged-as-rotated", { contentType: "text/plain", tags: { ...TERRAFORM_TAGS, [ROTATION_TAGS.rotatedBy]: ROTATED_BY } });
    await expect(env.deliver(env.vault.events.at(-1))).resolves.toBe("rotated");
    const latest = env.vault.latest(name)!;
    expect(latest.tags[ROTATION_TAGS.previousVersion]).toBe(forged.id);
    expect(latest.exp).toBeDefined();
    expect(logs().some((l) => l.event === "event.forged-own-version" && l.secretId === name)).toBe(true);
  });

  it("still ignores its own version (tagged, expiring one cadence from now)", async () => {
    const own = env.vault.events.filter((e) => e.subject === name).at(-1)!;
    await expect(env.deliver(own)).resolves.toBe("ignored");
  });

  it("cannot end a rotation early by tagging the latest version with the rotation's id: the new value is published", async () => {
    const old = env.vault.latest(name)!;
    // The id is derived from the version id, which anyone who reads the secret sees; the person PATCHes the tag on.
    old.tags[ROTATION_TAGS.rotationId] = rotationIdFor(name, old.id);
    const count = mainVersions(name).length;
    await expect(env.deliver(env.vault.event(NEAR_EXPIRY, name, old))).resolves.toBe("rotated");
    expect(mainVersions(name)).toHaveLength(count + 1);
    const pending = JSON.parse(env.vault.latest(name + COMPANION_SUFFIX)!.value).token;
    expect(env.vault.latest(name)!.value).toBe(pending);
    expect(pending).not.toBe(old.value);
  });
});
