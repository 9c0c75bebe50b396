// The readers the rules stand on: IAM policy documents, Vault policy HCL, Terraform references, and the
// definitions of "wildcard" each rule documents.
import { readIamPolicy } from "../constructs/guardrails/iam-policy";
import { runRules } from "../constructs/guardrails";
import { AWS_RULES, BOUNDED_RESOURCE_PATTERNS, STAR_ONLY_ACTIONS } from "../constructs/guardrails/rules/aws";
import { withinApplication } from "../constructs/guardrails/rules/vault";
import { isSingleSecretScope } from "../constructs/guardrails/rules/azure";
import { fromJson, references, wholeReference } from "../constructs/guardrails/synthesized";
import { readVaultPolicy } from "../constructs/guardrails/vault-policy";

/** Runs the AWS rules on a stack JSON holding one role policy with these statements. */
function rolePolicyFindings(statements: object[]) {
  const json = {
    resource: { aws_iam_role_policy: { p: { role: "r", policy: JSON.stringify({ Version: "2012-10-17", Statement: statements }) } } },
  };
  return runRules(fromJson(json, "s"), [AWS_RULES], true).map((f) => `${f.ruleId} ${f.message}`);
}

describe("SP-AWS-001's definition of a wildcard", () => {
  it.each(Object.keys(STAR_ONLY_ACTIONS))('accepts Resource "*" for %s, which has no resource-level permission', (action) => {
    expect(rolePolicyFindings([{ Effect: "Allow", Action: action, Resource: "*" }])).toEqual([]);
  });

  it("gives every star-only action and bounded pattern a reason", () => {
    for (const why of [...Object.values(STAR_ONLY_ACTIONS), ...BOUNDED_RESOURCE_PATTERNS.map((p) => p.why)]) expect(why.length).toBeGreaterThan(30);
  });

  it.each([
    ["one secret by its random suffix", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/myapp/jwt-??????"],
    ["the log streams of one log group", "logs:PutLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/fn:log-stream:*"],
    ["Lambda's network interfaces with the interface actions", "ec2:CreateNetworkInterface", "arn:aws:ec2:us-east-1:111111111111:network-interface/*"],
    ["an exact ARN", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/1234"],
  ])("accepts %s", (_what, action, resource) => {
    expect(rolePolicyFindings([{ Effect: "Allow", Action: action, Resource: resource }])).toEqual([]);
  });

  it.each([
    ["a secret name wildcard", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/*"],
    ["a suffix that is not exactly six characters", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/myapp/jwt-?????"],
    ["a wildcard account", "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:*:secret:dev/myapp/jwt-??????"],
    ["every log group", "logs:PutLogEvents", "arn:aws:logs:us-east-1:111111111111:log-group:*"],
    ["network interfaces with other actions", "ec2:DescribeInstances", "arn:aws:ec2:us-east-1:111111111111:network-interface/*"],
    ["a star-only action's neighbour", "ec2:DescribeInstances", "*"],
  ])("fires on %s", (_what, action, resource) => {
    expect(rolePolicyFindings([{ Effect: "Allow", Action: action, Resource: resource }])).toEqual([expect.stringMatching(/^SP-AWS-001 statement 1 allows/)]);
  });

  it("joins every problem of a policy into one finding", () => {
    expect(rolePolicyFindings([{ Sid: "A", Effect: "Allow", Action: "s3:*", Resource: "*" }, { Effect: "Allow", NotAction: "iam:*", NotResource: "x" }])).toEqual([
      'SP-AWS-001 statement "A" allows wildcard action "s3:*"; Resource "*" with "s3:*"; statement 2 allows NotAction ["iam:*"] (allows every other action); NotResource ["x"] (allows every other resource)',
    ]);
  });
});

describe("readIamPolicy", () => {
  it("normalizes principals and conditions", () => {
    const read = readIamPolicy(
      JSON.stringify({ Statement: { Effect: "Allow", Principal: "*", Action: "kms:Decrypt", Condition: { Bool: { "aws:SecureTransport": false } } } }),
    );
    expect(read).toEqual({
      statements: [
        {
          sid: undefined,
          effect: "Allow",
          actions: ["kms:Decrypt"],
          notActions: [],
          resources: [],
          notResources: [],
          principals: { "*": ["*"] },
          notPrincipals: undefined,
          conditions: { Bool: { "aws:SecureTransport": ["false"] } },
        },
      ],
    });
  });

  it("reports what it cannot read", () => {
    expect(readIamPolicy("${aws_iam_policy.p.policy}")).toEqual({ error: "the policy is ${aws_iam_policy.p.policy}, which is only known at plan time" });
    expect(readIamPolicy("not json")).toEqual({ error: "the policy is not valid JSON" });
  });
});

describe("readVaultPolicy", () => {
  it("reads path blocks, skipping comments and other attributes", () => {
    const hcl = `
      # path "sys/commented-out" { capabilities = ["sudo"] }
      /* path "auth/also-commented" {} */
      path "secret/data/dev/myapp/jwt" {
        capabilities = ["read", "list"] // trailing comment
        allowed_parameters = { "key" = ["a", "b"] }
        min_wrapping_ttl = "1s"
      }
      path "secret/metadata/dev/myapp/jwt" { capabilities = ["read"] }`;
    expect(readVaultPolicy(hcl)).toEqual({
      rules: [
        { path: "secret/data/dev/myapp/jwt", capabilities: ["read", "list"] },
        { path: "secret/metadata/dev/myapp/jwt", capabilities: ["read"] },
      ],
    });
  });

  it("reads the JSON form", () => {
    expect(readVaultPolicy(JSON.stringify({ path: { "sys/mounts": { capabilities: ["read"] } } }))).toEqual({ rules: [{ path: "sys/mounts", capabilities: ["read"] }] });
  });

  it("reports what it cannot read", () => {
    expect(readVaultPolicy('path "x" { capabilities = ["read"]')).toEqual({ error: "the policy HCL cannot be read: unexpected end of policy" });
    expect(readVaultPolicy('key "x" {}')).toEqual({ error: 'the policy HCL cannot be read: expected a path block, found "key"' });
    expect(readVaultPolicy("${data.vault_policy_document.d.hcl}")).toEqual({ error: "the policy is ${data.vault_policy_document.d.hcl}, which is only known at plan time" });
  });
});

describe("SP-VLT-001's application paths", () => {
  it.each([
    ["dev-myapp-api", "secret/data/dev/myapp/jwt", true],
    ["dev-myapp-api", "secret/metadata/dev/myapp/jwt", true],
    ["qa-billing-core-worker", "apps/data/qa/billing-core/ledger_db", true],
    ["qa-billing-core-worker", "pg/creds/qa-billing-core", true],
    ["dev-myapp-api", "secret/data/dev/other/jwt", false],
    ["dev-myapp-api", "secret/data/prod/myapp/jwt", false],
    ["dev-myapp-api", "secret/data/dev/myapp", false],
    ["dev-myapp-api", "secret/data/dev/myapp/", false],
    ["dev-myapp-api", "database/creds/dev-other", false],
    ["dev-myapp-api", "secret/destroy/dev/myapp/jwt", false],
    // A secret's own static role or transit key, <env>-<app>--<secret>: the secret may hold dashes (issue 20).
    ["dev-myapp-api", "database/static-creds/dev-myapp--session-key", true],
    ["dev-myapp-api", "transit/sign/dev-myapp--session-key", true],
    ["dev-myapp-api", "transit/verify/dev-myapp--a-b-c/sha2-256", true],
    ["dev-my-app-api", "transit/keys/dev-my-app--x_1-y", true],
    ["dev-myapp-api", "transit/sign/dev-other--session-key", false],
    ["dev-myapp-api", "transit/sign/dev-myapp--session--key", false],
    ["dev-myapp-api", "transit/sign/dev-myapp--", false],
    ["dev-myapp-api", "transit/sign/--dev-myapp", false],
    ["dev-myapp-api", "transit/sign/dev-myapp---key", false],
  ])("%s may reach %s: %s", (name, path, expected) => {
    expect(withinApplication(name, path)).toBe(expected);
  });
});

describe("references", () => {
  it("finds resource and data references inside expressions", () => {
    expect(references("${lookup(aws_kms_key.k_1.arn, data.azurerm_client_config.me.object_id)}").map((r) => r.address)).toEqual([
      "aws_kms_key.k_1",
      "data.azurerm_client_config.me",
    ]);
    expect(wholeReference("${azurerm_key_vault_secret.key-vault_x_0CC8FE3A.resource_versionless_id}")).toMatchObject({
      type: "azurerm_key_vault_secret",
      name: "key-vault_x_0CC8FE3A",
      attribute: "resource_versionless_id",
    });
    expect(wholeReference("${aws_kms_key.k.arn}/suffix")).toBeUndefined();
  });

  it("SP-AZR-004 takes one secret's ARM id, and nothing wider, as a single-secret scope", () => {
    expect(isSingleSecretScope("${azurerm_key_vault_secret.s.resource_versionless_id}")).toBe(true);
    expect(isSingleSecretScope("/subscriptions/1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/app--db")).toBe(true);
    expect(isSingleSecretScope("${azurerm_key_vault.kv.id}")).toBe(false);
    expect(isSingleSecretScope("/subscriptions/1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv")).toBe(false);
    expect(isSingleSecretScope("/subscriptions/1/resourceGroups/rg")).toBe(false);
  });
});
