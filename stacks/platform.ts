// Builds every stack of the description: one per backend per environment, named <backend>-<env>, and on AWS
// one more per stack group, aws-<env>-<group> (applications.<app>.stackGroup), so that no stack holds more
// than stacks.maxResources resources.
import { TerraformResource, TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";
import type { Platform } from "../config/schema";
import { EnvironmentModel, environmentModel } from "../config/model";
import { AwsSecretsStack } from "./aws-stack";
import { VaultSecretsStack } from "./vault-stack";
import { AzureSecretsStack } from "./azure-stack";
import { applyGuardrails } from "../constructs/guardrails";

export type BackendKind = "aws" | "vault" | "azure";

export interface StackRef {
  readonly name: string;
  readonly backend: BackendKind;
  readonly environment: string;
  /** The stack group; undefined for the first group (the stack named <backend>-<env>). */
  readonly group?: string;
}

/** The stack groups the applications name, sorted: each adds aws-<env>-<group> stacks. */
export function stackGroups(platform: Platform): string[] {
  return [...new Set(Object.values(platform.applications).flatMap((a) => (a.stackGroup ? [a.stackGroup] : [])))].sort();
}

/** The stacks a description produces, in a stable order. */
export function stackNames(platform: Platform): StackRef[] {
  const refs: StackRef[] = [];
  const groups = stackGroups(platform);
  for (const [env, spec] of Object.entries(platform.environments)) {
    for (const backend of ["aws", "vault", "azure"] as const) {
      if (!spec[backend]) continue;
      refs.push({ name: `${backend}-${env}`, backend, environment: env });
      // Vault and Azure stacks do not split yet: their mounts, auth methods and vault are one per environment.
      if (backend === "aws") for (const group of groups) refs.push({ name: `aws-${env}-${group}`, backend, environment: env, group });
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

/** The environment as one stack group sees it: the secrets and workloads of its applications only. */
export function groupModel(platform: Platform, model: EnvironmentModel, group: string | undefined): EnvironmentModel {
  const inGroup = (app: string) => platform.applications[app]?.stackGroup === group;
  const secrets = model.secrets.filter((s) => inGroup(s.app));
  const workloads = model.workloads.filter((w) => inGroup(w.app));
  return { ...model, secrets, workloads, secret: (ref) => (inGroup(ref.split("/")[0]) ? model.secret(ref) : undefined) };
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
        stack = new AwsSecretsStack(scope, ref.name, groupModel(platform, model, ref.group), {
          group: ref.group,
          // One Secrets Manager endpoint per VPC, in the first group's stack, for every group's functions.
          rotationInEnvironment: model.secrets.some((s) => s.spec.type !== "api-key" && s.spec.rotation),
        });
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
    limitResources(stack, ref, platform.stacks.maxResources);
  }
  return refs;
}

/** Refuses a stack with more resources than the description allows, saying what to change. */
function limitResources(stack: TerraformStack, ref: StackRef, max: number): void {
  stack.node.addValidation({
    validate: () => {
      const count = stack.node.findAll().filter((c: IConstruct) => TerraformResource.isTerraformResource(c)).length;
      if (count <= max) return [];
      const fix =
        ref.backend === "aws"
          ? `move applications into a stack group of their own (applications.<app>.stackGroup: <name>, which builds aws-${ref.environment}-<name>) until each stack holds at most ${max}, or raise stacks.maxResources`
          : `${ref.backend} stacks do not split by stack group yet: raise stacks.maxResources to at least ${count}`;
      return [`stack ${ref.name} has ${count} resources, more than stacks.maxResources (${max}): ${fix}`];
    },
  });
}
