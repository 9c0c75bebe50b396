// Bad Vault descriptions stop the run with the field path and what to change.
import { parsePlatform, PlatformConfigError } from "../config/load";
import { baseDescription, toYaml } from "./vault-fixtures";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EXAMPLE_CA_FILE } from "./helpers/descriptions";

function issuesOf(change: (d: any) => void): { path: string; message: string }[] {
  const d = baseDescription();
  change(d);
  try {
    parsePlatform(toYaml(d), "test description");
  } catch (err) {
    expect(err).toBeInstanceOf(PlatformConfigError);
    return [...(err as PlatformConfigError).issues];
  }
  throw new Error("the description was accepted");
}

const vault = (d: any) => d.environments.dev.vault;
const api = (d: any) => d.applications.myapp.workloads.api;

test("the base description is valid", () => {
  expect(() => parsePlatform(toYaml(baseDescription()))).not.toThrow();
});

test("syslog facilities are accepted in any case, as Vault accepts them", () => {
  const d = baseDescription();
  d.environments.dev.vault.audit = [{ type: "file", path: "/vault/logs/audit.log" }, { type: "syslog", facility: "local0" }];
  expect(() => parsePlatform(toYaml(d))).not.toThrow();
});

test.each<[string, (d: any) => void, string, RegExp]>([
  ["missing address", (d) => delete vault(d).address, "environments.dev.vault.address", /is required/],
  ["an http:// address", (d) => (vault(d).address = "http://vault.dev.example.com:8200"), "environments.dev.vault.address", /https:\/\//],
  ["a token in the description", (d) => (vault(d).token = "hvs.x"), "environments.dev.vault.token", /unknown field/],
  ["a namespace with a leading slash", (d) => (vault(d).namespace = "/team-a"), "environments.dev.vault.namespace", /namespace path such as team-a/],
  [
    "a workload without a binding",
    (d) => delete api(d).kubernetes,
    "applications.myapp.workloads.api",
    /exactly one of kubernetes .* or approle .*found neither/,
  ],
  [
    "a workload with both bindings",
    (d) => (api(d).approle = {}),
    "applications.myapp.workloads.api",
    /exactly one of kubernetes .* or approle .*found kubernetes and approle/,
  ],
  [
    "dynamic on a non-postgres secret",
    (d) => (d.applications.myapp.secrets.jwt.dynamic = true),
    "applications.myapp.secrets.jwt.dynamic",
    /only postgres secrets can be dynamic/,
  ],
  [
    "a dynamic secret without vault.database",
    (d) => (d.applications.myapp.secrets.database.dynamic = true),
    "environments.dev.vault.database",
    /is required: a postgres secret placed on Vault in dev is dynamic/,
  ],
  [
    "two dynamic secrets in one application",
    (d) => {
      vault(d).database = { host: "pg", dbname: "app", username: "vault" };
      d.applications.myapp.secrets.database.dynamic = true;
      d.applications.myapp.secrets.reporting = { type: "postgres", dynamic: true };
    },
    "applications.myapp.secrets.reporting.dynamic",
    /one database role per application/,
  ],
  [
    "Kubernetes workloads without vault.kubernetes",
    (d) => delete vault(d).kubernetes,
    "environments.dev.vault.kubernetes",
    /is required: some workloads authenticate with Kubernetes/,
  ],
  [
    "a Kubernetes token TTL above its maximum",
    (d) => (vault(d).kubernetes.tokenTtlSeconds = 20_000),
    "environments.dev.vault.kubernetes.tokenTtlSeconds",
    /20000 is more than tokenMaxTtlSeconds \(14400\)/,
  ],
  [
    "an AppRole token TTL above its maximum",
    (d) => {
      delete api(d).kubernetes;
      api(d).approle = { tokenTtlSeconds: 7200, tokenMaxTtlSeconds: 3600 };
    },
    "applications.myapp.workloads.api.approle.tokenTtlSeconds",
    /more than tokenMaxTtlSeconds/,
  ],
  [
    "an AppRole bound CIDR that is not a CIDR",
    (d) => {
      delete api(d).kubernetes;
      api(d).approle = { boundCidrs: ["10.0.0.1"] };
    },
    "applications.myapp.workloads.api.approle.boundCidrs[0]",
    /IPv4 CIDR/,
  ],
  ["no audit device", (d) => (vault(d).audit = []), "environments.dev.vault.audit", /at least one audit device/],
  [
    "a database TTL above its maximum",
    (d) => (vault(d).database = { host: "pg", dbname: "app", username: "vault", defaultTtlSeconds: 7200, maxTtlSeconds: 3600 }),
    "environments.dev.vault.database.defaultTtlSeconds",
    /more than maxTtlSeconds/,
  ],
  [
    "the database engine on the KV mount's path",
    (d) => (vault(d).database = { mount: "secret", host: "pg", dbname: "app", username: "vault" }),
    "environments.dev.vault.database.mount",
    /same path as kvMount/,
  ],
  [
    "AppRole on the Kubernetes auth path",
    (d) => (vault(d).approlePath = "kubernetes"),
    "environments.dev.vault.approlePath",
    /same path as kubernetes.authPath/,
  ],
  [
    "two workloads whose Vault names meet",
    (d) => {
      d.applications["myapp-api"] = { secrets: { key: { type: "token" } }, workloads: { x: { approle: {}, reads: ["key"] } } };
      d.applications.myapp.workloads["api-x"] = { approle: {}, reads: ["jwt"] };
    },
    "applications.myapp-api.workloads.x",
    /Vault policy and role name "<env>-myapp-api-x" is the same as that of applications.myapp.workloads.api-x/,
  ],
  [
    "a database host the connection URL cannot hold",
    (d) => (vault(d).database = { host: "pg_primary.internal", dbname: "app", username: "vault" }),
    "environments.dev.vault.database.host",
    /must be a host name or IPv4 address/,
  ],
  [
    "a syslog facility Vault does not know",
    (d) => (vault(d).audit = [{ type: "file", path: "/vault/logs/audit.log" }, { type: "syslog", facility: "SECURITY" }]),
    "environments.dev.vault.audit[1].facility",
    /must be a syslog facility Vault accepts: .*AUTH.*LOCAL7/,
  ],
  [
    "an AppRole path that is not a mount path",
    (d) => (vault(d).approlePath = "AppRole/"),
    "environments.dev.vault.approlePath",
    /must be an auth mount path such as approle/,
  ],
  [
    "a database mount path that is not a mount path",
    (d) => (vault(d).database = { mount: "DB", host: "pg", dbname: "app", username: "vault" }),
    "environments.dev.vault.database.mount",
    /must be a mount path such as database/,
  ],
  [
    "a wildcard service account",
    (d) => (api(d).kubernetes.serviceAccount = "*"),
    "applications.myapp.workloads.api.kubernetes.serviceAccount",
    /Kubernetes service account name/,
  ],
])("%s is refused, naming the field", (_what, change, path, message) => {
  const issues = issuesOf(change);
  expect(issues).toEqual(expect.arrayContaining([{ path, message: expect.stringMatching(message) }]));
});

describe("certificate files and AppRole secret ids", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vault-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    writeFileSync(path.join(dir, name), text);
    return name;
  };
  /** Validates as if the description were a file in `dir`: file paths are relative to it. */
  const issuesInDir = (change: (d: any) => void) => {
    const d = baseDescription();
    change(d);
    try {
      parsePlatform(toYaml(d), path.join(dir, "platform.yaml"), dir);
      return [];
    } catch (err) {
      expect(err).toBeInstanceOf(PlatformConfigError);
      return [...(err as PlatformConfigError).issues];
    }
  };
  const CA = "environments.dev.vault.kubernetes.caCertFile";

  test("reads caCertFile relative to the description file and gives the stack an absolute path", () => {
    write("cluster-ca.pem", readFileSync(EXAMPLE_CA_FILE, "utf8"));
    const d = baseDescription();
    vault(d).kubernetes.caCertFile = "cluster-ca.pem";
    const platform = parsePlatform(toYaml(d), path.join(dir, "platform.yaml"), dir);
    expect(platform.environments.dev.vault!.kubernetes!.caCertFile).toBe(path.join(dir, "cluster-ca.pem"));
  });

  test.each<[string, (d: any) => void, string, RegExp]>([
    ["no caCertFile", (d) => delete vault(d).kubernetes.caCertFile, CA, /is required: the path of the cluster's CA certificate/],
    ["a caCertFile that does not exist", (d) => (vault(d).kubernetes.caCertFile = "missing.pem"), CA, /cannot read .*missing\.pem \(ENOENT\): give the path, relative to the description file, of the Kubernetes cluster's CA/],
    ["a caCertFile that is not PEM", (d) => (vault(d).kubernetes.caCertFile = write("ca.der", "0\x82\x01")), CA, /is not a PEM certificate/],
    [
      "a caCertFile with a private key in it",
      (d) => (vault(d).kubernetes.caCertFile = write("ca-and-key.pem", `${readFileSync(EXAMPLE_CA_FILE, "utf8")}-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n`)),
      CA,
      /holds a private key/,
    ],
    ["the former inline caCert", (d) => (vault(d).kubernetes.caCert = "-----BEGIN CERTIFICATE-----"), "environments.dev.vault.kubernetes.caCert", /replaced by caCertFile/],
    [
      "verify-full against the database without its CA",
      (d) => (vault(d).database = { host: "pg", dbname: "app", username: "vault" }),
      "environments.dev.vault.database.tlsCaFile",
      /is required with sslmode verify-full .*system trust store, which holds neither RDS's CAs nor a private CA/,
    ],
    [
      "a tlsCaFile that does not exist",
      (d) => (vault(d).database = { host: "pg", dbname: "app", username: "vault", sslmode: "verify-ca", tlsCaFile: "rds-ca.pem" }),
      "environments.dev.vault.database.tlsCaFile",
      /cannot read .*rds-ca\.pem .*the CA certificate that signed the database server's certificate/,
    ],
    [
      "an AppRole secret id with unlimited uses",
      (d) => (api(d).kubernetes = undefined, (api(d).approle = { secretIdNumUses: 0 })),
      "applications.myapp.workloads.api.approle.secretIdNumUses",
      /unlimited \(0\) is refused/,
    ],
    ["an audit file device writing nowhere", (d) => (vault(d).audit = [{ type: "file", path: "discard" }, { type: "file", path: "stdout" }]), "environments.dev.vault.audit[0].path", /absolute file path, or stdout/],
  ])("%s is refused, naming the field", (_what, change, at, message) => {
    write("ok.pem", readFileSync(EXAMPLE_CA_FILE, "utf8"));
    expect(issuesInDir((d) => {
      vault(d).kubernetes.caCertFile = "ok.pem";
      change(d);
    })).toEqual(expect.arrayContaining([{ path: at, message: expect.stringMatching(message) }]));
  });

  test("sslmode require needs no CA; a stdout audit device is accepted", () => {
    write("ok.pem", readFileSync(EXAMPLE_CA_FILE, "utf8"));
    expect(
      issuesInDir((d) => {
        vault(d).kubernetes.caCertFile = "ok.pem";
        vault(d).database = { host: "pg", dbname: "app", username: "vault", sslmode: "require" };
        vault(d).audit = [{ type: "file", path: "stdout" }];
      }),
    ).toEqual([]);
  });
});
