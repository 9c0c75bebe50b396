// Builds every stack of the description: one per backend per environment, named <backend>-<env>.
import { TerraformStack } from "cdktf";
import { Construct } from "constructs";
import type { Platform } from "../config/schema";
import { environmentModel } from "../config/model";
import { AwsSecretsStack } from "./aws-stack";
import { VaultSecretsStack } from "./vault-stack";
import { AzureSecretsStack } from "./azure-stack";
import { applyGuardrails } from "../constructs/guardrails";

export type BackendKind = "aws" | "vault" | "azure";

export interface StackRef {
  readonly name: string;
  readonly backend: BackendKind;
  readonly environment: string;
}

/** The stacks a description produces, in a stable order. */
export function stackNames(platform: Platform): StackRef[] {
  const refs: StackRef[] = [];
  for (const [env, spec] of Object.entries(platform.environments)) {
    for (const backend of ["aws", "vault", "azure"] as const) {
      if (spec[backend]) refs.push({ name: `${backend}-${env}`, backend, environment: env });
    }
  }
  return refs;
}

export interface BuildOptions {
  /** Build only the stacks of these environments. @default - every environment */
  readonly environments?: readonly string[];
  /** Build only the stacks of these backends. @default - every backend */
  readonly backends?: readonly BackendKind[];
}

export function buildPlatform(scope: Construct, platform: Platform, options: BuildOptions = {}): StackRef[] {
  const refs = stackNames(platform).filter(
    (r) =>
      (!options.environments || options.environments.includes(r.environment)) &&
      (!options.backends || options.backends.includes(r.backend)),
  );
  for (const ref of refs) {
    const model = environmentModel(platform, ref.environment);
    let stack: TerraformStack;
    switch (ref.backend) {
      case "aws":
        stack = new AwsSecretsStack(scope, ref.name, model);
        break;
      case "vault":
        stack = new VaultSecretsStack(scope, ref.name, model);
        break;
      case "azure":
        stack = new AzureSecretsStack(scope, ref.name, model);
        break;
    }
    // Every stack is checked when it synthesizes; a finding stops synth (constructs/guardrails, docs/guardrails.md).
    applyGuardrails(stack, { production: model.production });
  }
  return refs;
}
