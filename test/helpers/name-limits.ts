// What the property tests of names at the schema's edges check on each synthesized stack (test/names-at-edges*.test.ts):
// no error annotation (guardrail finding or other) and every name within its provider's documented limit.
import { AnnotationMetadataEntryType, TerraformStack } from "cdktf";
import type { StackJson } from "./synth";

/** Error annotations (guardrail findings and any other error) left on a stack's constructs by its synthesis. */
export function errorsOf(stack: TerraformStack): string[] {
  return stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.ERROR).map((m) => `${c.node.path}: ${String(m.data)}`));
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

type NameRule = { what: string; max: number; pattern?: RegExp; doc: string };

/**
 * Provider limits of the names the stacks build, by resource type and attribute. Each from the service's own reference:
 * - Secrets Manager CreateSecret, Name: 1-512 characters of ASCII letters, digits and /_+=.@-
 *   (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html);
 * - IAM CreateRole, RoleName: 1-64 of [\w+=,.@-]; Path: 1-512, / at both ends
 *   (https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html); CreatePolicy, PolicyName: 1-128;
 * - Lambda CreateFunction, FunctionName: 64 characters for a bare name
 *   (https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html);
 * - KMS CreateAlias, AliasName: 1-256, alias/ then [a-zA-Z0-9/_-]
 *   (https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html);
 * - CloudWatch Logs log group names 1-512 (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html),
 *   alarm names 1-255 (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html);
 * - Azure: Key Vault secrets 1-127 of [0-9a-zA-Z-], vaults 3-24, user-assigned identities 3-128, federated identity
 *   credentials 3-120 (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules);
 * - Kubernetes: object names are DNS subdomains of at most 253 characters, namespaces DNS labels of at most 63, label
 *   values at most 63 (https://kubernetes.io/docs/concepts/overview/working-with-objects/names/,
 *   https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set);
 * - Vault: a policy or role name is one segment of an API path (sys/policies/acl/:name, auth/<path>/role/:name,
 *   <mount>/roles/:name), so no "/" and no whitespace (https://developer.hashicorp.com/vault/api-docs/system/policies-acl).
 */
const RULES: Record<string, Record<string, NameRule>> = {
  aws_secretsmanager_secret: { name: { what: "Secrets Manager secret name", max: 512, pattern: /^[A-Za-z0-9/_+=.@-]+$/, doc: "API_CreateSecret" } },
  aws_iam_role: {
    name: { what: "IAM role name", max: 64, pattern: /^[\w+=,.@-]+$/, doc: "API_CreateRole" },
    path: { what: "IAM role path", max: 512, pattern: /^\/([\x21-\x7e]*\/)?$/, doc: "API_CreateRole" },
  },
  aws_iam_policy: { name: { what: "IAM policy name", max: 128, pattern: /^[\w+=,.@-]+$/, doc: "API_CreatePolicy" } },
  aws_lambda_function: { function_name: { what: "Lambda function name", max: 64, pattern: /^[a-zA-Z0-9_-]+$/, doc: "API_CreateFunction" } },
  aws_kms_alias: { name: { what: "KMS alias", max: 256, pattern: /^alias\/[a-zA-Z0-9/_-]+$/, doc: "API_CreateAlias" } },
  aws_cloudwatch_log_group: { name: { what: "log group name", max: 512, pattern: /^[\w\-/.#]+$/, doc: "API_CreateLogGroup" } },
  aws_cloudwatch_metric_alarm: { alarm_name: { what: "alarm name", max: 255, doc: "API_PutMetricAlarm" } },
  azurerm_key_vault_secret: { name: { what: "Key Vault secret name", max: 127, pattern: /^[0-9a-zA-Z-]+$/, doc: "resource-name-rules" } },
  azurerm_key_vault: { name: { what: "Key Vault name", max: 24, pattern: /^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$/, doc: "resource-name-rules" } },
  azurerm_user_assigned_identity: { name: { what: "managed identity name", max: 128, pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,127}$/, doc: "resource-name-rules" } },
  azurerm_federated_identity_credential: { name: { what: "federated credential name", max: 120, pattern: /^[a-zA-Z0-9][a-zA-Z0-9_-]{2,119}$/, doc: "resource-name-rules" } },
  vault_policy: { name: { what: "Vault policy name", max: Infinity, pattern: /^[^/\s]+$/, doc: "api-docs/system/policies-acl" } },
  vault_kubernetes_auth_backend_role: { role_name: { what: "Vault Kubernetes role name", max: Infinity, pattern: /^[^/\s]+$/, doc: "api-docs/auth/kubernetes" } },
  vault_database_secret_backend_role: { name: { what: "Vault database role name", max: Infinity, pattern: /^[^/\s]+$/, doc: "api-docs/secret/databases" } },
  vault_database_secret_backend_static_role: {
    name: { what: "Vault static role name", max: Infinity, pattern: /^[^/\s]+$/, doc: "api-docs/secret/databases" },
    // The user a static role rotates is a PostgreSQL identifier: 63 bytes (https://www.postgresql.org/docs/current/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS).
    username: { what: "PostgreSQL user name", max: 63, pattern: /^[a-z_][a-z0-9_]*$/, doc: "sql-syntax-identifiers" },
  },
  vault_database_secret_backend_connection: { name: { what: "Vault database connection name", max: Infinity, pattern: /^[^/\s]+$/, doc: "api-docs/secret/databases" } },
  vault_transit_secret_backend_key: { name: { what: "Vault transit key name", max: Infinity, pattern: /^[^/\s]+$/, doc: "api-docs/secret/transit" } },
};

/** Every name of a synthesized stack that breaks its provider's limit, as readable lines. */
export function nameProblems(stackName: string, json: StackJson): string[] {
  const out: string[] = [];
  const check = (where: string, value: unknown, rule: NameRule) => {
    if (typeof value !== "string" || value.includes("${")) return; // a reference: its target is checked where it is built
    if (value.length > rule.max) out.push(`${where}: ${rule.what} "${value}" is ${value.length} characters, more than ${rule.max} (${rule.doc})`);
    if (rule.pattern && !rule.pattern.test(value)) out.push(`${where}: ${rule.what} "${value}" does not match ${rule.pattern} (${rule.doc})`);
  };
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [id, r] of Object.entries<any>(byName)) {
      const where = `${stackName} ${type}.${id}`;
      for (const [attr, rule] of Object.entries(RULES[type] ?? {})) check(`${where}.${attr}`, r[attr], rule);
      if (type.startsWith("kubernetes_")) kubernetesNameProblems(where, r, out);
    }
  }
  return out;
}

/** Kubernetes objects: metadata names (DNS subdomains of 253, namespaces DNS labels of 63) and label values (63). */
function kubernetesNameProblems(where: string, r: any, out: string[]): void {
  const metadata = r.metadata ?? r.manifest?.metadata;
  const meta = Array.isArray(metadata) ? metadata[0] : metadata;
  if (!meta) return;
  const names: [string, unknown, RegExp, number][] = [
    ["metadata.name", meta.name, DNS_SUBDOMAIN, 253],
    ["metadata.namespace", meta.namespace, DNS_LABEL, 63],
  ];
  for (const [field, value, pattern, max] of names) {
    if (typeof value !== "string" || value.includes("${")) continue;
    if (value.length > max || !pattern.test(value)) out.push(`${where}.${field}: "${value}" is not a Kubernetes name of at most ${max} characters`);
  }
  for (const [key, value] of Object.entries<any>(meta.labels ?? {})) {
    if (typeof value === "string" && !value.includes("${") && (value.length > 63 || !LABEL_VALUE.test(value))) out.push(`${where}.metadata.labels.${key}: "${value}" is not a label value of at most 63 characters`);
  }
  // A manifest's own spec may name a Secret (ExternalSecret target) or a store: DNS subdomains too.
  const target = r.manifest?.spec?.target?.name;
  if (typeof target === "string" && (target.length > 253 || !DNS_SUBDOMAIN.test(target))) out.push(`${where}.spec.target.name: "${target}" is not a Kubernetes name`);
}

