// Every guardrail rule: the untouched example passes, and breaking the example one way makes exactly the
// expected rule fire on the expected construct. Each test builds a fresh stack of the example (~50 ms) and
// synthesizes it the way the tests' synth does, reading the error annotations the aspect leaves.
import { Fn, TerraformStack, Testing } from "cdktf";
import { DataAwsIamPolicyDocument } from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { FunctionAppFlexConsumption } from "@cdktf/provider-azurerm/lib/function-app-flex-consumption";
import { StorageAccount } from "@cdktf/provider-azurerm/lib/storage-account";
import { KubernetesAuthBackendRole } from "@cdktf/provider-vault/lib/kubernetes-auth-backend-role";
import { stringify } from "yaml";
import { guardrailReport } from "../constructs/guardrails";
import type { AwsSecretsStack } from "../stacks/aws-stack";
import type { VaultSecretsStack } from "../stacks/vault-stack";
import { synthExample } from "./helpers/synth";
import { errorMessages, errorsOf, exampleChangedAfterValidation, freshStack, l1 } from "./guardrails-helpers";
import { exampleDescription } from "./helpers/descriptions";

const aws = (env = "prod") => freshStack<AwsSecretsStack>("aws", env);
const vault = (env = "prod") => freshStack<VaultSecretsStack>("vault", env);
const azure = (env = "prod") => freshStack("azure", env);

/** The example description with one change, as YAML. */
function exampleWith(change: (d: any) => void): string {
  const d = exampleDescription();
  change(d);
  return stringify(d);
}

describe("the untouched example", () => {
  const { stacks } = synthExample();

  const backendStacks = Object.keys(stacks).filter((n) => !n.startsWith("bootstrap-"));
  it.each(backendStacks)("%s passes every rule, with nothing suppressed", (name) => {
    const stack = stacks[name];
    expect(errorsOf(stack)).toEqual([]);
    const report = guardrailReport(stack)!;
    expect(report.findings).toEqual([]);
    expect(report.suppressions).toEqual([]);
    expect(report.production).toBe(name.endsWith("-prod"));
    // every pack applies to every stack: AWS, Vault, Azure, Kubernetes, pipeline and alert rules, and the two on suppressions
    expect(report.ruleIds).toHaveLength(43);
  });

  // The CI deployer administers what the environment's stacks create, which workload rules would flag: bootstrap-<env>
  // passes with suppressions that say why, none of them of a pipeline rule.
  it.each(Object.keys(stacks).filter((n) => n.startsWith("bootstrap-")))("%s passes every rule, its suppressions written out", (name) => {
    const report = guardrailReport(stacks[name])!;
    expect(report.findings).toEqual([]);
    expect(report.suppressions.length).toBeGreaterThan(0);
    for (const s of report.suppressions) expect(s.ruleId).toMatch(/^SP-(AWS-001|AZR-004|VLT-001|VLT-002|VLT-006)$/);
  });
});

describe("SP-AWS-001 IAM statements with a wildcard action or resource", () => {
  it("fires on a wildcard action in a rotation function's policy", () => {
    const stack = aws();
    stack.rotationFunctions.get("jwt")!.addToPolicy({ actions: ["secretsmanager:*"], resources: [stack.secretAt("prod/myapp/jwt").arnPattern] });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/rotation-jwt/permissions"]]);
    expect(errorMessages(stack)[0]).toMatch(/wildcard action "secretsmanager:\*"/);
  });

  it("fires on Resource \"*\" for an action that accepts resources, on the workload's IRSA role", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.addToPolicy({ sid: "ReadAll", actions: ["secretsmanager:GetSecretValue"], resources: ["*"] });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/myapp--api/permissions"]]);
    expect(errorMessages(stack)[0]).toContain('statement "ReadAll" allows Resource "*" with "secretsmanager:GetSecretValue"');
  });

  it("fires when a star-only action shares Resource \"*\" with an action that is not, naming only the latter", () => {
    const stack = aws();
    stack.rotationFunctions.get("postgres-single-user")!.addToPolicy({
      sid: "Mixed",
      actions: ["secretsmanager:GetRandomPassword", "secretsmanager:ListSecrets"],
      resources: ["*"],
    });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/rotation-postgres-single-user/permissions"]]);
    expect(errorMessages(stack)[0]).toContain('Resource "*" with "secretsmanager:ListSecrets"');
    expect(errorMessages(stack)[0]).not.toContain('"secretsmanager:GetRandomPassword"');
  });

  it("fires on a secret ARN with a name wildcard (the -?????? suffix alone is accepted)", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.addToPolicy({
      actions: ["secretsmanager:GetSecretValue"],
      resources: ["arn:aws:secretsmanager:us-east-1:333333333333:secret:prod/myapp/*"],
    });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/myapp--api/permissions"]]);
  });

  it("accepts network-interface/* only with the interface actions Lambda needs", () => {
    const stack = aws();
    stack.rotationFunctions.get("jwt")!.addToPolicy({
      sid: "TooMuchEc2",
      actions: ["ec2:DeleteNetworkInterface", "ec2:TerminateInstances"],
      resources: ["arn:aws:ec2:us-east-1:333333333333:network-interface/*"],
    });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/rotation-jwt/permissions"]]);
  });

  it("fires on NotAction in an Allow statement", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.role.addOverride(
      "inline_policy",
      [{ name: "extra", policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::bucket" }] }) }],
    );
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/myapp--api/role"]]);
  });

  it("reads aws_iam_policy documents rendered by an aws_iam_policy_document data source", () => {
    const stack = aws();
    const doc = new DataAwsIamPolicyDocument(stack, "extra-doc", { statement: [{ actions: ["s3:GetObject"], resources: ["*"] }] });
    new IamPolicy(stack, "extra-policy", { name: "extra", policy: doc.json });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/extra-policy"]]);
  });

  it("fails closed on a policy that is only known at plan time", () => {
    const stack = aws();
    new IamPolicy(stack, "opaque-policy", { name: "opaque", policy: Fn.jsonencode({ Statement: [] }) });
    expect(errorsOf(stack)).toEqual([["SP-AWS-001", "aws-prod/opaque-policy"]]);
    expect(errorMessages(stack)[0]).toContain("cannot be checked at synth");
  });

  it("ignores Deny statements, whatever they name", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.addToPolicy({ effect: "Deny", actions: ["secretsmanager:*"], resources: ["*"] });
    expect(errorsOf(stack)).toEqual([]);
  });
});

describe("SP-AWS-002 IRSA trust", () => {
  const trust = (conditions: object) =>
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: "arn:aws:iam::333333333333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEPROD" },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: conditions,
        },
      ],
    });
  const issuer = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLEPROD";

  it("fires when sub is matched with StringLike", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.role.addOverride(
      "assume_role_policy",
      trust({ StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" }, StringLike: { [`${issuer}:sub`]: "system:serviceaccount:myapp:*" } }),
    );
    expect(errorsOf(stack)).toEqual([["SP-AWS-002", "aws-prod/myapp--api/role"]]);
    expect(errorMessages(stack)[0]).toContain("no StringEquals on sub, sub under StringLike");
  });

  it("fires when aud is missing", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.role.addOverride("assume_role_policy", trust({ StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:myapp:myapp-api" } }));
    expect(errorsOf(stack)).toEqual([["SP-AWS-002", "aws-prod/myapp--api/role"]]);
    expect(errorMessages(stack)[0]).toContain("no StringEquals on aud");
  });

  it("fires when the keys name another issuer than the principal's", () => {
    const stack = aws();
    stack.workloadRoles.get("myapp/api")!.role.addOverride(
      "assume_role_policy",
      trust({ StringEquals: { "other.example.com:sub": "system:serviceaccount:myapp:myapp-api", "other.example.com:aud": "sts.amazonaws.com" } }),
    );
    expect(errorsOf(stack)).toEqual([["SP-AWS-002", "aws-prod/myapp--api/role"]]);
  });
});

describe("SP-AWS-003 secret without the customer-managed key", () => {
  it("fires when kms_key_id is removed", () => {
    const stack = aws();
    stack.secretAt("prod/myapp/jwt").secret.resetKmsKeyId();
    expect(errorsOf(stack)).toEqual([["SP-AWS-003", "aws-prod/myapp--jwt/secret"]]);
  });

  it("fires on the AWS-managed key", () => {
    const stack = aws();
    stack.secretAt("prod/myapp/openai").secret.kmsKeyId = "alias/aws/secretsmanager";
    expect(errorsOf(stack)).toEqual([["SP-AWS-003", "aws-prod/myapp--openai/secret"]]);
  });
});

describe("SP-AWS-004 and SP-AWS-005 KMS key", () => {
  it("SP-AWS-004 fires when rotation is off", () => {
    const stack = aws();
    stack.key.key.enableKeyRotation = false;
    expect(errorsOf(stack)).toEqual([["SP-AWS-004", "aws-prod/environment-key/key"]]);
  });

  it("SP-AWS-005 fires on Principal \"*\"", () => {
    const stack = aws();
    stack.key.policy.addStatements({ sid: "Everyone", principals: "*", actions: ["kms:Decrypt"], resources: ["*"] });
    expect(errorsOf(stack)).toEqual([["SP-AWS-005", "aws-prod/environment-key/key"]]);
    expect(errorMessages(stack)[0]).toContain('statement "Everyone"');
  });

  it("SP-AWS-005 fires on {AWS: \"*\"}, even with a condition", () => {
    const stack = aws();
    stack.key.policy.addStatements({
      principals: { AWS: ["*"] },
      actions: ["kms:Decrypt"],
      resources: ["*"],
      conditions: { StringEquals: { "kms:CallerAccount": "333333333333" } },
    });
    expect(errorsOf(stack)).toEqual([["SP-AWS-005", "aws-prod/environment-key/key"]]);
  });
});

describe("SP-AWS-006 rotatable secret without rotation in production", () => {
  it("fires in prod when the jwt secret's rotation is removed", () => {
    const stack = aws("prod");
    stack.secretAt("prod/myapp/jwt").node.tryRemoveChild("rotation");
    expect(errorsOf(stack)).toEqual([["SP-AWS-006", "aws-prod/myapp--jwt/secret"]]);
  });

  it("does not fire outside production", () => {
    const stack = aws("dev");
    stack.secretAt("dev/myapp/jwt").node.tryRemoveChild("rotation");
    expect(errorsOf(stack)).toEqual([]);
  });

  it("fires on a token secret without rotation in prod (validation refuses that description; another stack may not)", () => {
    const yaml = exampleChangedAfterValidation((p) => {
      p.applications.myapp.secrets.session = { type: "token", length: 48 };
    });
    expect(errorsOf(freshStack("aws", "prod", yaml))).toEqual([["SP-AWS-006", "aws-prod/myapp--session/secret"]]);
    expect(errorsOf(freshStack("aws", "staging", yaml))).toEqual([]);
  });
});

describe("SP-AWS-007 and SP-AWS-008 rotation functions", () => {
  it("SP-AWS-007 fires when the log group keeps logs forever", () => {
    const stack = aws();
    stack.rotationFunctions.get("jwt")!.logGroup.retentionInDays = 0;
    expect(errorsOf(stack)).toEqual([["SP-AWS-007", "aws-prod/rotation-jwt/function"]]);
  });

  it("SP-AWS-007 fires when the function logs to a group the stack does not create", () => {
    const stack = aws();
    stack.rotationFunctions.get("jwt")!.function.addOverride("logging_config.log_group", "/aws/lambda/somewhere-else");
    expect(errorsOf(stack)).toEqual([["SP-AWS-007", "aws-prod/rotation-jwt/function"]]);
  });

  it("SP-AWS-008 fires when Secrets Manager's invoke permission has no source_account", () => {
    const stack = aws();
    stack.rotationFunctions.get("jwt")!.permission.resetSourceAccount();
    expect(errorsOf(stack)).toEqual([["SP-AWS-008", "aws-prod/rotation-jwt/secrets-manager-invokes"]]);
  });
});

describe("Vault rules", () => {
  const policyOf = (stack: VaultSecretsStack) => stack.policies.get("prod-myapp-api")!;
  const k8sRole = (stack: VaultSecretsStack) => l1(stack, "vault_kubernetes_auth_backend_role", "role-myapp-api/") as KubernetesAuthBackendRole;

  it("SP-VLT-001 fires when the policy grants another application's secret (which the construct allows)", () => {
    const stack = vault();
    stack.kv.grantRead(policyOf(stack), "prod/dbadmin/master");
    expect(errorsOf(stack)).toEqual([["SP-VLT-001", "vault-prod/policy-myapp-api/policy"]]);
    expect(errorMessages(stack).join("\n")).toContain('path "secret/data/prod/dbadmin/master"');
  });

  it("SP-VLT-001 fires on another environment's path of the same application", () => {
    const stack = vault();
    stack.kv.grantRead(policyOf(stack), "dev/myapp/jwt");
    expect(errorsOf(stack)).toEqual([["SP-VLT-001", "vault-prod/policy-myapp-api/policy"]]);
  });

  it("SP-VLT-002 fires on sys/ and auth/ paths", () => {
    const stack = vault();
    policyOf(stack).resource.addOverride(
      "policy",
      'path "secret/data/prod/myapp/jwt" {\n  capabilities = ["read"]\n}\npath "sys/mounts" { capabilities = ["read"] }\npath "auth/token/create" { capabilities = ["update"] }\n',
    );
    expect(errorsOf(stack)).toEqual([["SP-VLT-002", "vault-prod/policy-myapp-api/policy"]]);
    expect(errorMessages(stack)[0]).toContain('path "sys/mounts" (read); path "auth/token/create" (update)');
  });

  it("SP-VLT-003 fires on a glob inside the application's own paths", () => {
    const stack = vault();
    policyOf(stack).resource.addOverride("policy", '# comment with path "secret/data/x"\npath "secret/data/prod/myapp/*" { capabilities = ["read"] }');
    expect(errorsOf(stack)).toEqual([["SP-VLT-003", "vault-prod/policy-myapp-api/policy"]]);
  });

  it("SP-VLT-001 and SP-VLT-003 both fire on a glob over every secret", () => {
    const stack = vault();
    policyOf(stack).resource.addOverride("policy", 'path "secret/data/*" { capabilities = ["read", "list"] }');
    expect(errorsOf(stack)).toEqual([
      ["SP-VLT-001", "vault-prod/policy-myapp-api/policy"],
      ["SP-VLT-003", "vault-prod/policy-myapp-api/policy"],
    ]);
  });

  it("SP-VLT-004 fires on a wildcard service account or namespace", () => {
    const stack = vault();
    k8sRole(stack).boundServiceAccountNamespaces = ["*"];
    expect(errorsOf(stack)).toEqual([["SP-VLT-004", k8sRole(stack).node.path]]);
    expect(k8sRole(stack).node.path).toBe("vault-prod/kubernetes-auth/role-myapp-api/role");
  });

  it("SP-VLT-005 fires when the role has no audience", () => {
    const stack = vault();
    k8sRole(stack).resetAudience();
    expect(errorsOf(stack)).toEqual([["SP-VLT-005", "vault-prod/kubernetes-auth/role-myapp-api/role"]]);
  });

  it("SP-VLT-006 fires on one audit device in production, reported on the stack", () => {
    const yaml = exampleChangedAfterValidation((p) => {
      for (const e of ["staging", "prod"]) p.environments[e].vault!.audit = [{ type: "file", path: "/vault/logs/audit.log" }];
    });
    expect(errorsOf(freshStack("vault", "prod", yaml))).toEqual([["SP-VLT-006", "vault-prod"]]);
    expect(errorsOf(freshStack("vault", "staging", yaml))).toEqual([]);
  });
});

describe("Azure rules", () => {
  const keyVault = (stack: TerraformStack) => l1(stack, "azurerm_key_vault") as KeyVault;

  it("SP-AZR-001 fires on public network access", () => {
    const stack = azure();
    keyVault(stack).publicNetworkAccessEnabled = true;
    expect(errorsOf(stack)).toEqual([["SP-AZR-001", "azure-prod/key-vault/vault"]]);
  });

  it("SP-AZR-002 fires without purge protection", () => {
    const stack = azure();
    keyVault(stack).purgeProtectionEnabled = false;
    expect(errorsOf(stack)).toEqual([["SP-AZR-002", "azure-prod/key-vault/vault"]]);
  });

  it("SP-AZR-003 fires on a firewall default of Allow, and on no firewall", () => {
    const allow = azure();
    keyVault(allow).addOverride("network_acls.default_action", "Allow");
    expect(errorsOf(allow)).toEqual([["SP-AZR-003", "azure-prod/key-vault/vault"]]);
    const none = azure();
    keyVault(none).resetNetworkAcls();
    expect(errorsOf(none)).toEqual([["SP-AZR-003", "azure-prod/key-vault/vault"]]);
  });

  it("SP-AZR-004 fires when a workload's role assignment is scoped to the whole vault", () => {
    const stack = azure();
    const assignment = l1(stack, "azurerm_role_assignment", "myapp--jwt/read-myapp-api");
    assignment.addOverride("scope", keyVault(stack).id);
    expect(errorsOf(stack)).toEqual([["SP-AZR-004", "azure-prod/key-vault/myapp--jwt/read-myapp-api/assignment"]]);
    expect(errorMessages(stack)[0]).toContain("azurerm_key_vault.key-vault_");
  });

  it("SP-AZR-004 leaves the deployer's Secrets Officer role on the vault alone", () => {
    const stack = azure();
    expect(l1(stack, "azurerm_role_assignment", "officer").node.path).toBe("azure-prod/key-vault/officer-deployer/assignment");
    expect(errorsOf(stack)).toEqual([]);
  });

  it("SP-AZR-005 fires on an api-key secret without expiration", () => {
    const stack = azure();
    (l1(stack, "azurerm_key_vault_secret", "myapp--openai") as KeyVaultSecret).resetExpirationDate();
    expect(errorsOf(stack)).toEqual([["SP-AZR-005", "azure-prod/key-vault/myapp--openai/secret"]]);
  });

  it("does not fire on an api-key described without expiresAfterDays: the stack sets a year", () => {
    const yaml = exampleWith((d) => {
      delete d.applications.myapp.secrets.openai.expiresAfterDays;
    });
    const stack = freshStack("azure", "dev", yaml);
    expect(errorsOf(stack)).toEqual([]);
    const secrets = JSON.parse(Testing.synth(stack)).resource.azurerm_key_vault_secret;
    const openai = Object.values<any>(secrets).find((s) => s.name === "myapp--openai");
    expect(openai.expiration_date).toBe('${timeadd(plantimestamp(), "8760h")}');
  });
});

describe("Azure rotation rules", () => {
  const fnApp = (stack: TerraformStack) => l1(stack, "azurerm_function_app_flex_consumption") as FunctionAppFlexConsumption;

  it("SP-AZR-004 fires when the rotation function's Secrets Officer is scoped to the vault", () => {
    const stack = azure();
    l1(stack, "azurerm_role_assignment", "myapp--jwt/rotate-rotation").addOverride("scope", l1(stack, "azurerm_key_vault").getStringAttribute("id"));
    // The vault-wide role is also no grant on myapp--jwt itself, which SP-AZR-009 reports on the stack.
    expect(errorsOf(stack)).toEqual([
      ["SP-AZR-004", "azure-prod/key-vault/myapp--jwt/rotate-rotation/assignment"],
      ["SP-AZR-009", "azure-prod"],
    ]);
  });

  it("SP-AZR-004 fires on a storage role on the whole account or the resource group", () => {
    const account = azure();
    l1(account, "azurerm_role_assignment", "rotation/storage/deployment-rotation").addOverride("scope", l1(account, "azurerm_storage_account").getStringAttribute("id"));
    expect(errorsOf(account)).toEqual([["SP-AZR-004", "azure-prod/rotation/storage/deployment-rotation/assignment"]]);
    const group = azure();
    l1(group, "azurerm_role_assignment", "rotation/publishes-telemetry").addOverride("scope", "/subscriptions/00000000-0000-0000-0000-000000000003/resourceGroups/rg-secrets-prod");
    expect(errorsOf(group)).toEqual([["SP-AZR-004", "azure-prod/rotation/publishes-telemetry/assignment"]]);
  });

  it("SP-AZR-007 fires on shared keys, public blobs or old TLS", () => {
    const keys = azure();
    (l1(keys, "azurerm_storage_account") as StorageAccount).sharedAccessKeyEnabled = true;
    expect(errorsOf(keys)).toEqual([["SP-AZR-007", "azure-prod/rotation/storage/account"]]);
    const open = azure();
    (l1(open, "azurerm_storage_account") as StorageAccount).resetAllowNestedItemsToBePublic();
    expect(errorMessages(open)).toEqual([expect.stringContaining("allow_nested_items_to_be_public is not set")]);
    const tls = azure();
    (l1(tls, "azurerm_storage_account") as StorageAccount).minTlsVersion = "TLS1_0";
    expect(errorsOf(tls)).toEqual([["SP-AZR-007", "azure-prod/rotation/storage/account"]]);
  });

  it("SP-AZR-008 fires on a function app outside the network, without HTTPS only, below TLS 1.2 or with basic publishing", () => {
    const breakings: Array<(app: FunctionAppFlexConsumption) => void> = [
      (app) => app.resetVirtualNetworkSubnetId(),
      (app) => (app.httpsOnly = false),
      (app) => app.addOverride("site_config.minimum_tls_version", "1.0"),
      (app) => (app.webdeployPublishBasicAuthenticationEnabled = true),
    ];
    for (const breakIt of breakings) {
      const stack = azure();
      breakIt(fnApp(stack));
      expect(errorsOf(stack)).toEqual([["SP-AZR-008", "azure-prod/rotation/app"]]);
    }
  });

  it("SP-AZR-009 fires when ROTATION_SECRETS lists a secret the identity may not write, and on a grant it does not list", () => {
    const listed = azure();
    fnApp(listed).addOverride("app_settings.ROTATION_SECRETS", JSON.stringify({ "myapp--jwt": { type: "jwt", everyDays: 7, algorithm: "RS256" }, "myapp--openai": { type: "token", everyDays: 7 } }));
    const messages = errorMessages(listed).filter((m) => m.startsWith("[SP-AZR-009]"));
    expect(messages).toEqual([expect.stringContaining("rotates myapp--openai but its identity has no Key Vault Secrets Officer on that secret")]);
    expect(errorMessages(listed).join("\n")).toContain("may write dbadmin--master, which its ROTATION_SECRETS does not list");
    expect(errorsOf(listed).every(([id, at]) => id === "SP-AZR-009" && at === "azure-prod")).toBe(true);
  });

  it("SP-AZR-009 fires when the function may not write a listed secret's pending companion", () => {
    const stack = azure();
    // The companion's grant moved to another secret: the function could not stage myapp--jwt's next value.
    l1(stack, "azurerm_role_assignment", "myapp--jwt--rotation/rotate-rotation").addOverride("scope", l1(stack, "azurerm_role_assignment", "myapp--jwt/rotate-rotation").getStringAttribute("scope"));
    expect(errorMessages(stack).join("\n")).toContain("rotates through myapp--jwt--rotation but its identity has no Key Vault Secrets Officer on that secret");
  });
});

describe("error annotations", () => {
  it("carry the rule id, what is wrong, why, and the fix", () => {
    const stack = aws();
    stack.key.key.enableKeyRotation = false;
    const [message] = errorMessages(stack);
    expect(message).toBe(
      "[SP-AWS-004] KMS key without automatic rotation: enable_key_rotation is false. " +
        "A key that never rotates keeps encrypting with the same material for as long as the key lives. " +
        "Fix: Set enable_key_rotation = true on the key (EnvironmentKey does).",
    );
  });

  it("are not repeated when a stack is synthesized twice", () => {
    const stack = aws();
    stack.key.key.enableKeyRotation = false;
    errorsOf(stack);
    expect(errorsOf(stack)).toHaveLength(1);
  });
});
