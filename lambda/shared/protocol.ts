// The Secrets Manager rotation protocol, shared by every rotation function: event checks, then
// dispatch to one of four steps. Secrets Manager calls the function once per step with the same
// ClientRequestToken (the new version's id), retries a failed step, then retries the whole
// rotation; so every step must be idempotent and AWSCURRENT must stay usable throughout.
import { RotationError, toSafeError } from "./errors";
import { Logger, createLogger } from "./log";
import { AWSCURRENT, AWSPENDING, SecretMetadata, describeSecret, secretsManagerStore, versionHasValue } from "./secrets";
import type { SecretStore } from "./store";

export const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type Step = (typeof STEPS)[number];

/** The event Secrets Manager sends a rotation function. */
export interface RotationEvent {
  readonly Step: Step;
  readonly SecretId: string;
  readonly ClientRequestToken: string;
  /** Sent by Secrets Manager for rotations through an assumed role; passed to PutSecretValue. */
  readonly RotationToken?: string;
}

/** What a step gets: the secret, the version being rotated to, and a logger bound to both. */
export interface StepContext {
  readonly step: Step;
  /** The secret's ARN (DescribeSecret's answer, whatever form the event used). */
  readonly secretId: string;
  /** ClientRequestToken: the id of the AWSPENDING version this rotation creates. */
  readonly token: string;
  readonly rotationToken?: string;
  readonly metadata: SecretMetadata;
  readonly log: Logger;
  /** Where the secret's versions are read and written (Secrets Manager in the Lambda, Key Vault in the Azure Function). */
  readonly store: SecretStore;
  /**
   * The only master secret alternating rotation may use, and the setting that names it, when the host fixes it
   * (the Azure Function: the secret's `masterSecret` in ROTATION_SECRETS). Unset in the Lambda, which reads
   * MASTER_SECRET_ARN from its environment.
   */
  readonly allowedMaster?: { readonly secretId: string; readonly setting: string };
}

export interface Rotator {
  /** For logs, e.g. `postgres/single-user`. */
  readonly name: string;
  createSecret(ctx: StepContext): Promise<void>;
  setSecret(ctx: StepContext): Promise<void>;
  testSecret(ctx: StepContext): Promise<void>;
  finishSecret(ctx: StepContext): Promise<void>;
}

/** Checks the event's shape. The message says which field is wrong; no field value is echoed except Step. */
export function parseRotationEvent(event: unknown): RotationEvent {
  if (event === null || typeof event !== "object") {
    throw new RotationError("Invalid rotation event: expected an object with Step, SecretId and ClientRequestToken.", "BAD_EVENT");
  }
  const e = event as Record<string, unknown>;
  if (typeof e.Step !== "string" || !(STEPS as readonly string[]).includes(e.Step)) {
    const shown = typeof e.Step === "string" ? JSON.stringify(e.Step.slice(0, 40)) : typeof e.Step;
    throw new RotationError(`Invalid rotation event: Step ${shown} is not one of ${STEPS.join(", ")}.`, "BAD_EVENT");
  }
  for (const field of ["SecretId", "ClientRequestToken"] as const) {
    if (typeof e[field] !== "string" || (e[field] as string).length === 0) {
      throw new RotationError(`Invalid rotation event: ${field} must be a non-empty string.`, "BAD_EVENT");
    }
  }
  if (e.RotationToken !== undefined && typeof e.RotationToken !== "string") {
    throw new RotationError("Invalid rotation event: RotationToken must be a string when present.", "BAD_EVENT");
  }
  return {
    Step: e.Step as Step,
    SecretId: e.SecretId as string,
    ClientRequestToken: e.ClientRequestToken as string,
    RotationToken: e.RotationToken as string | undefined,
  };
}

/**
 * Checks the secret's state for this event. Returns false when there is nothing to do (the
 * version is already AWSCURRENT: a retry after finishSecret succeeded).
 */
export function checkRotationState(metadata: SecretMetadata, token: string): boolean {
  if (!metadata.rotationEnabled) {
    throw new RotationError(`Secret ${metadata.arn} is not enabled for rotation.`, "ROTATION_DISABLED");
  }
  const stages = metadata.versions[token];
  if (!stages) {
    throw new RotationError(
      `Version ${token} is not a version of secret ${metadata.arn} with a staging label; it cannot be rotated to.`,
      "UNKNOWN_VERSION",
    );
  }
  if (stages.includes(AWSCURRENT)) return false;
  if (!stages.includes(AWSPENDING)) {
    throw new RotationError(
      `Version ${token} of secret ${metadata.arn} is not labelled AWSPENDING (labels: ${stages.join(", ") || "none"}); ` +
        `only the pending version can be rotated to.`,
      "NOT_PENDING",
    );
  }
  return true;
}

export type RotationHandler = (event: unknown, context?: unknown) => Promise<void>;

/**
 * The checks every function makes on the version itself, whatever the rotator. Returns false when
 * the step has nothing to do.
 *
 * - testSecret on a version with no value is Secrets Manager's configuration test: with
 *   RotateImmediately=false (Terraform's `rotate_immediately = false`) it labels a new, empty
 *   version AWSPENDING, runs only testSecret, then removes the version. No rotation has begun, so
 *   there is nothing to test; failing would fail the RotateSecret call (and the apply behind it).
 * - finishSecret never moves AWSCURRENT onto a version with no value: whatever invoked it out of
 *   order, the secret's readers would get nothing.
 */
async function checkVersionValue(step: Step, metadata: SecretMetadata, token: string, log: Logger): Promise<boolean> {
  if (step !== "testSecret" && step !== "finishSecret") return true;
  if (await versionHasValue(metadata.arn, token)) return true;
  if (step === "testSecret") {
    log.info("test.configuration-only", {
      message:
        "The AWSPENDING version has no value: Secrets Manager is testing the rotation configuration " +
        "(RotateImmediately=false). No rotation has started; nothing to test.",
    });
    return false;
  }
  throw new RotationError(
    `Version ${token} of secret ${metadata.arn} has no value (createSecret has not run for it); ` +
      `AWSCURRENT stays on its version. Let Secrets Manager run the rotation from createSecret.`,
    "NO_PENDING_VALUE",
  );
}

/**
 * Builds a Lambda handler from a rotator. `rotator` is called per invocation so that settings read
 * from the environment (e.g. ROTATION_STRATEGY) are checked on every call, with a clear error.
 */
export function createRotationHandler(rotator: () => Rotator, baseLogger: Logger = createLogger()): RotationHandler {
  return async (rawEvent: unknown) => {
    const started = Date.now();
    let log = baseLogger;
    try {
      const event = parseRotationEvent(rawEvent);
      log = baseLogger.child({ step: event.Step, secretId: event.SecretId, versionId: event.ClientRequestToken });
      const impl = rotator();
      log = log.child({ strategy: impl.name });
      log.info("step.start");
      const metadata = await describeSecret(event.SecretId);
      if (!checkRotationState(metadata, event.ClientRequestToken)) {
        log.info("step.skipped", { message: "The version is already AWSCURRENT; nothing to do." });
        return;
      }
      const ctx: StepContext = {
        step: event.Step,
        secretId: metadata.arn,
        token: event.ClientRequestToken,
        rotationToken: event.RotationToken,
        metadata,
        log,
        store: secretsManagerStore,
      };
      if (await checkVersionValue(event.Step, metadata, event.ClientRequestToken, log)) await impl[event.Step](ctx);
      log.info("step.done", { durationMs: Date.now() - started });
    } catch (err) {
      const safe = toSafeError(err);
      log.error("step.failed", {
        durationMs: Date.now() - started,
        errorName: safe.name,
        errorCode: safe.code,
        message: safe.message,
      });
      throw safe;
    }
  };
}
