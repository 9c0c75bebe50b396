// The IAM OIDC provider of a Kubernetes cluster's service account issuer, for IRSA outside EKS (EKS creates its own).
import { IamOpenidConnectProvider } from "@cdktf/provider-aws/lib/iam-openid-connect-provider";
import { Construct } from "constructs";

/** The audience the pod identity webhook requests in projected tokens, and IRSA roles require. */
export const STS_AUDIENCE = "sts.amazonaws.com";

export interface ClusterOidcProviderProps {
  /** The issuer exactly as the tokens' iss claim says it (AKS's ends with a slash). */
  readonly issuerUrl: string;
  /** @default - none */
  readonly tags?: Record<string, string>;
}

/**
 * IAM trusts tokens of this issuer for the audience sts.amazonaws.com only. No thumbprint is pinned: IAM's
 * CreateOpenIDConnectProvider makes ThumbprintList optional and then verifies the issuer's JWKS endpoint against its
 * library of trusted root CAs (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateOpenIDConnectProvider.html);
 * provider 5.100.0 has thumbprint_list Optional (registry.terraform.io/providers/hashicorp/aws/5.100.0/docs/resources/
 * iam_openid_connect_provider). The issuer's discovery document and keys must be publicly reachable over HTTPS, as
 * AKS's issuer is; a self-managed cluster publishes them (e.g. to S3) first (aws/amazon-eks-pod-identity-webhook,
 * SELF_HOSTED_SETUP.md).
 */
export class ClusterOidcProvider extends Construct {
  readonly provider: IamOpenidConnectProvider;

  constructor(scope: Construct, id: string, props: ClusterOidcProviderProps) {
    super(scope, id);
    if (!props.issuerUrl.startsWith("https://")) throw new Error(`${this.node.path}: issuerUrl must be an https:// URL (got ${props.issuerUrl})`);
    this.provider = new IamOpenidConnectProvider(this, "provider", {
      url: props.issuerUrl,
      // client_id_list is the aud IAM accepts (IAM User Guide, "Create an OpenID Connect (OIDC) identity provider in IAM").
      clientIdList: [STS_AUDIENCE],
      tags: props.tags,
    });
  }

  get arn(): string {
    return this.provider.arn;
  }
}
