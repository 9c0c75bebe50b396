// Stack groups (issue 12): applications.<app>.stackGroup moves an application's AWS resources to aws-<env>-<group>,
// stacks stay under stacks.maxResources, and the review reports an application that changes group as a move of
// state between stacks, never as a destroy and a create.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parsePlatform } from "../config/load";
import { runReview } from "../review/run";
import { moveGuidance, stackMoves } from "../review/moves";
import { stackNames } from "../stacks/platform";
import { issuesOf, minimalDescription, toYaml } from "./helpers/descriptions";
import { resources, synthPlatform } from "./helpers/synth";

const tmp = mkdtempSync(path.join(os.tmpdir(), "stack-groups-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The minimal description with more applications: a (first group), b and c (group team-b). */
function grouped(groups: Record<string, string | undefined> = { a: undefined, b: "team-b", c: "team-b" }): any {
  const d = minimalDescription();
  const template = d.applications.myapp;
  d.applications = {};
  for (const [app, group] of Object.entries(groups)) {
    d.applications[app] = {
      ...structuredClone(template),
      ...(group ? { stackGroup: group } : {}),
      workloads: { api: { kubernetes: { namespace: app, serviceAccount: `${app}-api` }, reads: ["jwt", "openai"] } },
    };
  }
  return d;
}


describe("stacks per group", () => {
  const platform = parsePlatform(toYaml(grouped()), "test");
  const { json } = synthPlatform(platform);

  it("keeps <backend>-<env> for the first group and adds <backend>-<env>-<group> after", () => {
    expect(stackNames(platform).map((r) => r.name)).toEqual(["aws-dev", "aws-dev-team-b"]);
  });

  it("puts each application's secrets and roles in its group's stack only", () => {
    const secretNames = (stack: string) => Object.values(resources(json[stack], "aws_secretsmanager_secret")).map((s: any) => s.name).sort();
    expect(secretNames("aws-dev")).toEqual(["dev/a/jwt", "dev/a/openai"]);
    expect(secretNames("aws-dev-team-b")).toEqual(["dev/b/jwt", "dev/b/openai", "dev/c/jwt", "dev/c/openai"]);
    const roles = (stack: string) => Object.values(resources(json[stack], "aws_iam_role")).map((r: any) => r.name).filter((n: string) => n.endsWith("-api")).sort();
    expect(roles("aws-dev")).toEqual(["acme-dev-a-api"]);
    expect(roles("aws-dev-team-b")).toEqual(["acme-dev-b-api", "acme-dev-c-api"]);
  });

  it("names account-wide things per group, so that two groups' stacks can deploy side by side", () => {
    const aliases = (stack: string) => Object.values(resources(json[stack], "aws_kms_alias")).map((a: any) => a.name);
    expect(aliases("aws-dev")).toEqual(["alias/acme-dev-secrets"]);
    expect(aliases("aws-dev-team-b")).toEqual(["alias/acme-dev-team-b-secrets"]);
    const functions = (stack: string) => Object.values(resources(json[stack], "aws_lambda_function")).map((f: any) => f.function_name);
    expect(functions("aws-dev")).toEqual(["acme-dev-rotate-jwt"]);
    expect(functions("aws-dev-team-b")).toEqual(["acme-dev-team-b-rotate-jwt"]);
  });

  it("keeps the one Secrets Manager endpoint of the VPC in the first group's stack, also when only a later group rotates", () => {
    const d = grouped({ a: undefined, b: "team-b" });
    d.environments.dev.aws.network = { vpcId: "vpc-0abc", subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"], secretsManagerEndpoint: "create", vpcCidrBlocks: ["10.0.0.0/16"] };
    // Only b rotates: a keeps its API key alone.
    d.applications.a.secrets = { openai: { type: "api-key", expiresAfterDays: 90 } };
    d.applications.a.workloads.api.reads = ["openai"];
    const { json: withNetwork } = synthPlatform(parsePlatform(toYaml(d), "test"));
    const endpoints = (stack: string) => Object.keys(resources(withNetwork[stack], "aws_vpc_endpoint"));
    expect(endpoints("aws-dev")).toHaveLength(1);
    expect(endpoints("aws-dev-team-b")).toEqual([]);
    expect(Object.keys(resources(withNetwork["aws-dev"], "aws_lambda_function"))).toEqual([]);
  });

  it("leaves a description without groups exactly as it was: one stack per backend and environment", () => {
    const plain = parsePlatform(toYaml(minimalDescription()), "test");
    expect(stackNames(plain).map((r) => r.name)).toEqual(["aws-dev"]);
    expect(plain.stacks.maxResources).toBe(500);
  });
});

describe("validation", () => {
  it("refuses a group name that cannot end a stack name", () => {
    expect(issuesOf(grouped({ a: undefined, b: "Team_B" }))).toEqual([
      "applications.b.stackGroup: must be a stack group name: a lowercase letter, then up to 19 lowercase letters, digits or dashes, e.g. team-a",
    ]);
  });

  it("refuses a master secret in another group, naming both groups and the fix", () => {
    const d = grouped({ dbadmin: undefined, b: "team-b" });
    d.applications.dbadmin.secrets = { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } };
    d.applications.dbadmin.workloads = undefined;
    d.applications.b.secrets.database = { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "dbadmin/master" } };
    expect(issuesOf(d)).toEqual([
      "applications.b.secrets.database.rotation.masterSecret: dbadmin/master is in the first stack group (no stackGroup) and b in stack group team-b; " +
        "a rotation function reaches only a master in its own stack: give b and dbadmin the same stackGroup, or give this group a master of its own",
    ]);
    d.applications.dbadmin.stackGroup = "team-b";
    expect(issuesOf(d)).toEqual([]);
  });

  it("refuses a group whose stack name is another environment's", () => {
    const d = grouped({ a: undefined, b: "eu" });
    d.environments["dev-eu"] = structuredClone(d.environments.dev);
    expect(issuesOf(d)).toEqual([
      "applications.b.stackGroup: stack group eu of environment dev would build aws-dev-eu, the name of environment dev-eu's stack: choose another group name",
    ]);
  });

  it("refuses a stack above stacks.maxResources, saying which stack and what to change", () => {
    const d = grouped({ a: undefined, b: undefined, c: undefined });
    d.stacks = { maxResources: 20 };
    const platform = parsePlatform(toYaml(d), "test");
    expect(() => synthPlatform(platform)).toThrow(
      /stack aws-dev has \d+ resources, more than stacks\.maxResources \(20\): move applications into a stack group of their own \(applications\.<app>\.stackGroup: <name>, which builds aws-dev-<name>\) until each stack holds at most 20, or raise stacks\.maxResources/,
    );
    // The same applications over three stacks fit.
    d.applications.b.stackGroup = "team-b";
    d.applications.c.stackGroup = "team-c";
    expect(() => synthPlatform(parsePlatform(toYaml(d), "test"))).not.toThrow();
  });
});

describe("an application that changes group", () => {
  it("is reported by the review as a move of its state between the two stacks, with the commands", () => {
    const outdir = path.join(tmp, "review");
    const file = path.join(tmp, "platform.yaml");
    writeFileSync(file, toYaml(grouped({ a: undefined, b: undefined })));
    const first = runReview({ environment: "dev", configFile: file, plan: false, outdir });
    expect(first.review.moves).toBeUndefined();

    writeFileSync(file, toYaml(grouped({ a: undefined, b: "team-b" })));
    const { review } = runReview({ environment: "dev", configFile: file, plan: false, outdir });
    expect(review.moves).toHaveLength(1);
    const [move] = review.moves!;
    expect(move).toMatchObject({ from: "aws-dev", to: "aws-dev-team-b" });
    // b's own resources move (its secrets and role), a's and the stacks' own do not.
    expect(move.addresses.some((a) => a.startsWith("aws_secretsmanager_secret.b--jwt"))).toBe(true);
    expect(move.addresses.some((a) => a.startsWith("aws_iam_role.b--api"))).toBe(true);
    expect(move.addresses.some((a) => a.includes(".a--"))).toBe(false);
    expect(move.addresses.some((a) => a.startsWith("aws_kms_key."))).toBe(false);
    // Local state: one `terraform state mv` per resource between the two stacks' state files.
    expect(move.commands).toHaveLength(move.addresses.length);
    expect(move.commands[0]).toMatch(/^terraform state mv -state=\S*terraform\.aws-dev\.tfstate -state-out=\S*terraform\.aws-dev-team-b\.tfstate (\S+) \1$/);
  });

  it("pulls, moves and pushes when the stacks keep remote state", () => {
    const s3 = (key: string) => ({ terraform: { backend: { s3: { bucket: "state", key } } } });
    const before = { "aws-dev": { ...s3("a"), resource: { aws_iam_role: { "b--api_1": {} } } } };
    const after = { "aws-dev": { ...s3("a"), resource: {} }, "aws-dev-team-b": { ...s3("b"), resource: { aws_iam_role: { "b--api_1": {} } } } };
    const [guidance] = moveGuidance(stackMoves(before, after), after);
    expect(guidance.commands).toEqual([
      "terraform -chdir=cdktf.out/stacks/aws-dev state pull > aws-dev.tfstate",
      "terraform -chdir=cdktf.out/stacks/aws-dev-team-b state pull > aws-dev-team-b.tfstate",
      "terraform state mv -state=aws-dev.tfstate -state-out=aws-dev-team-b.tfstate aws_iam_role.b--api_1 aws_iam_role.b--api_1",
      "terraform -chdir=cdktf.out/stacks/aws-dev-team-b state push $PWD/aws-dev-team-b.tfstate",
      "terraform -chdir=cdktf.out/stacks/aws-dev state push $PWD/aws-dev.tfstate",
    ]);
  });
});
