import type { ResourceRule } from "../../rule";
import { isAdminPath, policyRules, segments } from "./policy-paths";

/** Endpoints of a transit key a workload may use: sign or HMAC, verify, and read its public keys. */
const TRANSIT_KEY_ENDPOINTS = ["sign", "hmac", "verify", "keys"];
/** Those that also take the hash algorithm as a last path segment. */
const TRANSIT_HASHED_ENDPOINTS = ["sign", "hmac", "verify"];

/**
 * Whether a path belongs to the application that the policy name `<env>-<app>-<workload>` is for:
 * `<kv mount>/data|metadata/<env>/<app>/<secret...>`, `<database mount>/creds/<env>-<app>`, or a secret's own static
 * role or transit key, `<mount>/static-creds|sign|hmac|verify|keys/<env>-<app>--<secret>` (sign, hmac and verify also
 * with `/sha2-256`) ("--" is in no application
 * or secret name). Names may hold dashes, so the check asks whether the name starts with the path's `<env>-<app>-`,
 * not how to split the name.
 */
export function withinApplication(policyName: string, path: string): boolean {
  const s = segments(path);
  if (s.length >= 5 && (s[1] === "data" || s[1] === "metadata") && s.slice(2).every((x) => x !== "")) {
    return policyName.startsWith(`${s[2]}-${s[3]}-`);
  }
  if (s.length === 3 && s[1] === "creds" && s[2] !== "") return policyName.startsWith(`${s[2]}-`);
  if (s.length === 3 && (s[1] === "static-creds" || TRANSIT_KEY_ENDPOINTS.includes(s[1]))) {
    const owner = secretRoleOwner(s[2]);
    return owner !== undefined && policyName.startsWith(`${owner}-`);
  }
  // The same key's sign, hmac or verify endpoint with SHA-256 named in the path (transit-signing-key.ts).
  if (s.length === 4 && TRANSIT_HASHED_ENDPOINTS.includes(s[1]) && s[3] === "sha2-256") return withinApplication(policyName, s.slice(0, 3).join("/"));
  return false;
}

/**
 * The `<env>-<app>` of a secret's role or key name `<env>-<app>--<secret>`, or undefined for any other name. Environment
 * and application names hold single dashes only and secret names single dashes or underscores, so the name's only "--"
 * ends the application: the secret after it may hold dashes (session-key), which is why the split is at the first "--"
 * and the secret is checked for the secret-name grammar instead of for having no dash.
 */
export function secretRoleOwner(name: string): string | undefined {
  const at = name.indexOf("--");
  if (at <= 0) return undefined;
  const owner = name.slice(0, at);
  const secret = name.slice(at + 2);
  return /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(owner) && /^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/.test(secret) ? owner : undefined;
}

export const policyOutsideApplication: ResourceRule = {
  id: "SP-VLT-001",
  name: "Vault policy reaching outside its application's paths",
  reason: "A workload's token must read its own application's secrets only; any other path widens what a stolen token opens.",
  fix: "Grant only <mount>/data/<env>/<app>/<secret> and <mount>/metadata/<env>/<app>/<secret> (KvV2Mount.grantRead), <db mount>/creds/<env>-<app>, or <mount>/static-creds|sign|hmac|verify|keys/<env>-<app>--<secret>, in a policy named <env>-<app>-<workload>.",
  appliesTo: ["vault_policy"],
  check(r, { stack }) {
    const name = r.attributes.name;
    const rules = policyRules(r, stack);
    if (typeof rules === "string") return [`the policy cannot be checked at synth: ${rules}`];
    if (typeof name !== "string" || name.includes("${")) return [`the policy name ${JSON.stringify(name)} does not say which application it is for`];
    return rules
      .filter((rule) => !isAdminPath(rule.path) && !withinApplication(name, rule.path))
      .map((rule) => `path "${rule.path}" (${rule.capabilities.join(", ")}) is outside the paths of the application that ${name} is for`);
  },
};
