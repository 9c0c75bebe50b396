// An interface endpoint so functions in private subnets reach Secrets Manager without a NAT. With private DNS on,
// the regional name secretsmanager.<region>.amazonaws.com resolves to this endpoint for the whole VPC (EC2
// CreateVpcEndpoint, PrivateDnsEnabled), so every client there goes through it: it admits them all, not only the
// rotation functions, or every IRSA pod in the VPC times out on Secrets Manager.
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";

export interface SecretsManagerEndpointProps {
  /** Names the endpoint's security group. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** Security groups of the rotation functions, admitted on 443. */
  readonly functionSecurityGroupIds: readonly string[];
  /**
   * The VPC's CIDR blocks, admitted on 443: every client of the VPC. Give this or clientSecurityGroupIds.
   * @default - none
   */
  readonly clientCidrBlocks?: readonly string[];
  /**
   * Security groups of the other clients in the VPC (EKS nodes or pods), admitted on 443.
   * @default - none
   */
  readonly clientSecurityGroupIds?: readonly string[];
  /** @default - none */
  readonly tags?: Record<string, string>;
}

export class SecretsManagerEndpoint extends Construct {
  readonly endpoint: VpcEndpoint;
  readonly securityGroup: SecurityGroup;
  readonly ingressRules: readonly VpcSecurityGroupIngressRule[];

  constructor(scope: Construct, id: string, props: SecretsManagerEndpointProps) {
    super(scope, id);
    const cidrs = props.clientCidrBlocks ?? [];
    const clients = props.clientSecurityGroupIds ?? [];
    if (cidrs.length === 0 && clients.length === 0) {
      throw new Error(
        `${this.node.path}: with private DNS the endpoint answers for every client of ${props.vpcId}; give clientCidrBlocks (the VPC's CIDR blocks) or clientSecurityGroupIds, not only the functions' security groups`,
      );
    }
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: "HTTPS to the Secrets Manager endpoint from the VPC's clients and the rotation functions",
      vpcId: props.vpcId,
      tags: props.tags,
    });
    const https = (ruleId: string, description: string, source: { cidrIpv4?: string; referencedSecurityGroupId?: string }) =>
      new VpcSecurityGroupIngressRule(this, ruleId, {
        securityGroupId: this.securityGroup.id,
        description,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        ...source,
      });
    const sources = [...new Set([...props.functionSecurityGroupIds, ...clients])];
    this.ingressRules = [
      ...sources.map((sg, i) => https(`https-from-${i}`, `HTTPS from ${sg}`, { referencedSecurityGroupId: sg })),
      ...cidrs.map((cidr, i) => https(`https-from-cidr-${i}`, `HTTPS from ${cidr}`, { cidrIpv4: cidr })),
    ];
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.secretsmanager`,
      vpcEndpointType: "Interface",
      subnetIds: [...props.subnetIds],
      securityGroupIds: [this.securityGroup.id],
      // Clients keep calling the regional name; no SDK needs an endpoint override.
      privateDnsEnabled: true,
      tags: props.tags,
    });
  }

  /** The endpoint and its ingress rules: what a function needs before its first call to Secrets Manager. */
  get dependables(): ITerraformDependable[] {
    return [this.endpoint, ...this.ingressRules];
  }
}
