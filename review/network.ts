// Network exposure: how each backend is reached. Key Vault's public access, firewall and private endpoints;
// rotation functions' VPC placement and the Secrets Manager endpoint; the Vault and Kubernetes addresses.
import { readIamPolicy } from "../readers/iam-policy";
import { privateDnsEndpointForFunctionsOnly } from "../guardrails/rules/aws";
import type { SynthesizedStack } from "../guardrails/rule";
import { asList, blocks, fromJson, references } from "../readers/synthesized";
import type { ExposureRow, ReviewedStack } from "./model";

export function networkExposure(stacks: readonly ReviewedStack[]): ExposureRow[] {
  const rows: ExposureRow[] = [];
  // One endpoint per VPC: the first stack group's stack creates it for every group (stacks/aws-stack.ts).
  const endpointStack = stacks.find((s) => s.backend === "aws" && secretsManagerEndpoints(fromJson(s.json, s.name)).length > 0)?.name;
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    if (s.backend === "aws") rows.push(...awsExposure(view, endpointStack));
    if (s.backend === "vault") rows.push(...vaultExposure(view, s.json.provider ?? {}));
    if (s.backend === "azure") rows.push(...azureExposure(view));
  }
  return rows;
}

/** A resource policy with a Deny on aws:SecureTransport = false. */
function deniesPlainText(view: SynthesizedStack, policy: unknown): boolean {
  const read = readIamPolicy(policy, view);
  return !("error" in read) && read.statements.some((s) => s.effect === "Deny" && (s.conditions.Bool?.["aws:SecureTransport"] ?? []).includes("false"));
}

const list = (v: unknown) => asList(v as any).map(String).join(", ");

const secretsManagerEndpoints = (view: SynthesizedStack) =>
  view.ofType("aws_vpc_endpoint").filter((ep) => /\.secretsmanager$/.test(String(ep.attributes.service_name)));

function awsExposure(view: SynthesizedStack, endpointStack: string | undefined): ExposureRow[] {
  const rows: ExposureRow[] = [];
  for (const fn of view.ofType("aws_lambda_function")) {
    const vpc = blocks(fn.attributes.vpc_config)[0];
    rows.push({
      backend: "aws",
      resource: `Lambda ${fn.attributes.function_name}`,
      exposure: vpc
        ? `in VPC subnets ${list(vpc.subnet_ids)}, security groups ${list(vpc.security_group_ids)}`
        : "no VPC: runs in Lambda's network and calls Secrets Manager's public endpoint over TLS",
      flagged: false,
    });
  }
  const endpoints = view.ofType("aws_vpc_endpoint");
  for (const ep of endpoints) {
    const ingress = view
      .ofType("aws_vpc_security_group_ingress_rule")
      .filter((r) => asList(ep.attributes.security_group_ids).includes(r.attributes.security_group_id))
      .map((r) => `${r.attributes.ip_protocol}/${r.attributes.from_port} from ${r.attributes.referenced_security_group_id ?? r.attributes.cidr_ipv4 ?? "?"}`);
    const open = ingress.some((i) => i.endsWith(" from 0.0.0.0/0"));
    // With private DNS the regional name resolves to this endpoint for the whole VPC (SP-AWS-009).
    const functionsOnly = privateDnsEndpointForFunctionsOnly.check(ep, { production: false, stack: view }).length > 0;
    rows.push({
      backend: "aws",
      resource: `VPC endpoint ${ep.attributes.service_name}`,
      exposure:
        `${ep.attributes.vpc_endpoint_type ?? "Gateway"} endpoint in ${ep.attributes.vpc_id}, subnets ${list(ep.attributes.subnet_ids)}, ` +
        `${ep.attributes.private_dns_enabled ? "private DNS on: every client of the VPC reaches the service through it" : "private DNS off"}` +
        `${ingress.length ? `, ingress ${ingress.join("; ")}` : ", no ingress"}` +
        `${functionsOnly ? "; admits only the rotation functions, so every other client in the VPC times out" : ""}`,
      flagged: open || functionsOnly,
      flag: functionsOnly && !open ? "broken" : undefined,
    });
  }
  const inVpc = view.ofType("aws_lambda_function").filter((f) => blocks(f.attributes.vpc_config).length > 0);
  if (inVpc.length > 0 && secretsManagerEndpoints(view).length === 0) {
    rows.push({
      backend: "aws",
      resource: "Secrets Manager from the VPC",
      exposure: endpointStack
        ? `through the interface endpoint that ${endpointStack} creates (secretsManagerEndpoint: create); ${endpointStack} is deployed first`
        : "through the VPC's existing endpoint or a NAT, neither managed here (secretsManagerEndpoint: existing or none)",
      flagged: false,
    });
  }
  const policies = view.ofType("aws_secretsmanager_secret_policy");
  const unblocked = policies.filter((p) => p.attributes.block_public_policy !== true);
  const withoutTls = policies.filter((p) => !deniesPlainText(view, p.attributes.policy));
  if (policies.length > 0) {
    rows.push({
      backend: "aws",
      resource: `Secret resource policies (${policies.length})`,
      exposure: [
        unblocked.length === 0 ? "block_public_policy on every secret" : `block_public_policy off on ${unblocked.map((p) => p.path).join(", ")}`,
        withoutTls.length === 0 ? "requests without TLS denied" : `requests without TLS not denied on ${withoutTls.map((p) => p.path).join(", ")}`,
      ].join("; "),
      flagged: unblocked.length > 0 || withoutTls.length > 0,
    });
  }
  return rows;
}

function vaultExposure(view: SynthesizedStack, providers: Record<string, any[]>): ExposureRow[] {
  const rows: ExposureRow[] = [];
  for (const p of asList(providers.vault)) {
    const address = String(p.address ?? "from VAULT_ADDR");
    rows.push({
      backend: "vault",
      resource: `Vault${p.alias ? ` (provider ${p.alias})` : ""}`,
      exposure: `${address}${p.namespace ? `, namespace ${p.namespace}` : ""}`,
      flagged: address.startsWith("http://"),
    });
  }
  for (const c of view.ofType("vault_kubernetes_auth_backend_config")) {
    const host = String(c.attributes.kubernetes_host);
    // Without the cluster's CA (and with disable_local_ca_jwt) Vault trusts only its system CAs: logins fail (SP-VLT-007).
    const ca = typeof c.attributes.kubernetes_ca_cert === "string" && c.attributes.kubernetes_ca_cert.trim() !== "";
    const localCa = c.attributes.disable_local_ca_jwt === false;
    rows.push({
      backend: "vault",
      resource: "Kubernetes API (token review)",
      exposure: `${host}${ca ? ", cluster CA pinned" : localCa ? ", CA from Vault's own pod (Vault must run in this cluster)" : ", no cluster CA: Vault checks the API server against its system trust store, and every Kubernetes login fails"}`,
      flagged: host.startsWith("http://") || (!ca && !localCa),
      flag: !host.startsWith("http://") && !ca && !localCa ? "broken" : undefined,
    });
  }
  for (const r of view.ofType("vault_approle_auth_backend_role")) {
    const cidrs = asList(r.attributes.secret_id_bound_cidrs);
    const uses = r.attributes.secret_id_num_uses;
    rows.push({
      backend: "vault",
      resource: `AppRole ${r.attributes.role_name}`,
      exposure: `${cidrs.length ? `login only from ${list(cidrs)}` : "login from any address"}; secret ids ${typeof uses === "number" && uses > 0 ? `log in ${uses === 1 ? "once" : `${uses} times`}` : "log in any number of times"}, expire after ${r.attributes.secret_id_ttl ?? "never"}s`,
      flagged: cidrs.length === 0 || !(typeof uses === "number" && uses > 0),
    });
  }
  return rows;
}

function azureExposure(view: SynthesizedStack): ExposureRow[] {
  const rows: ExposureRow[] = [];
  for (const kv of view.ofType("azurerm_key_vault")) {
    const acl = blocks(kv.attributes.network_acls)[0];
    const publicAccess = kv.attributes.public_network_access_enabled !== false;
    rows.push({
      backend: "azure",
      resource: `Key Vault ${kv.attributes.name}`,
      exposure: [
        `public network access ${publicAccess ? "enabled" : "disabled"}`,
        acl ? `firewall default ${acl.default_action} (bypass ${acl.bypass ?? "none"}, ${asList(acl.ip_rules).length} IP rules, ${asList(acl.virtual_network_subnet_ids).length} subnets)` : "no firewall rules (Azure allows every network)",
        `RBAC ${kv.attributes.rbac_authorization_enabled ?? kv.attributes.enable_rbac_authorization ? "on" : "off"}`,
      ].join("; "),
      flagged: publicAccess || !acl || acl.default_action !== "Deny",
    });
    for (const pe of view.ofType("azurerm_private_endpoint")) {
      const connection = blocks(pe.attributes.private_service_connection)[0];
      if (!connection || !references(connection.private_connection_resource_id).some((r) => r.address === kv.address)) continue;
      const zones = blocks(pe.attributes.private_dns_zone_group).flatMap((g) => asList(g.private_dns_zone_ids));
      const zoneNames = zones.map((z: unknown) => view.referenced(z)?.attributes.name ?? z);
      rows.push({
        backend: "azure",
        resource: `Private endpoint ${pe.attributes.name}`,
        exposure: `to ${kv.attributes.name} (${list(connection.subresource_names)}) in subnet ${pe.attributes.subnet_id}; DNS ${zoneNames.join(", ") || "none"}`,
        flagged: false,
      });
    }
  }
  return rows;
}
