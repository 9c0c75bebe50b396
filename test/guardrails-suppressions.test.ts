// Suppressions: a rule id and a written reason on a construct accept that rule's findings on it and below it;
// every suppression is listed (in the report, in the review, as annotations). A missing or short reason, or an
// unknown rule id, is itself an error and suppresses nothing.
import { guardrailReport, MIN_REASON_LENGTH, suppress } from "../constructs/guardrails";
import type { AwsSecretsStack } from "../stacks/aws-stack";
import { buildReview } from "../scripts/review/build";
import { renderMarkdown } from "../scripts/review/markdown";
import { errorsOf, freshStack, synthAnnotations } from "./guardrails-helpers";
import { Testing } from "cdktf";

const REASON = "Lists secret names for the rotation dashboard; ListSecrets has no resource-level permission";

/** The prod AWS stack of the example with one SP-AWS-001 finding on the jwt rotation function. */
function brokenStack(): AwsSecretsStack {
  const stack = freshStack<AwsSecretsStack>("aws", "prod");
  stack.rotationFunctions.get("jwt")!.addToPolicy({ sid: "ListForDashboard", actions: ["secretsmanager:ListSecrets"], resources: ["*"] });
  return stack;
}

describe("a suppression with a written reason", () => {
  const stack = brokenStack();
  suppress(stack.rotationFunctions.get("jwt")!, "SP-AWS-001", REASON);
  const report = guardrailReport(stack)!;

  it("accepts the finding on a construct below the one it is on, so synth passes", () => {
    expect(errorsOf(stack)).toEqual([]);
    expect(report.findings).toEqual([]);
  });

  it("is listed with the finding it accepts", () => {
    expect(report.suppressions).toEqual([{ path: "aws-prod/rotation-jwt", ruleId: "SP-AWS-001", reason: REASON, problem: undefined, matched: 1 }]);
    expect(report.suppressed).toHaveLength(1);
    expect(report.suppressed[0]).toMatchObject({
      ruleId: "SP-AWS-001",
      path: "aws-prod/rotation-jwt/permissions",
      suppressedAt: "aws-prod/rotation-jwt",
      suppressionReason: REASON,
    });
  });

  it("shows at synth as one summary line, and with SECRETS_PLATFORM_VERBOSE=1 as an info annotation on the resource", () => {
    expect(synthAnnotations(stack).filter((a) => a.level === "info")).toEqual([
      expect.objectContaining({ path: "aws-prod", message: expect.stringMatching(/^guardrails: 1 finding suppressed with a written reason in aws-prod \(1\); npm run review lists them/) }),
    ]);
    process.env.SECRETS_PLATFORM_VERBOSE = "1";
    try {
      const verbose = brokenStack();
      suppress(verbose.rotationFunctions.get("jwt")!, "SP-AWS-001", REASON);
      expect(synthAnnotations(verbose).filter((a) => a.level === "info")).toEqual([
        expect.objectContaining({ path: "aws-prod/rotation-jwt/permissions", ruleId: "SP-AWS-001", message: `[SP-AWS-001] suppressed at aws-prod/rotation-jwt: ${REASON}` }),
      ]);
    } finally {
      delete process.env.SECRETS_PLATFORM_VERBOSE;
    }
  });

  it("is listed in the review, with its reason", () => {
    const json = JSON.parse(Testing.synth(stack));
    const markdown = renderMarkdown(buildReview({ environment: "prod", production: true, stacks: [{ name: "aws-prod", backend: "aws", json }], guardrails: [report] }));
    expect(markdown).toContain(`| SP-AWS-001 | \`aws-prod/rotation-jwt\` | ${REASON} | 1 | accepted |`);
    expect(markdown).toContain("**Guardrails: passed.**");
  });
});

describe("suppressions that are rejected", () => {
  it("without a reason: the finding stays and SP-GR-001 fires on the suppressing construct", () => {
    const stack = brokenStack();
    suppress(stack.rotationFunctions.get("jwt")!, "SP-AWS-001", "");
    expect(errorsOf(stack)).toEqual([
      ["SP-AWS-001", "aws-prod/rotation-jwt/permissions"],
      ["SP-GR-001", "aws-prod/rotation-jwt"],
    ]);
    expect(guardrailReport(stack)!.suppressions[0].problem).toBe("suppression of SP-AWS-001 has no reason");
  });

  it(`with a reason shorter than ${MIN_REASON_LENGTH} characters`, () => {
    const stack = brokenStack();
    suppress(stack.rotationFunctions.get("jwt")!, "SP-AWS-001", "  needed  ");
    expect(errorsOf(stack)).toEqual([
      ["SP-AWS-001", "aws-prod/rotation-jwt/permissions"],
      ["SP-GR-001", "aws-prod/rotation-jwt"],
    ]);
    expect(guardrailReport(stack)!.suppressions[0].problem).toContain('the reason "needed", shorter than 20 characters');
  });

  it("naming a rule that does not exist: SP-GR-002", () => {
    const stack = brokenStack();
    suppress(stack.rotationFunctions.get("jwt")!, "SP-AWS-01", REASON);
    expect(errorsOf(stack)).toEqual([
      ["SP-AWS-001", "aws-prod/rotation-jwt/permissions"],
      ["SP-GR-002", "aws-prod/rotation-jwt"],
    ]);
  });

  it("on a sibling construct: it does not reach the finding", () => {
    const stack = brokenStack();
    suppress(stack.rotationFunctions.get("postgres-single-user")!, "SP-AWS-001", REASON);
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/rotation-jwt/permissions"]]);
  });

  it("for another rule: it does not reach the finding", () => {
    const stack = brokenStack();
    suppress(stack.rotationFunctions.get("jwt")!, "SP-AWS-007", REASON);
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/rotation-jwt/permissions"]]);
  });
});

it("an unused suppression is a warning and is listed as unused", () => {
  const stack = freshStack<AwsSecretsStack>("aws", "prod");
  suppress(stack.key, "SP-AWS-005", "Kept while the key policy is being migrated to a new principal");
  const annotations = synthAnnotations(stack);
  expect(annotations.filter((a) => a.level === "error")).toEqual([]);
  expect(annotations.filter((a) => a.level === "warning")).toEqual([
    expect.objectContaining({ path: "aws-prod/environment-key", ruleId: "SP-AWS-005", message: "[SP-AWS-005] suppression matches no finding here; remove it" }),
  ]);
  expect(guardrailReport(stack)!.suppressions).toEqual([expect.objectContaining({ matched: 0, problem: undefined })]);
});

it("a suppression on the stack covers the stack-level finding (SP-VLT-006)", () => {
  const stack = freshStack("vault", "prod");
  stack.node.tryRemoveChild("audit");
  expect(errorsOf(stack)).toEqual([["SP-VLT-006", "vault-prod"]]);
  const accepted = freshStack("vault", "prod");
  accepted.node.tryRemoveChild("audit");
  suppress(accepted, "SP-VLT-006", "Audit devices of this cluster are managed by the Vault operators' own stack");
  expect(errorsOf(accepted)).toEqual([]);
});
