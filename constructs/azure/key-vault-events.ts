// Key Vault's events through Event Grid: the vault's system topic (one per vault, Azure allows no second) and
// subscriptions that deliver the events of named secrets to an Azure Function.
import { ITerraformDependable } from "cdktf";
import { Construct } from "constructs";
import { EventgridSystemTopic } from "@cdktf/provider-azurerm/lib/eventgrid-system-topic";
import { EventgridSystemTopicEventSubscription } from "@cdktf/provider-azurerm/lib/eventgrid-system-topic-event-subscription";
import type { IAzurePrincipal } from "./principal";

/** The events a rotation function needs: a version nearing or past its expiry, and a new version (creation). */
export const KEY_VAULT_ROTATION_EVENTS = [
  "Microsoft.KeyVault.SecretNearExpiry",
  "Microsoft.KeyVault.SecretExpired",
  "Microsoft.KeyVault.SecretNewVersionCreated",
] as const;

/**
 * Event Grid allows 25 values across all advanced filters of one subscription
 * (https://learn.microsoft.com/azure/event-grid/event-filtering#limitations): more secrets take more subscriptions.
 */
export const MAX_FILTER_VALUES = 25;

export interface KeyVaultSystemTopicProps {
  /** Also the name other stacks subscribe with. */
  readonly name: string;
  readonly keyVaultId: string;
  readonly location: string;
  readonly resourceGroupName: string;
  /** @default - no tags */
  readonly tags?: Record<string, string>;
}

/** The vault's Event Grid system topic (topic type Microsoft.KeyVault.vaults). */
export class KeyVaultSystemTopic extends Construct implements IAzurePrincipal {
  readonly topic: EventgridSystemTopic;
  readonly principalType = "ServicePrincipal" as const;

  constructor(scope: Construct, id: string, props: KeyVaultSystemTopicProps) {
    super(scope, id);
    this.topic = new EventgridSystemTopic(this, "topic", {
      name: props.name,
      location: props.location,
      resourceGroupName: props.resourceGroupName,
      sourceResourceId: props.keyVaultId,
      topicType: "Microsoft.KeyVault.vaults",
      // Its own identity writes undeliverable events to the dead-letter container (dead_letter_identity), so the
      // storage account needs no key or SAS.
      identity: { type: "SystemAssigned" },
      tags: props.tags,
    });
  }

  /** The topic's own identity, which writes dead-lettered events. */
  get principalId(): string {
    return this.topic.identity.principalId;
  }
}

export interface SecretEventsSubscriptionProps {
  /** The system topic's name (it may be in another stack of the same resource group). */
  readonly systemTopicName: string;
  readonly resourceGroupName: string;
  /** Prefix of the subscriptions' names; each gets -<n> when the secrets need more than one. */
  readonly name: string;
  /** ARM id of the function app's function: <function app id>/functions/<name>. */
  readonly functionId: string;
  /** Key Vault secret names whose events are delivered; no other secret's. */
  readonly secretNames: readonly string[];
  /** Where undeliverable events go, written by the system topic's identity. @default - dropped after the retries */
  readonly deadLetter?: { readonly storageAccountId: string; readonly containerName: string };
  /** What must exist before a subscription: the function's code (Event Grid checks the function exists). @default - none */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/** Delivers the rotation events of exactly the named secrets to one function, in as many subscriptions as needed. */
export class SecretEventsSubscription extends Construct {
  readonly subscriptions: EventgridSystemTopicEventSubscription[] = [];

  constructor(scope: Construct, id: string, props: SecretEventsSubscriptionProps) {
    super(scope, id);
    const names = [...props.secretNames].sort();
    if (names.length === 0) throw new Error(`${this.node.path}: name at least one secret; an unfiltered subscription would deliver every secret's events`);
    const chunks: string[][] = [];
    for (let i = 0; i < names.length; i += MAX_FILTER_VALUES) chunks.push(names.slice(i, i + MAX_FILTER_VALUES));
    chunks.forEach((chunk, i) => {
      const name = chunks.length === 1 ? props.name : `${props.name}-${i + 1}`;
      this.subscriptions.push(
        new EventgridSystemTopicEventSubscription(this, chunks.length === 1 ? "subscription" : `subscription-${i + 1}`, {
          name,
          systemTopic: props.systemTopicName,
          resourceGroupName: props.resourceGroupName,
          // The Event Grid trigger's endpoint type: Event Grid fetches the function's system key itself
          // (https://learn.microsoft.com/azure/event-grid/handler-functions).
          azureFunctionEndpoint: { functionId: props.functionId, maxEventsPerBatch: 1 },
          includedEventTypes: [...KEY_VAULT_ROTATION_EVENTS],
          // A Key Vault event's subject is the object's name (https://learn.microsoft.com/azure/event-grid/event-schema-key-vault).
          advancedFilter: { stringIn: [{ key: "subject", values: chunk }] },
          // The first event after a secret is created can arrive before the function's role on it has propagated:
          // retry for a day (Event Grid backs off exponentially), then dead-letter.
          retryPolicy: { maxDeliveryAttempts: 30, eventTimeToLive: 1440 },
          ...(props.deadLetter
            ? {
                deadLetterIdentity: { type: "SystemAssigned" },
                storageBlobDeadLetterDestination: {
                  storageAccountId: props.deadLetter.storageAccountId,
                  storageBlobContainerName: props.deadLetter.containerName,
                },
              }
            : {}),
          dependsOn: props.dependsOn ? [...props.dependsOn] : undefined,
        }),
      );
    });
  }
}
