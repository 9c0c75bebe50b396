// Issue 19, Azure items 1-4 and the Azure half of 6: what the first apply of the Azure stacks needs, checked on the
// synthesized JSON of the example and of a description whose names are all at the schema's limits (every stack with an
// azurerm provider: azure-<env>, a group's azure-<env>-<group>, bootstrap-<env>). No Azure is reachable here: each
// provider or service behaviour relied on is cited where the code sets it (constructs/azure/provider.ts,
// resource-providers.ts, rotation-function.ts, config/azure-names.ts, stacks/bootstrap-stack.ts).
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { AZURE_NAME_RULES, azureNameProblem, fitAzureName, ROLE_ASSIGNMENT_NAME } from "../config/azure-names";
import { ADMINISTRATIVE_ROLE_IDS, BUILT_IN_ROLE_IDS, builtInRoleIds } from "../constructs/azure/built-in-roles";
import { AZURE_RESOURCE_PROVIDERS, resourceProvidersToRegister } from "../constructs/azure/resource-providers";
import { PROVIDER_HOST_STORAGE_SETTING } from "../constructs/azure/rotation-function";
import { toYaml } from "./helpers/descriptions";
import { LONG, longNamesDescription } from "./helpers/long-names";
import { resources, StackJson, synthExample, synthYaml } from "./helpers/synth";

const example = synthExample(["azure", "bootstrap"]).json;
const long = synthYaml(toYaml(longNamesDescription())).json;
const all: [string, StackJson][] = [...Object.entries(example).map(([n, j]): [string, StackJson] => [`example ${n}`, j]), ...Object.entries(long).map(([n, j]): [string, StackJson] => [`long ${n}`, j])];
const azureTypes = (stack: StackJson) => Object.keys(stack.resource ?? {}).filter((t) => t.startsWith("azurerm_"));

describe("every azurerm provider block (items 1 and 4)", () => {
  const blocks = all.flatMap(([name, stack]) => ((stack.provider?.azurerm as any[]) ?? []).map((p) => [name, p] as const));

  test("is emitted by every stack that creates Azure resources: azure-<env>, a group's stack and bootstrap-<env>", () => {
    const withResources = all.filter(([, s]) => azureTypes(s).length > 0).map(([n]) => n);
    const withProvider = all.filter(([, s]) => (s.provider?.azurerm as any[] | undefined)?.length).map(([n]) => n);
    expect(withProvider).toEqual(withResources);
    expect(withProvider).toEqual(expect.arrayContaining([`long azure-${LONG.environment}`, `long azure-${LONG.environment}-${LONG.group}`, `long bootstrap-${LONG.environment}`, "example bootstrap-prod"]));
  });

  test.each(blocks.map(([n, p]) => [n, p]))("%s registers no resource provider (a resource-group-scoped deployer cannot)", (_n, p: any) => {
    expect(p.resource_provider_registrations).toBe("none");
    expect(p.skip_provider_registration).toBeUndefined();
  });

  test.each(blocks.map(([n, p]) => [n, p]))("%s does not touch the storage data plane (no shared-key call on a keyless account)", (_n, p: any) => {
    expect(p.features).toHaveLength(1);
    expect(p.features[0].storage).toEqual([{ data_plane_available: false }]);
    expect(p.storage_use_azuread).toBeUndefined();
  });

  test("the azure stacks keep their Key Vault features (no purge on destroy) beside the storage one", () => {
    const p = (example["azure-prod"].provider!.azurerm as any[])[0];
    expect(p.features[0].key_vault[0]).toMatchObject({ purge_soft_delete_on_destroy: false, purge_soft_deleted_secrets_on_destroy: false });
  });

  test("no storage account sets what data_plane_available = false cannot (queue properties, static website)", () => {
    for (const [, stack] of all) {
      for (const account of Object.values(resources(stack, "azurerm_storage_account"))) {
        expect(account.queue_properties).toBeUndefined();
        expect(account.static_website).toBeUndefined();
        expect(account.shared_access_key_enabled).toBe(false);
      }
      // Containers through Resource Manager (storage_account_id), never the data plane (storage_account_name).
      for (const c of Object.values(resources(stack, "azurerm_storage_container"))) {
        expect(c.storage_account_id).toBeDefined();
        expect(c.storage_account_name).toBeUndefined();
      }
    }
  });
});

describe("resource providers a subscription owner registers (item 4)", () => {
  const types = new Set(all.flatMap(([, s]) => azureTypes(s)));
  const derived = resourceProvidersToRegister(types);

  test("every resource type the stacks create has a row (a new type without one fails here)", () => {
    expect([...types].filter((t) => !AZURE_RESOURCE_PROVIDERS[t])).toEqual([]);
    expect(() => resourceProvidersToRegister(["azurerm_made_up_thing"])).toThrow(/azurerm_made_up_thing: add the resource providers/);
  });

  test("the list covers Key Vault, networking, Event Grid, functions, storage, monitoring and identities", () => {
    expect(derived).toEqual(["Microsoft.App", "Microsoft.EventGrid", "Microsoft.Insights", "Microsoft.KeyVault", "Microsoft.ManagedIdentity", "Microsoft.Network", "Microsoft.Storage", "Microsoft.Web"]);
  });

  test.each(["azure.md", "pipeline.md"])("docs/%s lists exactly these, as az provider register commands", (doc) => {
    const text = readFileSync(path.join(__dirname, "..", "docs", doc), "utf8");
    const listed = [...text.matchAll(/az provider register --namespace (\S+)/g)].map((m) => m[1]).sort();
    expect(listed).toEqual(derived);
  });
});

describe("names within Azure's limits (item 3)", () => {
  // Resolves ${<type>.<name>.name} to the referenced resource's own name (the system topic is named after the vault).
  const resolve = (stack: StackJson, value: string) =>
    value.replace(/\$\{(azurerm_[a-z0-9_]+)\.([^.}]+)\.name\}/g, (_m, type: string, id: string) => resources(stack, type)[id]?.name ?? _m);
  const names = all.flatMap(([stackName, stack]) =>
    azureTypes(stack).flatMap((type) =>
      Object.entries(resources(stack, type))
        .filter(([, r]) => typeof r.name === "string")
        .map(([id, r]) => ({ where: `${stackName} ${type}.${id}`, type, name: resolve(stack, r.name as string) })),
    ),
  );

  test("the description at the schema's limits builds names that would exceed (so the check below means something)", () => {
    const longStack = long[`azure-${LONG.environment}-${LONG.group}`];
    const unshortenedPlan = `${LONG.organization}-${LONG.environment}-${LONG.group}-rotation-plan`;
    expect(unshortenedPlan.length).toBeGreaterThan(AZURE_NAME_RULES.azurerm_service_plan.max);
    expect(`${LONG.organization}-${LONG.environment}-${LONG.app}-${LONG.workload}`.length).toBeGreaterThan(AZURE_NAME_RULES.azurerm_user_assigned_identity.max);
    expect(Object.keys(resources(longStack, "azurerm_service_plan"))).toHaveLength(1);
  });

  test("every Azure resource name in every synthesized stack meets its documented length and character rules", () => {
    const problems = names.map((n) => ({ ...n, problem: azureNameProblem(n.type, n.name) })).filter((n) => n.problem || n.name.includes("${"));
    expect(problems).toEqual([]);
    // The types checked: every named type of these stacks has a rule.
    expect(new Set(names.map((n) => n.type)).size).toBeGreaterThanOrEqual(19);
  });

  test("role assignment names are GUIDs Azure requires: none is set, so the provider generates one", () => {
    for (const [, stack] of all) {
      for (const a of Object.values(resources(stack, "azurerm_role_assignment"))) {
        if (a.name !== undefined) expect(a.name).toMatch(ROLE_ASSIGNMENT_NAME);
      }
    }
  });

  test("names stay unique where Azure requires it after shortening (identities, plans, function apps, storage)", () => {
    for (const type of ["azurerm_user_assigned_identity", "azurerm_service_plan", "azurerm_function_app_flex_consumption", "azurerm_storage_account"]) {
      const of = names.filter((n) => n.type === type && n.where.startsWith("long")).map((n) => n.name);
      expect(new Set(of).size).toBe(of.length);
    }
  });

  test("the CI identities' resource group never becomes the environment's own group by cutting", () => {
    const bootstrap = long[`bootstrap-${LONG.environment}`];
    const groups = Object.values(resources(bootstrap, "azurerm_resource_group")).map((g) => g.name);
    expect(groups).toHaveLength(1);
    expect(groups[0]).not.toBe(LONG.resourceGroup);
    expect(groups[0].length).toBeLessThanOrEqual(90);
  });

  test("fitAzureName keeps short names, and shortens long ones deterministically to distinct names", () => {
    expect(fitAzureName("acme-prod-rotation-plan", 60)).toBe("acme-prod-rotation-plan");
    const a = fitAzureName(`${"a".repeat(70)}-one`, 60);
    const b = fitAzureName(`${"a".repeat(70)}-two`, 60);
    expect(a).toHaveLength(60);
    expect(a).not.toBe(b);
    expect(fitAzureName(`${"a".repeat(70)}-one`, 60)).toBe(a);
    expect(fitAzureName(`${"a".repeat(50)}-.-${"b".repeat(20)}`, 60)).toMatch(/^a{50}-[0-9a-f]{8}$/);
  });

  test("the example's names are unchanged by the rules (no rename of what fits)", () => {
    expect(Object.values(resources(example["azure-prod"], "azurerm_service_plan")).map((p) => p.name)).toEqual(["acme-prod-rotation-plan"]);
  });
});

describe("the rotation function's host storage (item 2)", () => {
  const stacks = all.filter(([, s]) => Object.keys(resources(s, "azurerm_function_app_flex_consumption")).length > 0);

  test.each(stacks)("%s: identity-based AzureWebJobsStorage__* settings, never a connection string of ours", (_n, stack) => {
    for (const [appId, app] of Object.entries(resources(stack, "azurerm_function_app_flex_consumption"))) {
      const identity = Object.entries(resources(stack, "azurerm_user_assigned_identity")).find(([id]) => app.identity.identity_ids[0].includes(id))!;
      // https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity
      expect(app.app_settings).toMatchObject({
        AzureWebJobsStorage__credential: "managedidentity",
        AzureWebJobsStorage__clientId: `\${azurerm_user_assigned_identity.${identity[0]}.client_id}`,
      });
      expect(app.app_settings.AzureWebJobsStorage__accountName).toMatch(/^\$\{azurerm_storage_account\.[^.]+\.name\}$/);
      expect(Object.keys(app.app_settings)).not.toContain(PROVIDER_HOST_STORAGE_SETTING);
      expect(app.storage_access_key).toBeUndefined();
      expect(app.storage_authentication_type).toBe("UserAssignedIdentity");

      // The provider's keyless AzureWebJobsStorage is deleted after every create or update, before the code deploys.
      const steps = resources(stack, "terraform_data");
      const [stepId, step] = Object.entries(steps).find(([, s]) => s.provisioner[0]["local-exec"].command.startsWith("az functionapp config appsettings delete"))!;
      const appRef = `azurerm_function_app_flex_consumption.${appId}`;
      expect(step.provisioner[0]["local-exec"].command).toBe(`az functionapp config appsettings delete --ids "\${${appRef}.id}" --setting-names AzureWebJobsStorage --output none`);
      expect(step.triggers_replace).toEqual({ app: `\${${appRef}.id}`, configuration: `\${sha256(jsonencode(${appRef}))}` });
      const deploy = Object.values(steps).find((s) => s.triggers_replace?.package !== undefined)!;
      expect(deploy.depends_on).toContain(`terraform_data.${stepId}`);
    }
  });
});

describe("the CI deployer's role assignment right (item 6, Azure)", () => {
  const conditionOf = (stack: StackJson) =>
    Object.values(resources(stack, "azurerm_role_assignment")).find((a) => a.role_definition_name === "Role Based Access Control Administrator")!.condition as string;
  const guids = (condition: string, attribute: string) =>
    [...condition.matchAll(new RegExp(`@(Request|Resource)\\[Microsoft\\.Authorization/roleAssignments:${attribute}\\] ForAnyOfAnyValues:[A-Za-z]+ \\{((?:\\$\\{[^}]*\\}|[^}])*)\\}`, "g"))].map((m) => [m[1], m[2].split(", ").sort()]);
  const cases: [string, StackJson, StackJson[]][] = [
    ["example dev", example["bootstrap-dev"], [example["azure-dev"]]],
    ["example prod", example["bootstrap-prod"], [example["azure-prod"]]],
    ["long names with a stack group", long[`bootstrap-${LONG.environment}`], [long[`azure-${LONG.environment}`], long[`azure-${LONG.environment}-${LONG.group}`]]],
  ];

  test.each(cases)("%s: the condition admits exactly the roles the azure stacks assign, on writes and deletes", (_n, bootstrap, azureStacks) => {
    const all = azureStacks.flatMap((s) => Object.values(resources(s, "azurerm_role_assignment")));
    const typed = builtInRoleIds(all.filter((a) => a.principal_type).map((a) => a.role_definition_name));
    const own = builtInRoleIds(all.filter((a) => !a.principal_type).map((a) => a.role_definition_name));
    expect(own).toEqual([BUILT_IN_ROLE_IDS["Key Vault Secrets Officer"]]);
    expect(guids(conditionOf(bootstrap), "RoleDefinitionId")).toEqual([
      ["Request", typed],
      ["Request", own],
      ["Resource", builtInRoleIds(all.map((a) => a.role_definition_name))],
    ]);
  });

  test.each(cases)("%s: never Owner, User Access Administrator, RBAC Administrator or Contributor", (_n, bootstrap) => {
    const condition = conditionOf(bootstrap);
    for (const id of Object.values(ADMINISTRATIVE_ROLE_IDS)) expect(condition).not.toContain(id);
    expect(Object.values(BUILT_IN_ROLE_IDS).filter((id) => Object.values(ADMINISTRATIVE_ROLE_IDS).includes(id))).toEqual([]);
  });

  test.each(cases)("%s: writes only to other service principals, and to the deployer itself only its own Secrets Officer", (_n, bootstrap) => {
    const condition = conditionOf(bootstrap);
    expect(guids(condition, "PrincipalType")).toEqual([["Request", ["'ServicePrincipal'"]]]);
    const deployer = Object.entries(resources(bootstrap, "azurerm_user_assigned_identity")).find(([, i]) => i.name.endsWith("ci_deployer"))![0];
    const self = `\${azurerm_user_assigned_identity.${deployer}.principal_id}`;
    expect(guids(condition, "PrincipalId")).toEqual([
      ["Request", [self]],
      ["Request", [self]],
    ]);
    const officer = BUILT_IN_ROLE_IDS["Key Vault Secrets Officer"];
    expect(condition).toContain(`@Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidNotEquals {${self}})`);
    expect(condition).toContain(
      `(@Request[Microsoft.Authorization/roleAssignments:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {${officer}} AND @Request[Microsoft.Authorization/roleAssignments:PrincipalId] ForAnyOfAnyValues:GuidEquals {${self}})`,
    );
    // Writes need the role and the principal; deletes (which grant nothing) the role only.
    const [writes, deletes] = condition.split(") AND ((!(ActionMatches");
    expect(writes).toMatch(/^\(\(!\(ActionMatches\{'Microsoft\.Authorization\/roleAssignments\/write'\}\)\) OR \(\(@Request\[/);
    expect(deletes).toMatch(/^\{'Microsoft\.Authorization\/roleAssignments\/delete'\}\)\) OR \(@Resource\[Microsoft\.Authorization\/roleAssignments:RoleDefinitionId\] ForAnyOfAnyValues:GuidEquals \{[^}]*\}\)\)$/);
    expect(deletes).not.toMatch(/Principal/);
  });

  test("the untyped assignment admitted by principal id is only the deploying principal's own", () => {
    for (const s of [example["azure-dev"], long[`azure-${LONG.environment}`], long[`azure-${LONG.environment}-${LONG.group}`]]) {
      const untyped = Object.entries(resources(s, "azurerm_role_assignment")).filter(([, a]) => !a.principal_type);
      expect(untyped.map(([, a]) => [a.role_definition_name, a.principal_id])).toEqual(untyped.length ? [["Key Vault Secrets Officer", expect.stringMatching(/data\.azurerm_client_config|^[0-9a-f-]{36}$/)]] : []);
    }
  });

  test("a role a stack assigns without an id in the table stops the build, saying what to add", () => {
    expect(() => builtInRoleIds(["Key Vault Secrets User", "Key Vault Administrator"])).toThrow(/Key Vault Administrator.*BUILT_IN_ROLE_IDS/);
  });
});
