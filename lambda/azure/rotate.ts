// The Azure Function's work for one Event Grid event: which secret, whether to rotate it, then the protocol's four
// steps in order, over Key Vault (key-vault-store.ts), with the same rotators the Lambdas run.
//
// Event Grid delivers at least once, may deliver twice or out of order, and retries a delivery the function fails
// (learn.microsoft.com/azure/event-grid/delivery-and-retry). So:
// - a rotation's id is derived from the version it rotates away from: every delivery about that version, however
//   often and in whatever order, is the same rotation, and each step finds what an earlier delivery did;
// - an event about a version that is no longer the latest is stale (a later rotation or a person replaced it): ignored;
// - a failed step throws, so Event Grid delivers again and the next delivery resumes where this one stopped;
// - deliveries to one instance are serialised per secret; across instances, two may both write a pending value, and
//   putPendingValue makes all of them agree on the earliest, the others failing and retrying with it.
import { createHash } from "node:crypto";
import type { AzureRotatedSecret } from "../../contracts/azure-rotation";
import { JWT_ALGORITHM_TAG, JWT_EXPIRY_HOURS_TAG, TOKEN_LENGTH_TAG } from "../../contracts/tags";
import { RotationError, toSafeError } from "../shared/errors";
import { Logger, createLogger } from "../shared/log";
import type { Rotator, Step, StepContext } from "../shared/protocol";
import { jwtRotator } from "../jwt/rotator";
import { tokenRotator } from "../token/rotator";
import { singleUserRotator } from "../postgres/single-user";
import { alternatingUsersRotator } from "../postgres/alternating-users";
import { KeyVaultClient, KeyVaultStore, NEAR_EXPIRY_LEAD_DAYS, isMarker, readSecret, writtenByRotation } from "./key-vault-store";
import { AzureSettings, readSettings } from "./settings";

const DAY_MS = 24 * 60 * 60 * 1000;
const STEPS: readonly Step[] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

export const NEAR_EXPIRY = "Microsoft.KeyVault.SecretNearExpiry";
export const EXPIRED = "Microsoft.KeyVault.SecretExpired";
export const NEW_VERSION = "Microsoft.KeyVault.SecretNewVersionCreated";
const HANDLED = [NEAR_EXPIRY, EXPIRED, NEW_VERSION];
/** The eventType of the sweep's own "events" (never accepted from Event Grid: HANDLED does not list it). */
export const SWEEP = "Sweep";

/** The parts of a Key Vault event the function uses (learn.microsoft.com/azure/event-grid/event-schema-key-vault). */
export interface KeyVaultEvent {
  readonly eventType: string;
  readonly objectName: string;
  readonly vaultName: string;
  readonly version: string;
}

/** Event Grid schema (eventType, data.ObjectName...) or CloudEvents (type); data fields in either case. */
export function parseEvent(raw: unknown): KeyVaultEvent | undefined {
  if (raw === null || typeof raw !== "object") return undefined;
  const e = raw as Record<string, unknown>;
  const data = (e.data ?? {}) as Record<string, unknown>;
  const field = (name: string) => {
    const v = data[name] ?? data[name.charAt(0).toLowerCase() + name.slice(1)];
    return typeof v === "string" ? v : undefined;
  };
  const eventType = typeof e.eventType === "string" ? e.eventType : typeof e.type === "string" ? e.type : undefined;
  const objectName = field("ObjectName") ?? (typeof e.subject === "string" ? e.subject : undefined);
  const vaultName = field("VaultName");
  const version = field("Version");
  if (!eventType || !objectName || !vaultName || !version) return undefined;
  return { eventType, objectName, vaultName, version };
}

export function rotatorOf(settings: AzureRotatedSecret): Rotator {
  if (settings.type === "jwt") return jwtRotator;
  if (settings.type === "token") return tokenRotator;
  return settings.strategy === "alternating-users" ? alternatingUsersRotator : singleUserRotator;
}

/** The settings as the rotators read them (they were written for Secrets Manager's tags); never the secret's own tags. */
export function settingsAsTags(settings: AzureRotatedSecret): Record<string, string> {
  if (settings.type === "jwt") {
    return { [JWT_ALGORITHM_TAG]: settings.algorithm, ...(settings.expiryHours ? { [JWT_EXPIRY_HOURS_TAG]: String(settings.expiryHours) } : {}) };
  }
  if (settings.type === "token") return settings.length ? { [TOKEN_LENGTH_TAG]: String(settings.length) } : {};
  return {};
}

/** Whether a version expires at most `everyDays + NEAR_EXPIRY_LEAD_DAYS` (and a day's slack) after `now`, as the versions this function writes do. */
export function expiresWithinCadence(expiresOn: Date | undefined, everyDays: number, now: Date): boolean {
  if (!expiresOn) return false;
  return expiresOn.getTime() <= now.getTime() + (everyDays + NEAR_EXPIRY_LEAD_DAYS + 1) * DAY_MS;
}

/** One rotation per source version: the same id for every delivery about it. */
export function rotationIdFor(name: string, fromVersion: string): string {
  return createHash("sha256").update(`${name}\0${fromVersion}`).digest("hex").slice(0, 32);
}

export interface RotateDeps {
  /** A Key Vault client for the vault's URL. */
  readonly client: (vaultUrl: string) => KeyVaultClient;
  readonly env?: NodeJS.ProcessEnv;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Called after each successful step; tests throw here to stand for a crash between steps. */
  readonly afterStep?: (step: Step, secretName: string) => Promise<void> | void;
  /** Milliseconds putPendingValue waits for concurrent writes (key-vault-store.ts PENDING_SETTLE_MS); tests shorten it. */
  readonly pendingSettleMs?: number;
}

export type Outcome = "rotated" | "ignored" | "refused" | "waiting-for-person" | "not-due";

const queues = new Map<string, Promise<unknown>>();

/** Runs `work` after every earlier work on the same key in this process. */
function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = queues.get(key) ?? Promise.resolve();
  const run = before.then(work, work);
  const tail = run.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return run;
}

export function createRotateHandler(deps: RotateDeps): (event: unknown) => Promise<Outcome> {
  const base = deps.logger ?? createLogger();
  return async (raw) => {
    const started = Date.now();
    const event = parseEvent(raw);
    if (!event) {
      base.warn("event.refused", { message: "Not a Key Vault secret event (no eventType, ObjectName, VaultName or Version)." });
      return "refused";
    }
    return rotateOne(event, "event", deps, base, started, () => readSettings(deps.env ?? process.env));
  };
}

/** What started the work: an Event Grid event, or the daily sweep (which decides itself whether a version is due). */
type Trigger = "event" | "sweep";

/** The one path of events and sweeps: per-secret serialisation, the checks, then the four steps; failures logged and thrown. */
async function rotateOne(event: KeyVaultEvent, trigger: Trigger, deps: RotateDeps, base: Logger, started: number, settingsOf: () => AzureSettings): Promise<Outcome> {
  let log = base.child({ secretId: event.objectName, versionId: event.version });
  try {
    const settings = settingsOf();
    return await serialised(event.objectName, () => handle(event, trigger, settings, deps, log, (l) => (log = l), started));
  } catch (err) {
    const safe = toSafeError(err);
    log.error("rotation.failed", { durationMs: Date.now() - started, errorName: safe.name, errorCode: safe.code, message: safe.message });
    throw safe;
  }
}

/**
 * Whether the sweep rotates a version: when it has no expiry (SecretNearExpiry never comes for it), or expires within
 * the near-expiry lead (SecretNearExpiry is due or was lost), or has expired (SecretExpired too was lost), or expires
 * later than one cadence plus the lead, which this function never sets (a person's version with a far expiry, or a
 * cadence shortened since): rotation would otherwise wait for that date.
 */
export function dueForSweep(expiresOn: Date | undefined, everyDays: number, now: Date): boolean {
  if (!expiresOn) return true;
  if (!expiresWithinCadence(expiresOn, everyDays, now)) return true;
  return expiresOn.getTime() <= now.getTime() + NEAR_EXPIRY_LEAD_DAYS * DAY_MS;
}

/**
 * Once a day at 03:17 (NCRONTAB: second minute hour day month weekday; UTC, as the function app sets no WEBSITE_TIME_ZONE:
 * learn.microsoft.com/azure/azure-functions/functions-bindings-timer#ncrontab-time-zones). Daily is well inside the
 * 30 days between SecretNearExpiry and expiry; off the hour, away from others' hourly jobs.
 */
export const SWEEP_SCHEDULE = "0 17 3 * * *";

export type SweepOutcome = Outcome | "missing" | "failed";

/**
 * The daily sweep (index.ts registers it on a timer): every secret ROTATION_SECRETS lists, one after the other, each as
 * if an event had come about its latest version. Event Grid gives up on a delivery after 24 h, and a version with no
 * expiry raises no event at all; without the sweep either would stop the secret's rotation for good. One secret's
 * failure does not stop the others; the sweep throws at the end so the invocation fails and the failure alert fires.
 */
export function createSweepHandler(deps: RotateDeps): () => Promise<Record<string, SweepOutcome>> {
  const base = deps.logger ?? createLogger();
  return async () => {
    const started = Date.now();
    let settings: AzureSettings;
    try {
      settings = readSettings(deps.env ?? process.env);
    } catch (err) {
      const safe = toSafeError(err);
      base.error("sweep.failed", { errorName: safe.name, errorCode: safe.code, message: safe.message });
      throw safe;
    }
    const outcomes: Record<string, SweepOutcome> = {};
    for (const name of settings.secrets.keys()) {
      try {
        // The version is read here and again, under the secret's lock, by handle: if an event rotated it in between,
        // the sweep's "event" is stale and ignored, as a late duplicate is; the rotation id is the event's.
        const latest = await readSecret(deps.client(settings.vaultUrl), name);
        if (!latest?.properties.version) {
          base.warn("sweep.missing", { secretId: name, message: "ROTATION_SECRETS lists the secret, but the vault has no version of it." });
          outcomes[name] = "missing";
          continue;
        }
        const event = { eventType: SWEEP, objectName: name, vaultName: settings.vaultName, version: latest.properties.version };
        outcomes[name] = await rotateOne(event, "sweep", deps, base, Date.now(), () => settings);
      } catch (err) {
        // rotateOne logged the failure of a rotation; a failed read is logged here. No value reaches either line.
        const safe = toSafeError(err);
        base.error("sweep.secret-failed", { secretId: name, errorName: safe.name, errorCode: safe.code, message: safe.message });
        outcomes[name] = "failed";
      }
    }
    const failed = Object.keys(outcomes).filter((name) => outcomes[name] === "failed");
    const counts: Record<string, number> = {};
    for (const o of Object.values(outcomes)) counts[o] = (counts[o] ?? 0) + 1;
    base.info("sweep.done", { durationMs: Date.now() - started, ...counts });
    if (failed.length > 0) {
      throw new RotationError(`The sweep failed to rotate ${failed.length} of ${settings.secrets.size} secrets: ${failed.join(", ")}.`, "SWEEP_FAILED");
    }
    return outcomes;
  };
}

async function handle(
  event: KeyVaultEvent,
  trigger: Trigger,
  settings: AzureSettings,
  deps: RotateDeps,
  log: Logger,
  setLog: (l: Logger) => void,
  started: number,
): Promise<Outcome> {
  if (trigger === "event" && !HANDLED.includes(event.eventType)) {
    log.info("event.ignored", { message: `Event type ${event.eventType.slice(0, 80)} is not one this function handles.` });
    return "ignored";
  }
  if (event.vaultName.toLowerCase() !== settings.vaultName) {
    log.warn("event.refused", { message: `The event is about vault ${event.vaultName.slice(0, 80)}, not this function's vault.` });
    return "refused";
  }
  const secret = settings.secrets.get(event.objectName);
  if (!secret) {
    log.warn("event.refused", { message: "The secret is not listed in ROTATION_SECRETS; this function does not rotate it." });
    return "refused";
  }
  const rotator = rotatorOf(secret);
  log = log.child({ strategy: rotator.name });
  setLog(log);
  const client = deps.client(settings.vaultUrl);
  const latest = await readSecret(client, event.objectName);
  if (!latest || latest.properties.version !== event.version) {
    log.info("event.stale", { message: "The event's version is no longer the latest: a later version replaced it. Nothing to do." });
    return "ignored";
  }
  // A marker is "no value yet", whatever its expiry: due (and for postgres, a person's, below).
  if (trigger === "sweep" && !isMarker(latest) && !dueForSweep(latest.properties.expiresOn, secret.everyDays, (deps.now ?? (() => new Date()))())) {
    log.info("sweep.not-due", { message: "The latest version expires after the near-expiry lead and within a cadence of it: SecretNearExpiry will come." });
    return "not-due";
  }
  if (event.eventType === NEW_VERSION && writtenByRotation(latest)) {
    // Anyone who may write a version may write its tags, so the tag alone does not prove this function wrote it. A
    // version whose expiry is missing or beyond one cadence would never raise SecretNearExpiry in time: rotation
    // would stop. Such a version is rotated now, which also gives it a proper expiry.
    if (expiresWithinCadence(latest.properties.expiresOn, secret.everyDays, (deps.now ?? (() => new Date()))())) {
      log.info("event.own-version", { message: "This function wrote the version; it rotates again near its expiry." });
      return "ignored";
    }
    log.warn("event.forged-own-version", { message: "The version is tagged as this function's but expires later than one cadence or never: rotating it now." });
  }
  if (isMarker(latest) && secret.type === "postgres") {
    // As on AWS: a database password is a person's to give first (the user exists before rotation can change it).
    log.info("waiting-for-person", {
      message:
        `No value yet: a person puts the connection details and the user's present password as JSON with ` +
        `az keyvault secret set --vault-name ${settings.vaultName} --name ${event.objectName} --file value.json; that new version starts the first rotation.`,
    });
    return "waiting-for-person";
  }
  const token = rotationIdFor(event.objectName, event.version);
  log = log.child({ versionId: token, otherVersionId: event.version });
  setLog(log);
  const store = new KeyVaultStore(client, settings.vaultUrl, event.objectName, secret, rotator.name, deps.now, deps.pendingSettleMs);
  // The rotators name the secret by this id in messages and in the marker on PostgreSQL roles (pair-roles.ts).
  const secretId = store.secretId;
  const metadata = { arn: secretId, name: event.objectName, rotationEnabled: true, versions: {}, tags: settingsAsTags(secret) };
  log.info("rotation.start", { message: `${event.eventType.replace("Microsoft.KeyVault.", "")}${isMarker(latest) ? " (first value)" : ""}` });
  for (const step of STEPS) {
    const ctx: StepContext = {
      step,
      secretId,
      token,
      metadata,
      log: log.child({ step }),
      store,
      allowedMaster:
        secret.type === "postgres" && secret.masterSecret ? { secretId: secret.masterSecret, setting: "masterSecret in ROTATION_SECRETS" } : undefined,
    };
    await rotator[step](ctx);
    await deps.afterStep?.(step, event.objectName);
  }
  log.info("rotation.done", { durationMs: Date.now() - started });
  return "rotated";
}
