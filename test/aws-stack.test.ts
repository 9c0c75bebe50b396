// The AWS stacks of the example: each property that matters is asserted by name, beside a snapshot.
import { AnnotationMetadataEntryType } from "cdktf";
import * as os from "node:os";
import type { IConstruct } from "constructs";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { rotationFunctionName } from "../config/naming";
import { lambdaBundleDir } from "../stacks/aws-stack";
import { onlyResource, resources, StackJson, synthExample, synthYaml } from "./helpers/synth";
import { minimalDescription, toYaml } from "./helpers/descriptions";
import { exampleChangedAfterValidation, freshStack, synthAnnotations } from "./guardrails-helpers";
import { stableForSnapshot } from "./helpers/snapshot";
import { decide } from "./helpers/iam-simulate";

const { json } = synthExample(["aws"]);
const ACCOUNTS: Record<string, string> = { dev: "111111111111", staging: "222222222222", prod: "333333333333" };
const ENVS = Object.keys(ACCOUNTS);
const policyOf = (r: any, attr = "policy") => JSON.parse(r[attr]);
const secretArn = (env: string, name: string) => `arn:aws:secretsmanager:us-east-1:${ACCOUNTS[env]}:secret:${name}-??????`;
const keyRef = (stack: StackJson) => `\${aws_kms_key.${Object.keys(resources(stack, "aws_kms_key"))[0]}.arn}`;
const roleNamed = (stack: StackJson, name: string) => onlyResource(stack, "aws_iam_role", (r) => r.name === name);
const policyOfRole = (stack: StackJson, roleName: string) => {
  const id = Object.entries(resources(stack, "aws_iam_role")).find(([, r]) => r.name === roleName)![0];
  return policyOf(onlyResource(stack, "aws_iam_role_policy", (p) => p.role === `\${aws_iam_role.${id}.id}`));
};

const warningsOf = (stack: IConstruct) => stack.node.metadata.filter((m) => m.type === AnnotationMetadataEntryType.WARN).map((m) => String(m.data));

/**
 * Whether a secret's resource policy denies a principal an action on that secret, decided by iam-simulate: the
 * principal's own policy allows every Secrets Manager action, so only the resource policy's statements can deny.
 * A role session's aws:PrincipalArn is the role's ARN.
 */
async function deniedBy(policy: any, principalArn: string, action: string, secureTransport: boolean): Promise<boolean> {
  const account = principalArn.split(":")[4];
  const d = await decide(
    { identity: [{ Effect: "Allow", Action: "secretsmanager:*", Resource: "*" }], resource: [policy.Statement].flat() },
    {
      action,
      resource: `arn:aws:secretsmanager:us-east-1:${account}:secret:any/secret-AbCdEf`,
      principal: principalArn,
      context: { "aws:SecureTransport": String(secureTransport), "aws:PrincipalArn": principalArn },
    },
  );
  return d === "ExplicitlyDenied";
}

it("builds one AWS stack per environment", () => {
  expect(Object.keys(json).sort()).toEqual(["aws-dev", "aws-prod", "aws-staging"]);
});

describe.each(ENVS)("aws-%s", (env) => {
  const stack = json[`aws-${env}`];
  const account = ACCOUNTS[env];

  it("matches the snapshot", () => {
    expect(stableForSnapshot(stack)).toMatchSnapshot();
  });

  it("pins the provider to the environment's account and region", () => {
    const provider = stack.provider!.aws[0];
    expect(provider.region).toBe("us-east-1");
    expect(provider.allowed_account_ids).toEqual([account]);
  });

  describe("environment key", () => {
    const key = onlyResource(stack, "aws_kms_key");
    const statements = policyOf(key).Statement;

    it("rotates and waits the longest deletion window", () => {
      expect(key.enable_key_rotation).toBe(true);
      expect(key.deletion_window_in_days).toBe(30);
      expect(onlyResource(stack, "aws_kms_alias").name).toBe(`alias/acme-${env}-secrets`);
    });

    it("has no wildcard principal and no wildcard action", () => {
      for (const s of statements) {
        expect(s.Principal).not.toBe("*");
        expect(JSON.stringify(s.Principal)).not.toMatch(/"\*"/);
        for (const a of [s.Action].flat()) expect(a).not.toContain("*");
      }
    });

    it("lets account principals use it only through Secrets Manager in this region", () => {
      const use = statements.find((s: any) => s.Sid === "AccountUsesKeyThroughSecretsManager");
      expect(use.Principal).toEqual({ AWS: [`arn:aws:iam::${account}:root`] });
      expect(use.Condition).toEqual({
        StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:CallerAccount": account },
      });
      const unconditionalUse = statements.filter((s: any) => !s.Condition && [s.Action].flat().some((a: string) => /Decrypt|GenerateDataKey|Encrypt/.test(a)));
      expect(unconditionalUse).toEqual([]);
    });

    it("lets CloudWatch Logs encrypt only the rotation functions' log groups", () => {
      const logs = statements.find((s: any) => s.Sid === "CloudWatchLogsEncryptsNamedLogGroups");
      expect(logs.Principal).toEqual({ Service: ["logs.us-east-1.amazonaws.com"] });
      expect(logs.Condition.ArnEquals["kms:EncryptionContext:aws:logs:arn"].sort()).toEqual(
        ["jwt", "postgres-alternating-users-dbadmin-master", "postgres-single-user"].map(
          (k) => `arn:aws:logs:us-east-1:${account}:log-group:/aws/lambda/acme-${env}-rotate-${k}`,
        ),
      );
    });
  });

  describe("secrets", () => {
    const secrets = Object.values(resources(stack, "aws_secretsmanager_secret"));

    it("exist once per <env>/<app>/<secret> path, encrypted with the environment key", () => {
      expect(secrets.map((s) => s.name).sort()).toEqual([`${env}/dbadmin/master`, `${env}/myapp/database`, `${env}/myapp/jwt`, `${env}/myapp/openai`]);
      for (const s of secrets) expect(s.kms_key_id).toBe(keyRef(stack));
    });

    it(`keep a ${env === "prod" ? 30 : 7}-day recovery window`, () => {
      for (const s of secrets) expect(s.recovery_window_in_days).toBe(env === "prod" ? 30 : 7);
    });

    it("are tagged with environment, application and managed-by", () => {
      for (const s of secrets) {
        expect(s.tags).toMatchObject({ environment: env, application: s.name.split("/")[1], "managed-by": "secrets-platform" });
      }
      expect(secrets.find((s) => s.name.endsWith("/jwt")).tags["secrets-platform:jwt-algorithm"]).toBe("RS256");
    });

    it("carry no value: no secret version and no secret string anywhere", () => {
      expect(resources(stack, "aws_secretsmanager_secret_version")).toEqual({});
      expect(JSON.stringify(stack)).not.toMatch(/secret_string|secret_binary/);
    });

    it("block public policies and deny requests without TLS", () => {
      const policies = Object.values(resources(stack, "aws_secretsmanager_secret_policy"));
      expect(policies).toHaveLength(4);
      for (const p of policies) {
        expect(p.block_public_policy).toBe(true);
        const [deny] = policyOf(p).Statement;
        // In a secret's resource policy "*" is that secret.
        expect(deny).toMatchObject({ Effect: "Deny", Principal: "*", Action: "secretsmanager:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } });
      }
    });

    it("deny reading each secret to every principal but the roles that use it and the break-glass roles", () => {
      const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
      const breakGlass = env === "prod" ? ["arn:aws:iam::333333333333:role/secrets-break-glass"] : [];
      const expected: Record<string, string[]> = {
        // The master: its own rotation function, and the alternating-users function that logs in with it.
        [`${env}/dbadmin/master`]: [role(`acme-${env}-rotate-postgres-single-user`), role(`acme-${env}-rotate-postgres-alternating-users-dbadmin-master`)],
        // The example's workloads: api reads database, jwt and openai; worker database and jwt; web jwt.
        [`${env}/myapp/database`]: [role(`acme-${env}-rotate-postgres-alternating-users-dbadmin-master`), role(`acme-${env}-myapp-api`), role(`acme-${env}-myapp-worker`)],
        [`${env}/myapp/jwt`]: [role(`acme-${env}-rotate-jwt`), role(`acme-${env}-myapp-api`), role(`acme-${env}-myapp-worker`), role(`acme-${env}-myapp-web`)],
        [`${env}/myapp/openai`]: [role(`acme-${env}-myapp-api`)],
      };
      const secrets = resources(stack, "aws_secretsmanager_secret");
      for (const p of Object.values(resources(stack, "aws_secretsmanager_secret_policy"))) {
        const name = secrets[/^\$\{aws_secretsmanager_secret\.(.+)\.arn\}$/.exec(p.secret_arn)![1]].name;
        const deny = policyOf(p).Statement.find((s: any) => s.Sid === "DenyReadingExceptListedPrincipals");
        expect(deny).toMatchObject({ Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" });
        // ArnNotLike on aws:PrincipalArn: a role's sessions carry the role's ARN there.
        expect(Object.keys(deny.Condition)).toEqual(["ArnNotLike"]);
        expect([...deny.Condition.ArnNotLike["aws:PrincipalArn"]].sort()).toEqual([...expected[name], ...breakGlass].sort());
      }
    });

    it("never deny the deployer managing a secret or its policy: the read-deny names GetSecretValue only", async () => {
      for (const p of Object.values(resources(stack, "aws_secretsmanager_secret_policy"))) {
        const deployer = `arn:aws:iam::${account}:role/github-deployer`;
        for (const action of ["PutResourcePolicy", "DeleteResourcePolicy", "GetResourcePolicy", "DescribeSecret", "UpdateSecret", "TagResource", "RotateSecret", "DeleteSecret", "PutSecretValue"]) {
          expect(await deniedBy(policyOf(p), deployer, `secretsmanager:${action}`, true)).toBe(false);
        }
        expect(await deniedBy(policyOf(p), deployer, "secretsmanager:GetSecretValue", true)).toBe(true);
      }
      // The workload's IRSA sessions carry its role's ARN as aws:PrincipalArn, so they still read what they list.
      const openaiId = Object.entries(resources(stack, "aws_secretsmanager_secret")).find(([, s]) => s.name === `${env}/myapp/openai`)![0];
      const openai = onlyResource(stack, "aws_secretsmanager_secret_policy", (p) => p.secret_arn === `\${aws_secretsmanager_secret.${openaiId}.arn}`);
      expect(await deniedBy(policyOf(openai), `arn:aws:iam::${account}:role/acme-${env}-myapp-api`, "secretsmanager:GetSecretValue", true)).toBe(false);
      expect(await deniedBy(policyOf(openai), `arn:aws:iam::${account}:role/acme-${env}-myapp-api`, "secretsmanager:GetSecretValue", false)).toBe(true);
    });
  });

  describe("workload role of myapp/api (IRSA)", () => {
    const role = roleNamed(stack, `acme-${env}-myapp-api`);
    const issuer = `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE${env.toUpperCase()}`;

    it("trusts exactly the service account myapp/myapp-api of the cluster, with StringEquals on sub and aud", () => {
      const [trust, ...others] = policyOf(role, "assume_role_policy").Statement;
      expect(others).toEqual([]);
      expect(trust.Principal).toEqual({ Federated: [`arn:aws:iam::${account}:oidc-provider/${issuer}`] });
      expect(trust.Action).toBe("sts:AssumeRoleWithWebIdentity");
      expect(trust.Condition).toEqual({
        StringEquals: { [`${issuer}:sub`]: "system:serviceaccount:myapp:myapp-api", [`${issuer}:aud`]: "sts.amazonaws.com" },
      });
    });

    it("reads exactly the secrets it lists, and decrypts only through Secrets Manager", () => {
      expect(policyOfRole(stack, `acme-${env}-myapp-api`).Statement).toEqual([
        {
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
          Resource: [secretArn(env, `${env}/myapp/database`), secretArn(env, `${env}/myapp/jwt`), secretArn(env, `${env}/myapp/openai`)],
        },
        {
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: keyRef(stack),
          Condition: { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:CallerAccount": account } },
        },
      ]);
    });
  });

  describe("rotation", () => {
    const functions = resources(stack, "aws_lambda_function");
    const fnId = (kind: string) => Object.entries(functions).find(([, f]) => f.function_name === `acme-${env}-rotate-${kind}`)![0];
    const rotationOf = (name: string) => {
      const secretId = Object.entries(resources(stack, "aws_secretsmanager_secret")).find(([, s]) => s.name === name)![0];
      return onlyResource(stack, "aws_secretsmanager_secret_rotation", (r) => r.secret_id === `\${aws_secretsmanager_secret.${secretId}.arn}`);
    };

    it("has one function per kind in use, on nodejs22.x arm64, built from the bundle", () => {
      expect(Object.values(functions).map((f) => f.function_name).sort()).toEqual(
        ["jwt", "postgres-alternating-users-dbadmin-master", "postgres-single-user"].map((k) => `acme-${env}-rotate-${k}`),
      );
      for (const f of Object.values(functions)) {
        expect(f.runtime).toBe("nodejs22.x");
        expect(f.architectures).toEqual(["arm64"]);
        expect(f.handler).toBe("index.handler");
      }
      const bundle = readFileSync(path.join(lambdaBundleDir(), "jwt.zip"));
      expect(functions[fnId("jwt")].source_code_hash).toBe(createHash("sha256").update(bundle).digest("base64"));
      const masterId = Object.entries(resources(stack, "aws_secretsmanager_secret")).find(([, s]) => s.name === `${env}/dbadmin/master`)![0];
      expect(functions[fnId("postgres-alternating-users-dbadmin-master")].environment.variables).toEqual({
        ROTATION_STRATEGY: "alternating-users",
        MASTER_SECRET_ARN: `\${aws_secretsmanager_secret.${masterId}.arn}`,
        NODE_EXTRA_CA_CERTS: "/var/runtime/ca-cert.pem",
      });
      expect(functions[fnId("postgres-single-user")].environment.variables.MASTER_SECRET_ARN).toBeUndefined();
    });

    it("schedules every rotating secret; keys rotate on creation, databases once their details are put", () => {
      expect(rotationOf(`${env}/myapp/jwt`)).toMatchObject({ rotate_immediately: true, rotation_rules: { automatically_after_days: 7 } });
      expect(rotationOf(`${env}/myapp/jwt`).rotation_lambda_arn).toBe(`\${aws_lambda_function.${fnId("jwt")}.arn}`);
      expect(rotationOf(`${env}/myapp/database`)).toMatchObject({ rotate_immediately: false, rotation_rules: { automatically_after_days: 30 } });
      expect(rotationOf(`${env}/myapp/database`).rotation_lambda_arn).toBe(`\${aws_lambda_function.${fnId("postgres-alternating-users-dbadmin-master")}.arn}`);
      expect(rotationOf(`${env}/dbadmin/master`).rotation_lambda_arn).toBe(`\${aws_lambda_function.${fnId("postgres-single-user")}.arn}`);
      expect(Object.keys(resources(stack, "aws_secretsmanager_secret_rotation"))).toHaveLength(3);
    });

    it("lets only Secrets Manager of this account invoke the functions", () => {
      const permissions = Object.values(resources(stack, "aws_lambda_permission"));
      expect(permissions).toHaveLength(3);
      for (const p of permissions) {
        expect(p).toMatchObject({ action: "lambda:InvokeFunction", principal: "secretsmanager.amazonaws.com", source_account: account });
      }
    });

    it("gives each function role exactly the secrets it rotates, and the master read-only", () => {
      const alternating = policyOfRole(stack, `acme-${env}-rotate-postgres-alternating-users-dbadmin-master`).Statement;
      const rotateStatement = alternating.find((s: any) => [s.Action].flat().includes("secretsmanager:PutSecretValue"));
      expect(rotateStatement.Resource).toBe(secretArn(env, `${env}/myapp/database`));
      expect(rotateStatement.Action).toEqual([
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "secretsmanager:PutSecretValue",
        "secretsmanager:UpdateSecretVersionStage",
      ]);
      const masterRead = alternating.find((s: any) => [s.Resource].flat().includes(secretArn(env, `${env}/dbadmin/master`)));
      expect(masterRead.Action).toEqual(["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]);
      expect(alternating.find((s: any) => s.Sid === "GeneratePasswords")).toEqual({
        Sid: "GeneratePasswords",
        Effect: "Allow",
        Action: "secretsmanager:GetRandomPassword",
        Resource: "*",
      });
      const jwt = policyOfRole(stack, `acme-${env}-rotate-jwt`).Statement;
      const jwtSecrets = jwt.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith("secretsmanager:")));
      expect(jwtSecrets).toEqual([expect.objectContaining({ Resource: secretArn(env, `${env}/myapp/jwt`) })]);
    });

    it("trusts Lambda only on behalf of this account", () => {
      const [trust] = policyOf(roleNamed(stack, `acme-${env}-rotate-jwt`), "assume_role_policy").Statement;
      expect(trust).toMatchObject({ Principal: { Service: ["lambda.amazonaws.com"] }, Condition: { StringEquals: { "aws:SourceAccount": account } } });
    });

    it("keeps logs for a year, encrypted with the environment key, and alarms on errors", () => {
      for (const g of Object.values(resources(stack, "aws_cloudwatch_log_group"))) {
        expect(g.retention_in_days).toBe(365);
        expect(g.kms_key_id).toBe(keyRef(stack));
      }
      const alarms = Object.values(resources(stack, "aws_cloudwatch_metric_alarm"));
      expect(alarms.map((a) => a.dimensions.FunctionName).sort()).toEqual(Object.values(functions).map((f) => f.function_name).sort());
      for (const a of alarms) expect(a).toMatchObject({ namespace: "AWS/Lambda", metric_name: "Errors", threshold: 1 });
    });

    it("runs rotation in the VPC", () => {
      for (const f of Object.values(functions)) {
        expect(f.vpc_config).toEqual({ subnet_ids: [`subnet-0${"abc"[ENVS.indexOf(env)]}1b2c3d4e5f60001`, `subnet-0${"abc"[ENVS.indexOf(env)]}1b2c3d4e5f60002`], security_group_ids: [`sg-0${"abc"[ENVS.indexOf(env)]}1b2c3d4e5f60001`] });
      }
    });

    const ingressSources = () =>
      Object.values(resources(stack, "aws_vpc_security_group_ingress_rule")).map((r) => {
        expect(r).toMatchObject({ ip_protocol: "tcp", from_port: 443, to_port: 443 });
        return r.cidr_ipv4 ?? r.referenced_security_group_id;
      });

    if (env === "staging") {
      it("uses the VPC's existing Secrets Manager endpoint (the default): creates none", () => {
        expect(resources(stack, "aws_vpc_endpoint")).toEqual({});
        expect(resources(stack, "aws_security_group")).toEqual({});
      });
    } else {
      it("creates a private-DNS Secrets Manager endpoint that admits every client of the VPC, not only the functions", () => {
        const endpoint = onlyResource(stack, "aws_vpc_endpoint");
        expect(endpoint).toMatchObject({ service_name: "com.amazonaws.us-east-1.secretsmanager", vpc_endpoint_type: "Interface", private_dns_enabled: true });
        const fnGroup = `sg-0${"abc"[ENVS.indexOf(env)]}1b2c3d4e5f60001`;
        // dev lists the VPC's CIDR blocks, prod the clients' security groups (EKS nodes and pods).
        expect(ingressSources().sort()).toEqual(env === "dev" ? ["10.10.0.0/16", fnGroup] : [fnGroup, "sg-0c1b2c3d4e5f60002"]);
      });

      it("makes every rotation function and schedule wait for the endpoint and its ingress rules", () => {
        const endpointRef = `aws_vpc_endpoint.${Object.keys(resources(stack, "aws_vpc_endpoint"))[0]}`;
        const ruleRefs = Object.keys(resources(stack, "aws_vpc_security_group_ingress_rule")).map((n) => `aws_vpc_security_group_ingress_rule.${n}`);
        expect(ruleRefs.length).toBeGreaterThan(0);
        const waiters = [...Object.values(functions), ...Object.values(resources(stack, "aws_secretsmanager_secret_rotation"))];
        expect(waiters).toHaveLength(3 + 3);
        for (const w of waiters) expect(w.depends_on).toEqual(expect.arrayContaining([endpointRef, ...ruleRefs]));
      });
    }
  });

  it("outputs every secret ARN and workload role ARN", () => {
    expect(Object.keys(stack.output!["secret-arns"].value as object).sort()).toEqual([`${env}/dbadmin/master`, `${env}/myapp/database`, `${env}/myapp/jwt`, `${env}/myapp/openai`]);
    expect(Object.keys(stack.output!["workload-role-arns"].value as object)).toEqual(["myapp/api", "myapp/web", "myapp/worker"]);
  });
});

describe("descriptions other than the example", () => {
  it("grants each workload only its own reads when several applications share an environment", () => {
    const d = minimalDescription();
    d.applications.billing = {
      secrets: { stripe: { type: "api-key" }, token: { type: "token", rotation: { everyDays: 1 } } },
      workloads: { worker: { kubernetes: { namespace: "billing", serviceAccount: "worker" }, reads: ["stripe"] } },
    };
    const stack = synthYaml(toYaml(d), { backends: ["aws"] }).json["aws-dev"];
    const billing = policyOfRole(stack, "acme-dev-billing-worker").Statement;
    expect(billing[0].Resource).toBe(secretArn("dev", "dev/billing/stripe"));
    expect(JSON.stringify(billing)).not.toContain("myapp");
    const myapp = policyOfRole(stack, "acme-dev-myapp-api").Statement;
    expect(myapp[0].Resource).toEqual([secretArn("dev", "dev/myapp/jwt"), secretArn("dev", "dev/myapp/openai")]);
    expect(Object.values(resources(stack, "aws_lambda_function")).map((f) => f.function_name).sort()).toEqual(["acme-dev-rotate-jwt", "acme-dev-rotate-token"]);
    // No network in the description: functions outside any VPC, and no endpoint.
    for (const f of Object.values(resources(stack, "aws_lambda_function"))) expect(f.vpc_config).toBeUndefined();
    expect(resources(stack, "aws_vpc_endpoint")).toEqual({});
  });

  it("gives each master secret its own alternating-users function, which can read that master only", () => {
    const d = minimalDescription();
    for (const app of ["billing", "blog"]) {
      d.applications[`${app}-admin`] = { secrets: { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } } };
      d.applications[app] = {
        secrets: { db: { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: `${app}-admin/master` } } },
      };
    }
    const stack = synthYaml(toYaml(d), { backends: ["aws"] }).json["aws-dev"];
    for (const [app, other] of [["billing", "blog"], ["blog", "billing"]]) {
      const statements = policyOfRole(stack, `acme-dev-rotate-postgres-alternating-users-${app}-admin-master`).Statement;
      const text = JSON.stringify(statements);
      expect(text).toContain(secretArn("dev", `dev/${app}-admin/master`));
      expect(text).toContain(secretArn("dev", `dev/${app}/db`));
      expect(text).not.toContain(`dev/${other}`);
    }
  });

  it("spreads many rotating secrets of one kind over functions whose roles stay within IAM's policy size", () => {
    const d = minimalDescription();
    const secrets: Record<string, unknown> = {};
    for (let i = 0; i < 85; i++) secrets[`signing-key-with-a-long-name-${String(i).padStart(3, "0")}`] = { type: "jwt", rotation: { everyDays: 7 } };
    d.applications["a-rather-long-application-name"] = { secrets };
    const stack = synthYaml(toYaml(d), { backends: ["aws"] }).json["aws-dev"];
    const names = Object.values(resources(stack, "aws_lambda_function")).map((f) => f.function_name).sort();
    expect(names).toEqual(["acme-dev-rotate-jwt", "acme-dev-rotate-jwt-2", "acme-dev-rotate-jwt-3"]);
    const rotated = names.map((n) => {
      const statements = policyOfRole(stack, n).Statement;
      expect(JSON.stringify(statements).length).toBeLessThan(10_240);
      return [statements.find((x: any) => [x.Action].flat().includes("secretsmanager:PutSecretValue")).Resource].flat().length;
    });
    expect(rotated).toEqual([40, 40, 6]); // myapp/jwt and 39 of the new ones, then 40, then 6
  });

  it("refuses, at synth, a workload whose role policy would pass IAM's size limit", () => {
    const d = minimalDescription();
    const secrets: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) secrets[`third-party-key-with-long-name-${i}`] = { type: "api-key" };
    d.applications["a-rather-long-application-name"] = {
      secrets,
      workloads: { api: { kubernetes: { namespace: "big", serviceAccount: "api" }, reads: Object.keys(secrets) } },
    };
    expect(() => synthYaml(toYaml(d), { backends: ["aws"] })).toThrow(
      /inline policy of role acme-dev-a-rather-long-application-name-api would be about \d+ characters; IAM allows 10240 per role: split the workload/,
    );
  });

  it("shortens a rotation function name past Lambda's 64 characters with a stable hash", () => {
    expect(rotationFunctionName("acme", "dev", "jwt")).toBe("acme-dev-rotate-jwt");
    const long = rotationFunctionName("acmecorp", "production-eu", "postgres-alternating-users-platform-admin-master");
    expect(long).toHaveLength(64);
    expect(long).toBe(rotationFunctionName("acmecorp", "production-eu", "postgres-alternating-users-platform-admin-master"));
    expect(long).not.toBe(rotationFunctionName("acmecorp", "production-eu", "postgres-alternating-users-platform-admin-master2"));
  });

  it("takes recovery window, log retention and a remote state backend from the description", () => {
    const d = minimalDescription();
    d.environments.dev.aws.recoveryWindowDays = 14;
    d.environments.dev.aws.logRetentionDays = 731;
    d.environments.dev.aws.backend = { type: "s3", bucket: "acme-tfstate", region: "us-east-1" };
    const stack = synthYaml(toYaml(d), { backends: ["aws"] }).json["aws-dev"];
    for (const s of Object.values(resources(stack, "aws_secretsmanager_secret"))) expect(s.recovery_window_in_days).toBe(14);
    expect(onlyResource(stack, "aws_cloudwatch_log_group").retention_in_days).toBe(731);
    expect(stack.terraform!.backend.s3).toEqual({ bucket: "acme-tfstate", key: "secrets-platform/aws-dev.tfstate", region: "us-east-1", encrypt: true, use_lockfile: true });
  });

  it("places functions in a network without a VPC id, reaching Secrets Manager through the VPC's existing endpoint", () => {
    const d = minimalDescription();
    d.environments.dev.aws.network = { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"] };
    const { stacks, json } = synthYaml(toYaml(d), { backends: ["aws"] });
    const stack = json["aws-dev"];
    expect(onlyResource(stack, "aws_lambda_function").vpc_config).toEqual({ subnet_ids: ["subnet-0abc"], security_group_ids: ["sg-0abc"] });
    expect(resources(stack, "aws_vpc_endpoint")).toEqual({});
    expect(onlyResource(stack, "aws_lambda_function").depends_on).toHaveLength(2); // log group and permissions only
    expect(warningsOf(stacks["aws-dev"])).toEqual([]);
  });

  it("creates no endpoint with secretsManagerEndpoint none (the functions go through a NAT)", () => {
    const d = minimalDescription();
    d.environments.dev.aws.network = { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"], vpcId: "vpc-0abc", secretsManagerEndpoint: "none" };
    const stack = synthYaml(toYaml(d), { backends: ["aws"] }).json["aws-dev"];
    expect(resources(stack, "aws_vpc_endpoint")).toEqual({});
    expect(onlyResource(stack, "aws_lambda_function").vpc_config.subnet_ids).toEqual(["subnet-0abc"]);
  });

  it("warns, outside production, that a rotating PostgreSQL secret without aws.network runs outside the database's VPC", () => {
    const d = minimalDescription();
    d.applications.myapp.secrets.db = { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } };
    const { stacks, json } = synthYaml(toYaml(d), { backends: ["aws"] });
    expect(warningsOf(stacks["aws-dev"])).toEqual([expect.stringMatching(/rotates PostgreSQL secrets \(dev\/myapp\/db\) but aws has no network.*Add aws.network/)]);
    expect(onlyResource(json["aws-dev"], "aws_lambda_function", (f) => f.function_name.includes("postgres")).vpc_config).toBeUndefined();
  });

  it("refuses, in production, a rotating PostgreSQL secret without aws.network even when validation was bypassed", () => {
    const platform = exampleChangedAfterValidation((p) => delete (p.environments.prod.aws as any).network);
    const errors = synthAnnotations(freshStack("aws", "prod", platform)).filter((a) => a.level === "error");
    expect(errors).toEqual([expect.objectContaining({ path: "aws-prod", message: expect.stringMatching(/rotates PostgreSQL secrets \(prod\/dbadmin\/master, prod\/myapp\/database\) but aws has no network/) })]);
  });

  it("writes local state relative to the stack's folder, and warns when a production environment keeps it", () => {
    const d = minimalDescription();
    d.environments.prod = structuredClone(d.environments.dev);
    const { stacks, json } = synthYaml(toYaml(d), { backends: ["aws"] });
    for (const env of ["dev", "prod"]) {
      const local = json[`aws-${env}`].terraform!.backend.local.path;
      expect(path.isAbsolute(local)).toBe(false);
      // From cdktf.out/stacks/<stack>, where Terraform runs, to the project folder, where cdktf keeps local state.
      const project = path.join(os.tmpdir(), "some-checkout");
      expect(path.resolve(project, "cdktf.out", "stacks", `aws-${env}`, local)).toBe(path.join(project, `terraform.aws-${env}.tfstate`));
    }
    expect(warningsOf(stacks["aws-dev"])).toEqual([]);
    expect(warningsOf(stacks["aws-prod"])).toEqual([expect.stringContaining("aws-prod keeps its Terraform state in a local file")]);
  });

  it("creates no IRSA role where the environment has no EKS cluster", () => {
    const d = minimalDescription();
    delete d.environments.dev.aws.eks;
    const stack = synthYaml(toYaml(d), { backends: ["aws"] }).json["aws-dev"];
    expect(Object.values(resources(stack, "aws_iam_role")).map((r) => r.name)).toEqual(["acme-dev-rotate-jwt"]);
  });
});
