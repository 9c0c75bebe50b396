// An environment's alerts on what policy cannot prevent (issue 22, docs/alerts.md): EventBridge rules on CloudTrail
// management events, each with a target, publishing to one SNS topic: the one given, or one this construct creates,
// encrypted with the environment key, that only EventBridge may publish to.
import { CloudwatchEventRule } from "@cdktf/provider-aws/lib/cloudwatch-event-rule";
import { CloudwatchEventTarget } from "@cdktf/provider-aws/lib/cloudwatch-event-target";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { SnsTopic } from "@cdktf/provider-aws/lib/sns-topic";
import { SnsTopicPolicy } from "@cdktf/provider-aws/lib/sns-topic-policy";
import { Construct } from "constructs";
import { AccountRegion } from "./arns";
import { ALERT_INPUT_PATHS, alertInputTemplate, type AlertKind, alertRuleSpecs, type AlertPatternScope, type AlertRuleSpec } from "./alert-patterns";
import type { EnvironmentKey } from "./environment-key";
import { PolicyDocument } from "./policy-document";

/** IAM's CloudTrail events reach EventBridge in this region only (see alert-patterns.ts). */
export const GLOBAL_EVENTS_REGION = "us-east-1";

export interface SecretAlertsProps {
  readonly account: AccountRegion;
  /** The environment's name, carried in every message. */
  readonly environment: string;
  /** What the patterns name: secrets, the key, the roles, the deployer. Account and region come from `account`. */
  readonly scope: Omit<AlertPatternScope, "accountId" | "region" | "partition">;
  /** Rule name of each alert kind (EventBridge: 64 characters of letters, digits, ".", "-", "_"). */
  readonly ruleName: (kind: AlertKind | "role-changes-forward") => string;
  /**
   * An existing SNS topic in the environment's account and region, which must let events.amazonaws.com publish.
   * @default - a topic named `topicName`, encrypted with `encryptionKey`
   */
  readonly topicArn?: string;
  /** Name of the topic created when no `topicArn` is given. */
  readonly topicName: string;
  /** Encrypts the created topic; its policy is extended so that EventBridge may use it for this topic. */
  readonly encryptionKey: EnvironmentKey;
  /**
   * A provider for us-east-1, where the IAM rule must live. When the environment's region is another, that rule
   * forwards matching events to the region's default event bus (a role EventBridge assumes), where a rule with
   * the same pattern publishes to the topic.
   */
  readonly globalProvider: AwsProvider;
  /** Every alarm that may publish to the created topic has a name beginning with it (the rotation error alarms). */
  readonly alarmNamePrefix: string;
  /** Name of the forwarding role (only when the region is not us-east-1). */
  readonly forwarderRoleName: string;
  /** @default - no boundary */
  readonly permissionsBoundary?: string;
}

export interface AlertRule {
  readonly spec: AlertRuleSpec;
  readonly rule: CloudwatchEventRule;
  readonly target: CloudwatchEventTarget;
  /** The region the rule lives in. */
  readonly region: string;
}

export class SecretAlerts extends Construct {
  /** Where every alert goes (and the rotation error alarms). */
  readonly topicArn: string;
  /** The created topic, when no topic ARN was given. */
  readonly topic?: SnsTopic;
  readonly rules: AlertRule[] = [];
  /** The role that forwards IAM events from us-east-1 to the environment's region, when they differ. */
  readonly forwarder?: IamRole;

  constructor(scope: Construct, id: string, props: SecretAlertsProps) {
    super(scope, id);
    const { account } = props;
    const partition = account.partition ?? "aws";
    const specs = alertRuleSpecs({ ...props.scope, accountId: account.accountId, region: account.region, partition });
    const ruleArn = (name: string, region: string) => `arn:${partition}:events:${region}:${account.accountId}:rule/${name}`;

    // Rules that publish to the topic: every kind in the environment's region; the IAM kind there too when its events
    // are forwarded from us-east-1.
    const local = account.region === GLOBAL_EVENTS_REGION;
    const publishing = specs.map((spec) => ({ spec, name: props.ruleName(spec.kind) }));
    if (props.topicArn) {
      this.topicArn = props.topicArn;
    } else {
      const topicArn = `arn:${partition}:sns:${account.region}:${account.accountId}:${props.topicName}`;
      // SNS encrypts messages with the key under the encryption context aws:sns:topicArn; a publishing service needs
      // kms:GenerateDataKey and kms:Decrypt on it (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html,
      // "Enable compatibility between event sources from AWS services and encrypted topics", which lists EventBridge).
      props.encryptionKey.allowServiceForSnsTopic("events.amazonaws.com", topicArn);
      // The rotation error alarms publish to the same topic: CloudWatch needs the same key use (same page).
      props.encryptionKey.allowServiceForSnsTopic("cloudwatch.amazonaws.com", topicArn);
      this.topic = new SnsTopic(this, "topic", {
        name: props.topicName,
        displayName: `Secrets alerts of ${props.environment}`,
        kmsMasterKeyId: props.encryptionKey.arn,
      });
      this.topicArn = this.topic.arn;
      // Only EventBridge publishes, and only for this environment's rules in this account (confused deputy): EventBridge
      // sets aws:SourceArn to the rule's ARN and aws:SourceAccount to its account
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html; SNS targets:
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions).
      const policy = new PolicyDocument([
        {
          sid: "OnlyThisEnvironmentsRulesPublish",
          principals: { Service: ["events.amazonaws.com"] },
          actions: ["sns:Publish"],
          resources: [topicArn],
          conditions: {
            ArnEquals: { "aws:SourceArn": publishing.map((p) => ruleArn(p.name, account.region)) },
            StringEquals: { "aws:SourceAccount": account.accountId },
          },
        },
        {
          // The environment's CloudWatch alarms (rotation errors) publish too, under the same two conditions
          // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html).
          sid: "OnlyThisEnvironmentsAlarmsPublish",
          principals: { Service: ["cloudwatch.amazonaws.com"] },
          actions: ["sns:Publish"],
          resources: [topicArn],
          conditions: {
            ArnLike: { "aws:SourceArn": `arn:${partition}:cloudwatch:${account.region}:${account.accountId}:alarm:${props.alarmNamePrefix}*` },
            StringEquals: { "aws:SourceAccount": account.accountId },
          },
        },
      ]);
      new SnsTopicPolicy(this, "topic-policy", { arn: this.topic.arn, policy: policy.toJson() });
    }

    for (const { spec, name } of publishing) {
      // In us-east-1 the IAM rule is a rule of the us-east-1 provider; elsewhere it matches the events forwarded below.
      const provider = spec.region === "us-east-1" && local ? props.globalProvider : undefined;
      this.rules.push(this.addRule(spec, name, this.topicArn, props.environment, provider, account.region));
    }

    if (!local) {
      // IAM events are delivered in us-east-1 only: a rule there sends them to the environment region's default bus,
      // where the role-changes rule above matches them (cross-Region event bus targets need a role:
      // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html).
      const bus = `arn:${partition}:events:${account.region}:${account.accountId}:event-bus/default`;
      const forwardName = props.ruleName("role-changes-forward");
      // The trust EventBridge documents for target roles (events.amazonaws.com, sts:AssumeRole), without conditions:
      // that EventBridge sets aws:SourceArn on AssumeRole is documented for resource policies only
      // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html), and a condition it does not
      // meet would drop every forwarded event unseen. A rule can use the role only where someone may pass it
      // (iam:PassRole in this account: the deployer, to EventBridge, for the environment's roles).
      const trust = new PolicyDocument([
        { sid: "EventBridgeForwards", principals: { Service: ["events.amazonaws.com"] }, actions: ["sts:AssumeRole"] },
      ]);
      this.forwarder = new IamRole(this, "forwarder", {
        name: props.forwarderRoleName,
        description: `EventBridge forwards IAM events of ${props.environment}'s roles from ${GLOBAL_EVENTS_REGION} to ${account.region}`,
        assumeRolePolicy: JSON.stringify(trust.toObject()),
        permissionsBoundary: props.permissionsBoundary,
      });
      new IamRolePolicy(this, "forwarder-permissions", {
        name: "put-events",
        role: this.forwarder.id,
        policy: new PolicyDocument([{ sid: "PutToTheEnvironmentsDefaultBus", actions: ["events:PutEvents"], resources: [bus] }]).toJson(),
      });
      const spec = specs.find((s) => s.kind === "role-changes")!;
      const rule = new CloudwatchEventRule(this, "role-changes-forward", {
        provider: props.globalProvider,
        name: forwardName,
        description: `${spec.description}: forwarded to ${account.region}`,
        eventPattern: JSON.stringify(spec.pattern),
        state: spec.state,
      });
      const target = new CloudwatchEventTarget(this, "role-changes-forward-target", {
        provider: props.globalProvider,
        rule: rule.name,
        targetId: "environment-region-bus",
        arn: bus,
        roleArn: this.forwarder.arn,
      });
      this.rules.push({ spec: { ...spec, kind: "role-changes" }, rule, target, region: GLOBAL_EVENTS_REGION });
    }
  }

  private addRule(spec: AlertRuleSpec, name: string, topicArn: string, environment: string, provider: AwsProvider | undefined, region: string): AlertRule {
    const rule = new CloudwatchEventRule(this, spec.kind, {
      provider,
      name,
      description: spec.description,
      eventPattern: JSON.stringify(spec.pattern),
      state: spec.state,
    });
    const target = new CloudwatchEventTarget(this, `${spec.kind}-target`, {
      provider,
      rule: rule.name,
      targetId: "alerts-topic",
      arn: topicArn,
      // Selected fields only, never the whole event (alert-patterns.ts says why none can hold a secret value).
      inputTransformer: { inputPaths: { ...ALERT_INPUT_PATHS }, inputTemplate: alertInputTemplate(spec.kind, environment) },
    });
    return { spec, rule, target, region: provider ? GLOBAL_EVENTS_REGION : region };
  }
}
