// The function's settings, from the app settings the Azure stack writes (contracts/azure-rotation.ts): which secrets it
// may rotate and how. Read on every event and checked here, so a bad setting fails with a message naming the field,
// and nothing is ever taken from a secret's tags (anyone who may write a version may write tags).
import { AZURE_ROTATION_SETTING, AZURE_ROTATION_VAULT_URL_SETTING, AzureRotatedSecret } from "../../contracts/azure-rotation";
import { RotationError } from "../shared/errors";

/** Key Vault secret names: 1-127 letters, digits and dashes. */
const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
const STRATEGIES = ["single-user", "alternating-users"];
const JWT_ALGORITHMS = ["HS256", "RS256", "ES256"];

export interface AzureSettings {
  readonly vaultUrl: string;
  /** The vault's name: the first label of the URL's host, which Event Grid sends as VaultName. */
  readonly vaultName: string;
  readonly secrets: ReadonlyMap<string, AzureRotatedSecret>;
}

const bad = (what: string) => new RotationError(`Bad app setting: ${what}`, "BAD_SETTING");

function wholeNumber(v: unknown, min: number, max: number): boolean {
  return typeof v === "number" && Number.isInteger(v) && v >= min && v <= max;
}

function checkSecret(name: string, raw: unknown): AzureRotatedSecret {
  const where = `${AZURE_ROTATION_SETTING}[${JSON.stringify(name)}]`;
  if (!SECRET_NAME.test(name)) throw bad(`${where}: not a Key Vault secret name (letters, digits, dashes).`);
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw bad(`${where} must be an object.`);
  const s = raw as Record<string, unknown>;
  if (!wholeNumber(s.everyDays, 1, 3650)) throw bad(`${where}.everyDays must be a whole number of days from 1 to 3650.`);
  switch (s.type) {
    case "postgres": {
      if (typeof s.strategy !== "string" || !STRATEGIES.includes(s.strategy)) throw bad(`${where}.strategy must be one of ${STRATEGIES.join(", ")}.`);
      if (s.strategy === "alternating-users") {
        if (typeof s.masterSecret !== "string" || !SECRET_NAME.test(s.masterSecret)) {
          throw bad(`${where}.masterSecret must name the master's Key Vault secret for alternating-users.`);
        }
        if (s.masterSecret === name) throw bad(`${where}.masterSecret names the secret itself.`);
      } else if (s.masterSecret !== undefined) {
        throw bad(`${where}.masterSecret is only for alternating-users.`);
      }
      return { type: "postgres", strategy: s.strategy as "single-user" | "alternating-users", everyDays: s.everyDays as number, masterSecret: s.masterSecret as string | undefined };
    }
    case "jwt":
      if (typeof s.algorithm !== "string" || !JWT_ALGORITHMS.includes(s.algorithm)) throw bad(`${where}.algorithm must be one of ${JWT_ALGORITHMS.join(", ")}.`);
      if (s.expiryHours !== undefined && !wholeNumber(s.expiryHours, 1, 8760)) throw bad(`${where}.expiryHours must be a whole number from 1 to 8760.`);
      return { type: "jwt", everyDays: s.everyDays as number, algorithm: s.algorithm, expiryHours: s.expiryHours as number | undefined };
    case "token":
      if (s.length !== undefined && !wholeNumber(s.length, 16, 4096)) throw bad(`${where}.length must be a whole number from 16 to 4096.`);
      return { type: "token", everyDays: s.everyDays as number, length: s.length as number | undefined };
    default:
      throw bad(`${where}.type must be postgres, jwt or token.`);
  }
}

/** Reads and checks both settings; throws a RotationError (BAD_SETTING) naming what is wrong, never echoing values. */
export function readSettings(env: NodeJS.ProcessEnv = process.env): AzureSettings {
  const url = env[AZURE_ROTATION_VAULT_URL_SETTING];
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url ?? "");
  } catch {
    throw bad(`${AZURE_ROTATION_VAULT_URL_SETTING} must be the vault's URL, https://<vault>.vault.azure.net/.`);
  }
  if (parsedUrl.protocol !== "https:") throw bad(`${AZURE_ROTATION_VAULT_URL_SETTING} must be an https URL.`);
  const text = env[AZURE_ROTATION_SETTING];
  if (!text) throw bad(`${AZURE_ROTATION_SETTING} is not set.`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw bad(`${AZURE_ROTATION_SETTING} is not valid JSON.`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw bad(`${AZURE_ROTATION_SETTING} must be a JSON object of secret name -> settings.`);
  const secrets = new Map<string, AzureRotatedSecret>();
  for (const [name, entry] of Object.entries(raw)) secrets.set(name, checkSecret(name, entry));
  for (const [name, s] of secrets) {
    if (s.type === "postgres" && s.masterSecret !== undefined && secrets.has(s.masterSecret) && secrets.get(s.masterSecret)!.type !== "postgres") {
      throw bad(`${AZURE_ROTATION_SETTING}[${JSON.stringify(name)}].masterSecret names a secret that is not a postgres secret.`);
    }
  }
  return { vaultUrl: parsedUrl.origin, vaultName: parsedUrl.hostname.split(".")[0].toLowerCase(), secrets };
}
