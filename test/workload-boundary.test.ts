// The workload permissions boundary (bootstrap-<env>) closes the CI deployer's escalation path: the deployer creates
// and changes roles only when they carry the boundary, may not remove or rewrite it, and every role of aws-<env>
// carries it. The boundary must still allow every action those roles are granted, or the workloads break at apply.
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { workloadBoundaryArn } from "../config/pipeline";
import type { Platform } from "../config/schema";
import { BOUNDED_ROLE_ACTIONS } from "../constructs/aws/deployer-permissions";
import { BOUNDARY_ACTIONS_WITHOUT_RESOURCES } from "../constructs/aws/workload-boundary";
import { runRules } from "../constructs/guardrails/evaluate";
import { PIPELINE_RULES } from "../constructs/guardrails/rules/pipeline";
import { fromJson } from "../constructs/guardrails/synthesized";
import { decide } from "./helpers/iam-simulate";
import { StackJson, synthPlatform } from "./helpers/synth";

const ACCOUNT = { dev: "111111111111", prod: "333333333333" } as const;
const example = synthPlatform(loadPlatform(DEFAULT_CONFIG), { environments: ["dev", "prod"] });

/** The example's dev environment with both applications moved to a stack group: aws-dev-team holds the roles. */
function groupedDev(): Platform {
  const p = structuredClone(loadPlatform(DEFAULT_CONFIG)) as any;
  p.environments = { dev: p.environments.dev };
  for (const app of Object.values<any>(p.applications)) app.stackGroup = "team";
  return p;
}
const grouped = synthPlatform(groupedDev(), { environments: ["dev"], backends: ["aws"] });

const values = (json: StackJson, type: string): any[] => Object.values(json.resource?.[type] ?? {});
const arnOf = (env: keyof typeof ACCOUNT) => workloadBoundaryArn(ACCOUNT[env], "acme", env);

/** IAM's wildcard matching: * any run of characters, ? one; actions are case-insensitive. */
const glob = (pattern: string, value: string, flags = "") =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, flags).test(value);

const deployerStatements = (env: "dev" | "prod"): any[] => {
  const json = example.json[`bootstrap-${env}`];
  const [address] = Object.entries<any>(json.resource!.aws_iam_role).find(([, r]) => r.name === `acme-${env}-ci_deployer`)!;
  return JSON.parse(values(json, "aws_iam_role_policy").find((p) => p.role === `\${aws_iam_role.${address}.id}`).policy).Statement;
};
const boundaryPolicy = (json: StackJson) => values(json, "aws_iam_policy").find((p) => /-workload-boundary$/.test(p.name));
const boundaryStatements = (json: StackJson): any[] => JSON.parse(boundaryPolicy(json).policy).Statement;

/** A concrete ARN for a policy's resource pattern: wildcards filled in the way AWS would assign ids and suffixes. */
const concrete = (pattern: string) => pattern.replace(/\?/g, "A").replace(/\*/g, "x1");

/** The condition keys a request needs to match a statement's own conditions (it is granted under them). */
const contextFor = (statement: any): Record<string, string | string[]> =>
  Object.fromEntries(Object.values<Record<string, unknown>>(statement.Condition ?? {}).flatMap((byKey) => Object.entries(byKey).map(([k, v]) => [k, [v].flat()[0] as string])));

/**
 * Whether a role granted `statement` may call `action` on `resource` once the boundary applies, decided by iam-simulate
 * (identity policy and permissions boundary must both allow). KMS calls are made against the stack's key policy, as
 * KMS requires. "n/a" when the action is never authorized on that resource type (the SAR lists other types for it:
 * the ENI actions on a subnet), so no request can carry that pair; any other request the engine refuses counts as not
 * allowed.
 */
async function boundaryAllows(boundary: any[], statement: any, action: string, resource: string, keyPolicy?: any[]): Promise<boolean | "n/a"> {
  try {
    const d = await decide(
      { identity: [{ ...statement, Action: action, Resource: resource }], boundary, resource: action.startsWith("kms:") ? keyPolicy : undefined },
      { action, resource: resource === "*" ? "*" : concrete(resource), context: contextFor(statement), principal: `arn:aws:iam::${resource.split(":")[4] || "111111111111"}:role/acme-bounded` },
    );
    return d === "Allowed";
  } catch (e) {
    return /"no\.resource\.types"/.test(String(e)) ? "n/a" : false;
  }
}

const KEY_ARN = (account: string) => `arn:aws:kms:us-east-1:${account}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

/** Every (action, resource) a stack's role policies allow that the boundary does not; key ARNs resolved to a key id. */
async function uncovered(aws: StackJson, boundary: any[], account: string): Promise<string[]> {
  const out: string[] = [];
  const keyPolicy = values(aws, "aws_kms_key").map((k) => JSON.parse(k.policy).Statement)[0];
  for (const p of values(aws, "aws_iam_role_policy")) {
    const text = String(p.policy).replace(/\$\{aws_kms_key\.[^}]+\.arn\}/g, KEY_ARN(account));
    expect(text).not.toMatch(/\$\{/); // every other reference would hide what the role is granted
    for (const s of JSON.parse(text).Statement) {
      expect(s.Effect).toBe("Allow");
      for (const action of [s.Action].flat()) {
        let applicable = 0;
        for (const resource of [s.Resource].flat()) {
          const allowed = await boundaryAllows(boundary, s, action, resource, keyPolicy);
          if (allowed === "n/a") continue;
          applicable++;
          if (!allowed) out.push(`${p.role} ${action} on ${resource}`);
        }
        if (applicable === 0) out.push(`${p.role} ${action}: no resource of the statement applies to it`);
      }
    }
  }
  return out;
}

describe("the boundary policy", () => {
  it.each(["dev", "prod"] as const)("bootstrap-%s creates <org>-<env>-workload-boundary under the pipeline path, at the ARN aws-<env> names", (env) => {
    const policy = boundaryPolicy(example.json[`bootstrap-${env}`]);
    expect(policy).toEqual(expect.objectContaining({ name: `acme-${env}-workload-boundary`, path: "/secrets-platform-ci/" }));
    expect(`arn:aws:iam::${ACCOUNT[env]}:policy${policy.path}${policy.name}`).toBe(arnOf(env));
  });

  it.each(["dev", "prod"] as const)("allows every action on every resource the roles of aws-%s are granted, under their conditions", async (env) => {
    const aws = example.json[`aws-${env}`];
    expect(values(aws, "aws_iam_role_policy").length).toBeGreaterThan(3);
    expect(await uncovered(aws, boundaryStatements(example.json[`bootstrap-${env}`]), ACCOUNT[env])).toEqual([]);
  });

  it("allows what the roles of a stack group (aws-dev-team) are granted", async () => {
    const aws = grouped.json["aws-dev-team"];
    expect(values(aws, "aws_iam_role").length).toBeGreaterThan(0);
    expect(await uncovered(aws, boundaryStatements(example.json["bootstrap-dev"]), ACCOUNT.dev)).toEqual([]);
  });

  it("would catch a role granted more than the boundary (the coverage check is not vacuous)", async () => {
    const aws = structuredClone(example.json["aws-dev"]);
    const p = values(aws, "aws_iam_role_policy")[0];
    const doc = JSON.parse(p.policy);
    doc.Statement.push(
      { Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/myapp/database-??????" },
      { Effect: "Allow", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab" },
      { Effect: "Allow", Action: "iam:PassRole", Resource: "*" },
    );
    p.policy = JSON.stringify(doc);
    expect(await uncovered(aws, boundaryStatements(example.json["bootstrap-dev"]), ACCOUNT.dev)).toHaveLength(3);
  });

  it("names no action by wildcard, and Resource * only for actions that have no resource type", () => {
    const boundary = boundaryStatements(example.json["bootstrap-dev"]);
    for (const s of boundary) {
      expect(s.Effect).toBe("Allow");
      for (const a of [s.Action].flat()) expect(a).not.toMatch(/[*?]/);
      const resources: string[] = [s.Resource].flat();
      if (resources.includes("*")) expect(BOUNDARY_ACTIONS_WITHOUT_RESOURCES).toEqual(expect.arrayContaining([s.Action].flat()));
      // Every other wildcard stands for an id or name AWS assigns, under the environment's own prefix.
      for (const r of resources.filter((x) => x !== "*" && x.includes("*"))) {
        expect(r).toMatch(
          /^arn:aws:(secretsmanager:us-east-1:111111111111:secret:dev\/\*|kms:us-east-1:111111111111:key\/\*|logs:us-east-1:111111111111:log-group:\/aws\/lambda\/acme-dev-\*:log-stream:\*|ec2:us-east-1:111111111111:network-interface\/\*)$/,
        );
      }
    }
    // KMS only through Secrets Manager in this region and account.
    const kms = boundary.find((s) => [s.Action].flat().some((a: string) => a.startsWith("kms:")));
    expect(kms.Condition).toEqual({ StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:CallerAccount": "111111111111" } });
    // ENI actions on the description's subnets and security groups, not on every subnet.
    const eni = boundary.find((s) => [s.Action].flat().includes("ec2:CreateNetworkInterface"));
    expect([eni.Resource].flat().filter((r: string) => /:(subnet|security-group)\//.test(r)).every((r: string) => !r.includes("*"))).toBe(true);
  });

  it("has no EC2 action when the environment has no network (its functions attach to no VPC)", async () => {
    const p = structuredClone(loadPlatform(DEFAULT_CONFIG)) as any;
    p.environments = { dev: p.environments.dev };
    delete p.environments.dev.aws.network;
    const built = synthPlatform(p, { environments: ["dev"], backends: ["aws", "bootstrap"] }).json;
    const boundary = boundaryStatements(built["bootstrap-dev"]);
    expect(boundary.flatMap((s) => [s.Action].flat()).filter((a: string) => a.startsWith("ec2:"))).toEqual([]);
    expect(await uncovered(built["aws-dev"], boundary, ACCOUNT.dev)).toEqual([]);
  });

  it("does not reach another environment's secrets, IAM, or KMS outside Secrets Manager", async () => {
    const boundary = boundaryStatements(example.json["bootstrap-dev"]);
    // A role whose own policy allows the action without conditions: only the boundary decides.
    const plain = {};
    const allows = async (action: string, resource: string, keyPolicy?: any[]) => (await boundaryAllows(boundary, { Effect: "Allow", ...plain }, action, resource, keyPolicy)) === true;
    expect(await allows("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/myapp/jwt-AbCdEf")).toBe(true);
    expect(await allows("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/myapp/jwt-AbCdEf")).toBe(false);
    // Even where the key policy would let the account decrypt, the boundary allows it only through Secrets Manager.
    const openKeyPolicy = [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111111111111:root" }, Action: "kms:*", Resource: "*" }];
    expect(await allows("kms:Decrypt", KEY_ARN("111111111111"), openKeyPolicy)).toBe(false);
    for (const [action, resource] of [
      ["iam:PassRole", "arn:aws:iam::111111111111:role/acme-dev-myapp-api"],
      ["iam:CreateRole", "arn:aws:iam::111111111111:role/acme-dev-escape"],
      ["sts:AssumeRole", "arn:aws:iam::111111111111:role/acme-dev-myapp-api"],
      ["secretsmanager:CreateSecret", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/new-AbCdEf"],
      ["secretsmanager:PutResourcePolicy", "arn:aws:secretsmanager:us-east-1:111111111111:secret:dev/myapp/jwt-AbCdEf"],
      ["lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-1:111111111111:function:acme-dev-rotate-jwt"],
    ]) {
      expect([action, await allows(action, resource)]).toEqual([action, false]);
    }
  });
});

describe("the deployer", () => {
  it.each(["dev", "prod"] as const)("bootstrap-%s: every statement that allows a role-changing action requires exactly the boundary's ARN", (env) => {
    const statements = deployerStatements(env);
    const changing = statements.filter((s) => s.Effect === "Allow" && [s.Action].flat().some((a: string) => BOUNDED_ROLE_ACTIONS.some((b) => glob(a, b, "i"))));
    // What aws-<env> needs: create roles (and give old ones the boundary), write and delete their inline policies.
    const allowed = changing.flatMap((s) => [s.Action].flat());
    expect(allowed).toEqual(expect.arrayContaining(["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:DeleteRolePolicy"]));
    for (const s of changing) expect(s.Condition).toEqual({ StringEquals: { "iam:PermissionsBoundary": arnOf(env) } });
    expect(arnOf(env)).toBe(`arn:aws:iam::${ACCOUNT[env]}:policy/secrets-platform-ci/acme-${env}-workload-boundary`);
  });

  it("may not remove a boundary, nor change or delete the boundary policy", () => {
    const denies = deployerStatements("dev").filter((s) => s.Effect === "Deny");
    expect(denies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: "iam:DeleteRolePermissionsBoundary", Resource: "*" }),
        expect.objectContaining({
          Action: ["iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion"],
          Resource: arnOf("dev"),
        }),
      ]),
    );
    // Those two hold unconditionally.
    for (const d of denies.filter((x) => ["NeverRemoveBoundaries", "NeverChangeTheBoundary"].includes(x.Sid))) expect(d.Condition).toBeUndefined();
    // And no role is created, bounded or given a policy with any boundary but this one (a negated operator also
    // matches when the request carries no boundary at all).
    expect(denies).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Sid: "NeverAnotherBoundary",
          Action: ["iam:CreateRole", "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy", "iam:AttachRolePolicy"],
          Condition: { StringNotEquals: { "iam:PermissionsBoundary": arnOf("dev") } },
        }),
      ]),
    );
  });

  it("passes only the environment's roles, and only to Lambda", () => {
    const passing = deployerStatements("dev").filter((s) => s.Effect === "Allow" && [s.Action].flat().some((a: string) => glob(a, "iam:PassRole", "i")));
    expect(passing).toHaveLength(1);
    expect(passing[0].Resource).toBe("arn:aws:iam::111111111111:role/acme-dev-*");
    expect(passing[0].Condition).toEqual({ StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } });
  });

  it("fails SP-CI-004 once the boundary condition is removed from a role-changing statement", () => {
    const json = structuredClone(example.json["bootstrap-dev"]) as any;
    const policy = Object.values<any>(json.resource.aws_iam_role_policy).find((p) => p.name === "deployer");
    const doc = JSON.parse(policy.policy);
    const create = doc.Statement.find((s: any) => s.Sid === "ManageBoundedEnvironmentRoles");
    delete create.Condition;
    policy.policy = JSON.stringify(doc);
    const findings = (j: any) => runRules(fromJson(j, "bootstrap-dev"), [PIPELINE_RULES], false).map((f) => `${f.ruleId} ${f.message}`);
    expect(findings(example.json["bootstrap-dev"])).toEqual([]);
    expect(findings(json)).toEqual([expect.stringMatching(/^SP-CI-004 deployer acme-dev-ci_deployer: .*ManageBoundedEnvironmentRoles.* allows iam:CreateRole, iam:PutRolePermissionsBoundary, iam:PutRolePolicy, iam:DeleteRolePolicy without a StringEquals condition on iam:PermissionsBoundary/)]);
  });

  it("fails SP-CI-004 on a wildcard iam:* or a boundary condition with a wildcard value", () => {
    const json = structuredClone(example.json["bootstrap-dev"]) as any;
    const policy = Object.values<any>(json.resource.aws_iam_role_policy).find((p) => p.name === "deployer");
    const doc = JSON.parse(policy.policy);
    doc.Statement.push({ Sid: "Everything", Effect: "Allow", Action: "iam:*", Resource: "*" });
    doc.Statement.find((s: any) => s.Sid === "ManageBoundedEnvironmentRoles").Condition = { StringLike: { "iam:PermissionsBoundary": "arn:aws:iam::111111111111:policy/*" } };
    policy.policy = JSON.stringify(doc);
    const out = runRules(fromJson(json, "bootstrap-dev"), [PIPELINE_RULES], false).map((f) => `${f.ruleId} ${f.message}`);
    expect(out).toEqual([expect.stringMatching(/^SP-CI-004 /)]);
    expect(out.join("\n")).toMatch(/Everything.* allows iam:CreateRole, iam:PutRolePermissionsBoundary, iam:PutRolePolicy, iam:DeleteRolePolicy, iam:AttachRolePolicy, iam:DetachRolePolicy/);
    expect(out.join("\n")).toMatch(/ManageBoundedEnvironmentRoles.* allows iam:CreateRole, iam:PutRolePermissionsBoundary, iam:PutRolePolicy, iam:DeleteRolePolicy without/);
  });
});

describe("the roles of aws-<env>", () => {
  const roles = (json: StackJson) => values(json, "aws_iam_role");

  it.each(["dev", "prod"] as const)("every role of aws-%s carries the boundary (the environment has a pipeline block)", (env) => {
    expect(roles(example.json[`aws-${env}`]).length).toBeGreaterThan(3);
    for (const r of roles(example.json[`aws-${env}`])) expect([r.name, r.permissions_boundary]).toEqual([r.name, arnOf(env)]);
  });

  it("every role of a stack group's stack carries it too", () => {
    expect(roles(grouped.json["aws-dev-team"]).length).toBeGreaterThan(3);
    for (const r of roles(grouped.json["aws-dev-team"])) expect([r.name, r.permissions_boundary]).toEqual([r.name, arnOf("dev")]);
  });

  it("without a pipeline block no role carries a boundary, and nothing else changes", () => {
    const p = structuredClone(loadPlatform(DEFAULT_CONFIG)) as any;
    p.environments = { dev: p.environments.dev };
    delete p.environments.dev.pipeline;
    const without = synthPlatform(p, { environments: ["dev"], backends: ["aws"] }).json["aws-dev"];
    expect(Object.keys(without.resource!).length).toBeGreaterThan(0);
    for (const r of roles(without)) expect(r.permissions_boundary).toBeUndefined();
    const stripped = structuredClone(example.json["aws-dev"]) as any;
    for (const r of Object.values<any>(stripped.resource.aws_iam_role)) delete r.permissions_boundary;
    expect(without.resource).toEqual(stripped.resource);
  });
});
