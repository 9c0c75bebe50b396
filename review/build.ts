// Assembles a review from synthesized stacks, Terraform plans where they ran, and the guardrails' reports.
// Pure: no synth, no Terraform, no files; tests call it directly.
import { pipelineIdentities } from "./pipeline";
import type { GuardrailReport } from "../guardrails";
import type { TerraformPlan } from "../scripts/terraform-offline";
import { accessMatrix, awsReadGuards } from "./access";
import { summarizePlan, summarizeSynthesized } from "./changes";
import { accessDiagram } from "./mermaid";
import type { Backend, Review, ReviewedStack } from "./model";
import type { MoveGuidance } from "./moves";
import { networkExposure } from "./network";
import { rotationTable } from "./rotation";
import { alertsTable } from "./alerts";
import { kubernetesTable } from "./kubernetes";
import { adoptionTable } from "./adoption";
import type { StackJson } from "../readers/synthesized";

export interface ReviewInput {
  readonly environment: string;
  readonly production: boolean;
  readonly stacks: readonly ReviewedStack[];
  /** `terraform show -json` of a stack's plan, by stack name. Stacks without one are counted from their JSON. */
  readonly plans?: Readonly<Record<string, TerraformPlan>>;
  /** Why stacks that could have had a plan have none (e.g. --skip-plan). */
  readonly planNote?: string;
  readonly guardrails: readonly GuardrailReport[];
  /** Why a stack that could have had a plan has none, by stack name (an AWS stack with import blocks: validated only). */
  readonly stackNotes?: Readonly<Record<string, string>>;
  /** Moves between the environment's stacks since the previous synth. */
  readonly moves?: readonly MoveGuidance[];
  /** bootstrap-<env>, synthesized, when the environment has a pipeline block. */
  readonly bootstrap?: { readonly name: string; readonly json: StackJson };
}

/** Which backend a stack is for, from its providers. */
export function backendOf(json: StackJson): Backend | undefined {
  const providers = Object.keys(json.provider ?? {});
  if (providers.includes("aws")) return "aws";
  if (providers.includes("vault")) return "vault";
  if (providers.includes("azurerm")) return "azure";
  return undefined;
}

export function buildReview(input: ReviewInput): Review {
  const changes = input.stacks.map((s) => {
    const plan = input.plans?.[s.name];
    if (plan) return summarizePlan(s.name, s.backend, plan);
    if (input.stackNotes?.[s.name]) return summarizeSynthesized(s, input.stackNotes[s.name]);
    return summarizeSynthesized(s, s.backend === "aws" && input.planNote ? `${input.planNote} Every resource counts as a create.` : undefined);
  });
  const access = accessMatrix(input.stacks);
  const adoptions = adoptionTable(input.stacks);
  return {
    environment: input.environment,
    production: input.production,
    changes,
    access,
    awsReadGuards: awsReadGuards(input.stacks),
    rotation: rotationTable(input.stacks),
    alerts: alertsTable(input.stacks),
    network: networkExposure(input.stacks),
    kubernetes: kubernetesTable(input.stacks),
    ...(adoptions.length > 0 ? { adoptions } : {}),
    guardrails: input.guardrails,
    ...(input.moves && input.moves.length > 0 ? { moves: input.moves } : {}),
    ...(input.bootstrap ? { pipeline: { stack: input.bootstrap.name, identities: pipelineIdentities(input.bootstrap.json) } } : {}),
    mermaid: accessDiagram(access),
    passed: input.guardrails.every((g) => g.findings.length === 0),
  };
}
