// One home per name and contract (issue 11): names are built in config/naming.ts (pipeline names in
// config/pipeline.ts) and nowhere else, and the tags that connect stacks, rotation functions and guardrails come
// from contracts/tags.ts on both sides.
import { readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { validatePlatform } from "../config/load";
import { CROSS_CHECKS } from "../config/checks";
import { DEFAULTS } from "../config/schema";
import { JWT_ALGORITHM_TAG, JWT_EXPIRY_HOURS_TAG, MANAGED_BY, TAGS, TOKEN_LENGTH_TAG } from "../contracts/tags";
import { EXAMPLE_CA_FILE, minimalDescription } from "./helpers/descriptions";
import { resources, synthPlatform } from "./helpers/synth";
import type { AwsSecretsStack } from "../stacks/aws-stack";
import type { VaultSecretsStack } from "../stacks/vault-stack";

const ROOT = path.join(__dirname, "..");

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir)).flatMap((name) => {
    const rel = path.join(dir, name);
    if (statSync(path.join(ROOT, rel)).isDirectory()) return sources(rel);
    return rel.endsWith(".ts") ? [rel] : [];
  });
}

describe("names", () => {
  const HOMES = ["config/naming.ts", "config/pipeline.ts"];
  const files = [...["config", "contracts", "stacks", "constructs", "guardrails", "readers", "review", "scripts", "lambda"].flatMap(sources), "main.ts"].filter((f) => !HOMES.includes(f));

  // Each pattern is how one built name starts in a template literal; it may appear only in its home.
  const BUILT: [string, RegExp][] = [
    ["the default state key", /`secrets-platform\/\$\{/],
    ["the minimum Terraform version", /">= ?1\.\d+"/],
    ["rotation function names", /rotate-\$\{/],
    ["the environment key alias", /\}-secrets`/],
    ["Vault Agent output names", /vault-agent-annotations-\$\{/],
    ["stack names", /`(aws|vault|azure|kubernetes|bootstrap)-\$\{(env|environment\.name|ref\.environment|backend)\}/],
    ["workload role, identity and policy names", /\$\{(org|organization|environment\.organization)\}-\$\{[^}]+\}-\$\{[^}]*app\}-\$\{/],
  ];

  it.each(BUILT)("builds %s only in config/naming.ts", (_what, pattern) => {
    expect(files.filter((f) => pattern.test(readFileSync(path.join(ROOT, f), "utf8")))).toEqual([]);
  });

  it("finds each pattern in its home, so the scan above looks for the right text", () => {
    const home = readFileSync(path.join(ROOT, "config/naming.ts"), "utf8");
    const homed = BUILT.filter(([what]) => !["stack names", "workload role, identity and policy names"].includes(what));
    expect(homed.filter(([, pattern]) => !pattern.test(home)).map(([what]) => what)).toEqual([]);
  });
});

describe("tags", () => {
  it("contracts/tags.ts imports nothing, so the rotation bundles can include it without cdktf or constructs", () => {
    const text = readFileSync(path.join(ROOT, "contracts/tags.ts"), "utf8");
    expect(text).not.toMatch(/^\s*import\b|\brequire\(/m);
  });

  it("the rotation functions read their settings from the tag constants the AWS stack writes", () => {
    for (const [file, tags] of [
      ["lambda/jwt/rotator.ts", ["JWT_ALGORITHM_TAG", "JWT_EXPIRY_HOURS_TAG"]],
      ["lambda/token/rotator.ts", ["TOKEN_LENGTH_TAG"]],
    ] as const) {
      const text = readFileSync(path.join(ROOT, file), "utf8");
      expect(text).toMatch(/from "\.\.\/\.\.\/contracts\/tags"/);
      for (const tag of tags) expect(text).toContain(`metadata.tags, ${tag},`);
      expect(text).not.toMatch(/"secrets-platform:/);
    }
  });

  it("a synthesized secret carries the settings its rotation function reads, under those names", () => {
    const d = minimalDescription();
    d.applications.myapp.secrets.session = { type: "token", length: 48, rotation: { everyDays: 7 } };
    const { json } = synthPlatform(validatePlatform(d));
    const secrets = Object.values(resources(json["aws-dev"], "aws_secretsmanager_secret"));
    const byName = (name: string) => secrets.find((s) => s.name === name)!.tags;
    expect(byName("dev/myapp/jwt")).toMatchObject({ [JWT_ALGORITHM_TAG]: "HS256", [TAGS.secretType]: "jwt", [TAGS.managedBy]: MANAGED_BY });
    expect(byName("dev/myapp/jwt")[JWT_EXPIRY_HOURS_TAG]).toMatch(/^\d+$/);
    expect(byName("dev/myapp/session")).toMatchObject({ [TOKEN_LENGTH_TAG]: "48", [TAGS.secretType]: "token" });
  });
});

describe("schema defaults", () => {
  it("the schema fills in DEFAULTS, the values the cross-checks and stacks fall back to", () => {
    const d = minimalDescription();
    d.environments.dev.vault = {
      address: "https://vault.dev.example.com:8200",
      kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE },
      database: { host: "pg.dev.example.com", dbname: "app", username: "vault", tlsCaFile: EXAMPLE_CA_FILE },
    };
    d.environments.dev.aws.network = { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"] };
    const dev = validatePlatform(d).environments.dev;
    const v = dev.vault!;
    expect([v.kvMount, v.approlePath, v.kubernetes!.authPath, v.databases.default.mount, v.databases.default.sslmode]).toEqual([
      DEFAULTS.vault.kvMount,
      DEFAULTS.vault.approlePath,
      DEFAULTS.vault.kubernetesAuthPath,
      DEFAULTS.vault.databaseMount,
      DEFAULTS.vault.databaseSslmode,
    ]);
    expect([v.kubernetes!.tokenTtlSeconds, v.kubernetes!.tokenMaxTtlSeconds]).toEqual([DEFAULTS.tokenTtlSeconds, DEFAULTS.tokenMaxTtlSeconds]);
    expect([v.databases.default.defaultTtlSeconds, v.databases.default.maxTtlSeconds]).toEqual([DEFAULTS.vault.databaseDefaultTtlSeconds, DEFAULTS.vault.databaseMaxTtlSeconds]);
    expect(dev.aws!.network!.secretsManagerEndpoint).toBe(DEFAULTS.secretsManagerEndpoint);
  });

  it("the cross-checks restate no default: no literal after ?? in config/load.ts or config/checks", () => {
    const files = ["config/load.ts", ...sources("config/checks")];
    const literal = /\?\? (\d|"[^"]+"|'[^']+'|true|false)/;
    expect(files.filter((f) => literal.test(readFileSync(path.join(ROOT, f), "utf8")))).toEqual([]);
  });
});

describe("cross-checks", () => {
  it("are split by concern into small modules, out of config/load.ts", () => {
    const modules = sources("config/checks");
    expect(CROSS_CHECKS.length).toBeGreaterThanOrEqual(8);
    for (const f of modules) expect(readFileSync(path.join(ROOT, f), "utf8").split("\n").length).toBeLessThan(150);
    expect(readFileSync(path.join(ROOT, "config/load.ts"), "utf8")).not.toMatch(/function crossCheck|new Map/);
  });
});

describe("grants", () => {
  // Built apart from the shared example: granting to a recorder adds statements to the constructs.
  const d = minimalDescription();
  d.environments.dev.vault = {
    address: "https://vault.dev.example.com:8200",
    kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE },
  };
  const { stacks } = synthPlatform(validatePlatform(d));

  it("AWS grantRead and grantRotate return the IAM statements they added", () => {
    const aws = stacks["aws-dev"] as AwsSecretsStack;
    const added: unknown[] = [];
    const grantee = { principalArn: "arn:aws:iam::111111111111:role/recorder", addToPolicy: (s: unknown) => added.push(s) };
    const secret = aws.secretAt("dev/myapp/openai");
    const read = secret.grantRead(grantee);
    expect(read).toEqual(added);
    expect(read.map((s) => s.actions)).toEqual([expect.arrayContaining(["secretsmanager:GetSecretValue"]), ["kms:Decrypt"]]);
    added.length = 0;
    expect(secret.grantRotate(grantee)).toEqual(added);
  });

  it("Vault grantRead returns the policy rules it added", () => {
    const vault = stacks["vault-dev"] as VaultSecretsStack;
    const added: unknown[] = [];
    const rules = vault.kv.grantRead({ addToPolicy: (r) => added.push(r) }, "dev/myapp/openai");
    expect(rules).toEqual(added);
    expect(rules.map((r) => r.path)).toEqual(["secret/data/dev/myapp/openai", "secret/metadata/dev/myapp/openai"]);
  });
});

// One home per fact (issue 25): each fact below is built in one module and read from it everywhere else. A pattern is
// how the fact is restated (a literal list, a regex, a template); it may appear only in its home, and it must appear
// there, so that the scan looks for the text the home really holds.
describe("one home per fact", () => {
  const ALL = [...["config", "contracts", "stacks", "constructs", "guardrails", "readers", "review", "scripts", "lambda"].flatMap(sources), "main.ts"];
  const text = (f: string) => readFileSync(path.join(ROOT, f), "utf8");

  const FACTS: [string, RegExp, string][] = [
    ["the rotatable types", /\[\s*"postgres",\s*"jwt",\s*"token"\s*\]/, "contracts/secret-types.ts"],
    ["the rate() reading", /\^rate\\\(/, "contracts/cadence.ts"],
    ["the unset placeholder of a Key Vault secret", /unset: put the value/, "contracts/azure-rotation.ts"],
    ["the Azure function's function names", /(?<![=!])=\s*"(rotate|sweep)";|\.(eventGrid|timer)\("/, "contracts/azure-rotation.ts"],
    ["the Azure function's package name", /"azure-rotation\.zip"/, "contracts/azure-rotation.ts"],
    ["the Azure rotation resources' names", /\}-rotation`/, "config/azure-rotation-plan.ts"],
    ["the pipeline role names", /-ci_\$\{/, "config/pipeline.ts"],
    ["the deployer's custom Azure role names", /-ci-deployer-/, "config/pipeline.ts"],
    ["the CI identities' resource group name", /\}-ci`/, "config/pipeline.ts"],
    ["the state keys' alias", /-state-\$\{/, "config/pipeline.ts"],
    ["the Vault pipeline names", /_ci_/, "contracts/pipeline.ts"],
    ["GitHub's OIDC issuer", /["'`](https:\/\/)?token\.actions\.githubusercontent\.com["'`]/, "contracts/pipeline.ts"],
    ["the role-assignment operations", /roleAssignments\/(write|delete)/, "contracts/azure-roles.ts"],
  ];

  it.each(FACTS)("restates %s nowhere but its home", (_what, pattern, home) => {
    expect(ALL.filter((f) => f !== home && pattern.test(text(f)))).toEqual([]);
  });

  it("finds each pattern in its home, so the scans above look for the right text", () => {
    expect(FACTS.filter(([, pattern, home]) => !pattern.test(text(home))).map(([what]) => what)).toEqual([]);
  });

  // Role definition GUIDs: the bootstrap's ABAC condition is derived from the role assignments the stacks make, through
  // BUILT_IN_ROLE_IDS; no other module keeps a list. Example GUIDs (00000000-...-0000000000aa) use two digits at most.
  const GUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
  const realGuids = (f: string) => (text(f).match(GUID) ?? []).filter((g) => new Set(g.replace(/-/g, "")).size > 2);

  it("keeps role definition GUIDs in constructs/azure/built-in-roles.ts only", () => {
    expect(ALL.filter((f) => f !== "constructs/azure/built-in-roles.ts" && realGuids(f).length > 0)).toEqual([]);
    expect(realGuids("constructs/azure/built-in-roles.ts").length).toBeGreaterThanOrEqual(5);
  });

  it("contracts/ modules import nothing", () => {
    const files = sources("contracts");
    expect(files.length).toBeGreaterThanOrEqual(6);
    expect(files.filter((f) => /^\s*import\b|\brequire\(|^\s*export .* from /m.test(text(f)))).toEqual([]);
  });

  it("the guardrails reach outside guardrails/ and readers/ only for modules that import nothing (but types)", () => {
    const imported = new Set<string>();
    for (const f of sources("guardrails")) {
      for (const [, spec] of text(f).matchAll(/^import\s+(?!type\b)[^;]*?from\s+"(\.[^"]+)"/gm)) {
        const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(f), spec)) + ".ts";
        if (!/^(guardrails|readers)\//.test(target)) imported.add(target);
      }
    }
    expect([...imported].filter((f) => f.startsWith("contracts/")).length).toBeGreaterThan(0);
    const importing = [...imported].filter((f) => /^\s*import\s+(?!type\b)|^\s*export .* from |\brequire\(/m.test(text(f)));
    expect(importing).toEqual([]);
  });
});

describe("the facts read from their homes", () => {
  it("every backend's rate() reading agrees: seconds, days, and the schema's bounds", () => {
    const { parseRate, rateSeconds, rateDays } = require("../contracts/cadence") as typeof import("../contracts/cadence");
    const { cadenceSeconds } = require("../config/placement") as typeof import("../config/placement");
    const { azureCadenceDays } = require("../config/azure-rotation-plan") as typeof import("../config/azure-rotation-plan");
    const { scheduleExpressionProblem } = require("../config/schema") as typeof import("../config/schema");
    expect(parseRate("rate(1 day)")).toEqual({ count: 1, unit: "days" });
    expect(parseRate("rate(6 hours)")).toEqual({ count: 6, unit: "hours" });
    for (const bad of ["rate(6 minutes)", "rate(6hours)", " rate(6 hours)", "cron(0 4 * * ? *)", 6, undefined]) expect(parseRate(bad)).toBeUndefined();
    expect([rateSeconds("rate(6 hours)"), cadenceSeconds({ scheduleExpression: "rate(6 hours)" })]).toEqual([21_600, 21_600]);
    expect([rateSeconds("rate(2 days)"), cadenceSeconds({ scheduleExpression: "rate(2 days)" })]).toEqual([172_800, 172_800]);
    expect([rateDays("rate(2 days)"), azureCadenceDays({ scheduleExpression: "rate(2 days)" })]).toEqual([2, 2]);
    expect([rateDays("rate(6 hours)"), azureCadenceDays({ scheduleExpression: "rate(6 hours)" })]).toEqual([undefined, undefined]);
    expect(scheduleExpressionProblem("rate(3 hours)")).toMatch(/4 hours/);
    expect(scheduleExpressionProblem("rate(366 days)")).toMatch(/365 days/);
    expect(scheduleExpressionProblem("rate(4 hours)")).toBeUndefined();
  });

  it("the rotatable types are the ones with a rotation function, and api-key is not one", () => {
    const { ROTATABLE_TYPES, isRotatableType } = require("../contracts/secret-types") as typeof import("../contracts/secret-types");
    const { isRotatable } = require("../config/placement") as typeof import("../config/placement");
    const { FUNCTIONS } = require("../scripts/build-lambdas") as typeof import("../scripts/build-lambdas");
    expect([...FUNCTIONS]).toEqual([...ROTATABLE_TYPES]);
    for (const type of ROTATABLE_TYPES) expect(readdirSync(path.join(ROOT, "lambda", type)).length).toBeGreaterThan(0);
    expect(["api-key", "postgres", undefined].map((t) => isRotatableType(t))).toEqual([false, true, false]);
    expect(isRotatable({ type: "api-key" })).toBe(false);
  });
});

// The layout of issue 25: one rule per file under guardrails/rules/<area>/ (as cdk-nag does), the area's pack in its
// index.ts, helpers that several rules share in a helpers module of the area; no pack file of many rules comes back.
describe("one rule per file", () => {
  const RULES_DIR = path.join("guardrails", "rules");
  const ruleIds = (f: string) => [...readFileSync(path.join(ROOT, f), "utf8").matchAll(/\bid:\s*"(SP-[A-Z]+-\d+)"/g)].map((m) => m[1]);
  const files = sources(RULES_DIR);

  it("keeps no rule file directly in guardrails/rules/, only area folders", () => {
    expect(readdirSync(path.join(ROOT, RULES_DIR)).filter((name) => !statSync(path.join(ROOT, RULES_DIR, name)).isDirectory())).toEqual([]);
  });

  it("defines at most one rule (one object with an id: \"SP-...\" field) in each file", () => {
    expect(files.length).toBeGreaterThan(40);
    expect(files.filter((f) => ruleIds(f).length > 1).map((f) => `${f}: ${ruleIds(f).join(", ")}`)).toEqual([]);
  });

  it("defines every rule of the packs exactly once, in a rule file rather than a pack module", () => {
    const { DEFAULT_PACKS } = require("../guardrails") as typeof import("../guardrails");
    const { WORKFLOW_RULES } = require("../guardrails/rules/workflow") as typeof import("../guardrails/rules/workflow");
    const packed = [...DEFAULT_PACKS.flatMap((p) => p.rules), ...WORKFLOW_RULES].map((r) => r.id).sort();
    const defined = files.flatMap((f) => ruleIds(f).map((id) => ({ id, f })));
    expect(defined.map((d) => d.id).sort()).toEqual(packed);
    expect(defined.filter((d) => path.basename(d.f) === "index.ts")).toEqual([]);
  });
});
