// The Vault audit-log queries of docs/vault.md ("Alerting on the audit log"), run with jq as the page gives them,
// against entries written from Vault's audit entry schema (https://developer.hashicorp.com/vault/docs/audit/schema):
// type request/response, auth { client_token and accessor HMAC'd, display_name, policies, metadata }, request
// { id, operation, path, namespace, remote_address }, error on a refused request.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const doc = readFileSync(path.join(__dirname, "..", "docs", "vault.md"), "utf8");

/** The shell command in the fenced block after <!-- jq:<name> -->. */
function query(name: string): string {
  const m = new RegExp(`<!-- jq:${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(doc);
  if (!m) throw new Error(`docs/vault.md has no jq:${name} block`);
  return m[1];
}

const DENIED = "1 error occurred:\n\t* permission denied\n\n";
const hmac = (x: string) => `hmac-sha256:${x}`;
const workload = { client_token: hmac("a1"), accessor: hmac("a2"), display_name: "kubernetes-myapp-myapp-api", policies: ["default", "prod-myapp-api"], token_policies: ["default", "prod-myapp-api"], metadata: { role: "prod-myapp-api", service_account_name: "myapp-api", service_account_namespace: "myapp" }, entity_id: "e-1", token_type: "service" };
const deployer = { client_token: hmac("d1"), accessor: hmac("d2"), display_name: "jwt-repo:acme/secrets-platform:environment:prod", policies: ["default", "prod_ci_deployer"], metadata: { role: "prod_ci_deployer" }, entity_id: "e-2", token_type: "service" };
const admin = { client_token: hmac("p1"), accessor: hmac("p2"), display_name: "userpass-alice", policies: ["admin", "default"], metadata: { username: "alice" }, entity_id: "e-3", token_type: "service" };
const root = { client_token: hmac("r1"), accessor: hmac("r2"), display_name: "root", policies: ["root"], token_type: "service" };

let n = 0;
function entry(type: "request" | "response", auth: object | undefined, operation: string, p: string, error?: string): object {
  n += 1;
  return {
    time: `2026-12-07T10:00:${String(n).padStart(2, "0")}Z`,
    type,
    ...(auth ? { auth } : {}),
    request: { id: `req-${n}`, operation, mount_type: p.startsWith("secret/") ? "kv" : "system", client_token: hmac("x"), path: p, namespace: { id: "root" }, remote_address: "10.0.0.5" },
    ...(type === "response" ? { response: { mount_type: "kv" } } : {}),
    ...(error ? { error } : {}),
  };
}

function run(name: string, entries: object[]): any[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), "vault-audit-"));
  const log = path.join(dir, "audit.log");
  writeFileSync(log, entries.map((e) => JSON.stringify(e)).join("\n") + "\n");
  const r = spawnSync("bash", ["-c", query(name).replace("/vault/logs/audit.log", JSON.stringify(log))], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`jq failed: ${r.stderr}`);
  return r.stdout.trim() === "" ? [] : r.stdout.trim().split("\n").map((l) => JSON.parse(l));
}

const jq = spawnSync("jq", ["--version"]).status === 0;
if (!jq) {
  it("needs jq (apt-get install jq; .ci/run installs it)", () => {
    throw new Error("jq is not on PATH: the Vault audit queries of docs/vault.md cannot be tested");
  });
}

(jq ? describe : describe.skip)("the Vault audit-log queries of docs/vault.md", () => {
  it("report refused requests on the environment's data and metadata paths, with who and from where", () => {
    const out = run("denied", [
      entry("request", workload, "read", "secret/data/prod/other/database", DENIED),
      entry("response", workload, "read", "secret/data/prod/other/database", DENIED), // the same request, answered
      entry("request", workload, "read", "secret/data/prod/myapp/database"), // its own secret: allowed
      entry("request", workload, "list", "secret/metadata/prod/", DENIED),
      entry("request", undefined, "read", "secret/data/prod/myapp/jwt", DENIED),
      entry("request", workload, "read", "secret/data/dev/myapp/database", DENIED), // another environment
      entry("request", workload, "read", "secret/data/production/x", DENIED), // a longer environment name
    ]);
    expect(out.map((o) => [o.path, o.who])).toEqual([
      ["secret/data/prod/other/database", "kubernetes-myapp-myapp-api"],
      ["secret/metadata/prod/", "kubernetes-myapp-myapp-api"],
      ["secret/data/prod/myapp/jwt", "unauthenticated"],
    ]);
    expect(out[0]).toEqual({ time: expect.any(String), path: "secret/data/prod/other/database", operation: "read", who: "kubernetes-myapp-myapp-api", role: "prod-myapp-api", from: "10.0.0.5" });
  });

  it("report policy, auth and audit changes by anyone but the deployer, successful or refused", () => {
    const out = run("changes", [
      entry("request", admin, "update", "sys/policy/prod-myapp-api"),
      entry("request", deployer, "update", "sys/policy/prod-myapp-api"), // the pipeline's deploy
      entry("request", admin, "create", "auth/kubernetes/role/prod-myapp-api"),
      entry("request", workload, "update", "sys/policies/acl/prod-myapp-api", DENIED),
      entry("request", root, "delete", "sys/audit/file"),
      entry("request", admin, "read", "sys/policy/prod-myapp-api"), // a read changes nothing
      entry("request", admin, "update", "secret/data/prod/myapp/openai"), // a value a person puts
      entry("response", admin, "update", "sys/policy/prod-myapp-api"), // the response of the first
    ]);
    expect(out.map((o) => [o.path, o.who, o.refused])).toEqual([
      ["sys/policy/prod-myapp-api", "userpass-alice", false],
      ["auth/kubernetes/role/prod-myapp-api", "userpass-alice", false],
      ["sys/policies/acl/prod-myapp-api", "kubernetes-myapp-myapp-api", true],
      ["sys/audit/file", "root", false],
    ]);
  });

  it("print nothing that an entry holds HMAC'd (tokens, accessors)", () => {
    const out = run("denied", [entry("request", workload, "read", "secret/data/prod/other/database", DENIED)]);
    expect(JSON.stringify(out)).not.toContain("hmac-sha256:");
  });
});
