// An interface endpoint so functions in private subnets reach Secrets Manager without a NAT.
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { Construct } from "constructs";

export interface SecretsManagerEndpointProps {
  /** Names the endpoint's security group. */
  readonly name: string;
  readonly region: string;
  readonly vpcId: string;
  readonly subnetIds: readonly string[];
  /** Security groups whose members may call the endpoint on 443. */
  readonly clientSecurityGroupIds: readonly string[];
  /** @default - none */
  readonly tags?: Record<string, string>;
}

export class SecretsManagerEndpoint extends Construct {
  readonly endpoint: VpcEndpoint;
  readonly securityGroup: SecurityGroup;

  constructor(scope: Construct, id: string, props: SecretsManagerEndpointProps) {
    super(scope, id);
    this.securityGroup = new SecurityGroup(this, "security-group", {
      name: props.name,
      description: "HTTPS to the Secrets Manager endpoint from rotation functions only",
      vpcId: props.vpcId,
      tags: props.tags,
    });
    props.clientSecurityGroupIds.forEach((sg, i) => {
      new VpcSecurityGroupIngressRule(this, `https-from-${i}`, {
        securityGroupId: this.securityGroup.id,
        description: `HTTPS from ${sg}`,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        referencedSecurityGroupId: sg,
      });
    });
    this.endpoint = new VpcEndpoint(this, "endpoint", {
      vpcId: props.vpcId,
      serviceName: `com.amazonaws.${props.region}.secretsmanager`,
      vpcEndpointType: "Interface",
      subnetIds: [...props.subnetIds],
      securityGroupIds: [this.securityGroup.id],
      privateDnsEnabled: true,
      tags: props.tags,
    });
  }
}
