// Builds every stack of the description: one per backend per environment, named <backend>-<env>, plus the
// kubernetes-<env> and bootstrap-<env> stacks of environments that ask for them.
import { App, TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { Platform } from "../config/schema";
import { environmentModel } from "../config/model";
import { AwsSecretsStack } from "./aws-stack";
import { VaultSecretsStack } from "./vault-stack";
import { AzureSecretsStack } from "./azure-stack";
import { KubernetesSecretsStack } from "./kubernetes-stack";
import { applyGuardrails } from "../constructs/guardrails";
import { BootstrapStack, DeployedStacks } from "./bootstrap-stack";

export type BackendKind = "aws" | "vault" | "azure";
/**
 * A backend stack; the kubernetes-<env> stack that points a cluster at them; or the bootstrap-<env> stack of an
 * environment with a pipeline block (CI identities, state storage).
 */
export type StackKind = BackendKind | "kubernetes" | "bootstrap";

export interface StackRef {
  readonly name: string;
  readonly backend: StackKind;
  readonly environment: string;
}

/** The stacks a description produces, in a stable order. */
export function stackNames(platform: Platform): StackRef[] {
  const refs: StackRef[] = [];
  for (const [env, spec] of Object.entries(platform.environments)) {
    for (const backend of ["aws", "vault", "azure"] as const) {
      if (spec[backend]) refs.push({ name: `${backend}-${env}`, backend, environment: env });
    }
    // After the backend stacks: it takes their identities through cross-stack references.
    if (spec.kubernetes) refs.push({ name: `kubernetes-${env}`, backend: "kubernetes", environment: env });
    if (spec.pipeline) refs.push({ name: `bootstrap-${env}`, backend: "bootstrap", environment: env });
  }
  return refs;
}

export interface BuildOptions {
  /** Build only the stacks of these environments. @default - every environment */
  readonly environments?: readonly string[];
  /**
   * Build only the stacks of these backends. A kubernetes stack also needs its environment's backend stacks in the
   * same app (cross-stack references), so they are built, and returned, with it.
   * @default - every backend
   */
  readonly backends?: readonly StackKind[];
}

export function buildPlatform(scope: Construct, platform: Platform, options: BuildOptions = {}): StackRef[] {
  const all = stackNames(platform);
  const wanted = (r: StackRef) =>
    (!options.environments || options.environments.includes(r.environment)) && (!options.backends || options.backends.includes(r.backend));
  // A kubernetes stack reads its backend stacks' outputs: build those with it (bootstrap builds its own apart).
  const kubernetesEnvs = new Set(all.filter((r) => r.backend === "kubernetes" && wanted(r)).map((r) => r.environment));
  const refs = all.filter((r) => wanted(r) || (kubernetesEnvs.has(r.environment) && (r.backend === "aws" || r.backend === "vault" || r.backend === "azure")));
  const built = new Map<string, TerraformStack>();
  for (const ref of refs) {
    const model = environmentModel(platform, ref.environment);
    let stack: TerraformStack;
    switch (ref.backend) {
      case "kubernetes":
        stack = new KubernetesSecretsStack(scope, ref.name, model, {
          aws: built.get(`aws-${ref.environment}`) as AwsSecretsStack | undefined,
          vault: built.get(`vault-${ref.environment}`) as VaultSecretsStack | undefined,
          azure: built.get(`azure-${ref.environment}`) as AzureSecretsStack | undefined,
        });
        break;
      case "aws":
        stack = new AwsSecretsStack(scope, ref.name, model);
        break;
      case "vault":
        stack = new VaultSecretsStack(scope, ref.name, model);
        break;
      case "azure":
        stack = new AzureSecretsStack(scope, ref.name, model);
        break;
      case "bootstrap":
        // Its deployer's rights come from the environment's stacks (built just before, or apart when filtered out).
        stack = new BootstrapStack(scope, ref.name, model, deployedStacks(platform, ref.environment, built));
        break;
    }
    built.set(ref.name, stack);
    // Every stack is checked when it synthesizes; a finding stops synth (constructs/guardrails, docs/guardrails.md).
    applyGuardrails(stack, { production: model.production });
  }
  return refs;
}

/** The backend stacks of an environment, from this build or, when the build left them out, built in a detached app. */
function deployedStacks(platform: Platform, env: string, built: ReadonlyMap<string, TerraformStack>): DeployedStacks {
  const model = environmentModel(platform, env);
  let detached: App | undefined;
  const get = <T extends TerraformStack>(backend: "aws" | "vault" | "azure", make: (scope: Construct) => T): TerraformStack | undefined => {
    if (!model.spec[backend]) return undefined;
    const name = `${backend}-${env}`;
    return built.get(name) ?? make((detached ??= new App({ skipValidation: true })));
  };
  return {
    aws: get("aws", (s) => new AwsSecretsStack(s, `aws-${env}`, model)),
    vault: get("vault", (s) => new VaultSecretsStack(s, `vault-${env}`, model)),
    azure: get("azure", (s) => new AzureSecretsStack(s, `azure-${env}`, model)),
  };
}
