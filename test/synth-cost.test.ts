// What a large synth no longer pays for (issue 12), each with the behaviour it must keep:
// - bootstrap-<env> derives the deployer's rights from the environment's stacks as built, not from the environment
//   built and rendered a second time, with the same policies;
// - the AWS guardrails find a secret's resource policies and a role's policies through an index, not by scanning every
//   policy for every secret;
// - cdktf's tokens keep a short creation trace, while errors and construct metadata keep their full traces;
// - no validation starts a process (cdktf's DataResource checked the terraform binary's version per resource).
import { Annotations, App, Lazy, TerraformStack } from "cdktf";
import { DEFAULT_CONFIG, loadPlatform, parsePlatform } from "../config/load";
import { environmentModel, placedOn } from "../config/model";
import { stackName } from "../config/naming";
import { AWS_RULES } from "../constructs/guardrails/rules/aws";
import type { SynthesizedResource, SynthesizedStack } from "../constructs/guardrails/rule";
import { fromJson } from "../constructs/guardrails/synthesized";
import { AwsSecretsStack } from "../stacks/aws-stack";
import { AzureSecretsStack } from "../stacks/azure-stack";
import { BootstrapStack } from "../stacks/bootstrap-stack";
import { buildPlatform, stackGroups } from "../stacks/platform";
import { VaultSecretsStack } from "../stacks/vault-stack";
import { isTokenTrace, shortenTokenTraces } from "../stacks/token-traces";
import { exampleDescription, toYaml } from "./helpers/descriptions";
import { synthPlatform } from "./helpers/synth";

/** The example with two more applications in stack groups (one per group), all three backends. */
function groupedExample() {
  const d = exampleDescription();
  for (const group of ["team-b", "team-c"]) {
    // On AWS and Azure, as the example's dbadmin: Vault has its own connection user (a static role would fight them).
    d.applications[`dbadmin-${group}`] = { stackGroup: group, backends: ["aws", "azure"], secrets: { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } } };
    d.applications[`app-${group}`] = {
      stackGroup: group,
      secrets: {
        database: { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: `dbadmin-${group}/master` } },
        jwt: { type: "jwt", algorithm: "ES256", rotation: { everyDays: 7 } },
      },
      workloads: { api: { kubernetes: { namespace: `app-${group}`, serviceAccount: `app-${group}-api` }, reads: ["database", "jwt"] } },
    };
  }
  return parsePlatform(toYaml(d), "grouped example");
}

describe("bootstrap-<env> with stack groups", () => {
  const platform = groupedExample();
  const env = "prod";

  it("renders no AWS stack and each Vault stack once while building, and builds no stack twice", () => {
    const rendered = new Map<string, number>();
    const render = TerraformStack.prototype.toTerraform;
    const spy = jest.spyOn(TerraformStack.prototype, "toTerraform").mockImplementation(function (this: TerraformStack) {
      rendered.set(this.node.path, (rendered.get(this.node.path) ?? 0) + 1);
      return render.call(this);
    });
    let built: number;
    try {
      const app = new App({ skipValidation: true });
      const refs = buildPlatform(app, platform, { environments: [env] });
      built = refs.length;
      // Every stack of the environment is a child of this app, and of no other app.
      expect(app.node.children.filter((c) => TerraformStack.isStack(c)).map((c) => c.node.id)).toEqual(refs.map((r) => r.name));
    } finally {
      spy.mockRestore();
    }
    expect(built).toBeGreaterThan(5);
    expect([...rendered.keys()].filter((p) => p.startsWith("aws-"))).toEqual([]);
    const vaultStacks = [stackName("vault", env), ...stackGroups(platform).map((g) => stackName("vault", env, g))];
    expect(Object.fromEntries(rendered)).toEqual(Object.fromEntries(vaultStacks.map((s) => [s, 1])));
  });

  it("grants the deployer exactly what it would from the environment built as one stack", () => {
    const app = new App({ skipValidation: true });
    buildPlatform(app, platform, { environments: [env] });
    const fromGroups = (app.node.findChild(stackName("bootstrap", env)) as TerraformStack).toTerraform();

    // The way it was: the whole environment in a detached app, one stack per backend.
    const model = environmentModel(platform, env);
    const whole = new App({ skipValidation: true });
    const reference = new App({ skipValidation: true });
    const bootstrap = new BootstrapStack(reference, stackName("bootstrap", env), model, {
      aws: new AwsSecretsStack(whole, stackName("aws", env), placedOn(model, "aws")),
      vault: new VaultSecretsStack(whole, stackName("vault", env), placedOn(model, "vault")),
      // The Azure deployer's role-assignment condition is derived from the azure stacks' role assignments too.
      azure: new AzureSecretsStack(whole, stackName("azure", env), placedOn(model, "azure")),
      groups: stackGroups(platform),
    });
    const expected = bootstrap.toTerraform() as any;
    // The policies that carry the rights: the AWS deployer's and the Vault deployer's and planner's.
    const policies = (json: any) => ({ iam: json.resource.aws_iam_role_policy, vault: json.resource.vault_policy });
    expect(Object.keys(policies(expected).iam ?? {}).length).toBeGreaterThan(0);
    expect(Object.keys(policies(expected).vault ?? {}).length).toBeGreaterThan(0);
    expect(policies(fromGroups)).toEqual(policies(expected));
    expect(JSON.stringify(fromGroups)).toEqual(JSON.stringify(expected));
  });
});

describe("AWS guardrails on many secrets", () => {
  /** A stack of n secrets, each with its resource policy, counting reads of the policies' secret_arn. */
  function manySecrets(n: number): { stack: SynthesizedStack; reads: () => number } {
    const json: any = { resource: { aws_secretsmanager_secret: {}, aws_secretsmanager_secret_policy: {} } };
    for (let i = 0; i < n; i++) {
      json.resource.aws_secretsmanager_secret[`s${i}`] = { name: `dev/app${i}/jwt`, kms_key_id: "${aws_kms_key.k.arn}" };
      json.resource.aws_secretsmanager_secret_policy[`p${i}`] = {
        secret_arn: `\${aws_secretsmanager_secret.s${i}.arn}`,
        policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*", Condition: { ArnNotLike: { "aws:PrincipalArn": ["arn:aws:iam::111111111111:role/x"] } } }],
        }),
      };
    }
    const stack = fromJson(json, "aws-dev");
    let count = 0;
    for (const p of stack.ofType("aws_secretsmanager_secret_policy")) {
      const attributes = p.attributes;
      (p as { attributes: Record<string, any> }).attributes = new Proxy(attributes, {
        get: (target, key) => {
          if (key === "secret_arn") count++;
          return target[key as string];
        },
      });
    }
    return { stack, reads: () => count };
  }

  const run = (stack: SynthesizedStack, ruleId: string) => {
    const rule = AWS_RULES.rules.find((r) => r.id === ruleId)!;
    return stack.resources.filter((r: SynthesizedResource) => rule.appliesTo?.includes(r.type)).flatMap((r) => (rule as any).check(r, { stack }));
  };

  it("reads each secret policy's target a bounded number of times, however many secrets there are", () => {
    for (const ruleId of ["SP-AWS-011", "SP-AWS-013"]) {
      const { stack, reads } = manySecrets(200);
      expect(run(stack, ruleId)).toEqual([]);
      // Scanning every policy per secret read secret_arn 200 x 200 times.
      expect(reads()).toBeLessThanOrEqual(2 * 200);
    }
  });

  it("still finds the policies of a secret, by reference or by name, and only those", () => {
    const { stack } = manySecrets(3);
    // Detach s1's policy: SP-AWS-011 reports s1 alone.
    (stack.ofType("aws_secretsmanager_secret_policy")[1].attributes as any).secret_arn = "${aws_secretsmanager_secret.elsewhere.arn}";
    expect(run(stack, "SP-AWS-011")).toEqual(["secret dev/app1/jwt has no aws_secretsmanager_secret_policy"]);
    const byName = manySecrets(2).stack;
    (byName.ofType("aws_secretsmanager_secret_policy")[0].attributes as any).secret_arn = "dev/app0/jwt";
    expect(run(byName, "SP-AWS-011")).toEqual([]);
  });
});

describe("creation traces of cdktf's tokens", () => {
  beforeAll(() => shortenTokenTraces());

  it("keeps a token's trace short: the project code that made it", () => {
    const lazy = Lazy.stringValue({ produce: () => "x" });
    const token = (require("cdktf").Tokenization.reverseString(lazy).firstToken as { creationStack: string[] });
    // One frame: this test file, where the token was made.
    expect(token.creationStack).toEqual([expect.stringMatching(/synth-cost\.test\.ts:\d+:\d+/)]);
  });

  it("formats an error's stack in full, as V8 does", () => {
    const deep = (n: number): Error => (n === 0 ? new Error("deep") : deep(n - 1));
    const error = deep(5);
    const lines = error.stack!.split("\n");
    expect(lines[0]).toBe("Error: deep");
    expect(lines.slice(1).every((l) => l.startsWith("    at "))).toBe(true);
    expect(lines.filter((l) => l.includes("deep")).length).toBeGreaterThanOrEqual(6);
  });

  it("leaves construct metadata traces, which cdktf writes to manifest.json, in full", () => {
    const app = new App({ stackTraces: true });
    const stack = new TerraformStack(app, "s");
    Annotations.of(stack).addWarning("w");
    const trace = stack.node.metadata.find((m) => m.data === "w")!.trace!;
    expect(isTokenTrace({}, [])).toBe(false);
    // Through this test file and beyond into jest: not cut at the first project frame.
    expect(trace.some((l) => /synth-cost\.test\.ts/.test(l))).toBe(true);
    expect(trace.some((l) => /node_modules[\\/]jest-circus/.test(l))).toBe(true);
  });
});

describe("a synth starts no process", () => {
  it("synthesizing the example with every validation runs no child process (cdktf's DataResource ran `terraform version` per resource)", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const childProcess = require("node:child_process") as typeof import("node:child_process");
    const spies = (["execSync", "execFileSync", "spawnSync", "spawn", "exec", "execFile"] as const).map((name) => jest.spyOn(childProcess, name));
    try {
      const { json } = synthPlatform(loadPlatform(DEFAULT_CONFIG));
      // The Azure stacks hold the steps that used to cost a process each: the RBAC wait and the code deployment.
      expect(Object.keys(json["azure-dev"].resource?.terraform_data ?? {}).length).toBeGreaterThanOrEqual(2);
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});
