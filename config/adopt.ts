// Adoption of secrets that exist already (issue 23, docs/adopting.md): per backend, the existing secret's name, which
// replaces the <env>/<app>/<secret> convention there and becomes the contract (policies, reader ARNs, External Secrets
// keys, role scopes all use it). The one home of the rules: the cross-check (config/checks/adopt.ts), the model the
// stacks are built from (config/model.ts), the kubernetes stack and the review all ask here.
import type { SecretBackend } from "./kubernetes";
import { keyVaultSecretName, secretPath } from "./naming";

type Loose = Record<string, any>;
const isMap = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

/** What a secret adopts, per backend, as the description gives it (a name or ARN on aws). */
export type Adoption = Partial<Record<SecretBackend, string>>;

const BACKENDS: readonly SecretBackend[] = ["aws", "vault", "azure"];

/**
 * The adoption of one secret in one environment: environments.<env>.applications.<app>.secrets.<secret>.adopt, backend
 * by backend, over applications.<app>.secrets.<secret>.adopt. Reads loosely, so that the checks can ask before the
 * schema has passed. undefined where nothing is adopted.
 */
export function adoptionOf(description: unknown, env: string, app: string, secret: string): Adoption | undefined {
  const d = isMap(description) ? description : {};
  const appLevel = isMap(d.applications) && isMap(d.applications[app]) && isMap(d.applications[app].secrets) ? d.applications[app].secrets[secret]?.adopt : undefined;
  const e = isMap(d.environments) ? d.environments[env] : undefined;
  const envApp = isMap(e) && isMap(e.applications) ? e.applications[app] : undefined;
  const envLevel = isMap(envApp) && isMap(envApp.secrets) && isMap(envApp.secrets[secret]) ? envApp.secrets[secret].adopt : undefined;
  const out: Adoption = {};
  for (const b of BACKENDS) {
    const v = isMap(envLevel) && typeof envLevel[b] === "string" ? envLevel[b] : isMap(appLevel) && typeof appLevel[b] === "string" ? appLevel[b] : undefined;
    if (v !== undefined) out[b] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * A Secrets Manager secret ARN: arn:aws:secretsmanager:<region>:<account>:secret:<name>-<six random characters>
 * (Secrets Manager user guide, "Secret ARN": the service appends a hyphen and six random characters to the name).
 */
const SECRET_ARN = /^arn:aws:secretsmanager:([a-z0-9-]+):(\d{12}):secret:([A-Za-z0-9/_+=.@-]{1,512})-([A-Za-z0-9]{6})$/;
/**
 * Secrets Manager secret names: 1-512 ASCII letters, digits and /_+=.@- (CreateSecret API reference, Name). The same
 * page warns against names ending in a hyphen and six characters, which read as a partial ARN.
 */
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
const PARTIAL_ARN_SUFFIX = /-[A-Za-z0-9]{6}$/;
/** Key Vault object names: 1-127 letters, digits and dashes (Azure naming rules, Microsoft.KeyVault vaults/secrets). */
const KEY_VAULT_SECRET = /^[0-9a-zA-Z-]{1,127}$/;
/** KV v2 secret paths under the mount: segments of the characters constructs/vault/kv-mount.ts accepts in policies. */
const KV_PATH = /^[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*$/;

export interface ParsedSecretArn {
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
}

export function parseSecretArn(value: string): ParsedSecretArn | undefined {
  const m = SECRET_ARN.exec(value);
  return m ? { region: m[1], accountId: m[2], name: m[3] } : undefined;
}

/** The name an adopted aws value stands for: the name itself, or the name inside the ARN. */
export function awsAdoptedName(value: string): string {
  return parseSecretArn(value)?.name ?? value;
}

/**
 * What is wrong with an adopted value on a backend, with what to give instead; undefined when it is valid.
 * `account` is the environment's AWS account and region, which an ARN must name.
 */
export function adoptionProblem(backend: SecretBackend, value: string, account?: { accountId?: unknown; region?: unknown }): string | undefined {
  switch (backend) {
    case "aws": {
      if (value.startsWith("arn:")) {
        const arn = parseSecretArn(value);
        if (!arn) return `"${value}" is not a Secrets Manager secret ARN; give arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters> (as the console shows it) or the secret's name`;
        if (account && typeof account.accountId === "string" && arn.accountId !== account.accountId) {
          return `names account ${arn.accountId}, but this environment's aws.accountId is ${account.accountId}: a stack imports only secrets of its own account`;
        }
        if (account && typeof account.region === "string" && arn.region !== account.region) {
          return `names region ${arn.region}, but this environment's aws.region is ${account.region}: a stack imports only secrets of its own region`;
        }
        return undefined;
      }
      if (!SECRET_NAME.test(value)) return `"${value}" is not a Secrets Manager secret name (1-512 ASCII letters, digits and /_+=.@-); give the existing secret's name or ARN`;
      if (PARTIAL_ARN_SUFFIX.test(value)) {
        return `"${value}" ends in a hyphen and six characters, which Secrets Manager may read as a partial ARN; give the secret's full ARN instead`;
      }
      return undefined;
    }
    case "azure":
      return KEY_VAULT_SECRET.test(value) ? undefined : `"${value}" is not a Key Vault secret name (1-127 letters, digits and dashes); give the name of the existing secret in the environment's vault, without the vault URL`;
    case "vault":
      if (/^(data|metadata)\//.test(value)) return `"${value}" starts with the API prefix ${value.split("/")[0]}/; give the secret's path under the KV mount as vault kv get -mount=<mount> <path> takes it`;
      if (!KV_PATH.test(value) || value.split("/").some((seg) => seg === "." || seg === "..")) {
        return `"${value}" is not a KV v2 secret path: give <segment>/<segment>... of letters, digits and _.@- (no leading or trailing slash, no wildcard, no . or .. segment)`;
      }
      return undefined;
  }
}

/** A secret as the stacks see it: its path, and what it adopts in its environment. */
interface NamedSecret {
  readonly app: string;
  readonly name: string;
  readonly path: string;
  readonly adopt?: Adoption;
}

/** The secret's name on Secrets Manager: the adopted one, else <env>/<app>/<secret>. */
export function awsSecretNameOf(s: NamedSecret): string {
  return s.adopt?.aws !== undefined ? awsAdoptedName(s.adopt.aws) : s.path;
}

/** The Terraform import id of an adopted Secrets Manager secret: the ARN or name as given (DescribeSecret takes either). */
export function awsImportIdOf(s: NamedSecret): string | undefined {
  return s.adopt?.aws;
}

/** The secret's path under the environment's KV v2 mount: the adopted one, else <env>/<app>/<secret>. */
export function vaultKvPathOf(s: NamedSecret): string {
  return s.adopt?.vault ?? s.path;
}

/** The secret's name in the environment's Key Vault: the adopted one, else <app>--<secret>. */
export function keyVaultSecretNameOf(s: NamedSecret): string {
  return s.adopt?.azure ?? keyVaultSecretName(s.app, s.name);
}

/** The conventional name on a backend, to tell an adopted name that differs from it. */
export function conventionalName(backend: SecretBackend, env: string, app: string, secret: string): string {
  return backend === "azure" ? keyVaultSecretName(app, secret) : secretPath(env, app, secret);
}
