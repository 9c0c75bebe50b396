// A user-assigned managed identity that one Kubernetes service account becomes through AKS workload identity.
import { Construct } from "constructs";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import type { IAzurePrincipal } from "./principal";

/** The audience Entra ID expects in projected service account tokens. */
export const AZURE_AD_TOKEN_EXCHANGE = "api://AzureADTokenExchange";

export interface WorkloadIdentityProps {
  /** Name of the managed identity. */
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** The cluster's OIDC issuer URL, exactly as it appears in the tokens' iss claim (AKS's ends with a slash). */
  readonly oidcIssuerUrl: string;
  readonly namespace: string;
  readonly serviceAccount: string;
  /** @default AZURE_AD_TOKEN_EXCHANGE */
  readonly audience?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/**
 * Only pods running as system:serviceaccount:<namespace>:<serviceAccount> in the cluster of the issuer can obtain
 * this identity's tokens; it holds no role until one is granted (e.g. `KeyVaultSecret.grantRead`).
 */
export class WorkloadIdentity extends Construct implements IAzurePrincipal {
  readonly identity: UserAssignedIdentity;
  readonly federatedCredential: FederatedIdentityCredential;
  readonly principalType = "ServicePrincipal" as const;

  constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    if (!props.oidcIssuerUrl.startsWith("https://")) {
      throw new Error(`${this.node.path}: oidcIssuerUrl must be an https:// URL (got ${props.oidcIssuerUrl})`);
    }
    this.identity = new UserAssignedIdentity(this, "identity", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      tags: props.tags,
    });
    this.federatedCredential = new FederatedIdentityCredential(this, "federated-credential", {
      // Credential names allow letters, digits, dashes and underscores only.
      name: `${props.namespace}-${props.serviceAccount}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 120),
      resourceGroupName: props.resourceGroupName,
      parentId: this.identity.id,
      issuer: props.oidcIssuerUrl,
      subject: `system:serviceaccount:${props.namespace}:${props.serviceAccount}`,
      audience: [props.audience ?? AZURE_AD_TOKEN_EXCHANGE],
    });
  }

  get principalId(): string {
    return this.identity.principalId;
  }

  /** What the service account's azure.workload.identity/client-id annotation names. */
  get clientId(): string {
    return this.identity.clientId;
  }
}
