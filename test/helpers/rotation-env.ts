// Per-file setup for rotation tests: a fake Secrets Manager the SDK points at, stdout capture for
// the functions' logs, and a final check that no secret value reached a log line or an error.
import { FakeSecretsManager, useFakeEndpoint } from "./fake-secrets-manager";
import { OutputCapture, leakedSecrets } from "./rotation-harness";

export interface RotationEnv {
  readonly fake: FakeSecretsManager;
  readonly capture: OutputCapture;
  /** Extra strings that must never be logged (initial passwords a test put, master password...). */
  readonly mustNotLog: string[];
  /** Error messages thrown by handlers, which the Lambda runtime would log. */
  readonly thrown: string[];
}

export function setupRotationEnv(): RotationEnv {
  const env: RotationEnv = {
    fake: new FakeSecretsManager(),
    capture: new OutputCapture(),
    mustNotLog: [],
    thrown: [],
  };
  let restore: (() => void) | undefined;
  beforeAll(async () => {
    const url = await env.fake.start();
    restore = useFakeEndpoint(url);
    env.capture.start();
  });
  afterAll(async () => {
    env.capture.stop();
    restore?.();
    await env.fake.stop();
  });
  return env;
}

/** Every secret the fake ever stored or generated, plus `extra`, checked against captured output. */
export function expectNoSecretInLogs(env: RotationEnv): void {
  const secrets = [...env.fake.secretStrings(), ...env.mustNotLog].filter((s) => s.length >= 6);
  expect(secrets.length).toBeGreaterThan(0);
  const leaked = leakedSecrets([...env.capture.lines, ...env.thrown], secrets);
  expect(leaked).toEqual([]);
}
