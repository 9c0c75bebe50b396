// The guardrails for apply-time correctness (issue 10): each breaks the untouched example in one place and names
// the rule that fires, and where.
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { KubernetesAuthBackendConfig } from "@cdktf/provider-vault/lib/kubernetes-auth-backend-config";
import { PrivateEndpoint } from "@cdktf/provider-azurerm/lib/private-endpoint";
import { stringify } from "yaml";
import { errorMessages, errorsOf, freshStack, l1, l1s } from "./guardrails-helpers";
import { exampleDescription } from "./helpers/descriptions";

const aws = (env: string) => freshStack("aws", env);

describe("SP-AWS-009 private-DNS endpoint that admits only the functions", () => {
  it("fires when the dev endpoint loses its VPC CIDR ingress and keeps only the functions' group", () => {
    const stack = aws("dev");
    const rule = l1s(stack, "aws_vpc_security_group_ingress_rule").find((r) => r.node.id === "https-from-cidr-0") as VpcSecurityGroupIngressRule;
    rule.resetCidrIpv4();
    rule.referencedSecurityGroupId = "sg-0a1b2c3d4e5f60001"; // the rotation functions' own group
    expect(errorsOf(stack)).toEqual([["SP-AWS-009", "aws-dev/secretsmanager-endpoint/endpoint"]]);
    expect(errorMessages(stack)[0]).toContain("admits only the Lambda functions' security groups (sg-0a1b2c3d4e5f60001)");
  });

  it("fires when the prod endpoint's client security group is dropped", () => {
    const stack = aws("prod");
    const client = l1s(stack, "aws_vpc_security_group_ingress_rule").find((r) => (r as VpcSecurityGroupIngressRule).referencedSecurityGroupIdInput === "sg-0c1b2c3d4e5f60002")!;
    client.addOverride("referenced_security_group_id", "sg-0c1b2c3d4e5f60001");
    expect(errorsOf(stack)).toEqual([["SP-AWS-009", "aws-prod/secretsmanager-endpoint/endpoint"]]);
  });

  it("does not fire without private DNS: then only clients that name the endpoint use it", () => {
    const stack = aws("dev");
    (l1s(stack, "aws_vpc_security_group_ingress_rule").find((r) => r.node.id === "https-from-cidr-0") as VpcSecurityGroupIngressRule).referencedSecurityGroupId = "sg-0a1b2c3d4e5f60001";
    l1s(stack, "aws_vpc_security_group_ingress_rule").find((r) => r.node.id === "https-from-cidr-0")!.addOverride("cidr_ipv4", undefined);
    l1(stack, "aws_vpc_endpoint").addOverride("private_dns_enabled", false);
    expect(errorsOf(stack)).toEqual([]);
  });
});

describe("SP-AWS-010 rotation before the endpoint exists", () => {
  it("fires on a rotation schedule that no longer waits for the endpoint", () => {
    const stack = aws("dev");
    const rotation = l1(stack, "aws_secretsmanager_secret_rotation", "myapp--jwt");
    // Waits for the function only, as it did before the endpoint was made a dependency.
    rotation.dependsOn = rotation.dependsOn!.slice(0, 2); // the invoke permission and the function
    expect(errorsOf(stack)).toEqual([["SP-AWS-010", "aws-dev"]]);
    expect(errorMessages(stack)[0]).toMatch(/aws_secretsmanager_secret_rotation\.myapp--jwt_rotation_[0-9A-F]+ does not depend on aws_vpc_endpoint\./);
  });
});

const TLS_ONLY = { Sid: "DenyRequestsWithoutTls", Effect: "Deny", Principal: "*", Action: "secretsmanager:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } };
const policy = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: [TLS_ONLY, ...statements] });
const openaiPolicy = (stack: ReturnType<typeof aws>) => l1(stack, "aws_secretsmanager_secret_policy", "myapp--openai");

describe("SP-AWS-011 to SP-AWS-013 who can read a secret", () => {
  it("SP-AWS-011 fires when a secret's policy has no read-deny (an administrator's secretsmanager:* would read it)", () => {
    const stack = aws("prod");
    openaiPolicy(stack).addOverride("policy", policy());
    expect(errorsOf(stack)).toEqual([["SP-AWS-011", "aws-prod/myapp--openai/secret"]]);
  });

  it("SP-AWS-011 fires when the read-deny is narrowed by anything but principal exceptions", () => {
    const stack = aws("prod");
    openaiPolicy(stack).addOverride(
      "policy",
      policy({ Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*", Condition: { StringEquals: { "aws:PrincipalTag/team": "x" } } }),
    );
    expect(errorsOf(stack)).toEqual([["SP-AWS-011", "aws-prod/myapp--openai/secret"]]);
  });

  it("SP-AWS-012 fires on a deny that would lock the deployer out of the secret's policy", () => {
    const stack = aws("prod");
    const readers = ["arn:aws:iam::333333333333:role/acme-prod-myapp-api", "arn:aws:iam::333333333333:role/secrets-break-glass"];
    openaiPolicy(stack).addOverride(
      "policy",
      policy({ Effect: "Deny", Principal: "*", Action: "secretsmanager:*", Resource: "*", Condition: { ArnNotLike: { "aws:PrincipalArn": readers } } }),
    );
    expect(errorsOf(stack)).toEqual([["SP-AWS-012", "aws-prod/myapp--openai/policy"]]);
    expect(errorMessages(stack)[0]).toContain("denies secretsmanager:PutResourcePolicy");
  });

  it("SP-AWS-013 fires when the read-deny leaves out a workload the stack grants reading", () => {
    const stack = aws("prod");
    openaiPolicy(stack).addOverride(
      "policy",
      policy({ Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*", Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::333333333333:role/secrets-break-glass"] } } }),
    );
    expect(errorsOf(stack)).toEqual([["SP-AWS-013", "aws-prod/myapp--openai/secret"]]);
    expect(errorMessages(stack)[0]).toContain("does not except arn:aws:iam::333333333333:role/acme-prod-myapp-api");
  });
});

describe("Vault and Azure rules", () => {
  it("SP-VLT-007 fires when the Kubernetes auth config loses the cluster's CA", () => {
    const stack = freshStack("vault", "prod");
    (l1(stack, "vault_kubernetes_auth_backend_config") as KubernetesAuthBackendConfig).resetKubernetesCaCert();
    expect(errorsOf(stack)).toEqual([["SP-VLT-007", "vault-prod/kubernetes-auth/config"]]);
    expect(errorMessages(stack)[0]).toContain("kubernetes_ca_cert is not set and disable_local_ca_jwt is true");
  });

  it("SP-VLT-008 fires on an AppRole secret id with Vault's unlimited default", () => {
    const d = exampleDescription();
    d.applications.myapp.workloads.batch = { approle: {}, reads: ["jwt"] };
    const stack = freshStack("vault", "prod", stringify(d));
    expect(errorsOf(stack)).toEqual([]);
    l1(stack, "vault_approle_auth_backend_role").addOverride("secret_id_num_uses", 0);
    expect(errorsOf(stack)).toEqual([["SP-VLT-008", "vault-prod/approle-auth/role-myapp-batch/role"]]);
    expect(errorMessages(stack)[0]).toContain("secret_id_num_uses is 0 (0, Vault's default, is unlimited)");
  });

  it("SP-VLT-009 fires on a verify-full PostgreSQL connection without its CA", () => {
    const d = exampleDescription();
    for (const env of ["dev", "staging", "prod"]) {
      d.environments[env].vault.database = { host: `pg.${env}.example.com`, dbname: "app", username: "vault_admin", tlsCaFile: d.environments[env].vault.kubernetes.caCertFile };
    }
    d.applications.myapp.secrets.database.dynamic = true;
    // External Secrets' Vault provider reads KV only: the example's worker must read a dynamic secret another way.
    d.applications.myapp.workloads.worker.kubernetes.delivery = "vault-agent";
    const stack = freshStack("vault", "prod", stringify(d));
    expect(errorsOf(stack)).toEqual([]);
    l1(stack, "vault_database_secret_backend_connection").addOverride("postgresql.tls_ca", "");
    expect(errorsOf(stack)).toEqual([["SP-VLT-009", "vault-prod/database/postgres/connection"]]);
    expect(errorMessages(stack)[0]).toContain("sslmode=verify-full without tls_ca");
  });

  it("SP-AZR-006 fires on a private endpoint without its DNS zone group", () => {
    const stack = freshStack("azure", "prod");
    (l1(stack, "azurerm_private_endpoint") as PrivateEndpoint).resetPrivateDnsZoneGroup();
    expect(errorsOf(stack)).toEqual([["SP-AZR-006", "azure-prod/key-vault/private-endpoint/endpoint"]]);
  });
});
