import type { ResourceRule, SynthesizedResource, SynthesizedStack } from "../../rule";
import { blocks, references } from "../../../readers/synthesized";
import { list } from "./iam-statements";

/** Where a security group admits traffic from: CIDR blocks and prefix lists ("network"), or other security groups. */
function ingressSources(sg: SynthesizedResource, stack: SynthesizedStack): { networks: string[]; groups: string[] } {
  const networks: string[] = [];
  const groups: string[] = [];
  const isThisGroup = (v: unknown) => references(v).some((r) => r.address === sg.address);
  const take = (rule: Record<string, any>) => {
    for (const key of ["cidr_ipv4", "cidr_ipv6", "prefix_list_id"]) if (typeof rule[key] === "string") networks.push(rule[key]);
    for (const key of ["cidr_blocks", "ipv6_cidr_blocks", "prefix_list_ids"]) networks.push(...list(rule[key]));
    if (typeof rule.referenced_security_group_id === "string") groups.push(rule.referenced_security_group_id);
    if (typeof rule.source_security_group_id === "string") groups.push(rule.source_security_group_id);
    groups.push(...list(rule.security_groups));
    if (rule.self === true) groups.push(`${sg.address} (self)`);
  };
  blocks(sg.attributes.ingress).forEach(take);
  stack.ofType("aws_vpc_security_group_ingress_rule").filter((r) => isThisGroup(r.attributes.security_group_id)).forEach((r) => take(r.attributes));
  stack.ofType("aws_security_group_rule").filter((r) => r.attributes.type === "ingress" && isThisGroup(r.attributes.security_group_id)).forEach((r) => take(r.attributes));
  return { networks, groups };
}

/** The security groups of every Lambda function in a VPC, as written in the stack. */
function functionSecurityGroups(stack: SynthesizedStack): Set<string> {
  return new Set(stack.ofType("aws_lambda_function").flatMap((f) => blocks(f.attributes.vpc_config).flatMap((c) => list(c.security_group_ids))));
}

const isInterfaceWithPrivateDns = (ep: SynthesizedResource) => ep.attributes.vpc_endpoint_type === "Interface" && ep.attributes.private_dns_enabled === true;

export const privateDnsEndpointForFunctionsOnly: ResourceRule = {
  id: "SP-AWS-009",
  name: "Private-DNS interface endpoint that admits only the Lambda functions",
  reason: "With private DNS the service's regional name resolves to the endpoint for the whole VPC, so every other client (IRSA pods included) is sent to an endpoint its security group refuses, and times out.",
  fix: "Admit HTTPS from the VPC's CIDR blocks or the clients' security groups as well (aws.network.vpcCidrBlocks or endpointClientSecurityGroupIds with secretsManagerEndpoint: create), or use the VPC's existing endpoint (secretsManagerEndpoint: existing).",
  appliesTo: ["aws_vpc_endpoint"],
  check(ep, { stack }) {
    if (!isInterfaceWithPrivateDns(ep)) return [];
    const ownGroups = list(ep.attributes.security_group_ids)
      .map((id) => stack.referenced(id))
      .filter((g): g is SynthesizedResource => g?.type === "aws_security_group");
    // Groups made elsewhere cannot be read here; the rule speaks only about what the stack itself decides.
    if (ownGroups.length === 0 || ownGroups.length !== list(ep.attributes.security_group_ids).length) return [];
    const sources = ownGroups.map((g) => ingressSources(g, stack));
    const networks = sources.flatMap((s) => s.networks);
    const groups = sources.flatMap((s) => s.groups);
    if (networks.length > 0) return [];
    const functions = functionSecurityGroups(stack);
    const others = groups.filter((g) => !functions.has(g));
    if (others.length > 0) return [];
    return [
      groups.length === 0
        ? `private DNS is on for ${ep.attributes.service_name}, and the endpoint's security groups admit nobody`
        : `private DNS is on for ${ep.attributes.service_name}, and the endpoint admits only the Lambda functions' security groups (${[...new Set(groups)].join(", ")})`,
    ];
  },
};
