// Azure's naming rules for every resource type the platform names, in one place, and the one way a name that could
// exceed its limit is shortened. The builders (config/naming.ts, config/azure-rotation-plan.ts, the bootstrap stack)
// use fitAzureName; test/azure-names.test.ts checks every name in the synthesized stacks, built from a description at
// the schema's limits, against these rules.
//
// Source of every row: Microsoft, "Naming rules and restrictions for Azure resources"
// (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules), by resource provider and
// type; the Terraform type is the azurerm resource that creates it. The version of that page readable here
// (MicrosoftDocs/azure-docs, articles/azure-resource-manager/management/resource-name-rules.md, 2020) confirms key
// vaults, secrets, identities, Event Grid subscriptions, DNS zone links, storage accounts and containers, resource
// groups and sites; where it and the current page differ the stricter rule is kept (locks, plans). Private endpoints,
// system topics, federated credentials and the Microsoft.Insights types are from the current page, not read here.
import { createHash } from "node:crypto";

export interface AzureNameRule {
  /** The ARM resource type, as the page lists it. */
  readonly armType: string;
  readonly min: number;
  readonly max: number;
  /** Valid characters and where they may stand (length is checked apart). */
  readonly pattern: RegExp;
  /** The rule in the page's words, for messages. */
  readonly rule: string;
}

const alnumHyphen = /^[A-Za-z0-9-]+$/;
/** Everything but the characters the page forbids for Microsoft.Insights and locks names. */
const noneOf = (chars: string) => new RegExp(`^[^${chars.replace(/[\\\]^-]/g, "\\$&")}\\u0000-\\u001f]+$`);

/** By azurerm resource type: the rule of the name it sets. */
export const AZURE_NAME_RULES: Readonly<Record<string, AzureNameRule>> = {
  azurerm_resource_group: {
    armType: "Microsoft.Resources/resourceGroups",
    min: 1,
    max: 90,
    pattern: /^[-\w.()]*[-\w()]$/,
    rule: "underscores, hyphens, periods, parentheses, letters and digits; can't end with a period",
  },
  azurerm_key_vault: {
    armType: "Microsoft.KeyVault/vaults",
    min: 3,
    max: 24,
    pattern: /^[A-Za-z](?!.*--)[A-Za-z0-9-]*[A-Za-z0-9]$/,
    rule: "alphanumerics and hyphens; start with a letter, end with a letter or digit; no consecutive hyphens",
  },
  azurerm_key_vault_secret: { armType: "Microsoft.KeyVault/vaults/secrets", min: 1, max: 127, pattern: alnumHyphen, rule: "alphanumerics and hyphens" },
  azurerm_private_endpoint: {
    armType: "Microsoft.Network/privateEndpoints",
    min: 2,
    max: 64,
    pattern: /^[A-Za-z0-9](?:[\w.-]*[\w])?$/,
    rule: "alphanumerics, underscores, periods and hyphens; start with alphanumeric, end with alphanumeric or underscore",
  },
  azurerm_private_dns_zone_virtual_network_link: {
    armType: "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
    min: 1,
    max: 80,
    pattern: /^[A-Za-z0-9](?:[\w.-]*[\w])?$/,
    rule: "alphanumerics, underscores, periods and hyphens; start with alphanumeric, end with alphanumeric or underscore",
  },
  azurerm_private_dns_zone: { armType: "Microsoft.Network/privateDnsZones", min: 1, max: 63 * 4, pattern: /^[a-z0-9.-]+[a-z0-9]$/i, rule: "a DNS name" },
  azurerm_monitor_diagnostic_setting: { armType: "Microsoft.Insights/diagnosticSettings", min: 1, max: 260, pattern: noneOf("*<>%&:\\?+/"), rule: "can't use * < > % & : \\ ? + /" },
  // The page's 2020 version: alphanumerics, periods, underscores, hyphens and parentheses, not ending in a period;
  // later versions only forbid < > * % { } & : \\ ? + / # |. The stricter one is checked.
  azurerm_management_lock: {
    armType: "Microsoft.Authorization/locks",
    min: 1,
    max: 90,
    pattern: /^[\w.()-]*[\w()-]$/,
    rule: "alphanumerics, periods, underscores, hyphens and parentheses; can't end with a period",
  },
  azurerm_user_assigned_identity: {
    armType: "Microsoft.ManagedIdentity/userAssignedIdentities",
    min: 3,
    max: 128,
    pattern: /^[A-Za-z0-9][\w-]*$/,
    rule: "alphanumerics, hyphens and underscores; start with a letter or number",
  },
  azurerm_federated_identity_credential: {
    armType: "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials",
    min: 3,
    max: 120,
    pattern: /^[A-Za-z0-9][\w-]*$/,
    rule: "alphanumerics, hyphens and underscores; start with a letter or number",
  },
  azurerm_eventgrid_system_topic: { armType: "Microsoft.EventGrid/systemTopics", min: 3, max: 128, pattern: alnumHyphen, rule: "alphanumerics and hyphens" },
  azurerm_eventgrid_system_topic_event_subscription: {
    armType: "Microsoft.EventGrid/systemTopics/eventSubscriptions",
    min: 3,
    max: 64,
    pattern: alnumHyphen,
    rule: "alphanumerics and hyphens",
  },
  azurerm_storage_account: { armType: "Microsoft.Storage/storageAccounts", min: 3, max: 24, pattern: /^[a-z0-9]+$/, rule: "lowercase letters and numbers" },
  azurerm_storage_container: {
    armType: "Microsoft.Storage/storageAccounts/blobServices/containers",
    min: 3,
    max: 63,
    pattern: /^[a-z0-9](?!.*--)[a-z0-9-]*$/,
    rule: "lowercase letters, numbers and hyphens; start with a lowercase letter or number; no consecutive hyphens",
  },
  // 1-40 in the page's 2020 version (MicrosoftDocs/azure-docs, the one readable here), 1-60 in later ones: 40 satisfies
  // both, and names that fit 40 (the example's) are unchanged.
  azurerm_service_plan: { armType: "Microsoft.Web/serverfarms", min: 1, max: 40, pattern: alnumHyphen, rule: "alphanumerics and hyphens" },
  azurerm_function_app_flex_consumption: {
    armType: "Microsoft.Web/sites",
    min: 2,
    // The page allows 60; the platform keeps function apps to 32 so that two apps never share a host id, which the
    // Functions host derives from the first 32 characters (constructs/azure/rotation-function.ts).
    max: 32,
    pattern: /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/,
    rule: "alphanumerics and hyphens; can't start or end with a hyphen",
  },
  azurerm_application_insights: { armType: "Microsoft.Insights/components", min: 1, max: 260, pattern: /^[^%&\\?/\u0000-\u001f]*[^%&\\?/\u0000-\u001f .]$/, rule: "can't use % & \\ ? / or control characters; can't end with a space or period" },
  azurerm_monitor_scheduled_query_rules_alert_v2: {
    armType: "Microsoft.Insights/scheduledQueryRules",
    min: 1,
    max: 260,
    pattern: /^[^*<>%{}&:\\?/#|\u0000-\u001f]*[^*<>%{}&:\\?/#|\u0000-\u001f .]$/,
    rule: "can't use * < > % { } & : \\ ? / # | or control characters; can't end with a space or period",
  },
  // Microsoft.Insights/activityLogAlerts, same page: 1-260, none of < > * % { } & : \ ? + / # | or control characters,
  // not ending with a space or period (issue 22's role-assignment alerts).
  azurerm_monitor_activity_log_alert: {
    armType: "Microsoft.Insights/activityLogAlerts",
    min: 1,
    max: 260,
    pattern: /^[^*<>%{}&:\\?+/#|\u0000-\u001f]*[^*<>%{}&:\\?+/#|\u0000-\u001f .]$/,
    rule: "can't use * < > % { } & : \\ ? + / # | or control characters; can't end with a space or period",
  },
  // The role definition's resource name is a GUID the provider generates (role_definition_id); `name` is its roleName,
  // which the page does not limit. Checked loosely, so that it stays printable.
  azurerm_role_definition: { armType: "Microsoft.Authorization/roleDefinitions (roleName)", min: 1, max: 512, pattern: /^[^\u0000-\u001f]+$/, rule: "printable" },
};

/** Role assignment names are GUIDs: the provider generates one when `name` is not given (every assignment here). */
export const ROLE_ASSIGNMENT_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Where a name breaks its rule, or undefined when it is valid. */
export function azureNameProblem(resourceType: string, name: string): string | undefined {
  const rule = AZURE_NAME_RULES[resourceType];
  if (!rule) return `${resourceType} has no naming rule in config/azure-names.ts`;
  if (name.length < rule.min || name.length > rule.max) return `${rule.armType} names are ${rule.min}-${rule.max} characters; "${name}" has ${name.length}`;
  if (!rule.pattern.test(name)) return `${rule.armType} names allow ${rule.rule}; "${name}" does not`;
  return undefined;
}

/**
 * The name itself when it fits in `max` characters; else its first characters, a dash and 8 hex digits of its sha256,
 * `max` characters in all. Deterministic (the same input always gives the same name, so plans do not churn), and two
 * long names that differ anywhere differ in the hash. Trailing characters a rule may refuse at the end of the kept
 * part (dashes, dots, underscores) are dropped before the dash.
 */
export function fitAzureName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = createHash("sha256").update(name).digest("hex").slice(0, 8);
  return `${name.slice(0, max - hash.length - 1).replace(/[-._]+$/, "")}-${hash}`;
}
