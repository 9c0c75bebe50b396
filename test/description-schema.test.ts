// The JSON Schema that editors check the description against, and the field reference in docs/, are generated
// from the zod schema: these tests fail when either file is stale, and check that the JSON Schema accepts and
// refuses what the platform does.
import Ajv from "ajv";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { validatePlatform } from "../config/load";
import { z } from "zod";
import { schemasAt } from "../config/positions";
import { platformSchema } from "../config/schema";
import { blockAnchor, blockExample, blockTitle, caseInsensitive, descriptionBlocks, descriptionFields, descriptionJsonSchema, descriptionReference, descriptionSchemaFile, REFERENCE_FILE, SCHEMA_FILE } from "../scripts/description-schema";
import { minimalDescription } from "./helpers/descriptions";

const ROOT = path.resolve(__dirname, "..");
const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const STALE = "is stale: run `npm run schema` and commit the result";

// Strict: a keyword or format that Ajv does not know (and an editor would ignore or warn about) fails the compile.
const validate = new Ajv({ strict: true, allErrors: true }).compile(descriptionJsonSchema());

describe("config/platform.schema.json", () => {
  it("is what the zod schema generates", () => {
    if (read(SCHEMA_FILE) !== descriptionSchemaFile()) throw new Error(`${SCHEMA_FILE} ${STALE}`);
  });

  it("is named by the example's first line, for the YAML language server", () => {
    expect(read("config/platform.yaml").split("\n")[0]).toBe("# yaml-language-server: $schema=./platform.schema.json");
  });

  it("accepts the example", () => {
    const example = parse(read("config/platform.yaml"));
    expect(validate(example) ? [] : validate.errors).toEqual([]);
  });

  it("accepts what the platform accepts in any case: an upper-case GUID and Azure resource id", () => {
    const d = minimalDescription();
    d.environments.dev = parse(read("config/platform.yaml")).environments.dev;
    d.environments.dev.azure.tenantId = d.environments.dev.azure.tenantId.toUpperCase();
    d.environments.dev.azure.privateEndpoint.subnetId = d.environments.dev.azure.privateEndpoint.subnetId.replace("/resourceGroups/", "/RESOURCEGROUPS/");
    // File paths in the example (the cluster CA) are relative to its folder.
    expect(() => validatePlatform(structuredClone(d), "test", path.join(ROOT, "config"))).not.toThrow();
    expect(validate(d) ? [] : validate.errors).toEqual([]);
  });

  it("spells a case-insensitive pattern's letters in both cases, as the i flag would", () => {
    const pattern = caseInsensitive("^ab[c-e]\\.x[^/]+\\d$");
    expect(pattern).toBe("^[aA][bB][c-eC-E]\\.[xX][^/]+\\d$");
    for (const text of ["abc.x/1", "ABE.Xy1", "aBd.xz9", "abf.x1", "abc-x1", "abc.X/9"]) {
      expect([text, new RegExp(pattern, "u").test(text)]).toEqual([text, /^ab[c-e]\.x[^/]+\d$/i.test(text)]);
    }
  });

  // [what is wrong, how to break the minimal description, the JSON pointer the schema blames]
  const refused: Array<[string, (d: any) => void, string]> = [
    ["a misspelt field", (d) => (d.environments.dev.aws.acountId = "1"), "/environments/dev/aws"],
    ["an 11-digit account id", (d) => (d.environments.dev.aws.accountId = "11111111111"), "/environments/dev/aws/accountId"],
    ["an account id as a number", (d) => (d.environments.dev.aws.accountId = 111111111111), "/environments/dev/aws/accountId"],
    ["an unknown secret type", (d) => (d.applications.myapp.secrets.jwt = { type: "password" }), "/applications/myapp/secrets/jwt"],
    ["an unknown JWT algorithm", (d) => (d.applications.myapp.secrets.jwt.algorithm = "none"), "/applications/myapp/secrets/jwt"],
    ["rotation every 400 days", (d) => (d.applications.myapp.secrets.jwt.rotation.everyDays = 400), "/applications/myapp/secrets/jwt"],
    ["an environment name with capitals", (d) => (d.environments.Dev = d.environments.dev), "/environments"],
    ["no organization", (d) => delete d.organization, ""],
  ];

  it.each(refused)("refuses %s, as the platform does", (_what, mutate, pointer) => {
    const d = minimalDescription();
    expect(validate(d)).toBe(true);
    mutate(d);
    expect(() => validatePlatform(structuredClone(d))).toThrow();
    expect(validate(d)).toBe(false);
    expect(validate.errors!.map((e) => e.instancePath)).toContain(pointer);
  });
});

describe("docs/description.md", () => {
  it("is what the zod schema generates", () => {
    if (read(REFERENCE_FILE) !== descriptionReference()) throw new Error(`${REFERENCE_FILE} ${STALE}`);
  });

  it("describes every field, with its type, whether it is required and its default", () => {
    const rows = descriptionFields();
    expect(rows.filter((r) => !r.description).map((r) => r.path)).toEqual([]);
    const row = (p: string) => rows.find((r) => r.path === p);
    expect(row("environments.<environment>.aws.accountId")).toMatchObject({ type: "string", required: "yes" });
    expect(row("environments.<environment>.vault.kvMount")).toMatchObject({ required: "no", default: "secret" });
    expect(row("applications.<application>.secrets.<secret>{type=jwt}.algorithm")).toMatchObject({ type: "one of `HS256`, `RS256`, `ES256`", default: "HS256" });
    expect(row("applications.<application>.secrets.<secret>{type=postgres}.rotation.everyDays")).toMatchObject({ type: "integer 1 to 365" });
    // One row per field the example uses, at least.
    expect(rows.length).toBeGreaterThan(100);
    expect(read(REFERENCE_FILE)).toContain("| `reads` | list of strings, at least 1 | yes |");
  });

  const blocks = descriptionBlocks();
  const section = (title: string) => {
    const text = read(REFERENCE_FILE);
    const [, pathPart, variant] = /^(.*?)( \(type [a-z-]+\))?$/.exec(title)!;
    const start = text.indexOf(`\n## \`${pathPart}\`${variant ?? ""}\n`);
    expect(start).toBeGreaterThan(0);
    const end = text.indexOf("\n## ", start + 1);
    return text.slice(start, end < 0 ? undefined : end);
  };

  it("has a section per block and per secret type, each listing only the fields that apply there", () => {
    for (const type of ["postgres", "jwt", "token", "api-key"]) expect(blocks.map(blockTitle)).toContain(`applications.<application>.secrets.<secret> (type ${type})`);
    // dynamic is a postgres field: the other types accept it only to say so, and their sections leave it out.
    expect(section("applications.<application>.secrets.<secret> (type postgres)")).toContain("| `dynamic` |");
    for (const type of ["jwt", "token", "api-key"]) expect(section(`applications.<application>.secrets.<secret> (type ${type})`)).not.toContain("`dynamic`");
    expect(section("applications.<application>.secrets.<secret> (type api-key)")).not.toContain("`rotation`");
    expect(section("applications.<application>.workloads.<workload>")).not.toContain("| `delivery` |");
    // Every section has its own anchor (test/readme.test.ts checks that each link finds its heading).
    expect(new Set(blocks.map(blockAnchor)).size).toBe(blocks.length);
  });

  it("gives every block an example that the schema at the block's path accepts", () => {
    const text = read(REFERENCE_FILE);
    const examples = [...text.matchAll(/\n## (.+)\n[\s\S]*?```yaml\n([\s\S]*?)```/g)];
    expect(examples).toHaveLength(blocks.length);
    for (const block of blocks) {
      const example = parse(blockExample(block));
      // The example as the page shows it: its one key is the block's own (a list item, or the whole file at the top).
      const value = !block.path ? example : Array.isArray(example) ? example[0] : Object.values(example)[0];
      if (block.path && !Array.isArray(example)) expect(Object.keys(example)).toHaveLength(1);
      if (block.variant && block.variantAt === block.path) expect(value.type).toBe(block.variant);
      const segments = block.path ? block.path.split(".").flatMap((s) => (s.endsWith("[]") ? [s.slice(0, -2), 0] : [s])).map((s) => (typeof s === "string" && s.startsWith("<") ? "any-name" : s)) : [];
      const schemas = schemasAt(platformSchema, segments);
      expect(schemas.length).toBeGreaterThan(0);
      const accepted = schemas.some((s) => z.safeParse(s as z.ZodType, value).success);
      if (!accepted) throw new Error(`the example of ${blockTitle(block)} is refused: ${JSON.stringify(z.safeParse(schemas[0] as z.ZodType, value).error?.issues)}`);
    }
  });

  it("keeps refused-here fields out of the reference and makes editors flag them", () => {
    const jsonSchema = descriptionJsonSchema() as any;
    const apiKey = jsonSchema.properties.applications.additionalProperties.properties.secrets.additionalProperties.oneOf.find((v: any) => v.properties.type.const === "api-key");
    expect(apiKey.properties.rotation).toEqual(expect.objectContaining({ not: {}, description: expect.stringMatching(/^Not allowed/) }));
    expect(descriptionFields().map((r) => r.path)).not.toContain("applications.<application>.secrets.<secret>{type=api-key}.rotation");
    expect(descriptionFields().map((r) => r.path)).toContain("applications.<application>.secrets.<secret>{type=postgres}.dynamic");
  });
});
