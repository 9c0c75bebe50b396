// Secret values never pass through synthesized JSON (DESIGN.md section 3). Checked on every stack of
// the example and of a description that uses every feature: no attribute that carries a value is
// set, write-only arguments take only ephemeral variables, and nothing looks like a credential.
import { synthExample, synthYaml, StackJson } from "./helpers/synth";
import { EXAMPLE_CA_FILE, minimalDescription, toYaml } from "./helpers/descriptions";
import { loadPlatform } from "../config/load";
import { UNSET_SECRET_VALUE } from "../constructs/azure/key-vault-secret";

/** Attributes that would put a value into plan and state, by resource type. */
const VALUE_ATTRIBUTES: Record<string, string[]> = {
  aws_secretsmanager_secret_version: ["secret_string", "secret_binary"],
  vault_kv_secret_v2: ["data_json"],
  vault_kv_secret: ["data_json"],
  vault_generic_secret: ["data_json"],
  vault_database_secret_backend_connection: ["postgresql.password"],
  vault_database_secrets_mount: ["postgresql.password"],
  azurerm_key_vault_secret: ["value"],
};

/** Shapes of real credentials: PEM private keys, AWS access keys, OpenAI and GitHub tokens, signed JWTs. */
const CREDENTIAL_SHAPES = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /AKIA[0-9A-Z]{16}/,
  /sk-(proj-)?[A-Za-z0-9_-]{20,}/,
  /ghp_[A-Za-z0-9]{30,}/,
  /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\./,
];

function everything(): Record<string, StackJson> {
  const d = minimalDescription();
  d.environments.dev.vault = {
    address: "https://vault.dev.example.com:8200",
    kubernetes: { host: "https://k8s.dev.example.com:6443", caCertFile: EXAMPLE_CA_FILE },
    database: { host: "db.dev.example.com", dbname: "app", username: "vault_admin", tlsCaFile: EXAMPLE_CA_FILE },
  };
  d.environments.dev.azure = loadPlatform().environments.dev.azure;
  d.applications.myapp.secrets.database = { type: "postgres", dynamic: true, rotation: { strategy: "single-user", everyDays: 30 } };
  d.applications.myapp.secrets.session = { type: "token", rotation: { everyDays: 1 } };
  d.applications.myapp.workloads.batch = { approle: { boundCidrs: ["10.0.0.0/16"] }, reads: ["database", "session"] };
  d.applications.myapp.workloads.api.reads.push("database");
  return synthYaml(toYaml(d)).json;
}

const stacks = { ...synthExample().json, ...Object.fromEntries(Object.entries(everything()).map(([k, v]) => [`${k} (every feature)`, v])) };

function get(obj: any, dotted: string): unknown {
  return dotted.split(".").reduce((o, k) => (Array.isArray(o) ? o.map((x) => x?.[k]) : o?.[k]), obj);
}

describe.each(Object.keys(stacks))("%s", (name) => {
  const stack = stacks[name];

  it("sets no attribute that carries a secret value", () => {
    for (const [type, attributes] of Object.entries(VALUE_ATTRIBUTES)) {
      for (const [id, r] of Object.entries(stack.resource?.[type] ?? {})) {
        for (const a of attributes) {
          const v = get(r, a);
          if (v !== undefined && !(Array.isArray(v) && v.every((x) => x === undefined))) throw new Error(`${type}.${id} sets ${a}`);
        }
      }
    }
  });

  it("feeds write-only arguments from ephemeral, sensitive variables only", () => {
    const walk = (v: unknown, at: string, found: Array<[string, unknown]>) => {
      if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, `${at}.${k}`, found);
      if (/_wo$/.test(at.split(".").pop()!)) found.push([at, v]);
      return found;
    };
    const writeOnly = walk(stack.resource ?? {}, "resource", []);
    for (const [at, v] of writeOnly) {
      const vars = [...String(v).matchAll(/var\.([A-Za-z0-9_-]+)/g)].map((m) => m[1]);
      // The one literal allowed: the non-secret marker a rotated secret is created with (its function writes the value).
      if (vars.length === 0 && typeof v === "string" && v !== UNSET_SECRET_VALUE) throw new Error(`${at} is set to a literal`);
      for (const variable of vars) {
        expect({ at, ephemeral: stack.variable?.[variable]?.ephemeral, sensitive: stack.variable?.[variable]?.sensitive }).toEqual({ at, ephemeral: true, sensitive: true });
      }
    }
  });

  it("contains nothing shaped like a credential", () => {
    const text = JSON.stringify(stack);
    for (const shape of CREDENTIAL_SHAPES) expect(text).not.toMatch(shape);
  });
});

it("covers write-only arguments on both backends that use them", () => {
  const all = JSON.stringify(Object.values(stacks));
  expect(all).toContain('"value_wo"');
  expect(all).toContain('"password_wo"');
});
