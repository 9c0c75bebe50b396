// Loads and validates the platform description. Every problem is collected, named by its field path,
// and reported at once; nothing is built from a description that has any problem.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { Platform, platformSchema } from "./schema";
import { stackGroupIssues } from "./stack-groups";
import {
  IAM_ROLE_NAME_MAX,
  isProduction,
  KEY_VAULT_NAME,
  keyVaultName,
  keyVaultSecretName,
  workloadRoleName,
} from "./naming";

export const DEFAULT_CONFIG = path.join(__dirname, "platform.yaml");

export interface ConfigIssue {
  /** Dotted field path, e.g. applications.myapp.workloads.api.reads[2]. */
  readonly path: string;
  readonly message: string;
}

export class PlatformConfigError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `${source}: ${issues.length} problem${issues.length === 1 ? "" : "s"} in the platform description\n` +
        issues.map((i) => `  - ${i.path || "(top level)"}: ${i.message}`).join("\n"),
    );
    this.name = "PlatformConfigError";
  }
}

/** The description file to use: PLATFORM_CONFIG when set, else config/platform.yaml. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLATFORM_CONFIG ? path.resolve(env.PLATFORM_CONFIG) : DEFAULT_CONFIG;
}

export function loadPlatform(file: string = configPath()): Platform {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new PlatformConfigError(file, [{ path: "", message: `cannot read the file (${(err as NodeJS.ErrnoException).code ?? err})` }]);
  }
  return parsePlatform(text, file);
}

export function parsePlatform(text: string, source = "platform description"): Platform {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PlatformConfigError(
      source,
      doc.errors.map((e) => ({ path: "", message: `YAML syntax: ${e.message.split("\n")[0]}` })),
    );
  }
  return validatePlatform(doc.toJS(), source);
}

export function validatePlatform(raw: unknown, source = "platform description"): Platform {
  const result = platformSchema.safeParse(raw, { reportInput: true });
  const issues = result.success ? [] : result.error.issues.flatMap(describeIssue);
  // Cross-references are checked on the raw input too, so one run reports every problem.
  issues.push(...crossCheck(raw));
  issues.push(...stackGroupIssues(raw));
  if (issues.length > 0 || !result.success) {
    throw new PlatformConfigError(source, dedupe(issues));
  }
  return result.data;
}

function formatPath(p: readonly PropertyKey[]): string {
  return p.reduce<string>((acc, k) => (typeof k === "number" ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), "");
}

function describeIssue(issue: z.core.$ZodIssue): ConfigIssue[] {
  const at = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => ({
        path: at ? `${at}.${k}` : k,
        message: "unknown field (check the spelling; see config/schema.ts for the fields allowed here)",
      }));
    case "invalid_type":
      if (issue.input === undefined) return [{ path: at, message: `is required (${issue.expected})` }];
      // Custom messages say more than zod's "Invalid input".
      return [{ path: at, message: issue.message.startsWith("Invalid input") ? `must be ${issue.expected}, not ${typeName(issue.input)}` : issue.message }];
    case "invalid_key":
      return [{ path: at, message: `name ${JSON.stringify(issue.path.at(-1) ?? "")} is invalid: ${issue.issues.map((i) => i.message).join("; ")}` }];
    default:
      return [{ path: at, message: issue.message }];
  }
}

function typeName(v: unknown): string {
  return v === null ? "null" : Array.isArray(v) ? "a list" : typeof v === "object" ? "a map" : `${typeof v} ${JSON.stringify(v)}`;
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

type Loose = Record<string, any>;
const isMap = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);
const entries = (v: unknown): [string, Loose][] =>
  isMap(v) ? Object.entries(v).filter((e): e is [string, Loose] => isMap(e[1])) : [];

type Add = (path: string, message: string) => void;

function checkTtls(at: string, ttl: unknown, maxTtl: unknown, add: Add, names = ["tokenTtlSeconds", "tokenMaxTtlSeconds"]): void {
  if (typeof ttl === "number" && typeof maxTtl === "number" && ttl > maxTtl) {
    add(`${at}.${names[0]}`, `${ttl} is more than ${names[1]} (${maxTtl}); make it at most the maximum`);
  }
}

/** Vault-specific combinations: TTL bounds, and mount or auth paths that would collide. */
function checkVaultEnvironment(at: string, v: Loose, add: Add): void {
  if (isMap(v.kubernetes)) checkTtls(`${at}.kubernetes`, v.kubernetes.tokenTtlSeconds ?? 3600, v.kubernetes.tokenMaxTtlSeconds ?? 14_400, add);
  if (isMap(v.database)) {
    checkTtls(`${at}.database`, v.database.defaultTtlSeconds ?? 3600, v.database.maxTtlSeconds ?? 86_400, add, ["defaultTtlSeconds", "maxTtlSeconds"]);
    const kvMount = v.kvMount ?? "secret";
    if ((v.database.mount ?? "database") === kvMount) add(`${at}.database.mount`, `is the same path as kvMount (${kvMount}); give the database secrets engine its own mount`);
  }
  const approlePath = v.approlePath ?? "approle";
  if (isMap(v.kubernetes) && (v.kubernetes.authPath ?? "kubernetes") === approlePath) {
    add(`${at}.approlePath`, `is the same path as kubernetes.authPath (${approlePath}); give each auth method its own path`);
  }
}

/** Checks that span fields: references, names after mapping to each backend, combinations. */
function crossCheck(raw: unknown): ConfigIssue[] {
  if (!isMap(raw)) return [];
  const issues: ConfigIssue[] = [];
  const add = (p: string, message: string) => issues.push({ path: p, message });
  const apps = entries(raw.applications);
  const envs = entries(raw.environments);
  const org = typeof raw.organization === "string" ? raw.organization : "";

  const secretsOf = (app: string): Loose => {
    const a = isMap(raw.applications) ? raw.applications[app] : undefined;
    return isMap(a) && isMap(a.secrets) ? a.secrets : {};
  };
  const kvNames = new Map<string, string>();
  const iamRoles = new Map<string, string>();
  let hasDynamic = false;
  let hasKubernetesWorkload = false;
  const hasVault = envs.some(([, e]) => isMap(e.vault));
  const hasAzure = envs.some(([, e]) => isMap(e.azure));
  const vaultNames = new Map<string, string>();
  const azureIdentityNames = new Map<string, string>();

  for (const [app, spec] of apps) {
    const dynamicSecrets = entries(spec.secrets).filter(([, s]) => s.dynamic === true && s.type === "postgres");
    if (dynamicSecrets.length > 1) {
      add(`applications.${app}.secrets.${dynamicSecrets[1][0]}.dynamic`, `application ${app} already has a dynamic postgres secret (${dynamicSecrets[0][0]}); Vault issues one database role per application, so mark only one secret dynamic`);
    }
    for (const [secret, s] of entries(spec.secrets)) {
      const at = `applications.${app}.secrets.${secret}`;
      const kv = keyVaultSecretName(app, secret);
      const twin = kvNames.get(kv);
      if (twin) add(at, `its Key Vault name "${kv}" is the same as that of ${twin}; rename one of them`);
      else kvNames.set(kv, at);

      if (s.dynamic === true) {
        if (s.type !== "postgres") add(`${at}.dynamic`, `only postgres secrets can be dynamic (Vault database engine); remove dynamic from this ${s.type} secret`);
        else hasDynamic = true;
      }
      const r = s.rotation;
      if (r === undefined) continue;
      if (s.type === "api-key") {
        add(`${at}.rotation`, "api-key values are set by a person and cannot be rotated by the platform; remove rotation (use expiresAfterDays to force renewal) or use type token");
        continue;
      }
      if (!isMap(r)) continue;
      if ((r.everyDays === undefined) === (r.scheduleExpression === undefined)) {
        add(`${at}.rotation`, "give exactly one of everyDays or scheduleExpression");
      }
      if (s.type !== "postgres") continue;
      if (r.strategy === "alternating-users") {
        if (typeof r.masterSecret !== "string") {
          add(`${at}.rotation.masterSecret`, "alternating-users rotation needs masterSecret: <app>/<secret> of a postgres secret that can create and alter users");
        } else {
          const [mApp, mSecret] = r.masterSecret.split("/");
          const master = secretsOf(mApp)[mSecret];
          if (!isMap(master)) add(`${at}.rotation.masterSecret`, `secret "${r.masterSecret}" is not defined in applications`);
          else if (master.type !== "postgres") add(`${at}.rotation.masterSecret`, `"${r.masterSecret}" is a ${master.type} secret; the master must be a postgres secret`);
          else if (mApp === app && mSecret === secret) add(`${at}.rotation.masterSecret`, "a secret cannot be its own master; name the admin secret");
        }
      } else if (r.masterSecret !== undefined) {
        add(`${at}.rotation.masterSecret`, "only alternating-users rotation uses a master secret; remove it or change the strategy");
      }
    }

    for (const [workload, w] of entries(spec.workloads)) {
      const at = `applications.${app}.workloads.${workload}`;
      const bindings = ["kubernetes", "approle"].filter((k) => w[k] !== undefined);
      if (bindings.length !== 1) {
        add(at, `give exactly one of kubernetes (namespace, serviceAccount) or approle to say how the workload authenticates (found ${bindings.length ? bindings.join(" and ") : "neither"})`);
      }
      if (w.kubernetes !== undefined) hasKubernetesWorkload = true;
      if (isMap(w.approle)) checkTtls(`${at}.approle`, w.approle.tokenTtlSeconds ?? 3600, w.approle.tokenMaxTtlSeconds ?? 14_400, add);
      if (hasVault) {
        // Vault policy and role names are <env>-<app>-<workload>: dashes could make two workloads meet.
        const vaultName = `${app}-${workload}`;
        const twin = vaultNames.get(vaultName);
        if (twin) add(at, `its Vault policy and role name "<env>-${vaultName}" is the same as that of ${twin}; rename one of them`);
        else vaultNames.set(vaultName, at);
      } else if (hasAzure && w.kubernetes !== undefined) {
        // Without Vault the same meeting happens in the Azure managed identity names <org>-<env>-<app>-<workload>
        // (the Vault check above already covers every workload when there is Vault).
        const identity = `${app}-${workload}`;
        const twin = azureIdentityNames.get(identity);
        if (twin) add(at, `its Azure managed identity name "<org>-<env>-${identity}" is the same as that of ${twin}; rename one of them`);
        else azureIdentityNames.set(identity, at);
      }
      const own = secretsOf(app);
      const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
      reads.forEach((r, i) => {
        if (typeof r === "string" && !isMap(own[r])) {
          add(`${at}.reads[${i}]`, `secret "${r}" is not defined in applications.${app}.secrets (defined: ${Object.keys(own).join(", ") || "none"}); workloads read only their own application's secrets`);
        }
      });
      new Set(reads).size !== reads.length && add(`${at}.reads`, "lists a secret twice");
      // Azure user-assigned identity names: 3 to 128 characters.
      for (const [env, e] of w.kubernetes === undefined ? [] : envs) {
        if (!isMap(e.azure) || !org) continue;
        const identity = `${org}-${env}-${app}-${workload}`;
        if (identity.length > 128) {
          add(at, `its Azure managed identity name "${identity}" in environment ${env} is ${identity.length} characters; Azure allows 128: shorten the organization, application or workload name`);
        }
      }
      // Only Kubernetes workloads in environments with EKS get an IAM role (IRSA).
      for (const [env, e] of w.kubernetes === undefined ? [] : envs) {
        if (!isMap(e.aws) || !isMap(e.aws.eks) || !org) continue;
        const role = workloadRoleName(org, env, app, workload);
        if (role.length > IAM_ROLE_NAME_MAX) {
          add(at, `its IAM role name "${role}" in environment ${env} is ${role.length} characters; IAM allows ${IAM_ROLE_NAME_MAX}: shorten the application or workload name`);
        }
        // Role names are unique per account, and dashes can make two workloads (or environments) meet.
        const key = `${String(e.aws.accountId)}/${role}`;
        const twin = iamRoles.get(key);
        if (twin) add(at, `its IAM role name "${role}" is the same as that of ${twin} in account ${String(e.aws.accountId)}; rename one of them`);
        else iamRoles.set(key, `${at} in environment ${env}`);
      }
    }
  }

  checkStateBackends(envs, add);
  checkSharedAzureResources(envs, add);

  for (const [env, e] of envs) {
    const at = `environments.${env}`;
    const production = isProduction(env, typeof e.production === "boolean" ? e.production : undefined);
    if (production && isMap(e.aws)) {
      // Guardrail SP-AWS-006 enforces this on the stack; here the user learns which field to add.
      for (const [app, spec] of apps) {
        for (const [secret, s] of entries(spec.secrets)) {
          if (["postgres", "jwt", "token"].includes(s.type) && s.rotation === undefined) {
            add(`applications.${app}.secrets.${secret}.rotation`, `is required: environment ${env} is production and has AWS, where ${s.type} secrets must rotate (add rotation: { ${s.type === "postgres" ? "strategy: single-user, " : ""}everyDays: 30 })`);
          }
        }
      }
    }
    if (production && isMap(e.vault) && Array.isArray(e.vault.audit) && e.vault.audit.length < 2) {
      add(`${at}.vault.audit`, `lists ${e.vault.audit.length} audit device; production needs at least two so Vault keeps serving when one blocks (guardrail SP-VLT-006); add a syslog or socket device, or remove audit to get the defaults`);
    }
    if (isMap(e.aws) && isMap(e.aws.eks) && typeof e.aws.eks.oidcProviderArn === "string" && typeof e.aws.accountId === "string") {
      const acct = e.aws.eks.oidcProviderArn.split(":")[4];
      if (acct && acct !== e.aws.accountId) add(`${at}.aws.eks.oidcProviderArn`, `belongs to account ${acct}, not to this environment's account ${e.aws.accountId}`);
    }
    if (isMap(e.vault)) {
      if (hasDynamic && e.vault.database === undefined) {
        add(`${at}.vault.database`, "is required: a postgres secret is marked dynamic, so Vault needs the database connection (host, dbname, username)");
      }
      if (hasKubernetesWorkload && e.vault.kubernetes === undefined) {
        add(`${at}.vault.kubernetes`, "is required: some workloads authenticate with Kubernetes, so Vault needs the Kubernetes auth host");
      }
      checkVaultEnvironment(`${at}.vault`, e.vault, add);
    }
    if (isMap(e.azure) && org) {
      const name = keyVaultName(org, env, typeof e.azure.keyVaultName === "string" ? e.azure.keyVaultName : undefined);
      if (!KEY_VAULT_NAME.test(name)) {
        add(
          e.azure.keyVaultName ? `${at}.azure.keyVaultName` : at,
          `the Key Vault name "${name}" is invalid: Azure allows 3-24 letters, digits and single dashes, starting with a letter and ending with a letter or digit${e.azure.keyVaultName ? "" : "; shorten the organization or environment name, or set azure.keyVaultName"}`,
        );
      }
      const twin = envs.slice(0, envs.findIndex(([n]) => n === env)).find(([n, o]) => isMap(o.azure) && azureVaultName(org, n, o.azure) === name);
      if (twin) add(e.azure.keyVaultName ? `${at}.azure.keyVaultName` : at, `its Key Vault name "${name}" is the same as environment ${twin[0]}'s; vault names are global, give each environment its own`);
    }
    if (isMap(e.azure)) checkAzureEnvironment(`${at}.azure`, e.azure, add);
  }
  return issues;
}

/** Two stacks writing one state file would each plan to destroy the other's resources. */
function checkStateBackends(envs: [string, Loose][], add: (path: string, message: string) => void): void {
  const seen = new Map<string, string>();
  for (const [env, e] of envs) {
    for (const backend of ["aws", "vault", "azure"]) {
      const b = isMap(e[backend]) ? e[backend].backend : undefined;
      if (!isMap(b)) continue;
      const key = b.key ?? `secrets-platform/${backend}-${env}.tfstate`;
      const where = b.type === "s3" ? `s3://${b.bucket}/${key}` : `azurerm ${b.storageAccountName}/${b.containerName}/${key}`;
      const at = `environments.${env}.${backend}.backend`;
      const twin = seen.get(where);
      if (twin) add(`${at}.key`, `keeps state at ${where}, as ${twin} does; each stack needs its own state file: change key or leave it out (default secrets-platform/<stack>.tfstate)`);
      else seen.set(where, at);
    }
  }
}

/**
 * Each azure stack creates and owns its resource group, and creates its own privatelink.vaultcore.azure.net zone linked
 * to its virtual network. Two environments sharing either would fight over it: the second resource group already
 * exists (and destroying one environment would delete the other's), and Azure refuses to link one virtual network to
 * two zones of the same name ("A virtual network cannot be linked to multiple zones with overlapping namespaces").
 */
function checkSharedAzureResources(envs: [string, Loose][], add: Add): void {
  const groups = new Map<string, string>();
  const networks = new Map<string, string>();
  for (const [env, e] of envs) {
    if (!isMap(e.azure)) continue;
    const a = e.azure;
    const at = `environments.${env}.azure`;
    if (typeof a.subscriptionId === "string" && typeof a.resourceGroupName === "string") {
      // Resource group names are case-insensitive.
      const key = `${a.subscriptionId.toLowerCase()}/${a.resourceGroupName.toLowerCase()}`;
      const twin = groups.get(key);
      if (twin) {
        add(`${at}.resourceGroupName`, `is also the resource group of environment ${twin} in subscription ${a.subscriptionId}; each Azure stack creates and owns its resource group, so give each environment its own`);
      } else groups.set(key, env);
    }
    const vnet = isMap(a.privateEndpoint) ? a.privateEndpoint.virtualNetworkId : undefined;
    if (typeof vnet === "string") {
      const key = vnet.toLowerCase();
      const twin = networks.get(key);
      if (twin) {
        add(`${at}.privateEndpoint.virtualNetworkId`, `is also the virtual network of environment ${twin}; each Azure stack links its own privatelink.vaultcore.azure.net zone to it, and Azure links a virtual network to only one zone of a name: give each environment its own virtual network`);
      } else networks.set(key, env);
    }
  }
}

const azureVaultName = (org: string, env: string, a: Loose): string =>
  keyVaultName(org, env, typeof a.keyVaultName === "string" ? a.keyVaultName : undefined);

/** Azure-specific combinations that the schema's field formats cannot see. */
function checkAzureEnvironment(at: string, a: Loose, add: (path: string, message: string) => void): void {
  const pe = isMap(a.privateEndpoint) ? a.privateEndpoint : {};
  const subscriptionOf = (id: unknown) => (typeof id === "string" ? /^\/subscriptions\/([^/]+)\//i.exec(id)?.[1]?.toLowerCase() : undefined);
  const subnetSubscription = subscriptionOf(pe.subnetId);
  if (typeof a.subscriptionId === "string" && subnetSubscription && subnetSubscription !== a.subscriptionId.toLowerCase()) {
    add(`${at}.privateEndpoint.subnetId`, `is in subscription ${subnetSubscription}, not in this environment's subscription ${a.subscriptionId}; a private endpoint must be in the subscription of its virtual network`);
  }
  if (typeof a.aksOidcIssuerUrl === "string") {
    try {
      const issuer = new URL(a.aksOidcIssuerUrl);
      // Federated credentials compare the issuer as a string; AKS issuers end with "/", so a missing one fails at sign-in.
      if (issuer.hostname.endsWith(".oic.prod-aks.azure.com") && !a.aksOidcIssuerUrl.endsWith("/")) {
        add(`${at}.aksOidcIssuerUrl`, `must end with "/" exactly as AKS issues it (az aks show --query oidcIssuerProfile.issuerUrl); federated credentials compare the issuer character for character`);
      }
    } catch {
      // the schema reports a malformed URL
    }
  }
}
