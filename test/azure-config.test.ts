// Bad Azure inputs in the description: each stops validation with an error that names the field path and what to do.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { ConfigIssue, DEFAULT_CONFIG, PlatformConfigError, parsePlatform } from "../config/load";

const example = parse(readFileSync(DEFAULT_CONFIG, "utf8"));

/** The example with one change applied; returns the issues validation reports (none if it passes). */
function issuesOf(change: (d: any) => void): ConfigIssue[] {
  const doc = structuredClone(example);
  change(doc);
  try {
    parsePlatform(stringify(doc), "test description", path.dirname(DEFAULT_CONFIG));
    return [];
  } catch (err) {
    if (!(err instanceof PlatformConfigError)) throw err;
    expect(err.message).toContain("test description");
    for (const i of err.issues) expect(err.message).toContain(`${i.path}: ${i.message}`);
    return [...err.issues];
  }
}

const expectIssue = (issues: ConfigIssue[], path: string, message: RegExp) =>
  expect(issues).toContainEqual(expect.objectContaining({ path, message: expect.stringMatching(message) }));

const SUB = "00000000-0000-0000-0000-000000000001";

test("the example itself is valid", () => {
  expect(issuesOf(() => {})).toEqual([]);
});

test("a subscription id that is not a GUID", () => {
  expectIssue(issuesOf((d) => (d.environments.dev.azure.subscriptionId = "my-subscription")), "environments.dev.azure.subscriptionId", /subscription GUID/);
});

test("a tenant id that is not a GUID", () => {
  expectIssue(issuesOf((d) => (d.environments.staging.azure.tenantId = "contoso.onmicrosoft.com")), "environments.staging.azure.tenantId", /tenant GUID/);
});

test("a subnet id that is the virtual network, not a subnet", () => {
  const issues = issuesOf((d) => (d.environments.dev.azure.privateEndpoint.subnetId = d.environments.dev.azure.privateEndpoint.virtualNetworkId));
  expectIssue(issues, "environments.dev.azure.privateEndpoint.subnetId", /must be a subnet resource id/);
});

test("a subnet id of another resource type", () => {
  const nsg = `/subscriptions/${SUB}/resourceGroups/rg-network-dev/providers/Microsoft.Network/networkSecurityGroups/nsg-dev`;
  expectIssue(issuesOf((d) => (d.environments.dev.azure.privateEndpoint.subnetId = nsg)), "environments.dev.azure.privateEndpoint.subnetId", /subnet resource id/);
});

test("a virtual network id that is a subnet", () => {
  const issues = issuesOf((d) => (d.environments.dev.azure.privateEndpoint.virtualNetworkId = d.environments.dev.azure.privateEndpoint.subnetId));
  expectIssue(issues, "environments.dev.azure.privateEndpoint.virtualNetworkId", /virtual network resource id/);
});

test("an environment name that makes the vault name longer than 24 characters", () => {
  const issues = issuesOf((d) => {
    d.organization = "contoso"; // contoso-staging-westeu-kv: 25 characters
    d.environments["staging-westeu"] = d.environments.staging;
    delete d.environments.staging;
  });
  expectIssue(issues, "environments.staging-westeu", /Key Vault name "contoso-staging-westeu-kv" is invalid.*shorten the organization or environment name, or set azure\.keyVaultName/);
});

test("a keyVaultName override Azure would refuse", () => {
  expectIssue(issuesOf((d) => (d.environments.dev.azure.keyVaultName = "acme--dev")), "environments.dev.azure.keyVaultName", /Key Vault name "acme--dev" is invalid/);
});

test("two environments with the same vault name", () => {
  const issues = issuesOf((d) => {
    d.environments.dev.azure.keyVaultName = "acme-shared-kv";
    d.environments.prod.azure.keyVaultName = "acme-shared-kv";
  });
  expectIssue(issues, "environments.prod.azure.keyVaultName", /same as environment dev's; vault names are global/);
});

test("a private endpoint subnet in another subscription", () => {
  const other = "00000000-0000-0000-0000-000000000009";
  const issues = issuesOf((d) => {
    const pe = d.environments.dev.azure.privateEndpoint;
    pe.subnetId = pe.subnetId.replace(SUB, other);
  });
  expectIssue(issues, "environments.dev.azure.privateEndpoint.subnetId", new RegExp(`subscription ${other}, not in this environment's subscription ${SUB}`));
});

test("an AKS issuer URL without its trailing slash", () => {
  const issues = issuesOf((d) => (d.environments.prod.azure.aksOidcIssuerUrl = d.environments.prod.azure.aksOidcIssuerUrl.replace(/\/$/, "")));
  expectIssue(issues, "environments.prod.azure.aksOidcIssuerUrl", /must end with "\/"/);
});

test("an issuer that is not https", () => {
  expectIssue(issuesOf((d) => (d.environments.dev.azure.aksOidcIssuerUrl = "http://issuer.example.com/")), "environments.dev.azure.aksOidcIssuerUrl", /https:\/\/ URL/);
});

test("a workspace id that is not a Log Analytics workspace", () => {
  const storage = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/logs`;
  expectIssue(issuesOf((d) => (d.environments.dev.azure.logAnalyticsWorkspaceId = storage)), "environments.dev.azure.logAnalyticsWorkspaceId", /Log Analytics workspace resource id/);
});

test("soft delete longer than Azure's 90 days", () => {
  expectIssue(issuesOf((d) => (d.environments.dev.azure.softDeleteRetentionDays = 120)), "environments.dev.azure.softDeleteRetentionDays", /90/);
});

test("an RBAC propagation wait over 600 seconds", () => {
  expectIssue(issuesOf((d) => (d.environments.dev.azure.rbacPropagationSeconds = 900)), "environments.dev.azure.rbacPropagationSeconds", /0 \(no wait\) to 600/);
});

test("a misspelt Azure field", () => {
  expectIssue(issuesOf((d) => (d.environments.dev.azure.managmentLock = true)), "environments.dev.azure.managmentLock", /unknown field/);
});

test("several problems are reported together", () => {
  const issues = issuesOf((d) => {
    d.environments.dev.azure.subscriptionId = "x";
    d.environments.dev.azure.tenantId = "y";
  });
  expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(["environments.dev.azure.subscriptionId", "environments.dev.azure.tenantId"]));
});

test("two environments with the same resource group in one subscription", () => {
  const issues = issuesOf((d) => {
    d.environments.staging.azure.subscriptionId = d.environments.dev.azure.subscriptionId;
    d.environments.staging.azure.privateEndpoint = structuredClone(d.environments.dev.azure.privateEndpoint);
    d.environments.staging.azure.privateEndpoint.virtualNetworkId += "-staging"; // only the group is shared
    d.environments.staging.azure.privateEndpoint.subnetId = `${d.environments.staging.azure.privateEndpoint.virtualNetworkId}/subnets/pe`;
    d.environments.staging.azure.resourceGroupName = "RG-Secrets-Dev"; // Azure compares group names without case
  });
  expectIssue(issues, "environments.staging.azure.resourceGroupName", /resource group of environment dev .*creates and owns its resource group/);
  expect(issues.map((i) => i.path)).not.toContain("environments.staging.azure.privateEndpoint.virtualNetworkId");
});

test("the same resource group name in another subscription is fine", () => {
  expect(issuesOf((d) => (d.environments.staging.azure.resourceGroupName = d.environments.dev.azure.resourceGroupName))).toEqual([]);
});

test("two environments on one virtual network: Azure links a network to only one privatelink.vaultcore.azure.net zone", () => {
  const issues = issuesOf((d) => {
    d.environments.staging.azure.subscriptionId = d.environments.dev.azure.subscriptionId;
    d.environments.staging.azure.privateEndpoint = structuredClone(d.environments.dev.azure.privateEndpoint);
  });
  expectIssue(issues, "environments.staging.azure.privateEndpoint.virtualNetworkId", /virtual network of environment dev.*only one zone of a name/);
});

test("without Vault, two Kubernetes workloads whose Azure managed identity names meet", () => {
  const issues = issuesOf((d) => {
    for (const env of Object.values<any>(d.environments)) {
      delete env.vault;
      delete env.aws;
    }
    d.applications["myapp-api"] = { secrets: { key: { type: "token" } }, workloads: { x: { kubernetes: { namespace: "a", serviceAccount: "b" }, reads: ["key"] } } };
    d.applications.myapp.workloads["api-x"] = { kubernetes: { namespace: "c", serviceAccount: "d" }, reads: ["jwt"] };
  });
  expectIssue(issues, "applications.myapp-api.workloads.x", /Azure managed identity name "<org>-<env>-myapp-api-x" is the same as that of applications.myapp.workloads.api-x; rename one/);
});

describe("existing private DNS zone and resource group", () => {
  const HUB_ZONE = "/subscriptions/00000000-0000-0000-0000-0000000000ff/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net";

  test("environments that share the hub's zone may share one spoke network; those that share an existing resource group are fine", () => {
    const issues = issuesOf((d) => {
      d.environments.staging.azure.subscriptionId = d.environments.dev.azure.subscriptionId;
      d.environments.staging.azure.privateEndpoint = structuredClone(d.environments.dev.azure.privateEndpoint);
      for (const env of ["dev", "staging"]) {
        d.environments[env].azure.privateEndpoint.privateDnsZoneId = HUB_ZONE;
        d.environments[env].azure.resourceGroupName = "rg-shared-secrets";
        d.environments[env].azure.existingResourceGroup = true;
      }
    });
    expect(issues).toEqual([]);
  });

  test("a zone id that is not a Key Vault privatelink zone", () => {
    const issues = issuesOf((d) => (d.environments.dev.azure.privateEndpoint.privateDnsZoneId = HUB_ZONE.replace("privatelink.vaultcore.azure.net", "privatelink.blob.core.windows.net")));
    expectIssue(issues, "environments.dev.azure.privateEndpoint.privateDnsZoneId", /resource id of a privatelink.vaultcore.azure.net zone/);
  });

  test("two environments creating the same resource group are still refused", () => {
    const issues = issuesOf((d) => {
      d.environments.staging.azure.subscriptionId = d.environments.dev.azure.subscriptionId;
      d.environments.staging.azure.resourceGroupName = d.environments.dev.azure.resourceGroupName;
    });
    expectIssue(issues, "environments.staging.azure.resourceGroupName", /each Azure stack creates and owns its resource group/);
  });
});

describe("azure.rotation", () => {
  test("production refuses rotating secrets on Azure without it, naming the secrets and the field", () => {
    const issues = issuesOf((d) => delete d.environments.prod.azure.rotation);
    expect(issues).toEqual([
      expect.objectContaining({
        path: "environments.prod.azure.rotation",
        message: expect.stringMatching(/is required: environment prod is production .*\(dbadmin\/master, myapp\/database, myapp\/jwt\).*add rotation: \{ subnetId: <a subnet delegated to Microsoft\.App\/environments> \}/),
      }),
    ]);
    // The api key is no rotating secret.
    expect(issues[0].message).not.toContain("openai");
  });

  test("elsewhere it is optional: the stack warns instead (test/azure-rotation.test.ts)", () => {
    expect(issuesOf((d) => delete d.environments.dev.azure.rotation)).toEqual([]);
  });

  test("production without rotating secrets on Azure does not need it", () => {
    expect(
      issuesOf((d) => {
        delete d.environments.prod.azure.rotation;
        // Production requires rotation on every backend that holds a rotatable secret: place them off Azure in prod.
        d.environments.prod.applications = { dbadmin: { backends: ["aws"] }, myapp: { backends: ["aws", "vault"] } };
        d.environments.prod.kubernetes.secretStoreBackend = "aws";
      }),
    ).toEqual([]);
  });

  test("a subnet id that is not a subnet's resource id", () => {
    expectIssue(issuesOf((d) => (d.environments.dev.azure.rotation.subnetId = "rotation-function")), "environments.dev.azure.rotation.subnetId", /must be a subnet resource id/);
  });

  test("the private endpoint's subnet: a delegated subnet holds nothing else", () => {
    expectIssue(
      issuesOf((d) => (d.environments.dev.azure.rotation.subnetId = d.environments.dev.azure.privateEndpoint.subnetId)),
      "environments.dev.azure.rotation.subnetId",
      /is the private endpoint's subnet; .*Microsoft\.App\/environments.*give it its own subnet/,
    );
  });

  test("an action group id that is not one", () => {
    expectIssue(issuesOf((d) => (d.environments.prod.azure.rotation.actionGroupId = "secrets-oncall")), "environments.prod.azure.rotation.actionGroupId", /must be an action group resource id/);
  });

  test("a cron or hourly schedule cannot drive Key Vault's expiry; rate(N days) can", () => {
    const cron = issuesOf((d) => (d.applications.myapp.secrets.jwt.rotation = { scheduleExpression: "cron(0 4 ? * MON *)" }));
    // One per environment with azure.rotation (Vault's transit key refuses a cron schedule too, by its own message).
    const azure = cron.filter((i) => i.message.startsWith("Azure rotates"));
    expect(azure.map((i) => i.path)).toEqual(Array(3).fill("applications.myapp.secrets.jwt.rotation.scheduleExpression"));
    expect(azure[0].message).toMatch(/cadence is whole days: use everyDays \(or rate\(N days\)\)/);
    expect(issuesOf((d) => (d.applications.myapp.secrets.jwt.rotation = { scheduleExpression: "rate(7 days)" }))).toEqual([]);
  });

  test("an application placed off Azure (applications.<app>.backends) needs no rotation there", () => {
    // Placement is read from the raw description, so this holds once the schema accepts backends (issue 14 item 1).
    const issues = issuesOf((d) => {
      delete d.environments.prod.azure.rotation;
      d.applications.myapp.backends = ["aws", "vault"];
      d.applications.dbadmin.backends = ["aws", "vault"];
    });
    expect(issues.filter((i) => i.path === "environments.prod.azure.rotation")).toEqual([]);
  });
});
