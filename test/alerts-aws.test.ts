// The AWS alerts (issue 22): the patterns the stack deploys, matched against CloudTrail records written from AWS's
// documented record shapes, and the topic, key policy, targets and rights that carry them.
//
// Record shapes: CloudTrail's userIdentity element (IAM user, assumed role with sessionContext.sessionIssuer, root)
// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html;
// Secrets Manager's entries (requestParameters.secretId, responseElements null for GetSecretValue)
// https://docs.aws.amazon.com/secretsmanager/latest/userguide/cloudtrail_log_entries.html;
// KMS's entries, which list the key in resources[].ARN (e.g. PutKeyPolicy)
// https://docs.aws.amazon.com/kms/latest/developerguide/ct-putkeypolicy.html;
// IAM's entries (requestParameters.roleName) https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html;
// the EventBridge envelope of a CloudTrail event (source, detail-type, detail = the record)
// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html.
import { alertRuleSpecs, ALERT_INPUT_PATHS, type AlertKind } from "../constructs/aws/alert-patterns";
import { deployerStatements } from "../constructs/aws/deployer-permissions";
import { parsePlatform } from "../config/load";
import { pipelineRoleArn } from "../config/pipeline";
import { exampleDescription, issuesOf, toYaml } from "./helpers/descriptions";
import { matchesPattern } from "./helpers/event-pattern";
import { resources, synthExample, synthPlatform, type StackJson } from "./helpers/synth";

const ACCOUNT = "333333333333";
const REGION = "us-east-1";
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DEPLOYER = pipelineRoleArn(ACCOUNT, "acme", "prod", "deployer");
const READER_ROLE = "acme-prod-myapp-api";

type Identity = Record<string, unknown>;
const assumed = (roleArn: string, session = "session"): Identity => {
  const name = roleArn.split("/").pop()!;
  return {
    type: "AssumedRole",
    principalId: `AROAEXAMPLE:${session}`,
    arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${name}/${session}`,
    accountId: ACCOUNT,
    sessionContext: {
      sessionIssuer: { type: "Role", principalId: "AROAEXAMPLE", arn: roleArn, accountId: ACCOUNT, userName: name },
      attributes: { mfaAuthenticated: "false", creationDate: "2026-12-07T10:00:00Z" },
    },
  };
};
const ADMIN = assumed(`arn:aws:iam::${ACCOUNT}:role/AdministratorAccess`, "alice");
const THE_DEPLOYER = assumed(DEPLOYER, "GitHubActions");
const READER = assumed(`arn:aws:iam::${ACCOUNT}:role/${READER_ROLE}`, "botocore-session-1");
const IAM_USER: Identity = { type: "IAMUser", principalId: "AIDAEXAMPLE", arn: `arn:aws:iam::${ACCOUNT}:user/Alice`, accountId: ACCOUNT, userName: "Alice" };
const ROOT: Identity = { type: "Root", principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT };

function event(service: string, eventName: string, who: Identity, extra: Record<string, unknown>): Record<string, unknown> {
  return {
    version: "0",
    id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
    "detail-type": "AWS API Call via CloudTrail",
    source: `aws.${service}`,
    account: ACCOUNT,
    time: "2026-12-07T10:05:00Z",
    region: service === "iam" ? "us-east-1" : REGION,
    resources: [],
    detail: {
      eventVersion: "1.08",
      userIdentity: who,
      eventTime: "2026-12-07T10:05:00Z",
      eventSource: `${service}.amazonaws.com`,
      eventName,
      awsRegion: service === "iam" ? "us-east-1" : REGION,
      sourceIPAddress: "198.51.100.7",
      userAgent: "aws-cli/2.15.0",
      requestID: "a0b1c2d3-0000-0000-0000-000000000000",
      eventID: "e0f1a2b3-0000-0000-0000-000000000000",
      readOnly: eventName.startsWith("Get"),
      eventType: "AwsApiCall",
      managementEvent: true,
      recipientAccountId: ACCOUNT,
      responseElements: null,
      ...extra,
    },
  };
}
const denied = (action: string) => ({
  errorCode: "AccessDenied",
  errorMessage: `User: arn:aws:sts::${ACCOUNT}:assumed-role/x/y is not authorized to perform: ${action} because no resource-based policy allows the ${action} action`,
});
const secretsManager = (name: string, who: Identity, params: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  event("secretsmanager", name, who, { requestParameters: params, ...extra });
const kms = (name: string, who: Identity, keyArn: string, extra: Record<string, unknown> = {}) =>
  event("kms", name, who, { requestParameters: { keyId: keyArn.split("/").pop() }, resources: [{ accountId: ACCOUNT, type: "AWS::KMS::Key", ARN: keyArn }], ...extra });
const iam = (name: string, who: Identity, roleName: string) => event("iam", name, who, { requestParameters: { roleName, policyName: "p" } });

/** The patterns aws-prod deploys, with the key ARN (a Terraform reference at synth) made concrete. */
function deployedPatterns(stack: StackJson): Record<AlertKind, Record<string, unknown>> {
  const out: Partial<Record<AlertKind, Record<string, unknown>>> = {};
  for (const rule of Object.values<any>(resources(stack, "aws_cloudwatch_event_rule"))) {
    const kind = /alert-(denied-reads|secret-changes|key-changes|role-changes)$/.exec(rule.name)?.[1] as AlertKind | undefined;
    if (!kind) continue;
    out[kind] = JSON.parse(rule.event_pattern.replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, KEY_ARN));
  }
  return out as Record<AlertKind, Record<string, unknown>>;
}

const prod = () => synthExample(["aws"]).json["aws-prod"];

describe("the alert patterns aws-prod deploys, against CloudTrail records", () => {
  const patterns = deployedPatterns(prod());
  const firing = (e: unknown) => (Object.keys(patterns) as AlertKind[]).filter((k) => matchesPattern(patterns[k], e));

  it("are four, each exactly as alert-patterns.ts builds them", () => {
    expect(Object.keys(patterns).sort()).toEqual(["denied-reads", "key-changes", "role-changes", "secret-changes"]);
    const built = alertRuleSpecs({ accountId: ACCOUNT, region: REGION, secretPrefix: "prod/", keyArn: KEY_ARN, rolePrefix: "acme-prod-", deployerRoleArn: DEPLOYER });
    for (const spec of built) expect(patterns[spec.kind]).toEqual(spec.pattern);
  });

  describe("denied reads", () => {
    it.each([
      ["by name", "prod/myapp/database"],
      ["by full ARN", `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/myapp/database-AbCdEf`],
    ])("fire on a GetSecretValue of a prod secret refused to a principal (%s)", (_, secretId) => {
      expect(firing(secretsManager("GetSecretValue", ADMIN, { secretId }, denied("secretsmanager:GetSecretValue")))).toEqual(["denied-reads"]);
    });

    it("fire on a refused BatchGetSecretValue naming a prod secret, and on a KMS refusal (AccessDeniedException)", () => {
      expect(firing(secretsManager("BatchGetSecretValue", IAM_USER, { secretIdList: ["dev/x/y", "prod/myapp/jwt"] }, denied("secretsmanager:BatchGetSecretValue")))).toEqual(["denied-reads"]);
      expect(firing(secretsManager("GetSecretValue", READER, { secretId: "prod/myapp/jwt" }, { errorCode: "AccessDeniedException", errorMessage: "Access to KMS is not allowed" }))).toEqual(["denied-reads"]);
    });

    it("stay silent on a successful read by a listed reader, a refused read of another environment's secret, and a missing secret", () => {
      expect(firing(secretsManager("GetSecretValue", READER, { secretId: "prod/myapp/database" }))).toEqual([]);
      expect(firing(secretsManager("GetSecretValue", ADMIN, { secretId: "dev/myapp/database" }, denied("secretsmanager:GetSecretValue")))).toEqual([]);
      expect(firing(secretsManager("GetSecretValue", ADMIN, { secretId: "production/myapp/database" }, denied("secretsmanager:GetSecretValue")))).toEqual([]);
      expect(firing(secretsManager("GetSecretValue", READER, { secretId: "prod/myapp/nothing" }, { errorCode: "ResourceNotFoundException" }))).toEqual([]);
    });
  });

  describe("secret changes", () => {
    it.each(["PutResourcePolicy", "DeleteResourcePolicy", "DeleteSecret", "CancelRotateSecret", "RemoveRegionsFromReplication"])(
      "fire on %s of a prod secret by a person, an IAM user or the root user",
      (name) => {
        for (const who of [ADMIN, IAM_USER, ROOT]) expect(firing(secretsManager(name, who, { secretId: "prod/myapp/jwt" }))).toEqual(["secret-changes"]);
      },
    );

    it("fire on UpdateSecret that changes the KMS key, not on one that changes the description", () => {
      expect(firing(secretsManager("UpdateSecret", ADMIN, { secretId: "prod/myapp/jwt", kmsKeyId: "alias/elsewhere" }))).toEqual(["secret-changes"]);
      expect(firing(secretsManager("UpdateSecret", ADMIN, { secretId: "prod/myapp/jwt", description: "new words" }))).toEqual([]);
    });

    it("stay silent on the pipeline's own deploy, and on another environment's secrets", () => {
      for (const name of ["PutResourcePolicy", "DeleteSecret", "CancelRotateSecret"]) {
        expect(firing(secretsManager(name, THE_DEPLOYER, { secretId: "prod/myapp/jwt" }))).toEqual([]);
      }
      expect(firing(secretsManager("UpdateSecret", THE_DEPLOYER, { secretId: "prod/myapp/jwt", kmsKeyId: KEY_ARN }))).toEqual([]);
      expect(firing(secretsManager("PutResourcePolicy", ADMIN, { secretId: "dev/myapp/jwt" }))).toEqual([]);
    });

    it("take a refused attempt as well as a successful one", () => {
      expect(firing(secretsManager("PutResourcePolicy", ADMIN, { secretId: "prod/myapp/jwt" }, denied("secretsmanager:PutResourcePolicy")))).toEqual(["secret-changes"]);
    });
  });

  describe("key changes", () => {
    it.each(["PutKeyPolicy", "DisableKey", "ScheduleKeyDeletion"])("fire on %s of the environment key by anyone but the deployer", (name) => {
      for (const who of [ADMIN, IAM_USER, ROOT]) expect(firing(kms(name, who, KEY_ARN))).toEqual(["key-changes"]);
      expect(firing(kms(name, THE_DEPLOYER, KEY_ARN))).toEqual([]);
    });

    it("stay silent on another key, and on the key's use", () => {
      expect(firing(kms("PutKeyPolicy", ADMIN, `arn:aws:kms:${REGION}:${ACCOUNT}:key/ffffffff-0000-0000-0000-000000000000`))).toEqual([]);
      expect(firing(kms("Decrypt", READER, KEY_ARN))).toEqual([]);
    });
  });

  describe("role changes", () => {
    it.each(["UpdateAssumeRolePolicy", "PutRolePolicy", "AttachRolePolicy", "DeleteRolePermissionsBoundary", "PutRolePermissionsBoundary"])(
      "fire on %s of a platform role by anyone but the deployer",
      (name) => {
        for (const role of [READER_ROLE, "acme-prod-rotate-jwt", "acme-prod-ci_deployer"]) {
          expect(firing(iam(name, ADMIN, role))).toEqual(["role-changes"]);
          expect(firing(iam(name, THE_DEPLOYER, role))).toEqual([]);
        }
      },
    );

    it("stay silent on roles that are not the platform's, and on reads of its roles", () => {
      expect(firing(iam("PutRolePolicy", ADMIN, "AdministratorAccess"))).toEqual([]);
      expect(firing(iam("PutRolePolicy", ADMIN, "acme-dev-myapp-api"))).toEqual([]);
      expect(firing(iam("GetRole", ADMIN, READER_ROLE))).toEqual([]);
    });
  });

  it("treat a role named like the deployer in another account as anyone else", () => {
    const impostor = assumed(DEPLOYER.replace(ACCOUNT, "444444444444"));
    expect(firing(secretsManager("DeleteSecret", impostor, { secretId: "prod/myapp/jwt" }))).toEqual(["secret-changes"]);
  });
});

describe("an environment without a pipeline", () => {
  it("alerts on every change, whoever makes it (there is no deployer to leave out)", () => {
    const spec = alertRuleSpecs({ accountId: ACCOUNT, region: REGION, secretPrefix: "prod/", keyArn: KEY_ARN, rolePrefix: "acme-prod-" }).find((s) => s.kind === "secret-changes")!;
    expect(matchesPattern(spec.pattern, secretsManager("DeleteSecret", THE_DEPLOYER, { secretId: "prod/myapp/jwt" }))).toBe(true);
  });
});

describe("the alerts' targets, topic and key", () => {
  const stack = prod();
  const rules = Object.entries<any>(resources(stack, "aws_cloudwatch_event_rule"));
  const targets = Object.values<any>(resources(stack, "aws_cloudwatch_event_target"));
  const [topicId, topic] = Object.entries<any>(resources(stack, "aws_sns_topic"))[0];

  it("give every rule one target, the topic, with picked fields only (never the whole event)", () => {
    for (const [id] of rules) {
      const mine = targets.filter((t) => t.rule === `\${aws_cloudwatch_event_rule.${id}.name}`);
      expect(mine).toHaveLength(1);
      expect(mine[0].arn).toBe(`\${aws_sns_topic.${topicId}.arn}`);
      expect(mine[0].input).toBeUndefined();
      expect(mine[0].input_path).toBeUndefined();
      expect(mine[0].input_transformer.input_paths).toEqual(ALERT_INPUT_PATHS);
    }
    // No path names the response (where a value would be) nor a whole object.
    for (const p of Object.values(ALERT_INPUT_PATHS)) {
      expect(p).not.toMatch(/responseElements|additionalEventData|^\$$|^\$\.detail$/);
    }
  });

  it("render a message, for a refused read, that names who, what and which secret and carries nothing else", () => {
    const target = targets[0];
    const record = secretsManager("GetSecretValue", ADMIN, { secretId: "prod/myapp/database" }, denied("secretsmanager:GetSecretValue"));
    // What EventBridge does: each placeholder <name> becomes the value at its path.
    const at = (path: string) => path.slice(2).split(".").reduce<any>((o, k) => o?.[k], record);
    const message = target.input_transformer.input_template.replace(/<([a-zA-Z]+)>/g, (_: string, name: string) => at(target.input_transformer.input_paths[name]) ?? "");
    const parsed = JSON.parse(message);
    expect(parsed).toMatchObject({ environment: "prod", action: "GetSecretValue", error: "AccessDenied", secret: "prod/myapp/database", principal: ADMIN.arn });
    expect(Object.keys(parsed).sort()).toEqual(["alert", "environment", ...Object.keys(ALERT_INPUT_PATHS)].sort());
  });

  it("watch read-only calls only where they must: the denied-reads rule receives read-only management events, the others do not", () => {
    for (const [, r] of rules) expect(r.state).toBe(r.name.endsWith("denied-reads") ? "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS" : "ENABLED");
  });

  it("put the IAM rule in us-east-1 through the provider alias, the others in the environment's region", () => {
    for (const [, r] of rules) expect(r.provider).toBe(r.name.endsWith("role-changes") ? "aws.us-east-1" : undefined);
    expect(stack.provider!.aws).toContainEqual(expect.objectContaining({ alias: "us-east-1", region: "us-east-1", allowed_account_ids: [ACCOUNT] }));
  });

  it("encrypt the topic with the environment key, which lets EventBridge and CloudWatch use it for this topic only", () => {
    const [keyId, key] = Object.entries<any>(resources(stack, "aws_kms_key"))[0];
    expect(topic.kms_master_key_id).toBe(`\${aws_kms_key.${keyId}.arn}`);
    const statements = JSON.parse(key.policy).Statement.filter((s: any) => /PublishesToEncryptedTopic$/.test(s.Sid));
    expect(statements.map((s: any) => s.Sid).sort()).toEqual(["CloudwatchPublishesToEncryptedTopic", "EventsPublishesToEncryptedTopic"]);
    // Sids are unique in the whole key policy.
    const sids = JSON.parse(key.policy).Statement.map((s: any) => s.Sid);
    expect(new Set(sids).size).toBe(sids.length);
    expect(statements.map((s: any) => s.Principal.Service).flat().sort()).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    for (const s of statements) {
      expect(s.Condition).toEqual({ StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:${REGION}:${ACCOUNT}:acme-prod-secrets-alerts` } });
    }
  });

  it("let only this environment's rules and alarms publish, by source ARN and account", () => {
    const policy = JSON.parse(Object.values<any>(resources(stack, "aws_sns_topic_policy"))[0].policy);
    const byService = Object.fromEntries(policy.Statement.map((s: any) => [s.Principal.Service[0], s]));
    expect(Object.keys(byService).sort()).toEqual(["cloudwatch.amazonaws.com", "events.amazonaws.com"]);
    expect(byService["events.amazonaws.com"].Condition.ArnEquals["aws:SourceArn"]).toEqual(
      ["denied-reads", "secret-changes", "key-changes", "role-changes"].map((k) => `arn:aws:events:${REGION}:${ACCOUNT}:rule/acme-prod-alert-${k}`),
    );
    for (const s of policy.Statement) {
      expect(s.Action).toBe("sns:Publish");
      expect(s.Condition.StringEquals).toEqual({ "aws:SourceAccount": ACCOUNT });
    }
  });

  it("send the rotation error alarms to the same topic", () => {
    const alarms = Object.values<any>(resources(stack, "aws_cloudwatch_metric_alarm"));
    expect(alarms.length).toBeGreaterThan(0);
    for (const a of alarms) expect(a.alarm_actions).toContain(`\${aws_sns_topic.${topicId}.arn}`);
  });
});

describe("where alerts are built", () => {
  const synth = (change: (d: any) => void) => {
    const d = exampleDescription();
    change(d);
    return synthPlatform(parsePlatform(toYaml(d), "test"), { backends: ["aws"] }).json;
  };
  const ruleCount = (s: StackJson) => Object.keys(resources(s, "aws_cloudwatch_event_rule")).length;

  it("in production by default, elsewhere only with aws.alerts, and nowhere with enabled: false", () => {
    const json = synth((d) => {
      d.environments.staging.aws.alerts = {};
      d.environments.prod.aws.alerts = { enabled: false };
    });
    expect(ruleCount(json["aws-dev"])).toBe(0);
    expect(ruleCount(json["aws-staging"])).toBe(4);
    expect(ruleCount(json["aws-prod"])).toBe(0);
  });

  it("to the given topic instead of one of its own", () => {
    const given = `arn:aws:sns:${REGION}:${ACCOUNT}:secops-alerts`;
    const json = synth((d) => (d.environments.prod.aws.alerts = { snsTopicArn: given }));
    expect(resources(json["aws-prod"], "aws_sns_topic")).toEqual({});
    for (const t of Object.values<any>(resources(json["aws-prod"], "aws_cloudwatch_event_target"))) expect(t.arn).toBe(given);
    for (const a of Object.values<any>(resources(json["aws-prod"], "aws_cloudwatch_metric_alarm"))) expect(a.alarm_actions).toContain(given);
  });

  it("outside us-east-1, forward IAM's events from us-east-1 to the region's bus, where the role rule publishes", () => {
    const json = synth((d) => {
      d.environments.prod.aws.region = "eu-west-1";
      d.environments.prod.aws.backend.region = "eu-west-1";
    });
    const stack = json["aws-prod"];
    const rules = Object.entries<any>(resources(stack, "aws_cloudwatch_event_rule"));
    const forward = rules.find(([, r]) => r.name === "acme-prod-alert-role-changes-forward")!;
    expect(forward[1].provider).toBe("aws.us-east-1");
    const local = rules.find(([, r]) => r.name === "acme-prod-alert-role-changes")!;
    expect(local[1].provider).toBeUndefined();
    expect(JSON.parse(forward[1].event_pattern)).toEqual(JSON.parse(local[1].event_pattern));
    const target = Object.values<any>(resources(stack, "aws_cloudwatch_event_target")).find((t) => t.rule === `\${aws_cloudwatch_event_rule.${forward[0]}.name}`);
    expect(target.arn).toBe(`arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default`);
    const role = Object.values<any>(resources(stack, "aws_iam_role")).find((r) => r.name === "acme-prod-alerts_forwarder");
    expect(target.role_arn).toMatch(/^\$\{aws_iam_role\..*\.arn\}$/);
    const trust = JSON.parse(role.assume_role_policy).Statement[0];
    expect(trust.Principal).toEqual({ Service: ["events.amazonaws.com"] });
    expect(trust.Action).toBe("sts:AssumeRole");
    const permissions = Object.values<any>(resources(stack, "aws_iam_role_policy")).find((p) => p.name === "put-events");
    expect(JSON.parse(permissions.policy).Statement).toEqual([expect.objectContaining({ Action: "events:PutEvents", Resource: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default` })]);
    expect(role.permissions_boundary).toMatch(/workload-boundary$/);
  });
});

describe("the description's alert fields", () => {
  it("refuse a malformed topic ARN, and one of another account or region, with the field path", () => {
    const with_ = (arn: string) => {
      const d = exampleDescription();
      d.environments.prod.aws.alerts = { snsTopicArn: arn };
      return issuesOf(d);
    };
    expect(with_("secops-alerts")).toEqual([expect.stringMatching(/^environments\.prod\.aws\.alerts\.snsTopicArn: must be an SNS topic ARN/)]);
    expect(with_(`arn:aws:sns:${REGION}:444444444444:secops`)).toEqual([expect.stringMatching(/^environments\.prod\.aws\.alerts\.snsTopicArn: belongs to account 444444444444/)]);
    expect(with_(`arn:aws:sns:eu-west-1:${ACCOUNT}:secops`)).toEqual([expect.stringMatching(/^environments\.prod\.aws\.alerts\.snsTopicArn: is in region eu-west-1/)]);
  });
});

describe("the deployer's rights for the alerts' resource types", () => {
  const scope = { account: { accountId: ACCOUNT, region: "eu-west-1" }, namePrefix: "acme-prod-", secretPrefix: "prod/", keyAlias: "acme-prod-secrets", tag: { key: "environment", value: "prod" }, permissionsBoundaryArn: "arn:aws:iam::333333333333:policy/b" };

  it("cover rules in the environment's region and us-east-1, topics under the prefix, and passing roles only to EventBridge", () => {
    const rules = deployerStatements(["aws_cloudwatch_event_rule"], scope).find((st) => st.sid === "ManageEnvironmentAlertRules")!;
    expect(rules.actions).toEqual(expect.arrayContaining(["events:PutRule", "events:DeleteRule", "events:DescribeRule"]));
    expect(rules.resources).toEqual([`arn:aws:events:eu-west-1:${ACCOUNT}:rule/acme-prod-*`, `arn:aws:events:us-east-1:${ACCOUNT}:rule/acme-prod-*`]);
    const targets = deployerStatements(["aws_cloudwatch_event_target"], scope);
    expect(targets.find((st) => st.sid === "ManageEnvironmentAlertRules")!.actions).toEqual(expect.arrayContaining(["events:PutTargets", "events:RemoveTargets"]));
    expect(targets.find((st) => st.actions.includes("iam:PassRole"))).toMatchObject({ conditions: { StringEquals: { "iam:PassedToService": "events.amazonaws.com" } } });
    expect(deployerStatements(["aws_sns_topic"], scope)[0].resources).toEqual([`arn:aws:sns:eu-west-1:${ACCOUNT}:acme-prod-*`]);
  });
});

describe("the workload boundary, outside us-east-1", () => {
  it("lets the forwarding role put events on the environment region's default bus, and only there; in us-east-1 nothing is added", () => {
    const statementsOf = (region: string) => {
      const d = exampleDescription();
      d.environments.prod.aws.region = region;
      d.environments.prod.aws.backend.region = region;
      const { json } = synthPlatform(parsePlatform(toYaml(d), "test"), { environments: ["prod"], backends: ["aws", "bootstrap"] });
      const policy = Object.values<any>(resources(json["bootstrap-prod"], "aws_iam_policy")).find((p) => p.name === "acme-prod-workload-boundary");
      return JSON.parse(policy.policy).Statement as any[];
    };
    const forwarding = statementsOf("eu-west-1").filter((s) => [s.Action].flat().includes("events:PutEvents"));
    expect(forwarding).toEqual([expect.objectContaining({ Sid: "ForwardAlertEventsToTheEnvironmentsBus", Resource: `arn:aws:events:eu-west-1:${ACCOUNT}:event-bus/default` })]);
    expect(statementsOf("us-east-1").filter((s) => [s.Action].flat().includes("events:PutEvents"))).toEqual([]);
  });
});
