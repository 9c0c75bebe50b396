// Rotation on Azure, for the azure stacks: the vault's Event Grid system topic (azure-<env>, since Azure allows one
// per vault), and per stack that holds rotating secrets its own function app and subscription on that topic.
import * as path from "node:path";
import { Annotations, ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import type { EnvironmentModel, SecretModel } from "../config/model";
import type { AzureEnvironment } from "../config/schema";
import { azureRotatingSecrets, azureRotationNames, azureRotationSettings } from "../config/azure-rotation-plan";
import { keyVaultSecretName } from "../config/naming";
import { KeyVaultSystemTopic, SecretEventsSubscription } from "../constructs/azure/key-vault-events";
import { StorageRole } from "../constructs/azure/function-storage";
import { RotationFunctionApp } from "../constructs/azure/rotation-function";
import { AZURE_FUNCTION_ZIP } from "../contracts/azure-rotation";
import type { IKeyVaultSecret } from "../constructs/azure/key-vault-secret";

/** The built Azure Functions package (scripts/build.js); LAMBDA_BUNDLE_DIR overrides the folder, as for the Lambdas. */
export function azureRotationPackagePath(): string {
  return path.join(process.env.LAMBDA_BUNDLE_DIR ?? path.join(__dirname, "..", "dist", "lambda"), AZURE_FUNCTION_ZIP);
}

/** The vault's system topic name: what every stack of the environment subscribes with. */
export const systemTopicName = (vaultName: string) => `${vaultName}-events`;

/** The system topic of the environment's vault, in azure-<env>, when the environment has azure.rotation. */
export function addKeyVaultSystemTopic(scope: Construct, vaultName: string, keyVaultId: string, azure: AzureEnvironment, resourceGroupName: string, tags: Record<string, string>): KeyVaultSystemTopic | undefined {
  if (!azure.rotation) return undefined;
  return new KeyVaultSystemTopic(scope, "key-vault-events", {
    name: systemTopicName(vaultName),
    keyVaultId,
    location: azure.location,
    resourceGroupName,
    tags,
  });
}

export interface StackRotation {
  readonly function: RotationFunctionApp;
  readonly subscription: SecretEventsSubscription;
  /** Paths (<env>/<app>/<secret>) of the secrets the function rotates. */
  readonly rotated: ReadonlySet<string>;
  /** What a rotated secret waits for: the subscription, so that its creation event reaches the function. */
  readonly secretsDependOn: readonly ITerraformDependable[];
}

export interface StackRotationOptions {
  readonly environment: EnvironmentModel;
  readonly azure: AzureEnvironment;
  /** The stack group, when this is azure-<env>-<group>. */
  readonly group?: string;
  readonly resourceGroupName: string;
  readonly keyVaultUrl: string;
  /** The environment's system topic (in azure-<env>; a cross-stack reference from a group's stack). */
  readonly topic?: KeyVaultSystemTopic;
  readonly tags: Record<string, string>;
}

/**
 * This stack's function app and event subscription, when it holds rotating secrets and the environment has
 * azure.rotation. Without azure.rotation they do not rotate on Azure: validation refuses that in production, and
 * elsewhere the stack says so in a warning.
 */
export function addStackRotation(scope: Construct, options: StackRotationOptions): StackRotation | undefined {
  const { environment, azure } = options;
  const rotating = azureRotatingSecrets(environment.secrets);
  if (rotating.length === 0) return undefined;
  if (!azure.rotation || !options.topic) {
    const message = `environment ${environment.name} keeps rotating secrets in Azure Key Vault (${rotating.map((s) => `${s.app}/${s.name}`).join(", ")}) but has no azure.rotation: they keep their first value there and never rotate. Add azure.rotation.subnetId (a subnet delegated to Microsoft.App/environments).`;
    if (environment.production) Annotations.of(scope).addError(message);
    else Annotations.of(scope).addWarning(message);
    return undefined;
  }
  const names = azureRotationNames(environment.organization, environment.name, options.group);
  const fn = new RotationFunctionApp(scope, "rotation", {
    name: names.functionApp,
    location: azure.location,
    resourceGroupName: options.resourceGroupName,
    resourceNames: names,
    storageAccountName: names.storageAccount,
    subnetId: azure.rotation.subnetId,
    logAnalyticsWorkspaceId: azure.logAnalyticsWorkspaceId,
    keyVaultUrl: options.keyVaultUrl,
    settings: azureRotationSettings(rotating),
    packagePath: azureRotationPackagePath(),
    // The alerts' action group when given (docs/alerts.md); azure.rotation.actionGroupId stays valid.
    actionGroupId: azure.alerts?.actionGroupId ?? azure.rotation.actionGroupId,
    tags: { ...options.tags, ...(options.group ? { "stack-group": options.group } : {}) },
  });
  // Undeliverable events (after a day of retries) land in the function's storage, written by the topic's identity.
  const deadLetterGrant = fn.storage.grantOnContainer(options.topic, fn.storage.deadLetterContainer, StorageRole.BLOB_DATA_CONTRIBUTOR, "Event Grid: dead-lettered rotation events");
  const subscription = new SecretEventsSubscription(scope, "rotation-events", {
    // The topic's own name attribute: in azure-<env> the subscription then waits for the topic; from a group's stack
    // it is a cross-stack reference (that stack deploys after azure-<env>).
    systemTopicName: options.topic.topic.name,
    resourceGroupName: options.resourceGroupName,
    name: names.functionApp,
    functionId: fn.functionId,
    secretNames: rotating.map((s) => keyVaultSecretName(s.app, s.name)),
    deadLetter: { storageAccountId: fn.storage.account.id, containerName: fn.storage.deadLetterContainer.name },
    // Event Grid checks that the function exists when the subscription is created.
    dependsOn: [fn.codeDeployment, deadLetterGrant.assignment],
  });
  return {
    function: fn,
    subscription,
    rotated: new Set(rotating.map((s) => s.path)),
    secretsDependOn: subscription.subscriptions,
  };
}

/**
 * The function's rights, once the secrets exist: Key Vault Secrets Officer on each secret it rotates, Secrets User
 * on each master secret it only reads; each on the one secret.
 */
export function grantRotation(rotation: StackRotation, environment: EnvironmentModel, secrets: ReadonlyMap<string, IKeyVaultSecret>): void {
  for (const p of rotation.rotated) secrets.get(p)!.grantRotate(rotation.function);
  const masters = new Set<string>();
  for (const s of environment.secrets) {
    if (!rotation.rotated.has(s.path) || s.spec.type !== "postgres" || s.spec.rotation?.strategy !== "alternating-users") continue;
    const ref = s.spec.rotation.masterSecret;
    const master: SecretModel | undefined = ref ? environment.secret(ref) : undefined;
    // Validation keeps a master in its application's stack group; Secrets Officer already includes reading.
    if (!master) throw new Error(`${s.path}: master secret ${ref} is not in this stack`);
    if (!rotation.rotated.has(master.path)) masters.add(master.path);
  }
  for (const p of masters) secrets.get(p)!.grantRead(rotation.function);
}
