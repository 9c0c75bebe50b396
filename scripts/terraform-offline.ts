// Runs Terraform on a synthesized AWS stack without a cloud: the AWS provider comes from the
// filesystem mirror the machine carries, credentials are mocks, and the provider's AWS calls are
// skipped through an override file written into a temporary copy of the stack (never the stack).
// One `terraform init` serves every copy (sharedInit below).
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const MIRROR_ENV = "TF_PROVIDER_MIRROR";
/** The folder name of the shared init under the temporary directory (sharedInit). */
const SHARED_PREFIX = "secrets-platform-terraform-";

let mirrorCache: string | undefined;
/**
 * The root of the provider mirror (the folder that holds registry.terraform.io): TF_PROVIDER_MIRROR
 * when set, else the first registry.terraform.io folder found near the top of the file system.
 */
export function findProviderMirror(): string {
  if (mirrorCache) return mirrorCache;
  const fromEnv = process.env[MIRROR_ENV];
  if (fromEnv) {
    if (!existsSync(path.join(fromEnv, "registry.terraform.io"))) {
      throw new Error(`${MIRROR_ENV}=${fromEnv} has no registry.terraform.io folder`);
    }
    return (mirrorCache = fromEnv);
  }
  const found = spawnSync("find", ["/", "-maxdepth", "5", "-type", "d", "-name", "registry.terraform.io", "-not", "-path", "/proc/*"], {
    encoding: "utf8",
    timeout: 60_000,
  });
  const hit = found.stdout
    .split("\n")
    .filter(Boolean)
    // Not a working directory's providers, nor the plugin cache of sharedInit below (links into the mirror).
    .find((dir) => existsSync(path.join(dir, "hashicorp", "aws")) && !dir.includes("/.terraform/") && !dir.includes(SHARED_PREFIX));
  if (!hit) throw new Error(`no Terraform provider mirror with hashicorp/aws found; set ${MIRROR_ENV} to the folder that holds registry.terraform.io`);
  return (mirrorCache = path.dirname(hit));
}

export function terraformAvailable(): boolean {
  return spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
}

/** Provider settings that let the AWS provider validate and plan with no credentials or network. */
export const OFFLINE_AWS_PROVIDER = {
  access_key: "mock-access-key",
  secret_key: "mock-secret-key",
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
  // The account guard needs the real account id, which an offline run cannot ask for.
  allowed_account_ids: null,
};

export interface OfflineWorkspace {
  readonly dir: string;
  run(args: string[]): string;
  /** `plan -out`, then the plan as JSON (terraform show -json). */
  plan(): TerraformPlan;
  /** The same, without blocking: several stacks plan at once. */
  planAsync(): Promise<TerraformPlan>;
  dispose(): void;
}

export interface TerraformPlan {
  resource_changes?: Array<{ address: string; type: string; name: string; change: { actions: string[]; after?: Record<string, unknown> } }>;
  [key: string]: unknown;
}

/** Remote state is for deploys; offline runs keep local state in their temporary folder. */
const OFFLINE_BACKEND = { local: { path: "terraform.tfstate" } };

interface SharedInit {
  /** The CLI configuration naming the mirror. */
  readonly cliConfig: string;
  /** An initialized data directory (TF_DATA_DIR): providers linked from the plugin cache, backend recorded. */
  readonly dataDir: string;
  readonly lockFile: string;
}

const sharedInits = new Map<string, SharedInit>();

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * One `terraform init` for every offline run that needs the same providers, on this machine: the AWS provider
 * is 700 MB, and each init used to copy it and hash it. The init runs once in a folder under the temporary
 * directory, with TF_PLUGIN_CACHE_DIR so the provider is linked, not copied; each workspace then points
 * TF_DATA_DIR at that folder's .terraform and copies its lock file, and needs no init. Jest workers and
 * parallel plans share it (a lock folder keeps two inits from racing; plans only read it).
 */
function sharedInit(requiredProviders: unknown): SharedInit {
  const mirror = findProviderMirror();
  const version = spawnSync("terraform", ["version", "-json"], { encoding: "utf8" }).stdout;
  const key = createHash("sha256").update(JSON.stringify({ mirror, version, requiredProviders, format: 1 })).digest("hex").slice(0, 16);
  const known = sharedInits.get(key);
  if (known) return known;
  const root = path.join(os.tmpdir(), `${SHARED_PREFIX}${key}`);
  const shared: SharedInit = {
    cliConfig: path.join(root, ".terraformrc"),
    dataDir: path.join(root, ".terraform"),
    lockFile: path.join(root, ".terraform.lock.hcl"),
  };
  const ready = path.join(root, "ready");
  const lock = `${root}.lock`;
  for (let waited = 0; !existsSync(ready); waited += 200) {
    try {
      mkdirSync(lock);
    } catch {
      // Another process is initializing; one that died leaves a stale lock, removed after two minutes.
      if (waited > 120_000) rmSync(lock, { recursive: true, force: true });
      sleep(200);
      continue;
    }
    try {
      if (existsSync(ready)) break;
      rmSync(root, { recursive: true, force: true });
      mkdirSync(path.join(root, "plugin-cache"), { recursive: true });
      writeFileSync(
        shared.cliConfig,
        `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
      );
      // The same providers and backend as the workspaces, so that their configuration matches this init.
      writeFileSync(path.join(root, "main.tf.json"), JSON.stringify({ terraform: { required_providers: requiredProviders, backend: OFFLINE_BACKEND } }, null, 2));
      const env = { ...terraformEnv(shared.cliConfig), TF_PLUGIN_CACHE_DIR: path.join(root, "plugin-cache") };
      const r = spawnSync("terraform", ["init", "-input=false", "-no-color"], { cwd: root, env, encoding: "utf8" });
      if (r.status !== 0) throw new Error(`terraform init failed in ${root}:\n${r.stderr || r.stdout}`);
      writeFileSync(ready, new Date().toISOString());
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  sharedInits.set(key, shared);
  return shared;
}

function terraformEnv(cliConfig: string, dataDir?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    ...(dataDir ? { TF_DATA_DIR: dataDir } : {}),
    TF_IN_AUTOMATION: "1",
    CHECKPOINT_DISABLE: "1",
    TF_INPUT: "0",
  };
}

/** A temporary copy of a synthesized stack, set up to run Terraform offline. */
export function offlineWorkspace(stackJson: unknown, assets?: { from: string; to: string }[]): OfflineWorkspace {
  const shared = sharedInit((stackJson as { terraform?: { required_providers?: unknown } }).terraform?.required_providers ?? {});
  const dir = mkdtempSync(path.join(os.tmpdir(), "tf-offline-"));
  writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(stackJson, null, 2));
  // Override blocks merge with the provider block of the same alias: one per aws provider of the stack (the alerts'
  // us-east-1 alias among them).
  const aliases = ((stackJson as { provider?: { aws?: { alias?: string }[] } }).provider?.aws ?? []).map((p) => p.alias).filter((a): a is string => typeof a === "string");
  const overrides = [OFFLINE_AWS_PROVIDER, ...aliases.map((alias) => ({ ...OFFLINE_AWS_PROVIDER, alias }))];
  writeFileSync(path.join(dir, "offline_override.tf.json"), JSON.stringify({ provider: { aws: overrides }, terraform: [{ backend: OFFLINE_BACKEND }] }, null, 2));
  copyFileSync(shared.lockFile, path.join(dir, ".terraform.lock.hcl"));
  for (const a of assets ?? []) {
    mkdirSync(path.dirname(path.join(dir, a.to)), { recursive: true });
    execFileSync("cp", ["-r", a.from, path.join(dir, a.to)]);
  }
  const env = terraformEnv(shared.cliConfig, shared.dataDir);
  const failed = (args: string[], out: string) => new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${out}`);
  const run = (args: string[]): string => {
    const r = spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw failed(args, r.stderr || r.stdout);
    return r.stdout;
  };
  const runAsync = (args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn("terraform", args, { cwd: dir, env });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => out.push(c));
      child.stderr.on("data", (c: Buffer) => err.push(c));
      child.on("error", reject);
      child.on("close", (code) => {
        const stdout = Buffer.concat(out).toString("utf8");
        if (code === 0) resolve(stdout);
        else reject(failed(args, Buffer.concat(err).toString("utf8") || stdout));
      });
    });
  const PLAN = ["plan", "-input=false", "-no-color", "-lock=false", "-out=offline.tfplan"];
  const SHOW = ["show", "-json", "offline.tfplan"];
  return {
    dir,
    run,
    plan: () => {
      run(PLAN);
      return JSON.parse(run(SHOW)) as TerraformPlan;
    },
    planAsync: async () => {
      await runAsync(PLAN);
      return JSON.parse(await runAsync(SHOW)) as TerraformPlan;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Files of a synthesized stack folder that Terraform needs besides cdk.tf.json (Lambda assets). */
export function stackAssets(stackDir: string): { from: string; to: string }[] {
  const assets = path.join(stackDir, "assets");
  return existsSync(assets) ? readdirSync(assets).map((a) => ({ from: path.join(assets, a), to: path.join("assets", a) })) : [];
}
