// The description is the project's public interface: every bad input must stop the run with a
// message that names the field and says what to change, and every problem must be reported at once.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { configPath, loadPlatform, parsePlatform, PlatformConfigError, validatePlatform } from "../config/load";
import { minimalDescription, toYaml } from "./helpers/descriptions";

function problems(mutate: (d: any) => void): { path: string; message: string }[] {
  const d = minimalDescription();
  mutate(d);
  try {
    validatePlatform(d);
  } catch (err) {
    if (err instanceof PlatformConfigError) return [...err.issues];
    throw err;
  }
  throw new Error("the description was accepted");
}

const dev = (d: any) => d.environments.dev;
const app = (d: any) => d.applications.myapp;

// [what is wrong, how to break it, field path, words the message must contain]
const BAD_INPUTS: Array<[string, (d: any) => void, string, RegExp]> = [
  ["typo in a field name", (d) => (dev(d).aws.acountId = "1"), "environments.dev.aws.acountId", /unknown field/],
  ["account id too short", (d) => (dev(d).aws.accountId = "12345"), "environments.dev.aws.accountId", /12-digit AWS account id/],
  ["account id as a number", (d) => (dev(d).aws.accountId = 111111111111), "environments.dev.aws.accountId", /12-digit AWS account id in quotes/],
  ["region malformed", (d) => (dev(d).aws.region = "useast1"), "environments.dev.aws.region", /AWS region such as us-east-1/],
  ["OIDC ARN malformed", (d) => (dev(d).aws.eks.oidcProviderArn = "arn:aws:iam::111111111111:role/x"), "environments.dev.aws.eks.oidcProviderArn", /OIDC provider ARN/],
  ["OIDC provider of another account", (d) => (dev(d).aws.eks.oidcProviderArn = "arn:aws:iam::999999999999:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"), "environments.dev.aws.eks.oidcProviderArn", /account 999999999999, not to this environment's account 111111111111/],
  ["environment name with capitals", (d) => { d.environments.Prod = d.environments.dev; delete d.environments.dev; }, "environments.Prod", /lowercase letters, digits and single dashes/],
  ["application name with underscore", (d) => { d.applications.my_app = d.applications.myapp; delete d.applications.myapp; }, "applications.my_app", /lowercase letters, digits and single dashes/],
  ["environment with no backend", (d) => (d.environments.dev = {}), "environments.dev", /at least one of aws, vault, azure/],
  ["no environments", (d) => (d.environments = {}), "environments", /at least one environment/],
  ["missing organization", (d) => delete d.organization, "organization", /is required/],
  ["unknown secret type", (d) => (app(d).secrets.jwt = { type: "password" }), "applications.myapp.secrets.jwt.type", /one of postgres, jwt, api-key, token/],
  ["workload reads an undefined secret", (d) => app(d).workloads.api.reads.push("databse"), "applications.myapp.workloads.api.reads[2]", /secret "databse" is not defined in applications.myapp.secrets \(defined: jwt, openai\)/],
  ["workload reads nothing", (d) => (app(d).workloads.api.reads = []), "applications.myapp.workloads.api.reads", /at least one secret/],
  ["workload without a binding", (d) => delete app(d).workloads.api.kubernetes, "applications.myapp.workloads.api", /exactly one of kubernetes .* or approle .*found neither/],
  ["workload with two bindings", (d) => (app(d).workloads.api.approle = {}), "applications.myapp.workloads.api", /found kubernetes and approle/],
  ["rotation on an api-key", (d) => (app(d).secrets.openai.rotation = { everyDays: 30 }), "applications.myapp.secrets.openai.rotation", /set by a person and cannot be rotated/],
  ["rotation of 0 days", (d) => (app(d).secrets.jwt.rotation = { everyDays: 0 }), "applications.myapp.secrets.jwt.rotation.everyDays", /use 1 to 365/],
  ["rotation of 400 days", (d) => (app(d).secrets.jwt.rotation = { everyDays: 400 }), "applications.myapp.secrets.jwt.rotation.everyDays", /use 1 to 365/],
  ["rotation with both cadences", (d) => (app(d).secrets.jwt.rotation = { everyDays: 7, scheduleExpression: "rate(7 days)" }), "applications.myapp.secrets.jwt.rotation", /exactly one of everyDays or scheduleExpression/],
  ["rotation with a bad schedule", (d) => (app(d).secrets.jwt.rotation = { scheduleExpression: "weekly" }), "applications.myapp.secrets.jwt.rotation.scheduleExpression", /rate\(N days\)/],
  ["alternating users without a master", (d) => (app(d).secrets.db = { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30 } }), "applications.myapp.secrets.db.rotation.masterSecret", /needs masterSecret/],
  ["master secret that does not exist", (d) => (app(d).secrets.db = { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "dbadmin/master" } }), "applications.myapp.secrets.db.rotation.masterSecret", /"dbadmin\/master" is not defined/],
  ["master secret of the wrong type", (d) => (app(d).secrets.db = { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "myapp/jwt" } }), "applications.myapp.secrets.db.rotation.masterSecret", /is a jwt secret; the master must be a postgres secret/],
  ["unknown rotation strategy", (d) => (app(d).secrets.db = { type: "postgres", rotation: { strategy: "dual", everyDays: 30 } }), "applications.myapp.secrets.db.rotation.strategy", /single-user or alternating-users/],
  ["unknown JWT algorithm", (d) => (app(d).secrets.jwt.algorithm = "none"), "applications.myapp.secrets.jwt.algorithm", /HS256, RS256 or ES256/],
  ["dynamic on a non-postgres secret", (d) => (app(d).secrets.jwt.dynamic = true), "applications.myapp.secrets.jwt.dynamic", /only postgres secrets can be dynamic/],
  ["Key Vault name collision", (d) => { app(d).secrets.api_key = { type: "token" }; app(d).secrets["api-key"] = { type: "token" }; }, "applications.myapp.secrets.api-key", /Key Vault name "myapp--api-key" is the same as that of applications.myapp.secrets.api_key/],
  ["IAM role name too long", (d) => { app(d).workloads["a-very-long-workload-name-for-this-test"] = app(d).workloads.api; d.applications["an-application-with-a-long-name-too"] = app(d); }, "applications.an-application-with-a-long-name-too.workloads.a-very-long-workload-name-for-this-test", /IAM role name "acme-dev-an-application.*" in environment dev is 84 characters; IAM allows 64/],
  ["service account with capitals", (d) => (app(d).workloads.api.kubernetes.serviceAccount = "MyApp"), "applications.myapp.workloads.api.kubernetes.serviceAccount", /Kubernetes service account name/],
  ["recovery window out of range", (d) => (dev(d).aws.recoveryWindowDays = 3), "environments.dev.aws.recoveryWindowDays", /7 to 30 days/],
  ["network without a subnet", (d) => (dev(d).aws.network = { subnetIds: [], securityGroupIds: ["sg-0abc"] }), "environments.dev.aws.network.subnetIds", /at least one subnet/],
  ["subnet id malformed", (d) => (dev(d).aws.network = { subnetIds: ["subnet_1"], securityGroupIds: ["sg-0abc"], vpcId: "vpc-0abc" }), "environments.dev.aws.network.subnetIds[0]", /subnet id such as subnet-0abc/],
  ["region outside the aws partition", (d) => (dev(d).aws.region = "cn-north-1"), "environments.dev.aws.region", /outside the aws partition/],
  ["schedule of 1000 days", (d) => (app(d).secrets.jwt.rotation = { scheduleExpression: "rate(1000 days)" }), "applications.myapp.secrets.jwt.rotation.scheduleExpression", /use rate\(1 days\) to rate\(365 days\)/],
  ["schedule more often than 4 hours", (d) => (app(d).secrets.jwt.rotation = { scheduleExpression: "rate(1 hours)" }), "applications.myapp.secrets.jwt.rotation.scheduleExpression", /at most every 4 hours/],
  ["cron with five fields", (d) => (app(d).secrets.jwt.rotation = { scheduleExpression: "cron(0 4 * * ?)" }), "applications.myapp.secrets.jwt.rotation.scheduleExpression", /six fields/],
  ["two stacks sharing one state file", (d) => {
    d.environments.prod = structuredClone(dev(d));
    for (const e of ["dev", "prod"]) d.environments[e].aws.backend = { type: "s3", bucket: "acme-tfstate", region: "us-east-1", key: "platform.tfstate" };
  }, "environments.prod.aws.backend.key", /keeps state at s3:\/\/acme-tfstate\/platform.tfstate, as environments.dev.aws.backend does/],
  ["IAM role names that meet through dashes", (d) => {
    d.applications["myapp-api"] = { secrets: { x: { type: "api-key" } }, workloads: { w: { kubernetes: { namespace: "n", serviceAccount: "s" }, reads: ["x"] } } };
    app(d).workloads["api-w"] = { kubernetes: { namespace: "n", serviceAccount: "t" }, reads: ["jwt"] };
  }, "applications.myapp-api.workloads.w", /IAM role name "acme-dev-myapp-api-w" is the same as that of applications.myapp.workloads.api-w/],
  ["state backend of unknown type", (d) => (dev(d).aws.backend = { type: "gcs", bucket: "b" }), "environments.dev.aws.backend.type", /must be s3/],
];

describe("a bad description is rejected with the field path and what to change", () => {
  it("covers at least 20 distinct bad inputs", () => {
    expect(new Set(BAD_INPUTS.map((b) => b[0])).size).toBeGreaterThanOrEqual(20);
  });

  it.each(BAD_INPUTS)("%s", (_what, mutate, fieldPath, message) => {
    const found = problems(mutate);
    const match = found.find((p) => p.path.startsWith(fieldPath) && message.test(p.message));
    if (!match) throw new Error(`no problem at ${fieldPath} matching ${message}; got:\n${found.map((p) => `${p.path}: ${p.message}`).join("\n")}`);
  });
});

describe("reporting", () => {
  it("reports every problem at once, not only the first", () => {
    const found = problems((d) => {
      dev(d).aws.accountId = "1";
      dev(d).aws.regoin = "us-east-1";
      app(d).workloads.api.reads.push("nothing");
      app(d).secrets.openai.rotation = { everyDays: 1 };
    });
    expect(found.map((p) => p.path)).toEqual(
      expect.arrayContaining([
        "environments.dev.aws.accountId",
        "environments.dev.aws.regoin",
        "applications.myapp.workloads.api.reads[2]",
        "applications.myapp.secrets.openai.rotation",
      ]),
    );
  });

  it("rejects duplicate keys, which YAML would otherwise silently merge", () => {
    expect(() => parsePlatform("organization: acme\norganization: other\n", "dup.yaml")).toThrow(/dup\.yaml:2:1: YAML syntax: Map keys must be unique/);
  });

  it("takes the file from PLATFORM_CONFIG", () => {
    expect(configPath({ PLATFORM_CONFIG: "other.yaml" })).toBe(path.resolve("other.yaml"));
    expect(configPath({})).toMatch(/config\/platform\.yaml$/);
  });

  it("accepts the example and applies defaults", () => {
    const p = loadPlatform();
    expect(Object.keys(p.environments)).toEqual(["dev", "staging", "prod"]);
    expect(p.applications.myapp.workloads?.api.reads).toEqual(["database", "jwt", "openai"]);
    expect(p.environments.prod.vault?.kvMount).toBe("secret");
  });
});

/** The whole message a user sees for a description, or the exception if it was accepted. */
function messageFor(text: string, source = "platform.yaml"): string {
  try {
    parsePlatform(text, source);
  } catch (err) {
    if (err instanceof PlatformConfigError) return err.message;
    throw err;
  }
  throw new Error("the description was accepted");
}

describe("messages say what to change, once", () => {
  it("an empty file: what a description needs, and where the example is", () => {
    const expected =
      "platform.yaml: 1 problem in the platform description\n" +
      "  - the description is empty: it needs organization, environments and applications; start from the example, config/platform.yaml";
    expect(messageFor("")).toBe(expected);
    expect(messageFor("# only a comment\n")).toBe(expected);
  });

  it("a file that is a list, not a map", () => {
    expect(messageFor("- acme\n")).toBe(
      "platform.yaml: 1 problem in the platform description\n" +
        "  - the description must be a map of organization, environments and applications, not a list; see the example, config/platform.yaml",
    );
  });

  it("one indentation slip: one message with line, column, what to check and the line itself", () => {
    const lines = toYaml(minimalDescription()).split("\n");
    const type = lines.findIndex((l) => l.trim() === "type: jwt");
    lines[type] = lines[type].slice(1); // one space too few
    expect(parseDocument(lines.join("\n")).errors).toHaveLength(4); // what the parser itself reports
    expect(messageFor(lines.join("\n"))).toBe(
      "platform.yaml: 1 problem in the platform description\n" +
        `  - platform.yaml:${type + 1}:14: YAML syntax: Nested mappings are not allowed in compact mappings (check the indentation here and on the next line: the keys of one map start in the same column)\n` +
        `    ${type + 1} |        type: jwt\n` +
        "                      ^",
    );
  });

  it("a key indented too far: the line itself, the caret on the key", () => {
    const lines = toYaml(minimalDescription()).split("\n");
    const region = lines.findIndex((l) => l.trim().startsWith("region:"));
    lines[region] = ` ${lines[region]}`;
    expect(messageFor(lines.join("\n"))).toBe(
      "platform.yaml: 1 problem in the platform description\n" +
        `  - platform.yaml:${region + 1}:8: YAML syntax: All mapping items must start at the same column (check the indentation here and on the line before: the keys of one map start in the same column)\n` +
        `    ${region + 1} |        region: us-east-1\n` +
        "               ^",
    );
  });

  it("an unclosed bracket: where the parser noticed it", () => {
    expect(messageFor("organization: acme\nenvironments: [dev\napplications: {}\n")).toBe(
      "platform.yaml: 1 problem in the platform description\n" +
        "  - platform.yaml:3:1: YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]\n" +
        "    3 | applications: {}\n" +
        "        ^",
    );
  });

  it("a missing file names PLATFORM_CONFIG when that is what points to it", () => {
    const file = path.resolve("no-such-description.yaml");
    expect(() => loadPlatform(file, { PLATFORM_CONFIG: "no-such-description.yaml" })).toThrow(
      new PlatformConfigError(file, [{ path: "", message: "the file does not exist; PLATFORM_CONFIG=no-such-description.yaml names it: correct the path, or unset PLATFORM_CONFIG to use config/platform.yaml" }]),
    );
    // Shown relative to the current folder, as the file:line:column of each problem is.
    expect(() => loadPlatform(file, {})).toThrow(`${path.relative(process.cwd(), file)}: 1 problem in the platform description\n  - the file does not exist`);
  });

  it("a misspelt field points to the reference of the fields allowed", () => {
    expect(problems((d) => (dev(d).aws.regoin = "us-east-1"))).toEqual([
      { path: "environments.dev.aws.regoin", message: "unknown field (check the spelling; docs/description.md lists the fields allowed here)" },
    ]);
  });

  it("an 11-digit account id is blamed on accountId only, not on the OIDC provider of the right account", () => {
    expect(problems((d) => (dev(d).aws.accountId = "11111111111"))).toEqual([
      { path: "environments.dev.aws.accountId", message: 'must be a 12-digit AWS account id in quotes, e.g. "111111111111"' },
    ]);
  });

  it("rotation required in production: says which environment without 'production is production'", () => {
    expect(
      problems((d) => {
        d.environments.production = dev(d);
        delete d.environments.dev;
        delete app(d).secrets.jwt.rotation;
      }),
    ).toEqual([
      { path: "applications.myapp.secrets.jwt.rotation", message: "is required: myapp/jwt is placed on aws in production environment production, and jwt secrets must rotate on every backend that holds them (add rotation: { everyDays: 30 }, or place myapp elsewhere)" },
    ]);
  });

  it("two workloads of different applications on one service account are refused, naming both", () => {
    expect(
      problems((d) => {
        d.applications.billing = { secrets: { token: { type: "token" } }, workloads: { worker: { kubernetes: { namespace: "myapp", serviceAccount: "myapp-api" }, reads: ["token"] } } };
      }),
    ).toEqual([
      {
        path: "applications.billing.workloads.worker.kubernetes.serviceAccount",
        message:
          "service account myapp/myapp-api is also built for applications.myapp.workloads.api.kubernetes.serviceAccount (a service account carries one identity: one IAM role annotation, one Azure managed identity); rename one of them or put them in different namespaces",
      },
    ]);
  });

  it("the same service account name in two namespaces is two service accounts", () => {
    const d = minimalDescription();
    d.applications.billing = { secrets: { token: { type: "token" } }, workloads: { worker: { kubernetes: { namespace: "billing", serviceAccount: "myapp-api" }, reads: ["token"] } } };
    expect(() => validatePlatform(d)).not.toThrow();
  });
});

describe("the app on a bad description", () => {
  it("exits non-zero with the problems, no stack trace, and writes nothing to cdktf.out", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "bad-config-"));
    const d = minimalDescription();
    d.environments.dev.aws.accountId = "abc";
    writeFileSync(path.join(dir, "platform.yaml"), toYaml(d));
    const root = path.resolve(__dirname, "..");
    const r = spawnSync(process.execPath, [path.join(root, "dist", "main.js")], {
      cwd: dir,
      env: { ...process.env, PLATFORM_CONFIG: path.join(dir, "platform.yaml"), CDKTF_OUTDIR: path.join(dir, "cdktf.out") },
      encoding: "utf8",
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("environments.dev.aws.accountId: must be a 12-digit AWS account id");
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(existsSync(path.join(dir, "cdktf.out"))).toBe(false);
  });
});
