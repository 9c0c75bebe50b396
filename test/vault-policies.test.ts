// Every generated Vault policy, parsed by a real HCL parser, compared with the table of what each
// workload must be able to do: exact paths, read only, nothing else.
import { parse } from "@cdktf/hcl2json";
import { resources, StackJson, synthExample, synthYaml } from "./helpers/synth";
import { SECOND_DESCRIPTION } from "./vault-fixtures";
import { PolicyDocument } from "../constructs/vault/policy-document";

type PolicyTable = Record<string, Record<string, string[]>>;

/** policy name -> path -> capabilities, from the HCL of every vault_policy of the stacks. */
async function policyTables(stacks: Record<string, StackJson>): Promise<{ tables: PolicyTable; texts: Record<string, string> }> {
  const tables: PolicyTable = {};
  const texts: Record<string, string> = {};
  for (const json of Object.values(stacks)) {
    for (const p of Object.values(resources(json, "vault_policy"))) {
      const hcl = (await parse(`${p.name}.hcl`, p.policy)) as Record<string, any>;
      // Only path blocks, each with capabilities only.
      expect(Object.keys(hcl)).toEqual(["path"]);
      const table: Record<string, string[]> = {};
      for (const [path, blocks] of Object.entries(hcl.path as Record<string, any[]>)) {
        expect(blocks).toHaveLength(1);
        expect(Object.keys(blocks[0])).toEqual(["capabilities"]);
        table[path] = blocks[0].capabilities;
      }
      expect(tables[p.name]).toBeUndefined();
      tables[p.name] = table;
      texts[p.name] = p.policy;
    }
  }
  return { tables, texts };
}

const read = ["read"];
const kv = (mount: string, path: string) => ({ [`${mount}/data/${path}`]: read, [`${mount}/metadata/${path}`]: read });
/** A transit key: sign (or hmac) and verify are updates, reading keys/ gives the public keys; nothing else of the mount. */
const transit = (key: string, sign = "sign") => ({
  [`transit/${sign}/${key}`]: ["update"],
  [`transit/${sign}/${key}/sha2-256`]: ["update"],
  [`transit/verify/${key}`]: ["update"],
  [`transit/verify/${key}/sha2-256`]: ["update"],
  [`transit/keys/${key}`]: read,
});

const EXAMPLE_EXPECTED: PolicyTable = Object.fromEntries(
  ["dev", "staging", "prod"].flatMap((env) => [
    // database (alternating users) is dynamic credentials on Vault, jwt a transit key; only openai is a stored value.
    [`${env}-myapp-api`, { "database/creds/": read, ...transit(`${env}-myapp--jwt`), ...kv("secret", `${env}/myapp/openai`) }],
    [`${env}-myapp-worker`, { "database/creds/": read, ...transit(`${env}-myapp--jwt`) }],
    [`${env}-myapp-web`, { ...transit(`${env}-myapp--jwt`) }],
  ]),
);

const SECOND_EXPECTED: PolicyTable = {
  "qa-orders-api": { "pg/creds/qa-orders": read, ...transit("qa-orders--signing") },
  "qa-orders-batch": { "pg/creds/qa-orders": read, ...kv("apps", "qa/orders/stripe") },
  "qa-billing-core-worker": { "pg/creds/qa-billing-core": read, ...kv("apps", "qa/billing-core/token") },
  "qa-reports-exporter": { "pg/static-creds/qa-reports--warehouse": read },
  "live-orders-api": { "database/creds/live-orders": read, ...transit("live-orders--signing") },
  "live-orders-batch": { "database/creds/live-orders": read, ...kv("secret", "live/orders/stripe") },
  "live-billing-core-worker": { "database/creds/live-billing-core": read, ...kv("secret", "live/billing-core/token") },
  "live-reports-exporter": { "database/static-creds/live-reports--warehouse": read },
};

let example: Awaited<ReturnType<typeof policyTables>>;
let second: Awaited<ReturnType<typeof policyTables>>;

beforeAll(async () => {
  example = await policyTables(synthExample(["vault"]).json);
  second = await policyTables(synthYaml(SECOND_DESCRIPTION, { backends: ["vault"] }).json);
});

describe("workload policies", () => {
  test("the example's policies grant exactly read on the data/ and metadata/ paths of the secrets each workload reads", () => {
    const withEnv = Object.fromEntries(
      Object.entries(EXAMPLE_EXPECTED).map(([name, t]) => [name, Object.fromEntries(Object.entries(t).map(([p, c]) => [p === "database/creds/" ? `database/creds/${name.split("-")[0]}-myapp` : p, c]))]),
    );
    expect(example.tables).toEqual(withEnv);
  });

  test("the second description's policies: exact KV paths per application and environment, plus creds/ of the app's database role for dynamic secrets", () => {
    expect(second.tables).toEqual(SECOND_EXPECTED);
  });

  test("no policy contains a wildcard, sys/, auth/, or any capability but read (update only on transit sign, hmac and verify)", () => {
    const all = { ...example.texts, ...second.texts };
    expect(Object.keys(all).length).toBe(17);
    for (const [name, text] of Object.entries(all)) {
      const body = text.replace(/^#.*$/gm, ""); // comments say nothing to Vault
      expect({ name, wildcard: /[*+]/.test(body) }).toEqual({ name, wildcard: false });
      expect({ name, sys: /"(sys|auth|identity)\//.test(body) }).toEqual({ name, sys: false });
    }
    for (const table of [example.tables, second.tables]) {
      for (const [name, paths] of Object.entries(table)) {
        for (const [path, caps] of Object.entries(paths)) {
          const signs = /^transit\/(sign|hmac|verify)\//.test(path);
          expect({ name, path, caps }).toEqual({ name, path, caps: signs ? ["update"] : ["read"] });
          expect(path).toMatch(/^((secret|apps)\/(data|metadata)|(pg|database)\/(creds|static-creds)|transit\/(sign|hmac|verify|keys))\//);
        }
      }
    }
  });

  test("a workload never reaches another application's or environment's paths", () => {
    for (const table of [example.tables, second.tables]) {
      for (const [name, paths] of Object.entries(table)) {
        const [env] = name.split("-");
        const app = name.slice(env.length + 1, name.lastIndexOf("-"));
        for (const path of Object.keys(paths)) {
          if (path.includes("/creds/")) expect(path.endsWith(`/creds/${env}-${app}`)).toBe(true);
          else if (/\/(static-creds|sign|hmac|verify|keys)\//.test(path)) expect(path.split("/")[2].startsWith(`${env}-${app}--`)).toBe(true);
          else expect(path.split("/").slice(2, 4)).toEqual([env, app]);
        }
      }
    }
  });
});

describe("PolicyDocument (the typed model)", () => {
  test("renders HCL that parses back to its rules, merging capabilities on a repeated path", async () => {
    const doc = new PolicyDocument();
    doc.addRule({ path: "secret/data/dev/a/b", capabilities: ["read"] });
    doc.addRule({ path: "secret/metadata/dev/a/b", capabilities: ["list", "read"] });
    doc.addRule({ path: "secret/data/dev/a/b", capabilities: ["read"] });
    const hcl = (await parse("t.hcl", doc.render("two\nlines"))) as any;
    expect(hcl.path).toEqual({
      "secret/data/dev/a/b": [{ capabilities: ["read"] }],
      "secret/metadata/dev/a/b": [{ capabilities: ["read", "list"] }],
    });
  });

  test.each([
    ["secret/data/dev/*", /wildcards/],
    ["secret/data/+/app/x", /wildcards/],
    ["sys/audit", /under sys\//],
    ["auth/token/create", /under auth\//],
    ["secret/data/../x", /invalid/],
    ['secret/data/a" { capabilities = ["sudo"] } path "x', /invalid/],
  ])("refuses the path %s", (path, message) => {
    expect(() => new PolicyDocument().addRule({ path, capabilities: ["read"] })).toThrow(message);
  });

  test("refuses sudo and empty capability lists", () => {
    expect(() => new PolicyDocument().addRule({ path: "secret/data/x", capabilities: ["sudo"] })).toThrow(/"sudo" is not allowed/);
    expect(() => new PolicyDocument().addRule({ path: "secret/data/x", capabilities: [] })).toThrow(/no capability/);
  });
});
