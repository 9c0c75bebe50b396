// Drives a rotation function the way Secrets Manager does: RotateSecret labels a new version
// AWSPENDING, then the function is invoked for createSecret, setSecret, testSecret and
// finishSecret with the same ClientRequestToken; a failed step is retried, then the whole
// rotation is retried with the same token; after finishSecret, AWSPENDING leaves the new version.
// configureRotation is RotateSecret with RotateImmediately=false: the fake runs the function's
// testSecret alone on an empty AWSPENDING version, then removes that version.
import { randomUUID } from "node:crypto";
import { FakeSecretsManager } from "./fake-secrets-manager";

export const STEPS = ["createSecret", "setSecret", "testSecret", "finishSecret"] as const;
export type Step = (typeof STEPS)[number];
export type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

export interface RotateOptions {
  /** Invocations of one step before the rotation counts as failed (default 2). */
  readonly stepAttempts?: number;
  /** Runs of the whole rotation, same token, before giving up (default 2). */
  readonly rotationAttempts?: number;
  /** Simulates a crash: stop (without error) once this step has succeeded. */
  readonly stopAfter?: Step;
  /** Called before the first step ("start") and after every successful step. */
  readonly between?: (after: Step | "start") => Promise<void> | void;
  readonly rotationToken?: string;
}

export interface RotationResult {
  readonly token: string;
  /** Messages of every failed invocation, in order. */
  readonly errors: string[];
}

export class RotationFailed extends Error {
  constructor(
    readonly token: string,
    readonly step: Step,
    readonly cause: Error,
    readonly errors: string[],
  ) {
    super(`rotation ${token} failed at ${step}: ${cause.message}`);
  }
}

/** The function ARN the harness registers its handler under in the fake. */
export const HARNESS_FUNCTION_ARN = "arn:aws:lambda:us-east-1:111111111111:function:rotation-under-test";

export class RotationHarness {
  /** Every error message a handler threw (the Lambda runtime logs these). */
  readonly thrownMessages: string[] = [];

  constructor(
    readonly fake: FakeSecretsManager,
    public handler: Handler,
  ) {}

  event(step: Step, secretId: string, token: string, rotationToken?: string) {
    return { Step: step, SecretId: secretId, ClientRequestToken: token, ...(rotationToken ? { RotationToken: rotationToken } : {}) };
  }

  /** One invocation, as Lambda would run it. */
  async invoke(step: Step, secretId: string, token: string, rotationToken?: string): Promise<void> {
    try {
      await this.handler(this.event(step, secretId, token, rotationToken), {});
    } catch (err) {
      this.thrownMessages.push(String((err as Error)?.message ?? err));
      if (err instanceof Error && err.stack) this.thrownMessages.push(err.stack);
      throw err;
    }
  }

  /**
   * RotateSecret with RotateImmediately=false, as the stack configures postgres secrets: Secrets
   * Manager tests the configuration by invoking testSecret alone. Rejects when that test fails.
   */
  async configureRotation(secretId: string, token: string = randomUUID()): Promise<void> {
    this.fake.functions.set(HARNESS_FUNCTION_ARN, (event) => this.invoke(event.Step as Step, event.SecretId, event.ClientRequestToken));
    await this.fake.configureRotation({ SecretId: secretId, ClientRequestToken: token, RotationLambdaARN: HARNESS_FUNCTION_ARN, RotateImmediately: false });
  }

  /** RotateSecret, then the four steps with retries. Throws RotationFailed when retries run out. */
  async rotate(secretId: string, token: string = randomUUID(), options: RotateOptions = {}): Promise<RotationResult> {
    const stepAttempts = options.stepAttempts ?? 2;
    const rotationAttempts = options.rotationAttempts ?? 2;
    const errors: string[] = [];
    this.fake.rotateSecret({ SecretId: secretId, ClientRequestToken: token });
    let lastFailure: RotationFailed | undefined;
    for (let run = 0; run < rotationAttempts; run++) {
      lastFailure = undefined;
      await options.between?.("start");
      for (const step of STEPS) {
        let lastError: Error | undefined;
        for (let attempt = 0; attempt < stepAttempts; attempt++) {
          try {
            await this.invoke(step, secretId, token, options.rotationToken);
            lastError = undefined;
            break;
          } catch (err) {
            lastError = err as Error;
            errors.push(`${step}: ${lastError.message}`);
          }
        }
        if (lastError) {
          lastFailure = new RotationFailed(token, step, lastError, errors);
          break;
        }
        if (step === "finishSecret") this.fake.completeRotation(secretId, token);
        await options.between?.(step);
        if (options.stopAfter === step) return { token, errors };
      }
      if (!lastFailure) return { token, errors };
    }
    throw lastFailure!;
  }
}

/** Captures everything written to stdout (where the functions log) while active. */
export class OutputCapture {
  readonly lines: string[] = [];
  private original?: typeof process.stdout.write;

  start(): this {
    if (this.original) return this;
    this.original = process.stdout.write;
    const lines = this.lines;
    process.stdout.write = function (chunk: unknown, ...rest: unknown[]): boolean {
      const text = typeof chunk === "string" ? chunk : Buffer.from(chunk as Uint8Array).toString("utf8");
      lines.push(...text.split("\n").filter((l) => l.length > 0));
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    } as typeof process.stdout.write;
    return this;
  }

  stop(): void {
    if (this.original) process.stdout.write = this.original;
    this.original = undefined;
  }

  /** Parsed JSON log lines. */
  json(): Array<Record<string, unknown>> {
    return this.lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }
}

/** The secret strings from `secrets` that appear in any of `lines` (should be none). */
export function leakedSecrets(lines: readonly string[], secrets: readonly string[]): string[] {
  const text = lines.join("\n");
  return secrets.filter((s) => text.includes(s) || text.includes(JSON.stringify(s).slice(1, -1)));
}
