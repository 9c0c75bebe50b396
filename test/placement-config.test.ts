// Placement (issue 14 item 1): applications.<app>.backends and environments.<env>.applications.<app>.backends decide
// which backends hold an application's secrets; every rule refuses a bad description with the field path, and each
// backend stack holds and grants exactly the applications placed on it.
import { validatePlatform } from "../config/load";
import { environmentModel, placedOn } from "../config/model";
import { placement } from "../config/placement";
import { EXAMPLE_CA_FILE, issuesOf, minimalDescription } from "./helpers/descriptions";
import { resources, synthPlatform } from "./helpers/synth";

/** dev (not production) and prod, each with AWS, Vault (with a database connection) and Azure. */
function threeBackends(): any {
  const d = minimalDescription();
  const envOf = (name: string, sub: string) => ({
    aws: { ...d.environments.dev.aws, network: { subnetIds: ["subnet-0abc"], securityGroupIds: ["sg-0abc"] } },
    vault: {
      address: `https://vault.${name}.example.com:8200`,
      kubernetes: { host: `https://k8s.${name}.example.com:6443`, caCertFile: EXAMPLE_CA_FILE },
      database: { host: `pg.${name}.example.com`, dbname: "app", username: "vault_admin", tlsCaFile: EXAMPLE_CA_FILE },
    },
    azure: {
      subscriptionId: `00000000-0000-0000-0000-00000000000${sub}`,
      tenantId: "00000000-0000-0000-0000-0000000000aa",
      location: "eastus",
      resourceGroupName: `rg-secrets-${name}`,
      privateEndpoint: {
        subnetId: `/subscriptions/00000000-0000-0000-0000-00000000000${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${name}/subnets/pe`,
        virtualNetworkId: `/subscriptions/00000000-0000-0000-0000-00000000000${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${name}`,
      },
      aksOidcIssuerUrl: "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-0000000000aa/11111111-1111-1111-1111-111111111111/",
      logAnalyticsWorkspaceId: `/subscriptions/00000000-0000-0000-0000-00000000000${sub}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/law-${name}`,
      // Production keeps rotating secrets on Azure, which only the rotation function rotates: it needs its subnet.
      rotation: { subnetId: `/subscriptions/00000000-0000-0000-0000-00000000000${sub}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-${name}/subnets/func` },
    },
  });
  d.environments = { dev: envOf("dev", "1"), prod: envOf("prod", "2") };
  d.applications.dbadmin = { backends: ["aws", "azure"], secrets: { master: { type: "postgres", rotation: { strategy: "single-user", everyDays: 30 } } } };
  d.applications.myapp.secrets.database = { type: "postgres", rotation: { strategy: "alternating-users", everyDays: 30, masterSecret: "dbadmin/master" } };
  return d;
}

describe("placement: the schema and the cross-checks", () => {
  it("the starting point is valid", () => {
    expect(issuesOf(threeBackends())).toEqual([]);
  });

  // [what is wrong, how to break it, the field path, words the message must contain]
  const BAD: Array<[string, (d: any) => void, string, RegExp]> = [
    ["an empty backends list", (d) => (d.applications.myapp.backends = []), "applications.myapp.backends", /at least one backend/],
    ["a backend listed twice", (d) => (d.applications.myapp.backends = ["aws", "aws"]), "applications.myapp.backends", /lists a backend twice/],
    ["an unknown backend", (d) => (d.applications.myapp.backends = ["gcp"]), "applications.myapp.backends[0]", /aws, vault or azure/],
    ["an override with a backend listed twice", (d) => (d.environments.dev.applications = { myapp: { backends: ["vault", "vault"] } }), "environments.dev.applications.myapp.backends", /lists a backend twice/],
    ["an override naming an application the description lacks", (d) => (d.environments.dev.applications = { mypap: { backends: ["aws"] } }), "environments.dev.applications.mypap", /names application mypap, which applications does not define \(defined: myapp, dbadmin\)/],
    ["an alternating-users secret on AWS whose master is not", (d) => (d.applications.dbadmin.backends = ["azure"]), "applications.myapp.secrets.database.rotation.masterSecret", /myapp\/database is placed on aws in environment dev, .*its master dbadmin\/master there, but application dbadmin is not placed on aws in dev \(it is on azure\)/],
    ["an alternating-users secret on Azure whose master is not, in one environment", (d) => (d.environments.prod.applications = { dbadmin: { backends: ["aws"] } }), "applications.myapp.secrets.database.rotation.masterSecret", /placed on azure in environment prod, .*application dbadmin is not placed on azure in prod/],
    ["production: a token on Vault", (d) => (d.applications.myapp.secrets.session = { type: "token", rotation: { everyDays: 7 } }), "applications.myapp.secrets.session", /is a token placed on vault in production environment prod, but Vault has no rotation of its own .*place myapp on aws or azure/],
    ["production: a jwt without rotation on Vault only", (d) => { d.applications.myapp.backends = ["vault"]; delete d.applications.myapp.secrets.jwt.rotation; }, "applications.myapp.secrets.jwt.rotation", /is required: myapp\/jwt is placed on vault in production environment prod/],
    ["production: a postgres secret without rotation on Azure only", (d) => { d.applications.dbadmin.backends = ["azure"]; delete d.applications.dbadmin.secrets.master.rotation; d.environments.prod.applications = { myapp: { backends: ["vault"] } }; d.environments.dev.applications = { myapp: { backends: ["vault"] } }; }, "applications.dbadmin.secrets.master.rotation", /is required: dbadmin\/master is placed on azure in production environment prod/],
    ["a single-user secret on Vault and on AWS", (d) => (d.applications.dbadmin.backends = ["aws", "vault", "azure"]), "applications.dbadmin.secrets.master", /placed on vault and on aws and azure in environment dev: Vault's static role and the aws\/azure rotation would each change the password of the same database user/],
    ["a static role for Vault's own connection user", (d) => { d.applications.dbadmin.backends = ["vault"]; d.environments.dev.vault.database.username = "dbadmin_master"; }, "applications.dbadmin.secrets.master", /static role for dbadmin_master, the user Vault's own database connection logs in as/],
    ["a cron schedule on Vault", (d) => (d.applications.myapp.secrets.jwt.rotation = { scheduleExpression: "cron(0 4 * * ? *)" }), "applications.myapp.secrets.jwt.rotation.scheduleExpression", /placed on vault in environment dev, .*auto_rotate_period.*use everyDays or rate/],
    ["a static role without the database connection", (d) => { d.applications.dbadmin.backends = ["vault"]; delete d.environments.dev.vault.database; d.applications.myapp.backends = ["aws", "azure"]; }, "environments.dev.vault.database", /is required: a postgres secret placed on Vault in dev/],
    ["the transit mount on the KV mount's path", (d) => (d.environments.dev.vault.transitMount = "secret"), "environments.dev.vault.transitMount", /same path as kvMount/],
    ["a Kubernetes workload of an application placed on nothing", (d) => { d.environments.dev.kubernetes = { kubeconfigContext: "acme-dev" }; d.environments.dev.applications = { myapp: { backends: ["azure"] } }; delete d.environments.dev.azure; }, "applications.myapp.workloads.api.kubernetes", /application myapp is placed on no backend there, so it has nothing to read/],
  ];
  it.each(BAD)("refuses %s", (_what, breakIt, path, message) => {
    const d = threeBackends();
    breakIt(d);
    const found = issuesOf(d).filter((i) => i.startsWith(`${path}: `) && message.test(i));
    expect(found).toHaveLength(1);
  });

  it("naming a backend the environment lacks is not an error; it is left out", () => {
    const d = threeBackends();
    delete d.environments.dev.azure;
    d.applications.myapp.backends = ["aws", "azure"];
    expect(issuesOf(d)).toEqual([]);
    const p = validatePlatform(d);
    expect(placement(p, "dev", "myapp")).toEqual(["aws"]);
    expect(placement(p, "prod", "myapp")).toEqual(["aws", "azure"]);
  });

  it("outside production a rotating token on Vault is allowed (the Vault stack warns) and a missing rotation is not refused", () => {
    const d = threeBackends();
    delete d.environments.prod;
    d.applications.myapp.secrets.session = { type: "token", rotation: { everyDays: 7 } };
    delete d.applications.myapp.secrets.jwt.rotation;
    expect(issuesOf(d)).toEqual([]);
  });

  it("effective placement: override ?? application ?? every backend, intersected with the environment's", () => {
    const d = threeBackends();
    d.applications.myapp.backends = ["vault"];
    d.environments.prod.applications = { myapp: { backends: ["aws", "vault"] } };
    const p = validatePlatform(d);
    expect(placement(p, "dev", "myapp")).toEqual(["vault"]);
    expect(placement(p, "prod", "myapp")).toEqual(["aws", "vault"]);
    expect(placement(p, "dev", "dbadmin")).toEqual(["aws", "azure"]);
    delete d.applications.myapp.backends;
    expect(placement(validatePlatform(d), "dev", "myapp")).toEqual(["aws", "vault", "azure"]);
  });
});

describe("placement: the stacks follow it", () => {
  const d = threeBackends();
  const p = validatePlatform(d);
  const { json } = synthPlatform(p, { environments: ["dev"], backends: ["aws", "vault", "azure"] });

  it("placedOn keeps only the applications placed on the backend", () => {
    const model = environmentModel(p, "dev");
    expect(placedOn(model, "vault").secrets.map((s) => s.path)).toEqual(["dev/myapp/jwt", "dev/myapp/openai", "dev/myapp/database"]);
    expect(placedOn(model, "vault").secret("dbadmin/master")).toBeUndefined();
    expect(placedOn(model, "aws").secret("dbadmin/master")?.path).toBe("dev/dbadmin/master");
  });

  it("AWS and Azure hold dbadmin's master; Vault holds nothing of dbadmin", () => {
    const awsNames = Object.values(resources(json["aws-dev"], "aws_secretsmanager_secret")).map((r: any) => r.name);
    expect(awsNames).toContain("dev/dbadmin/master");
    const kvNames = Object.values(resources(json["azure-dev"], "azurerm_key_vault_secret")).map((r: any) => r.name);
    expect(kvNames).toContain("dbadmin--master");
    expect(JSON.stringify(json["vault-dev"])).not.toContain("dbadmin");
  });

  it("a workload gets an identity only where its application is placed", () => {
    const one = threeBackends();
    one.environments.dev.applications = { myapp: { backends: ["azure"] } };
    one.applications.myapp.secrets = { jwt: one.applications.myapp.secrets.jwt, openai: one.applications.myapp.secrets.openai };
    const out = synthPlatform(validatePlatform(one), { environments: ["dev"], backends: ["aws", "vault", "azure"] }).json;
    expect(Object.keys(resources(out["aws-dev"], "aws_iam_role")).filter((k) => k.includes("myapp"))).toEqual([]);
    expect(resources(out["vault-dev"], "vault_policy")).toEqual({});
    expect(Object.values(resources(out["azure-dev"], "azurerm_user_assigned_identity")).map((r: any) => r.name)).toContain("acme-dev-myapp-api");
  });
});
