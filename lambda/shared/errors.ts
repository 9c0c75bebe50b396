import { redact } from "./log";

/**
 * An error that is safe to show: its message names what is wrong and what to change, and never
 * holds a secret value. The Lambda runtime logs thrown errors, so every error leaving a handler
 * is one of these (see toSafeError).
 */
export class RotationError extends Error {
  constructor(
    message: string,
    /** A stable code for alarms and tests, e.g. `ROTATION_DISABLED`, or an AWS/PostgreSQL code. */
    readonly code: string = "ROTATION_FAILED",
  ) {
    super(redact(message));
    this.name = "RotationError";
  }
}

/** Name of an AWS SDK error (`ResourceNotFoundException`, ...), if it is one. */
export function awsErrorName(err: unknown): string | undefined {
  if (err && typeof err === "object" && "$metadata" in err) return (err as { name?: string }).name;
  return undefined;
}

/**
 * Converts anything thrown into a RotationError with a redacted message and no extra
 * properties (pg errors carry `detail`, `where`, `internalQuery` with statement text).
 */
export function toSafeError(err: unknown): RotationError {
  if (err instanceof RotationError) {
    const safe = new RotationError(err.message, err.code);
    return safe;
  }
  if (err instanceof Error) {
    const ownCode = (err as unknown as { code?: unknown }).code;
    const code = awsErrorName(err) ?? (typeof ownCode === "string" ? ownCode : undefined) ?? err.name;
    return new RotationError(`${err.name}: ${err.message}`, code);
  }
  return new RotationError(`Unexpected failure: ${String(err)}`);
}
