// Loads and validates the platform description. Every problem is collected, named by its field path,
// and reported at once; nothing is built from a description that has any problem.
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { LineCounter, parseDocument, type YAMLError } from "yaml";
import type { z } from "zod";
import { ACCOUNT, DEFAULTS, Platform, platformSchema } from "./schema";
import { stackGroupIssues } from "./stack-groups";
import {
  AZURE_IDENTITY_NAME_MAX,
  azureIdentityName,
  IAM_ROLE_NAME_MAX,
  isProduction,
  KEY_VAULT_NAME,
  keyVaultName,
  keyVaultSecretName,
  kubernetesSecretName,
  secretStoreName,
  stackName,
  stateKey,
  workloadPolicyName,
  workloadRoleName,
} from "./naming";
import { githubOidcProviderArn } from "./pipeline";
import { backendsOf, deliveryOf, workloadBackend } from "./kubernetes";

/** The project folder: the nearest one above this module holding package.json (this module also runs bundled into dist/). */
function projectRoot(from: string = __dirname): string {
  for (let dir = from; path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
  }
  return path.resolve(from, "..");
}

export const DEFAULT_CONFIG = path.join(projectRoot(), "config", "platform.yaml");

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
        // A problem of the whole file (unreadable, empty, bad YAML) has no field path; later lines of a message
        // (the offending YAML line) are indented under their bullet.
        issues.map((i) => `  - ${i.path ? `${i.path}: ` : ""}${i.message.replace(/\n/g, "\n    ")}`).join("\n"),
    );
    this.name = "PlatformConfigError";
  }
}

/** The description file to use: PLATFORM_CONFIG when set, else config/platform.yaml. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PLATFORM_CONFIG ? path.resolve(env.PLATFORM_CONFIG) : DEFAULT_CONFIG;
}

/**
 * The first step of synth and check (review loads the same way): load the description that PLATFORM_CONFIG names, or the
 * example. A problem with it comes back as the text the command prints on stderr before it exits with 1.
 */
export function loadDescription(env: NodeJS.ProcessEnv = process.env): { platform: Platform; file: string } | { problem: string } {
  const file = configPath(env);
  try {
    return { platform: loadPlatform(file, env), file };
  } catch (err) {
    if (err instanceof PlatformConfigError) return { problem: err.message };
    throw err;
  }
}

export function loadPlatform(file: string = configPath(), env: NodeJS.ProcessEnv = process.env): Platform {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what = code === "ENOENT" ? "the file does not exist" : `cannot read the file (${code ?? err})`;
    // Someone who exported PLATFORM_CONFIG for another description may have forgotten it.
    const named = env.PLATFORM_CONFIG && path.resolve(env.PLATFORM_CONFIG) === file
      ? `; PLATFORM_CONFIG=${env.PLATFORM_CONFIG} names it: correct the path, or unset PLATFORM_CONFIG to use ${EXAMPLE}`
      : "";
    throw new PlatformConfigError(file, [{ path: "", message: `${what}${named}` }]);
  }
  return parsePlatform(text, file, path.dirname(file));
}

/** The example every message points a user to. */
const EXAMPLE = "config/platform.yaml";

/**
 * @param baseDir the folder that file paths in the description (CA certificates) are relative to
 * @default baseDir - the current directory
 */
export function parsePlatform(text: string, source = "platform description", baseDir?: string): Platform {
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length > 0) throw new PlatformConfigError(source, [yamlProblem(text, doc.errors, lines)]);
  return validatePlatform(doc.toJS(), source, baseDir);
}

/** What to change, for the parser's messages that name a symptom rather than the slip. */
const YAML_HINTS: Partial<Record<YAMLError["code"], string>> = {
  BAD_INDENT: "check the indentation here and on the line before: the keys of one map start in the same column",
  BLOCK_AS_IMPLICIT_KEY: "check the indentation here and on the next line: the keys of one map start in the same column",
  MULTILINE_IMPLICIT_KEY: "check the indentation here and on the next line: the keys of one map start in the same column",
  TAB_AS_INDENT: "indent with spaces",
  DUPLICATE_KEY: "each key may appear once in a map: merge the two or rename one",
};

/**
 * The first YAML error only: after one slip (an indentation, an unclosed bracket) the parser reports every
 * following token as unexpected too, and those messages point away from the line to fix.
 */
function yamlProblem(text: string, errors: readonly YAMLError[], lines: LineCounter): ConfigIssue {
  const first = errors.reduce((a, b) => (b.pos[0] < a.pos[0] ? b : a));
  const { line, col: at } = lines.linePos(first.pos[0]);
  const source = text.split(/\r?\n/)[line - 1] ?? "";
  // Indentation errors start at column 1; point at the key whose indentation is wrong instead.
  const indent = /^ */.exec(source)![0].length;
  const col = at <= indent && indent < source.length ? indent + 1 : at;
  const gutter = `${line} | `;
  // BAD_INDENT also names an unclosed [ or {, whose message already says what is missing.
  const hint = YAML_HINTS[first.code] && !/^Flow /.test(first.message) ? ` (${YAML_HINTS[first.code]})` : "";
  return {
    path: "",
    message: `YAML syntax at line ${line}, column ${col}: ${first.message}${hint}\n${gutter}${source}\n${" ".repeat(gutter.length + col - 1)}^`,
  };
}

export function validatePlatform(raw: unknown, source = "platform description", baseDir: string = process.cwd()): Platform {
  if (raw === null || raw === undefined) {
    throw new PlatformConfigError(source, [{ path: "", message: `the description is empty: it needs organization, environments and applications; start from the example, ${EXAMPLE}` }]);
  }
  if (!isMap(raw)) {
    throw new PlatformConfigError(source, [{ path: "", message: `the description must be a map of organization, environments and applications, not ${typeName(raw)}; see the example, ${EXAMPLE}` }]);
  }
  const result = platformSchema.safeParse(raw, { reportInput: true });
  const issues = result.success ? [] : result.error.issues.flatMap(describeIssue);
  // Cross-references are checked on the raw input too, so one run reports every problem.
  issues.push(...crossCheck(raw));
  issues.push(...checkFiles(raw, baseDir));
  issues.push(...stackGroupIssues(raw));
  if (issues.length > 0 || !result.success) {
    throw new PlatformConfigError(source, dedupe(issues));
  }
  return resolveFiles(result.data, baseDir);
}

/** The text of a PEM certificate file, or why it is not one. Never accepts a file that holds a private key. */
export function readCertificateFile(file: string): { pem: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    return { problem: `cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})` };
  }
  if (/PRIVATE KEY-----/.test(text)) return { problem: `${file} holds a private key; give a file with the CA certificate only, and delete the key from it` };
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text)) {
    return { problem: `${file} is not a PEM certificate (no -----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- block)` };
  }
  return { pem: text.endsWith("\n") ? text : `${text}\n` };
}

/** The certificate files a description names, by field path, relative as written. */
function certificateFiles(raw: unknown): { at: string; file: string; what: string }[] {
  const out: { at: string; file: string; what: string }[] = [];
  if (!isMap(raw)) return out;
  for (const [env, e] of entries(raw.environments)) {
    const v = isMap(e.vault) ? e.vault : undefined;
    if (isMap(v?.kubernetes) && typeof v.kubernetes.caCertFile === "string" && v.kubernetes.caCertFile !== "") {
      out.push({ at: `environments.${env}.vault.kubernetes.caCertFile`, file: v.kubernetes.caCertFile, what: "the Kubernetes cluster's CA certificate (kubectl config view --raw --minify -o jsonpath='{.clusters[0].cluster.certificate-authority-data}' | base64 -d)" });
    }
    if (isMap(v?.database) && typeof v.database.tlsCaFile === "string" && v.database.tlsCaFile !== "") {
      out.push({ at: `environments.${env}.vault.database.tlsCaFile`, file: v.database.tlsCaFile, what: "the CA certificate that signed the database server's certificate (for RDS, the region's CA bundle)" });
    }
  }
  return out;
}

/** File paths are relative to the description file; each must be a readable PEM certificate. */
function checkFiles(raw: unknown, baseDir: string): ConfigIssue[] {
  return certificateFiles(raw).flatMap(({ at, file, what }) => {
    const read = readCertificateFile(path.resolve(baseDir, file));
    return "problem" in read ? [{ path: at, message: `${read.problem}: give the path, relative to the description file, of ${what}` }] : [];
  });
}

/** The description with every file path made absolute, so stacks read the same files wherever they run. */
function resolveFiles(platform: Platform, baseDir: string): Platform {
  for (const e of Object.values(platform.environments)) {
    if (e.vault?.kubernetes) e.vault.kubernetes.caCertFile = path.resolve(baseDir, e.vault.kubernetes.caCertFile);
    if (e.vault?.database?.tlsCaFile) e.vault.database.tlsCaFile = path.resolve(baseDir, e.vault.database.tlsCaFile);
  }
  return platform;
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
        message: "unknown field (check the spelling; docs/description.md lists the fields allowed here)",
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
  if (isMap(v.kubernetes)) checkTtls(`${at}.kubernetes`, v.kubernetes.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds, v.kubernetes.tokenMaxTtlSeconds ?? DEFAULTS.tokenMaxTtlSeconds, add);
  if (isMap(v.database)) {
    checkTtls(`${at}.database`, v.database.defaultTtlSeconds ?? DEFAULTS.vault.databaseDefaultTtlSeconds, v.database.maxTtlSeconds ?? DEFAULTS.vault.databaseMaxTtlSeconds, add, ["defaultTtlSeconds", "maxTtlSeconds"]);
    const kvMount = v.kvMount ?? DEFAULTS.vault.kvMount;
    if ((v.database.mount ?? DEFAULTS.vault.databaseMount) === kvMount) add(`${at}.database.mount`, `is the same path as kvMount (${kvMount}); give the database secrets engine its own mount`);
  }
  if (isMap(v.kubernetes) && v.kubernetes.caCertFile === undefined) {
    add(`${at}.kubernetes.caCertFile`, "is required: the path of the cluster's CA certificate (PEM), relative to the description file; with no CA Vault checks the API server against its system trust store, which does not hold a cluster's CA, and every Kubernetes login fails");
  }
  if (isMap(v.kubernetes) && v.kubernetes.caCert !== undefined) {
    add(`${at}.kubernetes.caCert`, "was replaced by caCertFile: put the PEM certificate in a file and give its path, relative to the description file");
  }
  const sslmode = isMap(v.database) && v.database.sslmode === undefined ? DEFAULTS.vault.databaseSslmode : v.database?.sslmode;
  if (isMap(v.database) && ["verify-ca", "verify-full"].includes(sslmode) && v.database.tlsCaFile === undefined) {
    add(`${at}.database.tlsCaFile`, `is required with sslmode ${sslmode} (the default): without it Vault checks the database's certificate against its system trust store, which holds neither RDS's CAs nor a private CA, and every connection fails; give the CA's PEM file, relative to the description file`);
  }
  const approlePath = v.approlePath ?? DEFAULTS.vault.approlePath;
  if (isMap(v.kubernetes) && (v.kubernetes.authPath ?? DEFAULTS.vault.kubernetesAuthPath) === approlePath) {
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
      if (isMap(w.approle)) checkTtls(`${at}.approle`, w.approle.tokenTtlSeconds ?? DEFAULTS.tokenTtlSeconds, w.approle.tokenMaxTtlSeconds ?? DEFAULTS.tokenMaxTtlSeconds, add);
      if (hasVault) {
        // Vault policy and role names are <env>-<app>-<workload>: dashes could make two workloads meet.
        const vaultName = workloadPolicyName("<env>", app, workload);
        const twin = vaultNames.get(vaultName);
        if (twin) add(at, `its Vault policy and role name "${vaultName}" is the same as that of ${twin}; rename one of them`);
        else vaultNames.set(vaultName, at);
      } else if (hasAzure && w.kubernetes !== undefined) {
        // Without Vault the same meeting happens in the Azure managed identity names <org>-<env>-<app>-<workload>
        // (the Vault check above already covers every workload when there is Vault).
        const identity = azureIdentityName("<org>", "<env>", app, workload);
        const twin = azureIdentityNames.get(identity);
        if (twin) add(at, `its Azure managed identity name "${identity}" is the same as that of ${twin}; rename one of them`);
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
      for (const [env, e] of w.kubernetes === undefined ? [] : envs) {
        if (!isMap(e.azure) || !org) continue;
        const identity = azureIdentityName(org, env, app, workload);
        if (identity.length > AZURE_IDENTITY_NAME_MAX) {
          add(at, `its Azure managed identity name "${identity}" in environment ${env} is ${identity.length} characters; Azure allows ${AZURE_IDENTITY_NAME_MAX}: shorten the organization, application or workload name`);
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
  checkPipelines(envs, add);
  checkKubernetes(raw, envs, apps, add);

  for (const [env, e] of envs) {
    const at = `environments.${env}`;
    const production = isProduction(env, typeof e.production === "boolean" ? e.production : undefined);
    if (production && isMap(e.aws)) {
      // Guardrail SP-AWS-006 enforces this on the stack; here the user learns which field to add.
      for (const [app, spec] of apps) {
        for (const [secret, s] of entries(spec.secrets)) {
          if (["postgres", "jwt", "token"].includes(s.type) && s.rotation === undefined) {
            add(`applications.${app}.secrets.${secret}.rotation`, `is required: ${s.type} secrets must rotate in production environments on AWS, such as ${env} (add rotation: { ${s.type === "postgres" ? "strategy: single-user, " : ""}everyDays: 30 })`);
          }
        }
      }
    }
    if (isMap(e.aws)) checkAwsNetwork(`${at}.aws`, env, production, e.aws, apps, add);
    if (production && isMap(e.vault) && Array.isArray(e.vault.audit) && e.vault.audit.length < 2) {
      add(`${at}.vault.audit`, `lists ${e.vault.audit.length} audit device; production needs at least two so Vault keeps serving when one blocks (guardrail SP-VLT-006); add a syslog or socket device, or remove audit to get the defaults`);
    }
    // Only a well-formed account id can be compared: a mistyped one is reported on accountId itself, not here.
    if (isMap(e.aws) && isMap(e.aws.eks) && typeof e.aws.eks.oidcProviderArn === "string" && typeof e.aws.accountId === "string" && ACCOUNT.test(e.aws.accountId)) {
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

/** How rotation functions reach Secrets Manager and their databases: combinations the field formats cannot see. */
function checkAwsNetwork(at: string, env: string, production: boolean, aws: Loose, apps: [string, Loose][], add: Add): void {
  const network = isMap(aws.network) ? aws.network : undefined;
  if (!network) {
    // A PostgreSQL rotation function outside any VPC cannot reach a private database. The stack warns elsewhere.
    const rotating = apps.flatMap(([app, spec]) =>
      entries(spec.secrets)
        .filter(([, s]) => s.type === "postgres" && s.rotation !== undefined)
        .map(([secret]) => `${app}/${secret}`),
    );
    if (production && rotating.length > 0) {
      add(`${at}.network`, `is required: environment ${env} is production and rotates PostgreSQL secrets (${rotating.join(", ")}), whose rotation function must run in the database's VPC to reach it; add network: { subnetIds: [...], securityGroupIds: [...] }`);
    }
    return;
  }
  const mode = network.secretsManagerEndpoint ?? DEFAULTS.secretsManagerEndpoint;
  const hasClients = Array.isArray(network.vpcCidrBlocks) || Array.isArray(network.endpointClientSecurityGroupIds);
  if (mode === "create") {
    if (network.vpcId === undefined) add(`${at}.network.vpcId`, "is required with secretsManagerEndpoint: create (the endpoint is created in this VPC); add it, or use existing");
    if (!hasClients) {
      add(
        `${at}.network.secretsManagerEndpoint`,
        "is create, which turns on private DNS: Secrets Manager's name then resolves to this endpoint for every client in the VPC, so it must admit them all; list the VPC's CIDR blocks under vpcCidrBlocks or the clients' security groups under endpointClientSecurityGroupIds, or use existing",
      );
    }
  } else {
    for (const field of ["vpcCidrBlocks", "endpointClientSecurityGroupIds"]) {
      if (network[field] !== undefined) add(`${at}.network.${field}`, `is used only with secretsManagerEndpoint: create (it is ${mode}); remove it or set secretsManagerEndpoint: create`);
    }
  }
}

/** Two stacks writing one state file would each plan to destroy the other's resources. */
function checkStateBackends(envs: [string, Loose][], add: (path: string, message: string) => void): void {
  const seen = new Map<string, string>();
  for (const [env, e] of envs) {
    for (const backend of ["aws", "vault", "azure", "kubernetes"] as const) {
      const b = isMap(e[backend]) ? e[backend].backend : undefined;
      if (!isMap(b)) continue;
      const key = stateKey(stackName(backend, env), b.key);
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
    // An existing resource group is owned elsewhere, and a zone given by id is linked elsewhere: sharing them is fine.
    if (typeof a.subscriptionId === "string" && typeof a.resourceGroupName === "string" && a.existingResourceGroup !== true) {
      // Resource group names are case-insensitive.
      const key = `${a.subscriptionId.toLowerCase()}/${a.resourceGroupName.toLowerCase()}`;
      const twin = groups.get(key);
      if (twin) {
        add(`${at}.resourceGroupName`, `is also the resource group of environment ${twin} in subscription ${a.subscriptionId}; each Azure stack creates and owns its resource group, so give each environment its own`);
      } else groups.set(key, env);
    }
    const vnet = isMap(a.privateEndpoint) ? a.privateEndpoint.virtualNetworkId : undefined;
    if (typeof vnet === "string" && !(isMap(a.privateEndpoint) && a.privateEndpoint.privateDnsZoneId !== undefined)) {
      const key = vnet.toLowerCase();
      const twin = networks.get(key);
      if (twin) {
        add(`${at}.privateEndpoint.virtualNetworkId`, `is also the virtual network of environment ${twin}; each Azure stack links its own privatelink.vaultcore.azure.net zone to it, and Azure links a virtual network to only one zone of a name: give each environment its own virtual network`);
      } else networks.set(key, env);
    }
  }
}

/**
 * The pipeline's identities trust one GitHub repository and environment each. Two description environments behind
 * one GitHub environment would let either's deploy job assume the other's deployer; GitHub compares environment
 * names without regard to case, so they are compared that way here.
 */
function checkPipelines(envs: [string, Loose][], add: Add): void {
  const subjects = new Map<string, string>();
  const providers = new Map<string, string>();
  for (const [env, e] of envs) {
    const p = e.pipeline;
    if (!isMap(p)) continue;
    const at = `environments.${env}.pipeline`;
    // IAM keeps one OIDC provider per issuer and account: only one bootstrap stack per account may create it.
    if (isMap(e.aws) && typeof e.aws.accountId === "string" && p.awsOidcProviderArn === undefined) {
      const twin = providers.get(e.aws.accountId);
      if (twin) add(`${at}.awsOidcProviderArn`, `is required: ${stackName("bootstrap", twin)} creates account ${e.aws.accountId}'s GitHub OIDC provider, which IAM holds once per account; set it to ${githubOidcProviderArn(e.aws.accountId)}`);
      else providers.set(e.aws.accountId, env);
    }
    const gh = isMap(p.github) ? p.github : {};
    if (typeof gh.repository === "string" && typeof gh.environment === "string") {
      const key = `${gh.repository.toLowerCase()}:${gh.environment.toLowerCase()}`;
      const twin = subjects.get(key);
      if (twin) add(`${at}.github.environment`, `is also the GitHub environment of environment ${twin} in ${gh.repository}; each environment needs its own, or one's deploy job could assume the other's deployer`);
      else subjects.set(key, env);
    }
    if (typeof p.awsOidcProviderArn === "string") {
      if (!isMap(e.aws)) add(`${at}.awsOidcProviderArn`, "is only used with an aws block; remove it");
      else {
        const acct = p.awsOidcProviderArn.split(":")[4];
        if (acct !== e.aws.accountId) add(`${at}.awsOidcProviderArn`, `belongs to account ${acct}, not to this environment's account ${String(e.aws.accountId)}`);
      }
    }
    if (p.createStateStorage === true) {
      const backends = ["aws", "vault", "azure"].map((b) => [b, isMap(e[b]) ? e[b].backend : undefined] as const).filter(([, b]) => isMap(b));
      if (backends.length === 0) add(`${at}.createStateStorage`, "is true but no backend block of this environment names state storage; add aws.backend (s3) or an azurerm backend, or remove createStateStorage");
      for (const [kind, b] of backends as [string, Loose][]) {
        if (b.type === "s3") {
          if (!isMap(e.aws)) add(`environments.${env}.${kind}.backend`, "names an S3 bucket for the bootstrap to create, which needs this environment's aws block (its account); add it, or create the bucket yourself and remove createStateStorage");
          else if (b.region !== e.aws.region) add(`environments.${env}.${kind}.backend.region`, `is ${String(b.region)}, but the bootstrap creates the bucket in aws.region (${String(e.aws.region)}); use the same region or create the bucket yourself`);
        } else if (b.type === "azurerm" && !isMap(e.azure)) {
          add(`environments.${env}.${kind}.backend`, "names an azurerm container for the bootstrap to create, which needs this environment's azure block (its subscription); add it, or create the container yourself and remove createStateStorage");
        }
      }
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

/**
 * The backends an application's secrets are on in an environment: applications.<app>.backends, overridden by
 * environments.<env>.applications.<app>.backends, intersected with what the environment has (DESIGN.md section 3).
 */
function placement(raw: Loose, env: string, app: string): string[] {
  const e = isMap(raw.environments) ? raw.environments[env] : undefined;
  const a = isMap(raw.applications) ? raw.applications[app] : undefined;
  const override = isMap(e) && isMap(e.applications) && isMap(e.applications[app]) ? e.applications[app].backends : undefined;
  const chosen = Array.isArray(override) ? override : isMap(a) && Array.isArray(a.backends) ? a.backends : undefined;
  const has = isMap(e) ? backendsOf(e) : [];
  return chosen ? has.filter((b) => chosen.includes(b)) : has;
}

/**
 * The Kubernetes side (docs/kubernetes.md): in every environment with a kubernetes block, each workload's delivery
 * needs the backend it reads from, that backend must hold the application's secrets, and no two workloads may build
 * the same Kubernetes object.
 */
function checkKubernetes(raw: Loose, envs: [string, Loose][], apps: [string, Loose][], add: Add): void {
  for (const [app, spec] of apps) {
    for (const [workload, w] of entries(spec.workloads)) {
      if (w.delivery === undefined) continue;
      add(
        `applications.${app}.workloads.${workload}.delivery`,
        isMap(w.kubernetes)
          ? "belongs under kubernetes: write kubernetes: { namespace, serviceAccount, delivery }"
          : "a workload without kubernetes (namespace, serviceAccount) has no pod to deliver secrets to; remove delivery, or give the workload a kubernetes block",
      );
    }
  }
  const withCluster = envs.filter(([, e]) => isMap(e.kubernetes));
  for (const [env, e] of withCluster) {
    const has = backendsOf(e);
    const chosen = e.kubernetes.secretStoreBackend;
    const storeOk = typeof chosen !== "string" || has.includes(chosen as never);
    if (!storeOk) {
      add(`environments.${env}.kubernetes.secretStoreBackend`, `is ${chosen}, but environment ${env} has no ${chosen} block; use one of ${has.join(", ")}`);
    }
    for (const [app, spec] of apps) {
      const placed = placement(raw, env, app);
      for (const [workload, w] of entries(spec.workloads)) {
        if (!isMap(w.kubernetes)) continue;
        const at = `applications.${app}.workloads.${workload}.kubernetes`;
        const delivery = deliveryOf(w.kubernetes);
        const explicit = typeof w.kubernetes.backend === "string";
        if (delivery === "vault-agent") {
          if (explicit && w.kubernetes.backend !== "vault") add(`${at}.backend`, `is ${w.kubernetes.backend}, but the Vault Agent reads from Vault; remove backend or choose another delivery`);
          if (!isMap(e.vault)) add(`${at}.delivery`, `vault-agent needs Vault, but environment ${env} has no vault block; use external-secrets or sdk, or add vault to ${env}`);
          else if (!placed.includes("vault")) add(`${at}.delivery`, `vault-agent reads from Vault, but application ${app} is not placed on vault in environment ${env}`);
          continue;
        }
        if (!explicit && !storeOk) continue; // reported once, on secretStoreBackend
        const backend = workloadBackend(w.kubernetes, e);
        const where = explicit ? `${at}.backend` : `environments.${env}.kubernetes.secretStoreBackend`;
        if (!backend) continue;
        if (!has.includes(backend)) {
          add(where, `is ${backend}, but environment ${env} has no ${backend} block; use one of ${has.join(", ")}`);
          continue;
        }
        if (!placed.includes(backend)) {
          add(where, `${app}/${workload} reads from ${backend} in environment ${env}, but application ${app} is not placed on ${backend} there (it is on ${placed.join(", ") || "no backend"})`);
          continue;
        }
        if (delivery !== "external-secrets") continue;
        if (backend === "aws" && !(isMap(e.aws) && isMap(e.aws.eks))) {
          add(`environments.${env}.aws.eks`, `is required: ${app}/${workload} syncs from AWS with External Secrets, which authenticates as its service account through IRSA (eks.oidcProviderArn)`);
        }
        if (backend === "vault") {
          const own = isMap(spec.secrets) ? spec.secrets : {};
          const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
          for (const r of reads) {
            const s = typeof r === "string" ? own[r] : undefined;
            if (isMap(s) && s.type === "postgres" && s.dynamic === true) {
              add(`${at}.delivery`, `${app}/${workload} reads ${r}, a dynamic postgres secret, from Vault: External Secrets' Vault provider reads KV secrets only; use vault-agent or sdk for this workload`);
            }
          }
        }
      }
    }
  }
  // Service accounts carry the workloads' identities whether or not a kubernetes stack creates them.
  checkKubernetesNames(apps, add);
}

/** Every object the kubernetes stacks build is named from the description; two workloads must not build the same one. */
function checkKubernetesNames(apps: [string, Loose][], add: Add): void {
  const seen = new Map<string, string>();
  const claim = (key: string, at: string, what: string, why = "") => {
    const twin = seen.get(key);
    if (twin) add(at, `${what} is also built for ${twin}${why}; rename one of them or put them in different namespaces`);
    else seen.set(key, at);
  };
  for (const [app, spec] of apps) {
    for (const [workload, w] of entries(spec.workloads)) {
      const k = w.kubernetes;
      if (!isMap(k) || typeof k.namespace !== "string" || typeof k.serviceAccount !== "string") continue;
      const at = `applications.${app}.workloads.${workload}.kubernetes`;
      // Each workload's IAM role, managed identity and Vault role trust exactly one service account.
      claim(
        `ServiceAccount ${k.namespace}/${k.serviceAccount}`,
        `${at}.serviceAccount`,
        `service account ${k.namespace}/${k.serviceAccount}`,
        " (a service account carries one identity: one IAM role annotation, one Azure managed identity)",
      );
      if (deliveryOf(k) !== "external-secrets") continue;
      claim(`SecretStore ${k.namespace}/${secretStoreName(app, workload)}`, at, `SecretStore ${k.namespace}/${secretStoreName(app, workload)}`);
      const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
      for (const r of new Set(reads)) {
        if (typeof r !== "string") continue;
        const name = kubernetesSecretName(app, r);
        claim(`Secret ${k.namespace}/${name}`, at, `ExternalSecret and Secret ${k.namespace}/${name}`);
      }
    }
  }
}
