// An IAM role that exactly one CI job kind can assume with its OIDC token: a deployer (one repository's jobs in one
// GitHub environment) or a planner (that repository's pull request jobs), each with an inline policy.
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import { inlinePolicySizeCheck, PolicyDocument, PolicyStatement } from "./policy-document";
import { SECRET_READ_ACTIONS } from "./deployer-permissions";
import { AccountRegion, viaService } from "./arns";
import { TAGS } from "../../config/tags";


export interface PipelineRoleProps {
  readonly roleName: string;
  /** IAM path, e.g. /secrets-platform-ci/. @default "/" */
  readonly path?: string;
  /** The IAM OIDC provider of the CI's issuer. */
  readonly oidcProviderArn: string;
  /** The issuer without https://, the prefix of its condition keys (token.actions.githubusercontent.com). */
  readonly issuerHost: string;
  /** The one token subject trusted, e.g. repo:acme/platform:environment:prod. */
  readonly subject: string;
  /**
   * Further exact subjects trusted besides subject (a planner's plan job on main), each under the same StringEquals.
   * @default - none
   */
  readonly additionalSubjects?: readonly string[];
  /** The token audience, e.g. sts.amazonaws.com. */
  readonly audience: string;
  /** deployer or planner; a planner is denied secret values whatever else it is granted. */
  readonly kind: "deployer" | "planner";
  /** For the planner's deny of decryption through Secrets Manager. */
  readonly account: AccountRegion;
  readonly description: string;
  /** @default - no tags beyond the provider's default tags */
  readonly tags?: Record<string, string>;
}

export class PipelineRole extends Construct {
  readonly role: IamRole;
  readonly policy: PolicyDocument;
  readonly roleName: string;
  readonly subject: string;
  readonly arn: string;

  constructor(scope: Construct, id: string, props: PipelineRoleProps) {
    super(scope, id);
    const subjects = [props.subject, ...(props.additionalSubjects ?? [])];
    for (const s of subjects) if (/[*?]/.test(s)) throw new Error(`${this.node.path}: subject ${s} has a wildcard; trust exact subjects`);
    this.roleName = props.roleName;
    this.subject = props.subject;
    // AssumeRoleWithWebIdentity with <issuer>:sub and <issuer>:aud under StringEquals: the condition keys IAM
    // offers for OIDC federation (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif).
    const trust = new PolicyDocument([
      {
        sid: "OneCiSubject",
        principals: { Federated: [props.oidcProviderArn] },
        actions: ["sts:AssumeRoleWithWebIdentity"],
        conditions: {
          StringEquals: {
            // A list under StringEquals matches any of its values, each exactly (IAM "Multivalued context keys" /
            // "condition with multiple values": https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
            [`${props.issuerHost}:sub`]: subjects.length === 1 ? props.subject : subjects,
            [`${props.issuerHost}:aud`]: props.audience,
          },
        },
      },
    ]);
    this.role = new IamRole(this, "role", {
      name: props.roleName,
      path: props.path,
      description: props.description.slice(0, 1000),
      assumeRolePolicy: trust.toJson(),
      // A job's credentials last one hour at most; a deploy that needs longer should be split.
      maxSessionDuration: 3600,
      // What the role is for; guardrail SP-CI-002 finds planners by it.
      tags: { ...props.tags, [TAGS.awsPipelineRole]: props.kind },
    });
    this.arn = this.role.arn;
    this.policy = new PolicyDocument();
    if (props.kind === "planner") {
      // Explicit denies win over any allow, including one added by hand later.
      this.policy.addStatements(
        { sid: "NeverReadSecretValues", effect: "Deny", actions: SECRET_READ_ACTIONS, resources: ["*"] },
        {
          sid: "NeverDecryptThroughSecretsManager",
          effect: "Deny",
          actions: ["kms:Decrypt"],
          resources: ["*"],
          conditions: { StringEquals: { "kms:ViaService": viaService(props.account, "secretsmanager") } },
        },
      );
    }
    new IamRolePolicy(this, "permissions", { name: props.kind, role: this.role.id, policy: this.policy.toJson() });
    this.node.addValidation(inlinePolicySizeCheck(props.roleName, this.policy, "keep the environment's state in fewer buckets, or give a same-account namesake environment (<env>-<x>) its own account"));
  }

  addToPolicy(statement: PolicyStatement): void {
    this.policy.addStatements(statement);
  }
}
