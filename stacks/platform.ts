// Builds every stack of the description: one per backend per environment, named <backend>-<env>, and one more per
// stack group, <backend>-<env>-<group> (applications.<app>.stackGroup), so that no stack holds more than
// stacks.maxResources resources; and the kubernetes-<env> and bootstrap-<env> stacks of environments that ask.
import { App, TerraformResource, TerraformStack } from "cdktf";
import { Construct, IConstruct } from "constructs";
import type { Platform } from "../config/schema";
import { EnvironmentModel, environmentModel, placedAnywhere, placedOn } from "../config/model";
import { kubernetesStackName, stackName, type StackKind } from "../config/naming";
import { AwsSecretsStack, clustersNeedingOidcProvider } from "./aws-stack";
import { VaultSecretsStack } from "./vault-stack";
import { AzureSecretsStack } from "./azure-stack";
import { KubernetesSecretsStack } from "./kubernetes-stack";
import { applyGuardrails } from "../guardrails";
import { BootstrapStack, DeployedStacks } from "./bootstrap-stack";

export type BackendKind = "aws" | "vault" | "azure";
export type { StackKind };

export interface StackRef {
  readonly name: string;
  readonly backend: StackKind;
  readonly environment: string;
  /** The stack group; undefined for the first group (the stack named <backend>-<env>). */
  readonly group?: string;
  /** A kubernetes stack's cluster of kubernetes.clusters; undefined for the single-cluster form (kubernetes-<env>). */
  readonly cluster?: string;
}

/** The stack groups the applications name, sorted: each adds <backend>-<env>-<group> stacks. */
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
      refs.push({ name: stackName(backend, env), backend, environment: env });
      // After their first stack: a group's Vault and Azure stacks use its mounts and vault.
      for (const group of groups) refs.push({ name: stackName(backend, env, group), backend, environment: env, group });
    }
    // After the backend stacks: it takes their identities through cross-stack references. Split by group like them.
    // One per cluster of kubernetes.clusters, kubernetes-<env>-<cluster>; the single form keeps kubernetes-<env>.
    if (spec.kubernetes) {
      for (const cluster of spec.kubernetes.clusters ? Object.keys(spec.kubernetes.clusters) : [undefined]) {
        refs.push({ name: kubernetesStackName(env, cluster), backend: "kubernetes", environment: env, cluster });
        for (const group of groups) refs.push({ name: kubernetesStackName(env, cluster, group), backend: "kubernetes", environment: env, group, cluster });
      }
    }
    if (spec.pipeline) refs.push({ name: stackName("bootstrap", env), backend: "bootstrap", environment: env });
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

/** The environment as one stack group sees it: the secrets and workloads of its applications only. */
export function groupModel(platform: Platform, model: EnvironmentModel, group: string | undefined): EnvironmentModel {
  const inGroup = (app: string) => platform.applications[app]?.stackGroup === group;
  const secrets = model.secrets.filter((s) => inGroup(s.app));
  const workloads = model.workloads.filter((w) => inGroup(w.app));
  return { ...model, secrets, workloads, secret: (ref) => (inGroup(ref.split("/")[0]) ? model.secret(ref) : undefined) };
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
    // Each backend stack sees only the applications placed on its backend (config/placement.ts).
    const placed = (backend: BackendKind) => groupModel(platform, placedOn(model, backend), ref.group);
    let stack: TerraformStack;
    switch (ref.backend) {
      case "kubernetes":
        // A group's stack holds its workloads' objects; every AWS and Azure stack of the environment is a source (the
        // workload's identity is in its group's, the Key Vault in azure-<env>), referenced only where used.
        // Applications placed on no backend of the environment do not exist there (their workloads are refused).
        stack = new KubernetesSecretsStack(scope, ref.name, placedAnywhere(groupModel(platform, model, ref.group)), {
          aws: refs.filter((r) => r.backend === "aws" && r.environment === ref.environment).map((r) => built.get(r.name) as AwsSecretsStack),
          vault: built.get(stackName("vault", ref.environment)) as VaultSecretsStack | undefined,
          azure: refs.filter((r) => r.backend === "azure" && r.environment === ref.environment).map((r) => built.get(r.name) as AzureSecretsStack),
          cluster: ref.cluster,
        });
        break;
      case "aws":
        stack = new AwsSecretsStack(scope, ref.name, placed("aws"), {
          group: ref.group,
          // One Secrets Manager endpoint per VPC, in the first group's stack, for every group's functions.
          rotationInEnvironment: placedOn(model, "aws").secrets.some((s) => s.spec.type !== "api-key" && s.spec.rotation),
          // aws-<env> creates the IAM OIDC provider of each cluster without one, for every group's roles.
          oidcProviderClusters: clustersNeedingOidcProvider(placedOn(model, "aws")),
          environmentStack: ref.group ? (built.get(stackName("aws", ref.environment)) as AwsSecretsStack | undefined) : undefined,
        });
        // Terraform cannot make a resource wait for another stack's, and SP-AWS-010 sees one stack at a time: a group
        // whose functions use the endpoint aws-<env> creates is deployed after aws-<env> (cdktf orders by dependency).
        if (ref.group) {
          const first = built.get(stackName("aws", ref.environment)) as AwsSecretsStack | undefined;
          if (first?.endpoint && (stack as AwsSecretsStack).rotationFunctions.size > 0) stack.addDependency(first);
        }
        break;
      case "vault":
        stack = new VaultSecretsStack(scope, ref.name, placed("vault"), {
          // The first stack owns the mounts and the connection; a group's stack grants on them by path.
          environmentStack: ref.group ? (built.get(stackName("vault", ref.environment)) as VaultSecretsStack) : undefined,
          wholeEnvironment: placedOn(model, "vault"),
        });
        break;
      case "azure":
        stack = new AzureSecretsStack(scope, ref.name, placed("azure"), {
          environmentStack: ref.group ? (built.get(stackName("azure", ref.environment)) as AzureSecretsStack) : undefined,
          group: ref.group,
        });
        break;
      case "bootstrap":
        // Its deployer's rights come from the environment's stacks (built just before, or apart when filtered out).
        stack = new BootstrapStack(scope, ref.name, model, deployedStacks(platform, ref.environment, built));
        break;
    }
    built.set(ref.name, stack);
    // Every stack is checked when it synthesizes; a finding stops synth (guardrails, docs/guardrails.md).
    applyGuardrails(stack, { production: model.production });
    limitResources(stack, ref, platform.stacks.maxResources);
  }
  return refs;
}

/**
 * The backend stacks of an environment: every stack of each backend (<backend>-<env> and its groups') from this
 * build, or, when the build left any of them out, the whole environment built as one stack in a detached app.
 */
function deployedStacks(platform: Platform, env: string, built: ReadonlyMap<string, TerraformStack>): DeployedStacks {
  const model = environmentModel(platform, env);
  const all = stackNames(platform).filter((r) => r.environment === env);
  let detached: App | undefined;
  const get = <T extends TerraformStack>(backend: "aws" | "vault" | "azure", make: (scope: Construct) => T): readonly TerraformStack[] | undefined => {
    if (!model.spec[backend]) return undefined;
    // Together the group stacks hold what the environment built as one stack would: reusing them avoids building
    // and rendering the environment a second time (most of a 1,000-application synth).
    const stacks = all.filter((r) => r.backend === backend).map((r) => built.get(r.name));
    if (stacks.length > 0 && stacks.every((s) => s)) return stacks as TerraformStack[];
    return [make((detached ??= new App({ skipValidation: true })))];
  };
  return {
    aws: get("aws", (s) => new AwsSecretsStack(s, stackName("aws", env), placedOn(model, "aws"))),
    vault: get("vault", (s) => new VaultSecretsStack(s, stackName("vault", env), placedOn(model, "vault"))),
    azure: get("azure", (s) => new AzureSecretsStack(s, stackName("azure", env), placedOn(model, "azure"))),
    groups: stackGroups(platform),
    awsNamesakes: Object.entries(platform.environments)
      .filter(([other, spec]) => other.startsWith(`${env}-`) && spec.aws && spec.aws.accountId === model.spec.aws?.accountId)
      .map(([other]) => other),
  };
}

/** Refuses a stack with more resources than the description allows, saying what to change. */
function limitResources(stack: TerraformStack, ref: StackRef, max: number): void {
  stack.node.addValidation({
    validate: () => {
      const count = stack.node.findAll().filter((c: IConstruct) => TerraformResource.isTerraformResource(c)).length;
      if (count <= max) return [];
      const fix =
        ref.backend !== "bootstrap"
          ? `move applications into a stack group of their own (applications.<app>.stackGroup: <name>, which builds ${stackName(ref.backend, ref.environment, "<name>")}) until each stack holds at most ${max}, or raise stacks.maxResources`
          : `raise stacks.maxResources to at least ${count}`;
      return [`stack ${ref.name} has ${count} resources, more than stacks.maxResources (${max}): ${fix}`];
    },
  });
}
