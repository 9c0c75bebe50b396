// A secret version's text as the JSON object every rotator works on; shared by the Secrets Manager and Key Vault stores.
import { RotationError } from "./errors";
import { registerSecret, registerSecretValue } from "./log";

export function parseValue(secretId: string, what: string, text: string | undefined): Record<string, unknown> {
  if (text === undefined) {
    throw new RotationError(`The ${what} version of ${secretId} has no SecretString (binary secrets are not supported).`, "BAD_VALUE");
  }
  registerSecret(text);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RotationError(`The ${what} version of ${secretId} is not valid JSON; it must be a JSON object.`, "BAD_VALUE");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new RotationError(`The ${what} version of ${secretId} is not a JSON object.`, "BAD_VALUE");
  }
  registerSecretValue(value);
  return value as Record<string, unknown>;
}
