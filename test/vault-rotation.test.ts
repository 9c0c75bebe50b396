// Vault's own rotation (issue 14 item 2): static roles for single-user postgres, transit keys for jwt, dynamic
// credentials for alternating users, a warning for a rotating token, the guardrails that keep keys inside Vault and
// rotating, the Vault Agent's paths, the CI deployer's rights on the new paths, and stack groups.
import { Testing, TerraformStack } from "cdktf";
import { stringify } from "yaml";
import { TransitSecretsEngine } from "../constructs/vault/transit-engine";
import { DatabaseSecretsEngine } from "../constructs/vault/database-secrets-engine";
import { PolicyDocument } from "../constructs/vault/policy-document";
import { managedVaultPaths } from "../constructs/vault/managed-paths";
import { synthesizedStack } from "../readers/synthesized";
import { withinApplication } from "../guardrails/rules/vault";
import { errorMessages, errorsOf, freshStack, l1, synthAnnotations } from "./guardrails-helpers";
import { exampleDescription } from "./helpers/descriptions";
import { exampleApp } from "./helpers/kubernetes";
import { onlyResource, resources, synthYaml } from "./helpers/synth";
import { SECOND_DESCRIPTION } from "./vault-fixtures";

const grantee = () => {
  const doc = new PolicyDocument();
  return { doc, addToPolicy: (r: any) => doc.addRule(r) };
};

describe("TransitSigningKey", () => {
  const key = (algorithm: "HS256" | "RS256" | "ES256", rotationPeriodSeconds = 86_400) => {
    const stack = new TerraformStack(Testing.app(), "t");
    return new TransitSecretsEngine(stack, "transit").addSigningKey("k", { name: "dev-app--jwt", algorithm, rotationPeriodSeconds });
  };

  it.each([
    ["HS256", "hmac", 32, "transit/hmac/dev-app--jwt"],
    ["RS256", "rsa-2048", undefined, "transit/sign/dev-app--jwt"],
    ["ES256", "ecdsa-p256", undefined, "transit/sign/dev-app--jwt"],
  ] as const)("%s: a %s key (key_size %s), signed through %s", (algorithm, type, keySize, signPath) => {
    const k = key(algorithm);
    const json = JSON.parse(Testing.synth(k.node.scope!.node.scope as TerraformStack));
    expect(onlyResource(json, "vault_transit_secret_backend_key")).toMatchObject({ type, auto_rotate_period: 86_400, exportable: false, allow_plaintext_backup: false, deletion_allowed: false });
    expect(onlyResource(json, "vault_transit_secret_backend_key").key_size).toBe(keySize);
    const g = grantee();
    k.grantSignVerify(g);
    // Both forms a client calls: hash in the body, or as the last path segment (`vault write <sign>/sha2-256`).
    expect(g.doc.ruleList).toEqual([
      { path: signPath, capabilities: ["update"] },
      { path: `${signPath}/sha2-256`, capabilities: ["update"] },
      { path: "transit/verify/dev-app--jwt", capabilities: ["update"] },
      { path: "transit/verify/dev-app--jwt/sha2-256", capabilities: ["update"] },
      { path: "transit/keys/dev-app--jwt", capabilities: ["read"] },
    ]);
  });

  it("refuses a period under Vault's one-hour minimum", () => {
    expect(() => key("RS256", 600)).toThrow(/at least 3600 \(Vault's minimum\)/);
  });
});

describe("PostgresStaticRole", () => {
  const connection = () => {
    const stack = new TerraformStack(Testing.app(), "t");
    const variable = new (require("cdktf").TerraformVariable)(stack, "pw", { type: "string" });
    return new DatabaseSecretsEngine(stack, "db").addPostgresConnection("postgres", { host: "pg.example.com", databaseName: "app", username: "vault_admin", passwordWo: variable.stringValue });
  };

  it("reads at <mount>/static-creds/<role> only, and joins the connection's allowed_roles", () => {
    const c = connection();
    const role = c.addStaticRole("r", { name: "dev-app--db", username: "app_db", rotationPeriodSeconds: 3600 });
    const g = grantee();
    role.grantCredentials(g);
    expect(g.doc.ruleList).toEqual([{ path: "database/static-creds/dev-app--db", capabilities: ["read"] }]);
    const json = JSON.parse(Testing.synth(c.node.scope!.node.scope as TerraformStack));
    expect(onlyResource(json, "vault_database_secret_backend_connection").allowed_roles).toEqual(["dev-app--db"]);
    expect(onlyResource(json, "vault_database_secret_backend_static_role")).toMatchObject({ username: "app_db", rotation_period: 3600 });
  });

  it("refuses the connection's own user and a period under Vault's 5-second minimum", () => {
    expect(() => connection().addStaticRole("r", { name: "x", username: "vault_admin", rotationPeriodSeconds: 3600 })).toThrow(/the user the connection logs in as/);
    expect(() => connection().addStaticRole("r", { name: "x", username: "app_db", rotationPeriodSeconds: 4 })).toThrow(/at least 5 \(Vault's minimum\)/);
  });
});

describe("the Vault stack", () => {
  it("warns about a rotating token placed on Vault outside production: its KV value never changes", () => {
    const d = exampleDescription();
    d.applications.myapp.secrets.session = { type: "token", rotation: { everyDays: 7 } };
    delete d.environments.prod; // production refuses it (config/checks/placement.ts)
    const warnings = synthAnnotations(freshStack("vault", "dev", stringify(d))).filter((a) => a.level === "warning");
    expect(warnings.map((w) => w.message)).toEqual([expect.stringMatching(/myapp\/session is a rotating token placed on Vault, which has no rotation of its own .*Place myapp on aws or azure/)]);
    const none = synthAnnotations(freshStack("vault", "dev")).filter((a) => a.level === "warning");
    expect(none).toEqual([]);
  });

  it("a stack group's static roles and transit keys live in vault-<env>-<group>; the first stack's connection allows them by name", () => {
    const grouped = SECOND_DESCRIPTION.replace("  reports:\n", "  reports:\n    stackGroup: team-r\n").replace("  orders:\n", "  orders:\n    stackGroup: team-r\n");
    const { json } = synthYaml(grouped, { environments: ["qa"], backends: ["vault"] });
    expect(resources(json["vault-qa"], "vault_database_secret_backend_static_role")).toEqual({});
    expect(onlyResource(json["vault-qa-team-r"], "vault_database_secret_backend_static_role").name).toBe("qa-reports--warehouse");
    expect(onlyResource(json["vault-qa-team-r"], "vault_transit_secret_backend_key")).toMatchObject({ name: "qa-orders--signing", backend: "transit" });
    // The transit mount is one per environment, in vault-qa, though only a group's key uses it.
    expect(onlyResource(json["vault-qa"], "vault_mount", (m) => m.type === "transit").path).toBe("transit");
    expect(onlyResource(json["vault-qa"], "vault_database_secret_backend_connection").allowed_roles.sort()).toEqual(["qa-billing-core", "qa-orders", "qa-reports--warehouse"]);
  });
});

describe("the guardrails", () => {
  it("SP-VLT-001 accepts a secret's own static-creds and transit paths and refuses another application's", () => {
    expect(withinApplication("dev-myapp-api", "transit/sign/dev-myapp--jwt")).toBe(true);
    expect(withinApplication("dev-myapp-api", "database/static-creds/dev-myapp--db")).toBe(true);
    expect(withinApplication("dev-myapp-api", "transit/sign/dev-other--jwt")).toBe(false);
    expect(withinApplication("dev-myapp-api", "transit/sign/prod-myapp--jwt")).toBe(false);
    expect(withinApplication("dev-myapp-api", "transit/encrypt/dev-myapp--jwt")).toBe(false);
    // The hash as a path segment: SHA-256 on the application's own key only.
    expect(withinApplication("dev-myapp-api", "transit/sign/dev-myapp--jwt/sha2-256")).toBe(true);
    expect(withinApplication("dev-myapp-api", "transit/hmac/dev-myapp--jwt/sha2-256")).toBe(true);
    expect(withinApplication("dev-myapp-api", "transit/verify/dev-myapp--jwt/sha2-256")).toBe(true);
    expect(withinApplication("dev-myapp-api", "transit/sign/dev-other--jwt/sha2-256")).toBe(false);
    expect(withinApplication("dev-myapp-api", "transit/sign/dev-myapp--jwt/sha1")).toBe(false);
    expect(withinApplication("dev-myapp-api", "transit/keys/dev-myapp--jwt/sha2-256")).toBe(false);
  });

  it.each([
    ["exportable", true],
    ["allow_plaintext_backup", true],
    ["deletion_allowed", true],
  ])("SP-VLT-010 fires when the example's transit key gets %s = %s", (attribute, value) => {
    const stack = freshStack("vault", "prod");
    expect(errorsOf(stack)).toEqual([]);
    l1(stack, "vault_transit_secret_backend_key").addOverride(attribute, value);
    expect(errorsOf(stack)).toEqual([["SP-VLT-010", "vault-prod/transit/transit-key-myapp-jwt/key"]]);
    expect(errorMessages(stack)[0]).toContain(`${attribute} is true, not false`);
  });

  it("SP-VLT-011 fires on a transit key that never rotates, and on a static role without a period", () => {
    const stack = freshStack("vault", "prod");
    l1(stack, "vault_transit_secret_backend_key").addOverride("auto_rotate_period", 0);
    expect(errorsOf(stack)).toEqual([["SP-VLT-011", "vault-prod/transit/transit-key-myapp-jwt/key"]]);
    const second = freshStack("vault", "live", SECOND_DESCRIPTION);
    expect(errorsOf(second)).toEqual([]);
    l1(second, "vault_database_secret_backend_static_role").addOverride("rotation_period", undefined);
    expect(errorsOf(second)).toEqual([["SP-VLT-011", "vault-live/database/postgres/static-role-reports-warehouse/role"]]);
  });

  it("SP-VLT-003 and SP-VLT-001 fire on a policy granting transit signing on a wildcard", () => {
    const stack = freshStack("vault", "prod");
    const policy = l1(stack, "vault_policy", "policy-myapp-web");
    policy.addOverride("policy", 'path "transit/sign/*" {\n  capabilities = ["update"]\n}\n');
    expect(errorsOf(stack).map(([id]) => id)).toEqual(expect.arrayContaining(["SP-VLT-001", "SP-VLT-003"]));
  });
});

describe("the CI deployer and the Vault Agent", () => {
  it("the deployer's derived paths cover the transit key, its config, the static role and the new mounts, and nothing under them", () => {
    const second = freshStack("vault", "qa", SECOND_DESCRIPTION);
    const paths = managedVaultPaths(synthesizedStack(second)).map((r) => r.path);
    expect(paths).toEqual(expect.arrayContaining(["sys/mounts/transit", "transit/keys/qa-orders--signing", "transit/keys/qa-orders--signing/config", "pg/static-roles/qa-reports--warehouse"]));
    // Managing keys and roles needs no signing, no credentials and no wildcard.
    expect(paths.filter((p) => /\/(sign|hmac|verify|static-creds|creds)\/|\*/.test(p))).toEqual([]);
  });

  it("the Vault Agent renders a transit key's public keys and dynamic credentials, never a KV path that holds nothing", () => {
    const app = exampleApp();
    const annotations = app.json["kubernetes-dev"].output?.["vault-agent-annotations-myapp-web"]?.value as Record<string, string>;
    expect(annotations["vault.hashicorp.com/agent-inject-secret-jwt"]).toBe("transit/keys/dev-myapp--jwt");
    expect(annotations["vault.hashicorp.com/agent-inject-template-jwt"]).toContain('{{- with secret "transit/keys/dev-myapp--jwt" -}}{{ .Data | toJSON }}');
  });
});
