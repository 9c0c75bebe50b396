// Where `npm run migrate --write` puts values: each secrets manager through its own API, with the caller's identity,
// never through Terraform. One narrow interface (read the current value, write a new one), one adapter per service,
// error texts as constants. Nothing here logs; errors carry the service's message, which the caller scrubs of values.
import { DescribeSecretCommand, GetSecretValueCommand, PutSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { SecretClient } from "@azure/keyvault-secrets";
import { randomUUID } from "node:crypto";

/** One secret on one backend. */
export interface SecretStore {
  /** Where it is: the secret's name or path on its backend. */
  readonly target: string;
  /** The current value, or undefined when the secret has none yet. Throws when the secret does not exist. */
  read(): Promise<string | undefined>;
  /** Writes a new version. */
  write(value: string): Promise<void>;
}

export const MISSING_SECRET = "the secret does not exist: deploy the stack (or adopt the existing secret) first, then run again";

const awsErrorName = (err: unknown) => (err as { name?: string })?.name ?? "";

/**
 * Secrets Manager: GetSecretValue of AWSCURRENT, PutSecretValue for a new version (which becomes AWSCURRENT: "If you
 * don't specify a staging label, Secrets Manager attaches AWSCURRENT", PutSecretValue API reference). GetSecretValue
 * answers ResourceNotFoundException both for a missing secret and for one without a current version; DescribeSecret
 * tells them apart.
 */
export function secretsManagerStore(client: SecretsManagerClient, secretId: string): SecretStore {
  return {
    target: secretId,
    async read() {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
        return out.SecretString;
      } catch (err) {
        if (awsErrorName(err) !== "ResourceNotFoundException") throw err;
        try {
          await client.send(new DescribeSecretCommand({ SecretId: secretId }));
        } catch (e) {
          if (awsErrorName(e) === "ResourceNotFoundException") throw new Error(MISSING_SECRET);
          throw e;
        }
        return undefined;
      }
    },
    async write(value) {
      // A fresh token per write: a token derived from the value would publish a checksum of it as the version id.
      await client.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: value, ClientRequestToken: randomUUID() }));
    },
  };
}

/**
 * Key Vault: getSecret (latest version), setSecret (a new version, "If the named secret already exists, Azure Key
 * Vault creates a new version of that secret", Set Secret REST reference). Terraform created the secret with a marker
 * value (constructs/azure/key-vault-secret.ts), so a secret without one is missing.
 */
export function keyVaultStore(client: SecretClient, name: string, contentType: string): SecretStore {
  return {
    target: name,
    async read() {
      try {
        return (await client.getSecret(name)).value;
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 404) throw new Error(MISSING_SECRET);
        throw err;
      }
    },
    async write(value) {
      await client.setSecret(name, value, { contentType });
    },
  };
}

export interface VaultConnection {
  /** VAULT_ADDR, e.g. https://vault.example.com:8200 */
  readonly address: string;
  readonly token: string;
  readonly namespace?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * Vault KV v2 over its HTTP API (https://developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2): GET
 * /v1/<mount>/data/<path> reads the latest version ({data: {data, metadata: {version}}}, 404 when there is none);
 * GET /v1/<mount>/metadata/<path> gives current_version when the latest is deleted; POST /v1/<mount>/data/<path>
 * with {options: {cas}, data} writes a new version only if the current version is still cas (0: only if none
 * exists), which the platform's mount requires (cas_required, constructs/vault/kv-mount.ts). Token in X-Vault-Token,
 * Enterprise namespace in X-Vault-Namespace.
 */
export function vaultKvStore(connection: VaultConnection, mount: string, path: string): SecretStore {
  const doFetch = connection.fetch ?? fetch;
  const headers = { "X-Vault-Token": connection.token, ...(connection.namespace ? { "X-Vault-Namespace": connection.namespace } : {}) };
  const url = (kind: "data" | "metadata") => `${connection.address.replace(/\/+$/, "")}/v1/${mount}/${kind}/${path}`;
  let version = 0;
  const fail = async (what: string, res: Response) => {
    const body = (await res.json().catch(() => ({}))) as { errors?: string[] };
    return new Error(`Vault ${what} answered ${res.status}${body.errors?.length ? `: ${body.errors.join("; ")}` : ""}`);
  };
  return {
    target: `${mount}/${path}`,
    async read() {
      const res = await doFetch(url("data"), { headers });
      if (res.status === 404) {
        const meta = await doFetch(url("metadata"), { headers });
        if (meta.status === 404) {
          version = 0;
          return undefined;
        }
        if (!meta.ok) throw await fail("metadata read", meta);
        version = ((await meta.json()) as { data: { current_version: number } }).data.current_version;
        return undefined;
      }
      if (!res.ok) throw await fail("read", res);
      const body = (await res.json()) as { data: { data: Record<string, unknown> | null; metadata: { version: number } } };
      version = body.data.metadata.version;
      return body.data.data ? JSON.stringify(body.data.data) : undefined;
    },
    async write(value) {
      const res = await doFetch(url("data"), {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ options: { cas: version }, data: JSON.parse(value) }),
      });
      if (!res.ok) throw await fail("write", res);
    },
  };
}
