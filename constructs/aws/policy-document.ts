// A typed IAM policy document, rendered to JSON at synth time so that grants added after a
// resource is built still land in its policy. Statements that differ only in their resources are
// merged, which keeps the rendered policy short and easy to review.
import { Lazy } from "cdktf";

export type Principal =
  | "*"
  | { readonly AWS?: readonly string[]; readonly Service?: readonly string[]; readonly Federated?: readonly string[] };

/** Condition operator -> condition key -> value(s), as in IAM JSON. */
export type Conditions = Readonly<Record<string, Readonly<Record<string, string | boolean | readonly string[]>>>>;

export interface PolicyStatement {
  readonly sid?: string;
  /** @default "Allow" */
  readonly effect?: "Allow" | "Deny";
  /** Only in resource policies (key policies, trust policies). */
  readonly principals?: Principal;
  readonly actions: readonly string[];
  /** Omitted in trust policies. */
  readonly resources?: readonly string[];
  readonly conditions?: Conditions;
}

/** Anything that can receive permissions: a role, or a function's role. */
export interface IGrantable {
  /**
   * The IAM role ARN that requests carry as aws:PrincipalArn, known at synth: a secret's resource policy names
   * it as one of the principals not denied reading.
   */
  readonly principalArn: string;
  addToPolicy(statement: PolicyStatement): void;
}

/** Adds the statement to the grantee's policy and returns it: every grant method returns what it granted. */
export function grant(grantee: IGrantable, statement: PolicyStatement): PolicyStatement {
  grantee.addToPolicy(statement);
  return statement;
}

/** IAM's limit on the inline policies of one role, in characters without whitespace. */
export const INLINE_POLICY_MAX_LENGTH = 10_240;

/** A node validation for a role's inline policy, with what to change. */
export function inlinePolicySizeCheck(roleName: string, policy: PolicyDocument, fix: string) {
  return {
    validate: (): string[] => {
      const length = policy.estimatedLength();
      return length > INLINE_POLICY_MAX_LENGTH
        ? [`the inline policy of role ${roleName} would be about ${length} characters; IAM allows ${INLINE_POLICY_MAX_LENGTH} per role: ${fix}`]
        : [];
    },
  };
}

/** IAM's quota on one customer managed policy document, whitespace excluded (reference_iam-quotas.html). */
export const MANAGED_POLICY_MAX_LENGTH = 6_144;

/** A node validation for a customer managed policy's size. */
export function managedPolicySizeCheck(policyName: string, policy: PolicyDocument) {
  return {
    validate: (): string[] => {
      const length = policy.estimatedLength();
      return length > MANAGED_POLICY_MAX_LENGTH ? [`the managed policy ${policyName} would be about ${length} characters; IAM allows ${MANAGED_POLICY_MAX_LENGTH} per managed policy`] : [];
    },
  };
}

export class PolicyDocument {
  private readonly statements: PolicyStatement[] = [];

  constructor(statements: readonly PolicyStatement[] = []) {
    this.addStatements(...statements);
  }

  addStatements(...statements: PolicyStatement[]): void {
    for (const s of statements) {
      if (s.actions.length === 0) throw new Error(`policy statement ${s.sid ?? ""} has no actions`);
      this.statements.push(s);
    }
  }

  get isEmpty(): boolean {
    return this.statements.length === 0;
  }

  /** The statements after merging, in the order they were first added. */
  get merged(): PolicyStatement[] {
    const out: PolicyStatement[] = [];
    const byShape = new Map<string, number>();
    for (const s of this.statements) {
      const shape = JSON.stringify([s.sid, s.effect ?? "Allow", s.principals, [...s.actions].sort(), s.conditions, s.resources === undefined]);
      const at = byShape.get(shape);
      if (at === undefined) {
        byShape.set(shape, out.length);
        out.push({ ...s, actions: [...new Set(s.actions)], resources: s.resources && [...new Set(s.resources)] });
      } else {
        const prev = out[at];
        out[at] = { ...prev, resources: [...new Set([...(prev.resources ?? []), ...(s.resources ?? [])])] };
      }
    }
    return out;
  }

  toObject(): Record<string, unknown> {
    return {
      Version: "2012-10-17",
      Statement: this.merged.map((s) => ({
        ...(s.sid ? { Sid: s.sid } : {}),
        Effect: s.effect ?? "Allow",
        ...(s.principals ? { Principal: s.principals } : {}),
        Action: s.actions.length === 1 ? s.actions[0] : s.actions,
        ...(s.resources ? { Resource: s.resources.length === 1 ? s.resources[0] : s.resources } : {}),
        ...(s.conditions ? { Condition: s.conditions } : {}),
      })),
    };
  }

  /**
   * The length IAM counts (JSON without whitespace), with each unresolved reference counted as a
   * 128-character ARN, an upper bound for the ARNs policies here refer to.
   */
  estimatedLength(): number {
    return JSON.stringify(this.toObject()).replace(/\$\{TfToken\[[^\]]+\]\}/g, "x".repeat(128)).length;
  }

  /** The JSON, produced when the stack synthesizes. */
  toJson(): string {
    return Lazy.stringValue({ produce: () => JSON.stringify(this.toObject()) });
  }
}
