// A user-assigned managed identity that CI jobs become with their OIDC tokens: Entra ID exchanges a token for the
// identity's access token only when issuer, subject and audience equal the federated credential's exactly
// (https://learn.microsoft.com/entra/workload-id/workload-identity-federation: "the issuer, subject and audience
// values ... must match exactly"; no wildcard matching exists for these fields).
import { Construct } from "constructs";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import type { IAzurePrincipal } from "./principal";
import { AZURE_AD_TOKEN_EXCHANGE } from "./workload-identity";
import { TAGS } from "../../config/tags";


export interface PipelineIdentityProps {
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The CI's issuer, e.g. https://token.actions.githubusercontent.com. */
  readonly issuer: string;
  /** The one subject trusted, e.g. repo:acme/platform:environment:prod. */
  readonly subject: string;
  readonly kind: "deployer" | "planner";
  /**
   * Further exact subjects, one federated credential each (Entra ID matches one subject per credential).
   * @default - none
   */
  readonly additionalSubjects?: readonly { readonly credentialName: string; readonly subject: string }[];
  /** @default AZURE_AD_TOKEN_EXCHANGE */
  readonly audience?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

export class PipelineIdentity extends Construct implements IAzurePrincipal {
  readonly identity: UserAssignedIdentity;
  readonly federatedCredential: FederatedIdentityCredential;
  readonly additionalCredentials: FederatedIdentityCredential[] = [];
  readonly principalType = "ServicePrincipal" as const;
  readonly subject: string;

  constructor(scope: Construct, id: string, props: PipelineIdentityProps) {
    super(scope, id);
    if (/[*?]/.test(props.subject)) throw new Error(`${this.node.path}: subject ${props.subject} has a wildcard; trust exactly one subject`);
    this.subject = props.subject;
    this.identity = new UserAssignedIdentity(this, "identity", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      // What the identity is for; guardrail SP-CI-002 finds planners by it.
      tags: { ...props.tags, [TAGS.azurePipelineRole]: props.kind },
    });
    this.federatedCredential = new FederatedIdentityCredential(this, "federated-credential", {
      name: props.kind === "deployer" ? "ci-deploy" : "ci-pull-request",
      resourceGroupName: props.resourceGroupName,
      parentId: this.identity.id,
      issuer: props.issuer,
      subject: props.subject,
      audience: [props.audience ?? AZURE_AD_TOKEN_EXCHANGE],
    });
    for (const extra of props.additionalSubjects ?? []) {
      if (/[*?]/.test(extra.subject)) throw new Error(`${this.node.path}: subject ${extra.subject} has a wildcard; trust exact subjects`);
      this.additionalCredentials.push(
        new FederatedIdentityCredential(this, `federated-credential-${extra.credentialName}`, {
          name: extra.credentialName,
          resourceGroupName: props.resourceGroupName,
          parentId: this.identity.id,
          issuer: props.issuer,
          subject: extra.subject,
          audience: [props.audience ?? AZURE_AD_TOKEN_EXCHANGE],
        }),
      );
    }
  }

  get principalId(): string {
    return this.identity.principalId;
  }

  /** What azure/login takes as client-id. */
  get clientId(): string {
    return this.identity.clientId;
  }
}
