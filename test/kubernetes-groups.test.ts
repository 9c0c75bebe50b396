// kubernetes-<env> splits by stack group like the backend stacks (issue 12): kubernetes-<env>-<group> holds its group's
// service accounts, token review bindings, SecretStores, ExternalSecrets and Vault Agent annotations, each reading its
// identities from its own group's backend stacks; kubernetes-<env> keeps the first group's. Objects keep their
// Terraform addresses when they change stack, so the review reports a state move.
import { parsePlatform } from "../config/load";
import { App } from "cdktf";
import { buildPlatform, stackNames } from "../stacks/platform";
import { exampleDescription, issuesOf, toYaml } from "./helpers/descriptions";
import { objectKeys, synthApp } from "./helpers/kubernetes";
import type { StackJson } from "./helpers/synth";

/** The example, with myapp (and its master, dbadmin) in stack group team-b or not, and one more app in the first group. */
function description(grouped: boolean): any {
  const d = exampleDescription();
  if (grouped) for (const app of ["myapp", "dbadmin"]) d.applications[app].stackGroup = "team-b";
  d.applications.other = {
    // Not on Vault, which has no rotation of its own for a token (refused in production).
    backends: ["aws", "azure"],
    secrets: { token: { type: "token", rotation: { everyDays: 30 } } },
    workloads: { api: { kubernetes: { namespace: "other", serviceAccount: "other-api", delivery: "external-secrets" }, reads: ["token"] } },
  };
  return d;
}

const addresses = (json: StackJson | undefined) =>
  Object.entries(json?.resource ?? {})
    .flatMap(([type, byName]) => Object.keys(byName ?? {}).map((name) => `${type}.${name}`))
    .sort();
const remoteStates = (json: StackJson | undefined) => Object.keys((json?.data as any)?.terraform_remote_state ?? {}).sort();

describe("kubernetes-<env> split by stack group", () => {
  const whole = synthApp(parsePlatform(toYaml(description(false)), "whole"), { environments: ["prod"] });
  const platform = parsePlatform(toYaml(description(true)), "grouped");
  const split = synthApp(platform, { environments: ["prod"] });

  it("adds kubernetes-<env>-<group> after kubernetes-<env>, whose name stays", () => {
    const names = stackNames(platform).filter((r) => r.environment === "prod").map((r) => r.name);
    expect(names.filter((n) => n.startsWith("kubernetes-"))).toEqual(["kubernetes-prod", "kubernetes-prod-team-b"]);
    // After every backend stack it reads from, before bootstrap.
    expect(names.indexOf("kubernetes-prod")).toBeGreaterThan(names.indexOf("azure-prod-team-b"));
    expect(names.indexOf("bootstrap-prod")).toBeGreaterThan(names.indexOf("kubernetes-prod-team-b"));
  });

  it("puts each group's objects in its own stack, and together exactly the objects of the unsplit stack", () => {
    const first = objectKeys(split.json["kubernetes-prod"]);
    const group = objectKeys(split.json["kubernetes-prod-team-b"]);
    expect(first).toEqual(["ExternalSecret other/other-token", "SecretStore other/other-api", "ServiceAccount other/other-api"]);
    expect(group.length).toBeGreaterThan(3);
    expect(group.every((k) => / myapp(-jobs)?\//.test(k) || k.startsWith("ClusterRoleBinding "))).toBe(true);
    expect([...first, ...group].sort()).toEqual(objectKeys(whole.json["kubernetes-prod"]));
    // The same Terraform addresses: a move between the stacks is a state move (the review prints it), not a recreate.
    expect([...addresses(split.json["kubernetes-prod"]), ...addresses(split.json["kubernetes-prod-team-b"])].sort()).toEqual(addresses(whole.json["kubernetes-prod"]));
    // The Vault Agent annotations of a group's workload are that stack's output.
    expect(Object.keys(split.json["kubernetes-prod-team-b"].output ?? {})).toEqual(expect.arrayContaining([expect.stringMatching(/web/)]));
    expect(Object.keys(split.json["kubernetes-prod"].output ?? {}).some((o) => /web/.test(o))).toBe(false);
  });

  it("reads identities from its own group's backend stacks only, and keeps its own state", () => {
    const group = remoteStates(split.json["kubernetes-prod-team-b"]);
    expect(group.some((r) => r.endsWith("aws-prod-team-b"))).toBe(true);
    expect(group.some((r) => r.endsWith("-aws-prod"))).toBe(false);
    // kubernetes-prod reads no group stack (its External Secrets on Azure read azure-prod's vault URI).
    expect(remoteStates(split.json["kubernetes-prod"]).some((r) => r.includes("team-b"))).toBe(false);
    expect(JSON.stringify((split.json["kubernetes-prod-team-b"].terraform as any).backend)).toContain("kubernetes-prod-team-b");
    expect(split.manifest.stacks["kubernetes-prod-team-b"].dependencies).toEqual(expect.arrayContaining(["aws-prod-team-b"]));
  });

  it("refuses a state key shared by kubernetes-<env> and its group stacks", () => {
    const d = description(true);
    d.environments.prod.kubernetes.backend = { type: "local", key: "shared.tfstate" };
    expect(issuesOf(d).filter((i) => i.startsWith("environments.prod.kubernetes.backend.key"))).toEqual([
      expect.stringContaining("is shared by kubernetes-prod and kubernetes-prod-team-b (stack groups)"),
    ]);
  });

  it("holds a kubernetes stack to stacks.maxResources, advising a stack group", () => {
    const d = description(false);
    d.stacks = { maxResources: 10 };
    // Four more workloads of three objects each (service account, SecretStore, ExternalSecret).
    for (const w of ["a", "b", "c", "d"]) {
      d.applications.other.workloads[w] = { kubernetes: { namespace: `other-${w}`, serviceAccount: `other-${w}`, delivery: "external-secrets" }, reads: ["token"] };
    }
    const app = new App({ skipValidation: true });
    buildPlatform(app, parsePlatform(toYaml(d), "too many"), { environments: ["prod"] });
    // The stack's own validation, which App.synth() runs: a message naming the stack and the fix.
    expect(app.node.findChild("kubernetes-prod").node.validate()).toEqual([
      expect.stringMatching(
        /^stack kubernetes-prod has \d+ resources, more than stacks\.maxResources \(10\): move applications into a stack group of their own \(applications\.<app>\.stackGroup: <name>, which builds kubernetes-prod-<name>\)/,
      ),
    ]);
  });
});
