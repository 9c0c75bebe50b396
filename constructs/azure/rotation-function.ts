// An Azure Function app that rotates Key Vault secrets: Flex Consumption, Node 22, integrated into a private subnet,
// running as its own user-assigned identity, with identity-only storage and Application Insights, its code deployed
// from the built package, and an alert when a rotation fails.
import { AssetType, Fn, ref, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { createHash } from "node:crypto";
import * as path from "node:path";
import { existsSync, readFileSync } from "node:fs";
import { ApplicationInsights } from "@cdktf/provider-azurerm/lib/application-insights";
import { FunctionAppFlexConsumption } from "@cdktf/provider-azurerm/lib/function-app-flex-consumption";
import { MonitorScheduledQueryRulesAlertV2 } from "@cdktf/provider-azurerm/lib/monitor-scheduled-query-rules-alert-v2";
import { ServicePlan } from "@cdktf/provider-azurerm/lib/service-plan";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { AZURE_ROTATION_SETTING, AZURE_ROTATION_VAULT_URL_SETTING, type AzureRotationSettings } from "../../config/azure-rotation";
import { FunctionStorage, StorageRole } from "./function-storage";
import { LocalExecStep } from "./local-exec-step";
import type { IAzurePrincipal } from "./principal";
import { RoleGrant } from "./role-grant";

/** The function the package exports, triggered by Event Grid: what event subscriptions name. */
export const ROTATION_FUNCTION_NAME = "rotate";
/** The app's daily timer function (lambda/azure/index.ts), which fails when it could not rotate a due secret. */
export const ROTATION_SWEEP_NAME = "sweep";

/**
 * The app setting azurerm writes with an empty account key whatever the storage authentication (see the constructor);
 * the identity-based AzureWebJobsStorage__* settings replace it.
 */
export const PROVIDER_HOST_STORAGE_SETTING = "AzureWebJobsStorage";

/** Lets an identity send telemetry to Application Insights when local (key) authentication is off. */
const MONITORING_METRICS_PUBLISHER = "Monitoring Metrics Publisher";

export interface RotationFunctionAppProps {
  /** Globally unique (<name>.azurewebsites.net); at most 32 characters. */
  readonly name: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** Names of the plan, identity, Application Insights and alert. */
  readonly resourceNames: { readonly plan: string; readonly identity: string; readonly insights: string; readonly alert: string };
  /** The storage account for the package, the host and dead letters (3-24 lowercase letters and digits). */
  readonly storageAccountName: string;
  /** Subnet delegated to Microsoft.App/environments: the app's outbound traffic goes through it. */
  readonly subnetId: string;
  /** Log Analytics workspace of the Application Insights resource. */
  readonly logAnalyticsWorkspaceId: string;
  /** https://<vault>.vault.azure.net/ */
  readonly keyVaultUrl: string;
  /** ROTATION_SECRETS: what the function may rotate, and how. Grant each with KeyVaultSecret.grantRotate. */
  readonly settings: AzureRotationSettings;
  /**
   * The built package (an Azure Functions v4 Node app exporting the Event Grid function `rotate`). Deployed at
   * apply, after the app exists and before anything subscribes to it. A path to no file synthesizes a step that
   * stops the apply there, saying to build it (synth itself does not need the package).
   */
  readonly packagePath: string;
  /** Notified when a rotation fails. @default - the alert has no action */
  readonly actionGroupId?: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

export class RotationFunctionApp extends Construct implements IAzurePrincipal {
  readonly identity: UserAssignedIdentity;
  readonly storage: FunctionStorage;
  readonly insights: ApplicationInsights;
  readonly app: FunctionAppFlexConsumption;
  /** The apply step that removes the provider's keyless AzureWebJobsStorage setting after each create or update. */
  readonly hostStorageSetting: LocalExecStep;
  /** The apply step that deploys the package (Event Grid subscriptions wait for it). */
  readonly codeDeployment: LocalExecStep;
  readonly failureAlert: MonitorScheduledQueryRulesAlertV2;
  readonly principalType = "ServicePrincipal" as const;

  constructor(scope: Construct, id: string, props: RotationFunctionAppProps) {
    super(scope, id);
    if (props.name.length > 32) throw new Error(`${this.node.path}: function app name ${props.name} is longer than 32 characters`);
    if (Object.keys(props.settings).length === 0) throw new Error(`${this.node.path}: give at least one secret to rotate`);
    const where = { location: props.location, resourceGroupName: props.resourceGroupName, tags: props.tags };

    this.identity = new UserAssignedIdentity(this, "identity", { name: props.resourceNames.identity, ...where });
    this.storage = new FunctionStorage(this, "storage", { name: props.storageAccountName, ...where });
    // Flex Consumption reads and writes its package with this identity (the deployment's storage_user_assigned_
    // identity_id); the host keeps its leases and function keys in the two host containers. Storage Blob Data Owner
    // is what both are documented with (https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to,
    // functions-reference#connecting-to-host-storage-with-an-identity), each on its container only.
    const storageGrants = [this.storage.deploymentContainer, ...this.storage.hostContainers].map((container) =>
      this.storage.grantOnContainer(this, container, StorageRole.BLOB_DATA_OWNER, `${props.name}: ${container.name} container only`),
    );

    const plan = new ServicePlan(this, "plan", { name: props.resourceNames.plan, osType: "Linux", skuName: "FC1", ...where });

    // Workspace-based, keys off: telemetry is accepted only with an Entra token of an identity holding Monitoring
    // Metrics Publisher (https://learn.microsoft.com/azure/azure-monitor/app/azure-ad-authentication).
    this.insights = new ApplicationInsights(this, "insights", {
      name: props.resourceNames.insights,
      applicationType: "web",
      workspaceId: props.logAnalyticsWorkspaceId,
      localAuthenticationDisabled: true,
      ...where,
    });
    const telemetry = new RoleGrant(this, "publishes-telemetry", {
      grantee: this,
      roleDefinitionName: MONITORING_METRICS_PUBLISHER,
      scope: this.insights.id,
      description: `${props.name}: send telemetry to its own Application Insights only`,
    });

    this.app = new FunctionAppFlexConsumption(this, "app", {
      name: props.name,
      servicePlanId: plan.id,
      runtimeName: "node",
      runtimeVersion: "22",
      // Flex Consumption runs the package from this container, read with the user-assigned identity: no key.
      storageContainerType: "blobContainer",
      storageContainerEndpoint: this.storage.deploymentContainerEndpoint,
      storageAuthenticationType: "UserAssignedIdentity",
      storageUserAssignedIdentityId: this.identity.id,
      identity: { type: "UserAssigned", identityIds: [this.identity.id] },
      // Outbound through the delegated subnet: the vault is reachable only through its private endpoint there.
      virtualNetworkSubnetId: props.subnetId,
      httpsOnly: true,
      // Event Grid delivers to the function's public endpoint (it does not send into virtual networks), so public
      // access stays on and inbound is narrowed to the AzureEventGrid service tag below.
      publicNetworkAccessEnabled: true,
      // No publishing user name and password: the package is deployed with an Entra token (az CLI).
      webdeployPublishBasicAuthenticationEnabled: false,
      siteConfig: {
        minimumTlsVersion: "1.2",
        scmMinimumTlsVersion: "1.2",
        remoteDebuggingEnabled: false,
        // Access restrictions by service tag (https://learn.microsoft.com/azure/app-service/app-service-ip-restrictions):
        // only Event Grid's addresses, the AzureEventGrid tag (https://learn.microsoft.com/azure/event-grid/network-security#service-tags),
        // reach the function; the SCM site (deployment) keeps its own rules, Entra-only.
        ipRestrictionDefaultAction: "Deny",
        ipRestriction: [{ name: "event-grid", serviceTag: "AzureEventGrid", action: "Allow", priority: 100 }],
        scmUseMainIpRestriction: false,
        applicationInsightsConnectionString: this.insights.connectionString,
      },
      appSettings: {
        [AZURE_ROTATION_SETTING]: JSON.stringify(props.settings),
        [AZURE_ROTATION_VAULT_URL_SETTING]: props.keyVaultUrl,
        // Which of the app's identities DefaultAzureCredential uses for Key Vault and the databases.
        AZURE_CLIENT_ID: this.identity.clientId,
        // Identity-based host storage (https://learn.microsoft.com/azure/azure-functions/functions-reference#connecting-to-host-storage-with-an-identity).
        AzureWebJobsStorage__accountName: this.storage.account.name,
        AzureWebJobsStorage__credential: "managedidentity",
        AzureWebJobsStorage__clientId: this.identity.clientId,
        // Telemetry with the identity's token, as local authentication is off.
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `ClientId=${this.identity.clientId};Authorization=AAD`,
      },
      // The identity's storage and telemetry roles exist before the host starts with it.
      dependsOn: [...storageGrants.map((g) => g.assignment), telemetry.assignment],
      ...where,
    });

    // azurerm 4.55.0 writes an AzureWebJobsStorage connection string with an empty key next to our identity-based
    // AzureWebJobsStorage__* settings, and no argument stops it: in internal/services/appservice/
    // function_app_flex_consumption_resource.go (tag v4.55.0) Create and Update always build
    // "DefaultEndpointsProtocol=https;AccountName=<account>;AccountKey=<storage_access_key>;..." from the container
    // endpoint, whatever storage_authentication_type is, and helpers.ExpandSiteConfigFunctionFlexConsumptionApp adds it
    // as AzureWebJobsStorage (hashicorp/terraform-provider-azurerm#29693, #29149). A user app setting of that name only
    // replaces its value (helpers.MergeUserAppSettings), and any value, empty included, is a connection string to the
    // host, which then ignores the identity (Azure/azure-functions-host#11796), so the host cannot start and deployment
    // and trigger sync fail. The provider's read drops AzureWebJobsStorage from app_settings
    // (unpackFunctionAppFlexConsumptionSettings), so removing it after the provider wrote it leaves no drift: this step
    // deletes it (az functionapp config appsettings delete, https://learn.microsoft.com/cli/azure/functionapp/config/appsettings)
    // after every create or update of the app (the trigger is a hash of the whole app as planned), before the package
    // is deployed. No azapi provider is needed (there is no prebuilt @cdktf/provider-azapi package on npm).
    this.hostStorageSetting = new LocalExecStep(this, "host-storage-setting", {
      triggersReplace: { app: this.app.id, configuration: Fn.sha256(Fn.jsonencode(ref(this.app.fqn))) },
      command: `az functionapp config appsettings delete --ids "${this.app.id}" --setting-names ${PROVIDER_HOST_STORAGE_SETTING} --output none`,
    });

    // Flex Consumption deploys through its SCM site's one-deploy endpoint, which writes the package to the
    // deployment container (https://learn.microsoft.com/azure/azure-functions/flex-consumption-how-to#deploy-your-code-project);
    // azurerm's zip_deploy_file would need the basic publishing credentials turned off above. A built-in
    // terraform_data runs the az CLI once per package content and app, like the RBAC wait (no extra provider).
    const built = existsSync(props.packagePath);
    const pkg = built ? new TerraformAsset(this, "package", { path: props.packagePath, type: AssetType.FILE }) : undefined;
    this.codeDeployment = new LocalExecStep(this, "code-deployment", {
      triggersReplace: {
        package: pkg ? createHash("sha256").update(readFileSync(props.packagePath)).digest("hex") : "not built",
        app: this.app.id,
      },
      // Deployment and trigger sync need a host that starts: after the broken setting is gone.
      dependsOn: [this.hostStorageSetting],
      command: pkg
        ? `az functionapp deployment source config-zip --ids "${this.app.id}" --src "${pkg.path}"`
        : `echo "${path.basename(props.packagePath)} was not built when this stack was synthesized: run npm run build, synthesize and apply again" >&2; exit 1`,
    });

    // A failed invocation is a request with success false in the app's telemetry; rotate runs for events, sweep daily.
    this.failureAlert = new MonitorScheduledQueryRulesAlertV2(this, "failure-alert", {
      name: props.resourceNames.alert,
      description: `${props.name} failed to rotate a secret: read its invocations in ${props.resourceNames.insights}; the secret keeps its current version.`,
      scopes: [this.insights.id],
      severity: 1,
      evaluationFrequency: "PT15M",
      windowDuration: "PT15M",
      criteria: [
        {
          query: `requests | where operation_Name in ("${ROTATION_FUNCTION_NAME}", "${ROTATION_SWEEP_NAME}") and success == false`,
          timeAggregationMethod: "Count",
          operator: "GreaterThan",
          threshold: 0,
          failingPeriods: { minimumFailingPeriodsToTriggerAlert: 1, numberOfEvaluationPeriods: 1 },
        },
      ],
      action: props.actionGroupId ? { actionGroups: [props.actionGroupId] } : undefined,
      autoMitigationEnabled: false,
      ...where,
    });
  }

  get principalId(): string {
    return this.identity.principalId;
  }

  get clientId(): string {
    return this.identity.clientId;
  }

  /** <function app id>/functions/rotate: the endpoint of Event Grid subscriptions. */
  get functionId(): string {
    return `${this.app.id}/functions/${ROTATION_FUNCTION_NAME}`;
  }
}
