// Per-file setup for the Azure rotation function's tests: the Key Vault fake, the real @azure/keyvault-secrets client
// pointed at it (a fake TokenCredential, the fake's certificate trusted through the client's agent), the function's
// app settings, and stdout capture for the log-leak checks. `deliver` hands an event to the function as Event Grid
// does; a thrown error is what makes Event Grid deliver again.
import type { TokenCredential } from "@azure/identity";
import { SecretClient } from "@azure/keyvault-secrets";
import type { AzureRotationSettings } from "../../contracts/azure-rotation";
import { AZURE_ROTATION_SETTING, AZURE_ROTATION_VAULT_URL_SETTING } from "../../contracts/azure-rotation";
import { RotateDeps, createRotateHandler, Outcome } from "../../lambda/azure/rotate";
import { FAKE_TOKEN, FakeKeyVault } from "./fake-key-vault";
import { OutputCapture, leakedSecrets } from "./rotation-harness";

export const fakeCredential: TokenCredential = {
  getToken: async () => ({ token: FAKE_TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export interface AzureRotationEnv {
  readonly vault: FakeKeyVault;
  readonly capture: OutputCapture;
  readonly mustNotLog: string[];
  readonly thrown: string[];
  settings: AzureRotationSettings;
  client(): SecretClient;
  /** One delivery of `event` to the function. */
  deliver(event: unknown, extra?: Partial<RotateDeps>): Promise<Outcome>;
  /** Delivers until the function succeeds (Event Grid's retries), at most `attempts` times. */
  deliverUntilDone(event: unknown, attempts?: number, extra?: Partial<RotateDeps>): Promise<Outcome>;
  env(): NodeJS.ProcessEnv;
}

export function setupAzureRotationEnv(settings: AzureRotationSettings = {}): AzureRotationEnv {
  const vault = new FakeKeyVault();
  let client: SecretClient | undefined;
  const env: AzureRotationEnv = {
    vault,
    capture: new OutputCapture(),
    mustNotLog: [],
    thrown: [],
    settings,
    client: () => client!,
    env: () => ({ [AZURE_ROTATION_VAULT_URL_SETTING]: vault.url, [AZURE_ROTATION_SETTING]: JSON.stringify(env.settings) }),
    async deliver(event, extra = {}) {
      try {
        return await createRotateHandler({ client: () => client!, env: env.env(), pendingSettleMs: 20, ...extra })(JSON.parse(JSON.stringify(event)));
      } catch (err) {
        env.thrown.push(String((err as Error).message), String((err as Error).stack));
        throw err;
      }
    },
    async deliverUntilDone(event, attempts = 3, extra = {}) {
      let last: unknown;
      for (let i = 0; i < attempts; i++) {
        try {
          return await env.deliver(event, extra);
        } catch (err) {
          last = err;
        }
      }
      throw last;
    },
  };
  beforeAll(async () => {
    const url = await vault.start();
    // No retries: a failure is the test's to see, and Event Grid's redelivery is what retries.
    client = new SecretClient(url, fakeCredential, { agent: vault.agent(), retryOptions: { maxRetries: 0 } });
    env.capture.start();
  });
  afterAll(async () => {
    env.capture.stop();
    await vault.stop();
  });
  return env;
}

export function expectNoSecretInAzureLogs(env: AzureRotationEnv): void {
  const secrets = [...env.vault.secretStrings(), ...env.mustNotLog].filter((s) => s.length >= 6 && !s.startsWith("unset: "));
  expect(secrets.length).toBeGreaterThan(0);
  expect(leakedSecrets([...env.capture.lines, ...env.thrown], secrets)).toEqual([]);
}
