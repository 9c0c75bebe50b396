// What a review holds. Everything is derived from synthesized stacks (and, for AWS, Terraform's plan), so the
// review shows what will really be created and granted, not what the description meant.
import type { GuardrailReport } from "../guardrails";
import type { StackJson } from "../readers/synthesized";
import type { MoveGuidance } from "./moves";
import type { PipelineIdentityRow } from "./pipeline";

/** A backend, or "kubernetes" for the kubernetes-<env> stack that points a cluster at them. */
export type Backend = "aws" | "vault" | "azure" | "kubernetes";

/** A synthesized stack as the review reads it. */
export interface ReviewedStack {
  readonly name: string;
  readonly backend: Backend;
  readonly json: StackJson;
}

export type ChangeAction = "create" | "update" | "replace" | "delete" | "no-op" | "read";

export interface RiskyChange {
  readonly address: string;
  readonly type: string;
  readonly action: "replace" | "delete";
  /** What is lost, in words. */
  readonly why: string;
}

export interface StackChanges {
  readonly stack: string;
  readonly backend: Backend;
  /** Where the counts come from. */
  readonly source: "terraform plan" | "synthesized JSON";
  readonly counts: Readonly<Record<"create" | "update" | "replace" | "delete", number>>;
  readonly risky: readonly RiskyChange[];
  readonly note?: string;
  /** Resources imported (adopted secrets), not counted as creates. @default 0 */
  readonly imports?: number;
}

/** One grant: who reaches which secret on which backend, with what, and how it proves who it is. */
export interface AccessRow {
  /** k8s <namespace>/<serviceAccount>, approle <role>, lambda <function>, or the principal. */
  readonly workload: string;
  /** The logical path <env>/<app>/<secret> where the resources say it, else the backend's own name. */
  readonly secret: string;
  readonly backend: Backend;
  readonly stack: string;
  /** read, rotate, or the role; with the exact actions or capabilities in brackets. */
  readonly permission: string;
  readonly authentication: string;
}

/** One secret on one backend: how that backend changes its value, and how often. */
export interface RotationRow {
  readonly secret: string;
  readonly backend: Backend;
  readonly type: string;
  /**
   * What rotates it there: AWS Lambda <function>, Vault static role, Vault dynamic role, Vault transit auto-rotate,
   * Azure Function <app>; "none" where nothing does.
   */
  readonly mechanism: string;
  readonly strategy: string;
  readonly cadence: string;
  readonly function: string;
  /**
   * A Vault dynamic or static role's database connection: "<name> (<host>:<port>/<database>)", or the name alone where
   * no reviewed stack holds it. Undefined for every other row.
   */
  readonly connection?: string;
  /** Set when a rotatable secret (postgres, jwt, token) has no rotation on this backend. */
  readonly finding?: string;
}

export interface ExposureRow {
  readonly backend: Backend;
  readonly resource: string;
  readonly exposure: string;
  /** True when the setting opens the backend beyond private networks or plain-text transport, or breaks access. */
  readonly flagged: boolean;
  /** What the flag says, when it is not "exposed" (e.g. "broken"). */
  readonly flag?: string;
}

/** Who may read one AWS secret's value, by its resource policy's read-deny. */
export interface AwsReadGuard {
  readonly secret: string;
  readonly stack: string;
  /** The principal ARNs the deny excepts; undefined when the secret has no read-deny (IAM alone decides). */
  readonly readers?: readonly string[];
}

/** What the kubernetes stack builds for one workload. */
export interface KubernetesRow {
  readonly stack: string;
  /** <app>/<workload> */
  readonly workload: string;
  /** <namespace>/<name> */
  readonly serviceAccount: string;
  readonly delivery: "sdk" | "external-secrets" | "vault-agent" | "csi";
  /** The identities the service account is annotated with or bound to. */
  readonly identities: readonly string[];
  readonly store: string;
  /** Secrets synced into native Secrets (with their refresh) or rendered by the Vault Agent. */
  readonly secrets: readonly string[];
  /** Set when secrets are synced into native Secrets that are never refreshed. */
  readonly flag?: string;
}

/** An existing secret the stacks adopt instead of creating (docs/adopting.md). */
export interface AdoptionRow {
  /** <env>/<app>/<secret> */
  readonly secret: string;
  readonly backend: "aws" | "vault" | "azure";
  readonly stack: string;
  /** The existing secret: the import id (AWS), the KV path or the Key Vault secret name. */
  readonly existing: string;
  /** import (AWS's import block), or how the stack refers to it without managing it. */
  readonly how: string;
  /** What the first apply changes for those who use the secret today. */
  readonly warnings: readonly string[];
}

/** One alert of the environment (docs/alerts.md): what it watches and who is told. */
export interface AlertRow {
  readonly stack: string;
  readonly alert: string;
  readonly watches: string;
  readonly destination: string;
  /** Set when the alert tells nobody. */
  readonly flag?: string;
}

export interface Review {
  readonly environment: string;
  readonly production: boolean;
  readonly changes: readonly StackChanges[];
  readonly access: readonly AccessRow[];
  /** AWS: each secret's read-deny, which makes the access matrix the whole list of readers. */
  readonly awsReadGuards: readonly AwsReadGuard[];
  readonly rotation: readonly RotationRow[];
  /** The environment's alerts and where they go. @default - none listed */
  readonly alerts?: readonly AlertRow[];
  readonly network: readonly ExposureRow[];
  readonly kubernetes: readonly KubernetesRow[];
  /** Existing secrets adopted, shown apart from creates. @default - none */
  readonly adoptions?: readonly AdoptionRow[];
  readonly guardrails: readonly GuardrailReport[];
  /** Resources that move between stacks of the environment since the previous synth, with the state commands. */
  readonly moves?: readonly MoveGuidance[];
  /** bootstrap-<env>'s CI identities: who may become each, and what each may do (none without a pipeline block). */
  readonly pipeline?: { readonly stack: string; readonly identities: readonly PipelineIdentityRow[] };
  readonly mermaid: string;
  /** No guardrail finding is left unsuppressed. */
  readonly passed: boolean;
}
