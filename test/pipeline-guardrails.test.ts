// The pipeline guardrails fire on what they forbid: a wildcard or missing subject (SP-CI-001), a planner that can
// write or read secrets (SP-CI-002), a workflow job with write-all (SP-CI-003); each breaks one thing of a real stack.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_CONFIG, loadPlatform } from "../config/load";
import { runRules } from "../guardrails/evaluate";
import { PIPELINE_RULES } from "../guardrails/rules/pipeline";
import { checkWorkflow, WORKFLOW_RULES } from "../guardrails/rules/workflow";
import { fromJson } from "../readers/synthesized";
import { synthPlatform } from "./helpers/synth";

const base = synthPlatform(loadPlatform(DEFAULT_CONFIG), { environments: ["dev"], backends: ["bootstrap"] }).json["bootstrap-dev"];
const findings = (change: (json: any) => void) => {
  const json = structuredClone(base) as any;
  change(json);
  return runRules(fromJson(json, "bootstrap-dev"), [PIPELINE_RULES], false).map((f) => `${f.ruleId} ${f.message}`);
};
const role = (json: any, name: string) => Object.values<any>(json.resource.aws_iam_role).find((r) => r.name === name);
const rolePolicy = (json: any, kind: string) => Object.values<any>(json.resource.aws_iam_role_policy).find((p) => p.name === kind);
const editJson = (holder: any, key: string, edit: (doc: any) => void) => {
  const doc = JSON.parse(holder[key]);
  edit(doc);
  holder[key] = JSON.stringify(doc);
};

it("finds nothing on the bootstrap stack as built", () => {
  expect(findings(() => undefined)).toEqual([]);
});

describe("SP-CI-001", () => {
  it("fires on an AWS trust whose subject has a wildcard, or is matched with StringLike", () => {
    const out = findings((j) =>
      editJson(role(j, "acme-dev-ci_deployer"), "assume_role_policy", (d) => {
        const c = d.Statement[0].Condition;
        c.StringLike = { "token.actions.githubusercontent.com:sub": "repo:acme/*" };
        delete c.StringEquals["token.actions.githubusercontent.com:sub"];
      }),
    );
    expect(out).toEqual([expect.stringMatching(/^SP-CI-001 .*trusts subject \["repo:acme\/\*"\] under StringLike/)]);
  });

  it("fires on an AWS trust with no subject condition at all", () => {
    const out = findings((j) => editJson(role(j, "acme-dev-ci_planner"), "assume_role_policy", (d) => delete d.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]));
    expect(out).toEqual([expect.stringMatching(/^SP-CI-001 .*no condition on the subject/)]);
  });

  it("fires on an Azure federated credential and a Vault role that accept any environment", () => {
    const out = findings((j) => {
      Object.values<any>(j.resource.azurerm_federated_identity_credential)[0].subject = "repo:acme/secrets-platform:environment:*";
      const vault = Object.values<any>(j.resource.vault_jwt_auth_backend_role)[0];
      vault.bound_claims_type = "glob";
      vault.bound_claims.environment = "*";
    });
    expect(out).toEqual([
      expect.stringMatching(/^SP-CI-001 subject "repo:acme\/secrets-platform:environment:\*"/),
      expect.stringMatching(/^SP-CI-001 bound_claims_type glob .*binds "\*"/),
    ]);
  });
});

describe("SP-CI-002", () => {
  it("fires on a planner allowed to write, or to read secret values", () => {
    const out = findings((j) =>
      editJson(rolePolicy(j, "planner"), "policy", (d) => {
        d.Statement.push({ Effect: "Allow", Action: ["s3:PutObject", "secretsmanager:GetSecretValue"], Resource: "arn:aws:s3:::x/*" });
      }),
    );
    expect(out).toEqual([expect.stringMatching(/^SP-CI-002 .*"s3:PutObject" is not read-only.*"secretsmanager:GetSecretValue" reads secret values/)]);
  });

  it("fires on a planner without the explicit deny of secret values", () => {
    const out = findings((j) => editJson(rolePolicy(j, "planner"), "policy", (d) => (d.Statement = d.Statement.filter((s: any) => s.Effect !== "Deny"))));
    expect(out).toEqual([expect.stringMatching(/^SP-CI-002 planner acme-dev-ci_planner has no explicit Deny of secretsmanager:GetSecretValue/)]);
  });

  it("fires on an Azure planner given Contributor and a Vault planner policy that can update", () => {
    const out = findings((j) => {
      const reader = Object.values<any>(j.resource.azurerm_role_assignment).find((a) => a.role_definition_name === "Reader");
      reader.role_definition_name = "Contributor";
      const policy = Object.values<any>(j.resource.vault_policy).find((p) => p.name === "dev_ci_planner");
      policy.policy += '\npath "secret/data/dev/myapp/jwt" {\n  capabilities = ["read", "update"]\n}\n';
    });
    expect(out.join("\n")).toMatch(/grants "Contributor"; a planner holds only Reader/);
    expect(out.join("\n")).toMatch(/"secret\/data\/dev\/myapp\/jwt" allows update/);
    expect(out.join("\n")).toMatch(/"secret\/data\/dev\/myapp\/jwt" can read secrets/);
  });
});

describe("SP-CI-003", () => {
  it("fires on write-all, at the top or on a job, and on a job left to the repository's default", () => {
    expect(checkWorkflow({ permissions: "write-all", jobs: { a: {} } })).toEqual(["SP-CI-003: the workflow sets permissions: write-all for every job"]);
    expect(checkWorkflow({ permissions: {}, jobs: { a: { permissions: "write-all" }, b: { permissions: { contents: "read" } } } })).toEqual(["SP-CI-003: job a has permissions: write-all"]);
    expect(checkWorkflow({ jobs: { a: {} } })).toEqual(["SP-CI-003: job a has no permissions block, so the repository's default token permissions apply"]);
  });

  it("is documented in docs/guardrails.md with its name, reason and fix", () => {
    const doc = readFileSync(path.join(__dirname, "..", "docs", "guardrails.md"), "utf8");
    for (const rule of WORKFLOW_RULES) {
      const line = doc.split("\n").find((l) => l.startsWith(`| ${rule.id} |`));
      for (const t of [rule.name, rule.reason, rule.fix]) expect(line).toContain(t);
    }
  });
});
