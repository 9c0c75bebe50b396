// The README is the first page a newcomer opens: the title, then the two commands a fresh machine runs, then the
// contents, all on one screen. Every relative link in README.md and docs/*.md must lead somewhere, and every
// `npm run <script>` the documentation tells a reader to type must exist in package.json.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "..");
const read = (rel: string) => readFileSync(path.join(ROOT, rel), "utf8");
const readme = read("README.md");
const docs = readdirSync(path.join(ROOT, "docs"))
  .filter((f) => f.endsWith(".md"))
  .map((f) => `docs/${f}`);
const pages = ["README.md", ...docs];
const scripts = Object.keys(JSON.parse(read("package.json")).scripts);

/** Text outside fenced code blocks: what a renderer turns into links and headings. */
function prose(md: string): string {
  return md.replace(/^(```|~~~)[\s\S]*?^\1[^\n]*$/gm, "");
}

/** GitHub's heading anchor: lowercase, punctuation dropped (but `-` and `_`), spaces to dashes; repeats get -1, -2. */
function anchors(md: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const m of prose(md).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = m[1]
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Markdown links `[text](target)` outside code, without external URLs or mail. */
function relativeLinks(md: string): string[] {
  const links = [...prose(md).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]);
  return links.filter((l) => !/^[a-z][a-z0-9+.-]*:/i.test(l));
}

describe("README.md", () => {
  const lines = readme.split("\n");

  it("opens with the title, then the two commands a fresh machine runs, then the contents", () => {
    expect(lines[0]).toMatch(/^# \S/);
    const firstBlock = readme.match(/^```sh\n([\s\S]*?)\n```/m);
    expect(firstBlock).not.toBeNull();
    // nothing but blank lines between the title and the commands
    expect(readme.slice(lines[0].length, firstBlock!.index).trim()).toBe("");
    const commands = firstBlock![1].split("\n").map((l) => l.replace(/#.*$/, "").trim());
    expect(commands).toEqual(["npm ci && npm run synth", "npm ci && npm test"]);
    const afterCommands = readme.slice(firstBlock!.index! + firstBlock![0].length).trimStart();
    expect(afterCommands).toMatch(/^## Contents\n/);
  });

  it("its table of contents lists every section, and each anchor exists", () => {
    const toc = readme.split(/^## Contents\n/m)[1].split(/^## /m)[0];
    const targets = [...toc.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    const own = anchors(readme);
    expect(targets.length).toBeGreaterThanOrEqual(5);
    for (const t of targets) expect(own).toContain(t);
    const sections = [...prose(readme).matchAll(/^## (.+)$/gm)].map((m) => m[1]).filter((s) => s !== "Contents");
    expect(targets).toHaveLength(sections.length);
  });

  it("is under 250 lines", () => {
    expect(lines.length).toBeLessThan(250);
  });

  it("links a page for each backend, rotation, review, Kubernetes, pipeline and the description reference", () => {
    for (const page of ["aws", "vault", "azure", "rotation", "review", "kubernetes", "pipeline", "description"]) {
      expect(readme).toContain(`(docs/${page}.md)`);
    }
  });

  it("says that CDKTF is frozen at 0.21 and that CDK Terrain (cdktn) is a rename", () => {
    expect(readme).toMatch(/frozen at 0\.21/);
    expect(readme).toMatch(/CDK\s+Terrain \(`cdktn`\), is a rename/);
  });

  it("the commands it names exist: CI runs .ci/run, which runs npm test", () => {
    const ci = read(".ci/run");
    expect(ci).toMatch(/^npm ci\b/m);
    expect(ci).toMatch(/^npm test$/m);
    expect(scripts).toEqual(expect.arrayContaining(["synth", "test", "check", "review", "cdktf"]));
  });
});

describe.each(pages)("%s", (page) => {
  const md = read(page);

  it("every relative link points at a file that exists, and at a heading that exists", () => {
    const broken: string[] = [];
    for (const link of relativeLinks(md)) {
      const [file, anchor] = link.split("#");
      const target = file === "" ? path.join(ROOT, page) : path.resolve(path.dirname(path.join(ROOT, page)), file);
      if (!existsSync(target)) {
        broken.push(`${link}: no file ${path.relative(ROOT, target)}`);
        continue;
      }
      if (anchor !== undefined && statSync(target).isFile() && target.endsWith(".md")) {
        if (!anchors(readFileSync(target, "utf8")).has(anchor)) broken.push(`${link}: no heading #${anchor}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every `npm run <script>` it names exists in package.json", () => {
    const named = [...md.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1]);
    const missing = [...new Set(named)].filter((s) => !scripts.includes(s));
    expect(missing).toEqual([]);
  });
});

describe("the link checker itself", () => {
  it("finds GitHub's anchors and skips code blocks", () => {
    const md = "# A `code` title: yes\n## Same\n## Same\n```sh\n# not a heading\n[x](nowhere.md)\n```\n[y](b.md#c)\n";
    expect([...anchors(md)]).toEqual(["a-code-title-yes", "same", "same-1"]);
    expect(relativeLinks(md)).toEqual(["b.md#c"]);
    expect(relativeLinks("[a](https://example.com) [b](mailto:x@y) [c](#d)")).toEqual(["#d"]);
  });
});

describe("the README's requirements", () => {
  it("name the provider versions the stacks pin and the Terraform version they require", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MIN_TERRAFORM_VERSION } = require("../config/naming");
    expect(readme).toContain(`| Terraform | ${MIN_TERRAFORM_VERSION.replace(">= ", "")} or later`);
    for (const [provider, label] of [["aws", "AWS"], ["azurerm", "AzureRM"], ["vault", "Vault"], ["kubernetes", "Kubernetes"]]) {
      const pkg = `@cdktf/provider-${provider}`;
      const generated = read(`node_modules/${pkg}/lib/provider/index.js`);
      const providerVersion = /providerVersion: '([^']+)'/.exec(generated)![1];
      const packageVersion = JSON.parse(read(`node_modules/${pkg}/package.json`)).version;
      expect(readme).toContain(`| ${label} provider | ${providerVersion} | \`${pkg}\` ${packageVersion} |`);
    }
  });
});

describe("one way to run the CDKTF CLI", () => {
  it("the documentation runs it as npm run cdktf -- (the checkpoint off), never npx cdktf, except where it says what npm run cdktf is", () => {
    for (const page of pages) {
      const lines = read(page).split("\n").filter((l) => /npx cdktf/.test(l) && !/npm run cdktf -- <command>` is `npx cdktf|the same from `npx cdktf`/.test(l));
      expect([page, lines]).toEqual([page, []]);
    }
  });
});

describe("each stack's outputs are listed in its page", () => {
  // Every output a stack class can write, by the literal id it gives (or the documented pattern of a computed one).
  const PAGES: Record<string, string> = {
    "stacks/aws-stack.ts": "docs/aws.md",
    "stacks/vault-stack.ts": "docs/vault.md",
    "stacks/azure-stack.ts": "docs/azure.md",
    "stacks/kubernetes-stack.ts": "docs/kubernetes.md",
    "stacks/bootstrap-stack.ts": "docs/pipeline.md",
  };
  const COMPUTED: Record<string, string[]> = {
    "stacks/kubernetes-stack.ts": ["vault-agent-annotations-<app>-<workload>"],
    "stacks/bootstrap-stack.ts": ["SP_<ENV>_AZURE_DEPLOYER_CLIENT_ID", "SP_<ENV>_AZURE_PLANNER_CLIENT_ID"],
  };
  it.each(Object.entries(PAGES))("%s: in %s, under an Outputs heading", (source, page) => {
    const code = read(source);
    const ids = [...code.matchAll(/(?:new TerraformOutput\(this, |\bout\(\s*)"([A-Za-z0-9_-]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(0);
    const text = read(page);
    const section = text.slice(text.search(/^#{2,3} Outputs of /m));
    expect(section.length).toBeLessThan(text.length);
    const listed = section.slice(0, section.indexOf("\n\n", section.indexOf("| --- |")));
    for (const id of [...ids, ...(COMPUTED[source] ?? [])]) expect([id, listed.includes(`\`${id}\``)]).toEqual([id, true]);
  });
});
