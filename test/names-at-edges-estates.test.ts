// Real estates at the schema's edges (test/helpers/arbitrary-estate.ts): two environments of one account, one a prefix
// of the other (<base> and <base>-eu), one production, with pipelines, stack groups and two clusters each. Each estate
// validates, synthesizes with no error annotation on the project's own output, every name is within its provider's
// limit (test/helpers/name-limits.ts), and no two stacks build one account-, subscription- or cluster-unique name.
// Bounded and seeded: the same cases on every run (change SEED to explore others).
import fc from "fast-check";
import { parsePlatform } from "../config/load";
import { arbitraryEstate } from "./helpers/arbitrary-estate";
import { toYaml } from "./helpers/descriptions";
import { errorsOf, nameProblems } from "./helpers/name-limits";
import { synthPlatform, type StackJson } from "./helpers/synth";

const SEED = Number(process.env.EDGE_SEED ?? 22);
const RUNS = Number(process.env.EDGE_RUNS ?? 8);

/**
 * Names unique in an AWS account and region, by resource type: IAM roles and policies (CreateRole/CreatePolicy fail
 * with EntityAlreadyExists), Lambda functions (ResourceConflictException), KMS aliases (AlreadyExistsException),
 * log groups (ResourceAlreadyExistsException), secrets (ResourceExistsException), SNS topics (CreateTopic returns the
 * existing topic: two stacks would then own one), EventBridge rules on one bus (PutRule overwrites), alarms
 * (PutMetricAlarm overwrites), IAM OIDC providers per URL (EntityAlreadyExists) and S3 buckets (globally).
 */
const AWS_UNIQUE: Record<string, string> = {
  aws_iam_role: "name",
  aws_iam_policy: "name",
  aws_lambda_function: "function_name",
  aws_kms_alias: "name",
  aws_cloudwatch_log_group: "name",
  aws_secretsmanager_secret: "name",
  aws_sns_topic: "name",
  aws_cloudwatch_event_rule: "name",
  aws_cloudwatch_metric_alarm: "alarm_name",
  aws_iam_openid_connect_provider: "url",
  aws_s3_bucket: "bucket",
};

/** Names that two stacks of an estate both build where the service keeps one. */
function collisions(json: Record<string, StackJson>): string[] {
  const seen = new Map<string, string>();
  const out: string[] = [];
  const claim = (key: string, where: string) => {
    const twin = seen.get(key);
    if (twin && twin !== where) out.push(`${key}: built by ${twin} and by ${where}`);
    else seen.set(key, where);
  };
  for (const [stack, j] of Object.entries(json)) {
    for (const [type, byId] of Object.entries(j.resource ?? {})) {
      for (const [id, r] of Object.entries<any>(byId)) {
        const where = `${stack} ${type}.${id}`;
        const attr = AWS_UNIQUE[type];
        if (attr && typeof r[attr] === "string" && !r[attr].includes("${")) claim(`aws ${type} ${r[attr]}`, where);
        // Azure: Key Vault, storage account and function app names are global (DNS names under vault.azure.net,
        // core.windows.net, azurewebsites.net); custom role names unique in a tenant; resource groups in a
        // subscription; identities and plans in a resource group
        // (https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules,
        // https://learn.microsoft.com/azure/role-based-access-control/custom-roles: "must be unique within the directory").
        const literal = (v: unknown): v is string => typeof v === "string" && !v.includes("${");
        if (["azurerm_key_vault", "azurerm_storage_account", "azurerm_function_app_flex_consumption"].includes(type) && literal(r.name)) claim(`azure ${type} ${r.name}`, where);
        if (type === "azurerm_role_definition" && literal(r.name)) claim(`azure role definition ${r.name}`, where);
        if (type === "azurerm_resource_group" && literal(r.name)) claim(`azure resource group ${r.name}`, where);
        if (["azurerm_user_assigned_identity", "azurerm_service_plan", "azurerm_application_insights"].includes(type) && literal(r.name)) {
          claim(`azure ${type} ${String(r.resource_group_name)} ${r.name}`, where);
        }
        if (type.startsWith("kubernetes_")) {
          const context = (j.provider as any)?.kubernetes?.[0]?.config_context ?? stack;
          const meta = r.metadata ? (Array.isArray(r.metadata) ? r.metadata[0] : r.metadata) : r.manifest?.metadata;
          const kind = r.manifest?.kind ?? type;
          if (meta && typeof meta.name === "string" && !meta.name.includes("${")) claim(`kubernetes ${context} ${kind} ${meta.namespace ?? ""}/${meta.name}`, where);
        }
      }
    }
  }
  return out;
}

it(`estates (prefix environments, production, pipelines, stack groups, two clusters) synthesize with no finding, every name within its limit and unique (${RUNS} seeded runs)`, () => {
  fc.assert(
    fc.property(arbitraryEstate(), ({ description }) => {
      const platform = parsePlatform(toYaml(description), "generated estate");
      const { stacks, json } = synthPlatform(platform);
      const problems = [
        ...Object.entries(stacks).flatMap(([name, stack]) => [...errorsOf(stack), ...nameProblems(name, json[name])]),
        ...collisions(json),
      ];
      if (problems.length > 0) throw new Error(problems.join("\n"));
    }),
    { seed: SEED, numRuns: RUNS, endOnFailure: true },
  );
});
