// `npm run migrate -- --env <env> --app <app> --from <file> [--map KEY=secret.field]... [--write] [--allow-tracked]`:
// moves a .env file's values into the secret managers where the application is placed (docs/adopting.md). It prints
// keys, secrets, fields, backends and outcomes, never a value. Without --write it is a dry run: no call to any service.
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SecretClient } from "@azure/keyvault-secrets";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse as parseDotenv } from "dotenv";
import { awsSecretNameOf, keyVaultSecretNameOf, vaultKvPathOf } from "../../config/adopt";
import type { SecretBackend } from "../../config/kubernetes";
import { environmentModel, type SecretModel } from "../../config/model";
import { keyVaultName } from "../../config/naming";
import { vaultMechanism } from "../../config/placement";
import type { Platform } from "../../config/schema";
import { descriptionFragment, propose, type Proposal } from "./propose";
import { keyVaultStore, secretsManagerStore, type SecretStore, type VaultConnection, vaultKvStore } from "./stores";

export interface MigrateOptions {
  readonly env: string;
  readonly app: string;
  /** The .env file. */
  readonly from: string;
  /** --map KEY=secret.field, by key. */
  readonly map?: Readonly<Record<string, string>>;
  readonly write?: boolean;
  readonly allowTracked?: boolean;
}

/** The services, injectable so that tests talk to fakes. Defaults: the SDKs with the caller's identity. */
export interface MigrateDeps {
  readonly platform: Platform;
  readonly out: (line: string) => void;
  readonly aws?: (region: string) => SecretsManagerClient;
  readonly azure?: (vaultName: string) => SecretClient;
  /** @default - VAULT_ADDR (else the description's vault.address), VAULT_TOKEN, VAULT_NAMESPACE */
  readonly vault?: VaultConnection;
  /** @default - `git ls-files --error-unmatch` in the file's folder */
  readonly isTracked?: (file: string) => boolean;
}

export class MigrateUsageError extends Error {}

/** Whether git tracks the file: its values are then in the repository's history already. */
export function trackedByGit(file: string): boolean {
  const r = spawnSync("git", ["ls-files", "--error-unmatch", "--", path.basename(file)], { cwd: path.dirname(path.resolve(file)), encoding: "utf8" });
  return r.status === 0;
}

const CONTENT_TYPE = (type: string) => (type === "token" ? "text/plain" : "application/json");
const NUMERIC_FIELDS: Record<string, readonly string[]> = { postgres: ["port"], jwt: ["expiry_hours"] };

/** Equal JSON documents, whatever their key order. */
function sameDocument(a: unknown, b: unknown): boolean {
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return a === b;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && sameDocument((a as any)[k], (b as any)[k]));
}

/** The value to store from the current one and the file's fields: the current document with the file's fields over it. */
function nextValue(s: SecretModel, backend: SecretBackend, fields: Record<string, string | number>, current: string | undefined): { value: string; unchanged: boolean } {
  if (s.spec.type === "token" && backend === "azure") {
    // Key Vault keeps a token as its bare value (text/plain, lambda/azure/key-vault-store.ts).
    const value = String(fields.token ?? "");
    return { value, unchanged: current === value };
  }
  let doc: Record<string, unknown> = {};
  let parsed = false;
  try {
    const c = current === undefined ? undefined : JSON.parse(current);
    if (c && typeof c === "object" && !Array.isArray(c)) {
      doc = c;
      parsed = true;
    }
  } catch {
    // Not JSON (Key Vault's "unset: ..." marker, a bare value): replaced by the document.
  }
  const next: Record<string, unknown> = { ...doc, ...fields };
  // AWS's and the platform's PostgreSQL rotation read engine (DESIGN.md section 2).
  if (s.spec.type === "postgres" && next.engine === undefined) next.engine = "postgres";
  return { value: JSON.stringify(next), unchanged: parsed && sameDocument(doc, next) };
}

/** Replaces every value of the file in a message: service errors are printed, values never. */
function scrub(message: string, values: readonly string[]): string {
  let out = message;
  for (const v of [...values].sort((a, b) => b.length - a.length)) if (v.length >= 4) out = out.split(v).join("<redacted>");
  return out;
}

/** Runs the migration; returns the exit code (0: nothing refused). */
export async function migrate(options: MigrateOptions, deps: MigrateDeps): Promise<number> {
  const { env, app } = options;
  const out = deps.out;
  if (!deps.platform.environments[env]) throw new MigrateUsageError(`--env ${env}: no such environment (${Object.keys(deps.platform.environments).join(", ")})`);
  const application = deps.platform.applications[app];
  if (!application) throw new MigrateUsageError(`--app ${app}: no such application (${Object.keys(deps.platform.applications).join(", ")})`);
  const model = environmentModel(deps.platform, env);
  const placed = model.placement(app);
  if (placed.length === 0) throw new MigrateUsageError(`--app ${app} is placed on no backend in environment ${env}: there is nowhere to put its values`);
  for (const [key, target] of Object.entries(options.map ?? {})) {
    if (!/^[^.]+\.[A-Za-z0-9_]+$/.test(target)) throw new MigrateUsageError(`--map ${key}=${target}: give KEY=<secret>.<field>, e.g. ${key}=openai.api_key`);
  }
  if (!options.allowTracked && (deps.isTracked ?? trackedByGit)(options.from)) {
    throw new MigrateUsageError(
      `${options.from} is tracked by git: its values are in the repository's history already. Rotate them; to move them anyway, pass --allow-tracked (and remove the file from the repository).`,
    );
  }
  const values = parseDotenv(readFileSync(options.from));
  const keys = Object.keys(values);
  const proposals = propose(keys, values, { secrets: application.secrets, map: options.map });

  out(`${options.from}: ${keys.length} key${keys.length === 1 ? "" : "s"}; ${app} is placed on ${placed.join(", ")} in ${env}.`);
  out("");
  for (const p of proposals) out(describe(p));
  const fragment = descriptionFragment(app, proposals);
  if (fragment) {
    for (const line of ["", "Add to the description (these secrets do not exist yet: deploy them, then run again to move their values):", "", fragment]) out(line);
  }

  // The fields of each described secret, from the file.
  const bySecret = new Map<string, Record<string, string | number>>();
  for (const p of proposals) {
    if (p.kind !== "secret" || p.newSecret) continue;
    const type = application.secrets[p.secret].type;
    const raw = values[p.key];
    const fields = bySecret.get(p.secret) ?? {};
    fields[p.field] = NUMERIC_FIELDS[type]?.includes(p.field) && /^\d+$/.test(raw) ? Number(raw) : raw;
    bySecret.set(p.secret, fields);
  }

  out("");
  let refused = 0;
  const secretValues = Object.values(values);
  for (const [name, fields] of bySecret) {
    const s = model.secret(`${app}/${name}`)!;
    for (const backend of placed) {
      const label = `${app}/${name} on ${backend}`;
      if (backend === "vault" && vaultMechanism(s.spec) !== "kv") {
        out(`${label}: skipped: Vault keeps it as a ${vaultMechanism(s.spec)} (docs/vault.md), not a stored value`);
        continue;
      }
      if (!options.write) {
        out(`${label}: would write ${Object.keys(fields).sort().join(", ")} to ${targetOf(s, backend, env, deps.platform)} (dry run: nothing written)`);
        continue;
      }
      try {
        const store = storeFor(s, backend, env, deps);
        const current = await store.read();
        const next = nextValue(s, backend, fields, current);
        if (next.unchanged) {
          out(`${label}: unchanged: ${store.target} already holds these fields`);
          continue;
        }
        await store.write(next.value);
        out(`${label}: written: a new version of ${store.target}`);
      } catch (err) {
        refused++;
        out(`${label}: REFUSED: ${scrub((err as Error).message ?? String(err), secretValues)}`);
      }
    }
  }
  out("");
  if (refused > 0) out(`${refused} write${refused === 1 ? "" : "s"} refused: fix what each says and run again; what was written is compared first, so nothing is written twice.`);
  out(`Now remove ${options.from} and rotate every value it held: a value that lived in a .env file is exposed (copies, backups, shell history, images).`);
  return refused > 0 ? 1 : 0;
}

function describe(p: Proposal): string {
  if (p.kind === "secret") return `${p.key} -> ${p.secret}.${p.field}${p.source === "map" ? " (--map)" : ""}${p.newSecret ? ` (new ${p.newSecret} secret)` : ""}`;
  if (p.kind === "configuration") return `${p.key}: stays configuration (${p.why})`;
  return `${p.key}: not moved: ${p.why}`;
}

function targetOf(s: SecretModel, backend: SecretBackend, env: string, platform: Platform): string {
  const spec = platform.environments[env];
  if (backend === "aws") return `Secrets Manager ${awsSecretNameOf(s)}`;
  if (backend === "azure") return `Key Vault ${keyVaultName(platform.organization, env, spec.azure?.keyVaultName)} secret ${keyVaultSecretNameOf(s)}`;
  return `Vault ${spec.vault?.kvMount}/${vaultKvPathOf(s)}`;
}

function storeFor(s: SecretModel, backend: SecretBackend, env: string, deps: MigrateDeps): SecretStore {
  const spec = deps.platform.environments[env];
  if (backend === "aws") {
    const region = spec.aws!.region;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const client = deps.aws ? deps.aws(region) : new (require("@aws-sdk/client-secrets-manager").SecretsManagerClient)({ region });
    return secretsManagerStore(client, awsSecretNameOf(s));
  }
  if (backend === "azure") {
    const vaultName = keyVaultName(deps.platform.organization, env, spec.azure!.keyVaultName);
    let client: SecretClient;
    if (deps.azure) client = deps.azure(vaultName);
    else {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { SecretClient: Client } = require("@azure/keyvault-secrets");
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { DefaultAzureCredential } = require("@azure/identity");
      client = new Client(`https://${vaultName}.vault.azure.net`, new DefaultAzureCredential());
    }
    return keyVaultStore(client, keyVaultSecretNameOf(s), CONTENT_TYPE(s.spec.type));
  }
  const vault = spec.vault!;
  const connection = deps.vault ?? {
    address: process.env.VAULT_ADDR ?? vault.address,
    token: process.env.VAULT_TOKEN ?? "",
    namespace: process.env.VAULT_NAMESPACE ?? vault.namespace,
  };
  if (!connection.token) throw new Error("VAULT_TOKEN is not set: log in (vault login) and export VAULT_TOKEN");
  return vaultKvStore(connection, vault.kvMount, vaultKvPathOf(s));
}
