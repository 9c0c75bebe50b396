// Runs Terraform on a synthesized AWS stack without a cloud: the AWS provider comes from the
// filesystem mirror the machine carries, credentials are mocks, and the provider's AWS calls are
// skipped through an override file written into a temporary copy of the stack (never the stack).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const MIRROR_ENV = "TF_PROVIDER_MIRROR";

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
    .find((dir) => existsSync(path.join(dir, "hashicorp", "aws")) && !dir.includes("/.terraform/"));
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
  /** init, then `plan -out`, then the plan as JSON (terraform show -json). */
  plan(): TerraformPlan;
  dispose(): void;
}

export interface TerraformPlan {
  resource_changes?: Array<{ address: string; type: string; name: string; change: { actions: string[]; after?: Record<string, unknown> } }>;
  [key: string]: unknown;
}

/** A temporary copy of a synthesized stack, set up to run Terraform offline. */
export function offlineWorkspace(stackJson: unknown, assets?: { from: string; to: string }[]): OfflineWorkspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tf-offline-"));
  const cliConfig = path.join(dir, ".terraformrc");
  const mirror = findProviderMirror();
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  writeFileSync(path.join(dir, "cdk.tf.json"), JSON.stringify(stackJson, null, 2));
  // Remote state is for deploys; offline checks use local state in the temporary folder.
  writeFileSync(
    path.join(dir, "offline_override.tf.json"),
    JSON.stringify({ provider: { aws: [OFFLINE_AWS_PROVIDER] }, terraform: [{ backend: { local: { path: "terraform.tfstate" } } }] }, null, 2),
  );
  for (const a of assets ?? []) {
    mkdirSync(path.dirname(path.join(dir, a.to)), { recursive: true });
    execFileSync("cp", ["-r", a.from, path.join(dir, a.to)]);
  }
  const env = { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, TF_IN_AUTOMATION: "1", CHECKPOINT_DISABLE: "1", TF_INPUT: "0" };
  const run = (args: string[]): string => {
    const r = spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} failed in ${dir}:\n${r.stderr || r.stdout}`);
    return r.stdout;
  };
  let initialized = false;
  const init = () => {
    if (!initialized) run(["init", "-input=false", "-no-color"]);
    initialized = true;
  };
  return {
    dir,
    run: (args) => {
      init();
      return run(args);
    },
    plan: () => {
      init();
      run(["plan", "-input=false", "-no-color", "-lock=false", "-out=offline.tfplan"]);
      return JSON.parse(run(["show", "-json", "offline.tfplan"])) as TerraformPlan;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Files of a synthesized stack folder that Terraform needs besides cdk.tf.json (Lambda assets). */
export function stackAssets(stackDir: string): { from: string; to: string }[] {
  const assets = path.join(stackDir, "assets");
  return existsSync(assets) ? readdirSync(assets).map((a) => ({ from: path.join(assets, a), to: path.join("assets", a) })) : [];
}
