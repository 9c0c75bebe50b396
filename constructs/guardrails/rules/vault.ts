// Guardrails for Vault stacks: workload policies confined to their application's paths, Kubernetes roles
// bound to one service account with an audience, and enough audit devices in production.
import type { ResourceRule, RulePack, StackRule, SynthesizedResource, Violation } from "../rule";
import { readVaultPolicy, VaultPathRule } from "../vault-policy";
import { asList } from "../synthesized";

/** First path segments that administer Vault rather than read secrets. */
export const ADMIN_PREFIXES = ["sys", "auth", "identity"];

const segments = (path: string) => path.replace(/^\/+/, "").split("/");
const isAdminPath = (path: string) => ADMIN_PREFIXES.includes(segments(path)[0]);
const hasWildcard = (path: string) => path.includes("*") || segments(path).includes("+");

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

function policyRules(r: SynthesizedResource, stack: Parameters<ResourceRule["check"]>[1]["stack"]): VaultPathRule[] | string {
  const read = readVaultPolicy(r.attributes.policy, stack);
  return "error" in read ? read.error : read.rules;
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

export const policyTouchesAdminPaths: ResourceRule = {
  id: "SP-VLT-002",
  name: "Vault policy touching sys/, auth/ or identity/",
  reason: "These paths administer Vault itself (mounts, policies, auth methods, entities); a workload never needs them.",
  fix: "Remove the rule; administration belongs to the operators' own policies, outside this platform.",
  appliesTo: ["vault_policy"],
  check(r, { stack }) {
    const rules = policyRules(r, stack);
    if (typeof rules === "string") return []; // SP-VLT-001 reports an unreadable policy
    return rules.filter((rule) => isAdminPath(rule.path)).map((rule) => `path "${rule.path}" (${rule.capabilities.join(", ")})`);
  },
};

export const policyWildcard: ResourceRule = {
  id: "SP-VLT-003",
  name: "Vault policy with a wildcard path",
  reason: "A glob (*) or segment wildcard (+) matches secrets added later, which nobody reviewed for this workload.",
  fix: "Name every secret path exactly; the platform grants data/ and metadata/ of each secret the workload reads.",
  appliesTo: ["vault_policy"],
  check(r, { stack }) {
    const rules = policyRules(r, stack);
    if (typeof rules === "string") return [];
    return rules.filter((rule) => hasWildcard(rule.path)).map((rule) => `path "${rule.path}" has a wildcard`);
  },
};

export const kubernetesRoleWildcardBinding: ResourceRule = {
  id: "SP-VLT-004",
  name: "Vault Kubernetes role with a wildcard binding",
  reason: "A role bound to \"*\" (or a namespace selector) lets any matching service account log in with the workload's policy.",
  fix: "Bind exactly one service account name and one namespace, and no bound_service_account_namespace_selector.",
  appliesTo: ["vault_kubernetes_auth_backend_role"],
  check(r) {
    const out: Violation[] = [];
    for (const attr of ["bound_service_account_names", "bound_service_account_namespaces"]) {
      const wild = asList(r.attributes[attr]).filter((v: unknown) => String(v).includes("*"));
      if (wild.length > 0) out.push(`${attr} has ${wild.map((w) => JSON.stringify(w)).join(", ")}`);
    }
    const selector = r.attributes.bound_service_account_namespace_selector;
    if (typeof selector === "string" && selector.trim() !== "") out.push(`bound_service_account_namespace_selector is ${JSON.stringify(selector)}`);
    return out;
  },
};

export const kubernetesRoleWithoutAudience: ResourceRule = {
  id: "SP-VLT-005",
  name: "Vault Kubernetes role without an audience",
  reason: "Without an audience Vault accepts service account tokens minted for any other service, which can then be replayed to Vault.",
  fix: "Set audience on the role (vault.kubernetes.audience): the Kubernetes API server's audience, https://kubernetes.default.svc by default, since Vault reviews each login with the login token itself.",
  appliesTo: ["vault_kubernetes_auth_backend_role"],
  check(r) {
    const audience = r.attributes.audience;
    return typeof audience === "string" && audience.trim() !== "" ? [] : ["audience is not set"];
  },
};

export const tooFewAuditDevices: StackRule = {
  id: "SP-VLT-006",
  name: "Fewer than two Vault audit devices in production",
  reason: "Vault stops answering when no audit device can write; a second device keeps it serving, and audited, when one fails.",
  fix: "Keep two audit devices (the defaults: a file on disk and a file on stdout), or list at least two under vault.audit in the description.",
  appliesTo: "stack",
  check(stack, { production }) {
    if (!production) return [];
    const isVaultStack = stack.resources.some((r) => r.type.startsWith("vault_"));
    if (!isVaultStack) return [];
    const devices = stack.ofType("vault_audit");
    return devices.length >= 2 ? [] : [`${devices.length} vault_audit device${devices.length === 1 ? "" : "s"} in the stack`];
  },
};

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/;

export const kubernetesAuthWithoutCa: ResourceRule = {
  id: "SP-VLT-007",
  name: "Vault Kubernetes auth without the cluster's CA",
  reason: "With no kubernetes_ca_cert (and disable_local_ca_jwt on, or Vault outside the cluster) Vault checks the API server against its system trust store, which does not hold a cluster's own CA: every login fails.",
  fix: "Set kubernetes_ca_cert to the cluster's CA certificate (vault.kubernetes.caCertFile), or set disable_local_ca_jwt = false explicitly when Vault runs in a pod of that cluster.",
  appliesTo: ["vault_kubernetes_auth_backend_config"],
  check(r) {
    const ca = r.attributes.kubernetes_ca_cert;
    if (typeof ca === "string" && ca.trim() !== "") {
      return ca.includes("${") || PEM_CERTIFICATE.test(ca) ? [] : ["kubernetes_ca_cert is not a PEM certificate"];
    }
    // Vault in a pod of the cluster uses the pod's own CA file when local defaults are not disabled.
    if (r.attributes.disable_local_ca_jwt === false) return [];
    return [`kubernetes_ca_cert is not set and disable_local_ca_jwt is ${JSON.stringify(r.attributes.disable_local_ca_jwt ?? "not set")}`];
  },
};

export const approleUnlimitedSecretId: ResourceRule = {
  id: "SP-VLT-008",
  name: "Vault AppRole secret id with unlimited uses or no expiry",
  reason: "A secret id that logs in any number of times, or never expires, is a long-lived credential: a copy taken from a log or a CI variable logs in as the workload for as long as the role exists.",
  fix: "Set secret_id_num_uses to a small number (the platform uses 1) and secret_id_ttl to minutes (approle.secretIdNumUses, approle.secretIdTtlSeconds).",
  appliesTo: ["vault_approle_auth_backend_role"],
  check(r) {
    if (r.attributes.bind_secret_id === false) return []; // no secret id at all: bound CIDRs alone, another matter
    const out: string[] = [];
    const uses = r.attributes.secret_id_num_uses;
    if (typeof uses !== "number" || uses <= 0) out.push(`secret_id_num_uses is ${JSON.stringify(uses ?? "not set")} (0, Vault's default, is unlimited)`);
    const ttl = r.attributes.secret_id_ttl;
    if (typeof ttl !== "number" || ttl <= 0) out.push(`secret_id_ttl is ${JSON.stringify(ttl ?? "not set")} (0, Vault's default, never expires)`);
    return out;
  },
};

export const postgresVerifyWithoutCa: ResourceRule = {
  id: "SP-VLT-009",
  name: "Vault PostgreSQL connection that verifies TLS without a CA",
  reason: "With sslmode verify-full or verify-ca and no tls_ca (nor sslrootcert) Vault checks the database against its system trust store, which holds neither RDS's CAs nor a private CA: every connection, and so every credential, fails.",
  fix: "Give the connection the CA that signed the database's certificate (postgresql.tls_ca; vault.database.tlsCaFile, or vault.databases.<name>.tlsCaFile), or use sslmode require where verification is impossible.",
  appliesTo: ["vault_database_secret_backend_connection", "vault_database_secrets_mount"],
  check(r) {
    return asList(r.attributes.postgresql)
      .filter((c: any) => c && typeof c === "object")
      .flatMap((c: any) => {
        const url = String(c.connection_url ?? "");
        const mode = /[?&]sslmode=(verify-full|verify-ca)(&|$)/.exec(url)?.[1];
        if (!mode || /[?&]sslrootcert=/.test(url)) return [];
        const ca = c.tls_ca;
        return typeof ca === "string" && ca.trim() !== "" ? [] : [`sslmode=${mode} without tls_ca`];
      });
  },
};

export const transitKeyLeavesVault: ResourceRule = {
  id: "SP-VLT-010",
  name: "Vault transit key that can leave Vault or be deleted",
  reason: "A signing key that is exportable, or allows a plaintext backup, can be copied out of Vault, after which rotation no longer limits what a stolen copy signs; both settings can never be turned off again. A deletable key takes every token it signed with it.",
  fix: "Keep exportable, allow_plaintext_backup and deletion_allowed false (TransitSigningKey sets them); a key that must move is a new key, not an export.",
  appliesTo: ["vault_transit_secret_backend_key"],
  check(r) {
    return ["exportable", "allow_plaintext_backup", "deletion_allowed"]
      .filter((a) => r.attributes[a] !== false)
      .map((a) => `${a} is ${JSON.stringify(r.attributes[a] ?? "not set")}, not false`);
  },
};

export const vaultSecretNeverRotates: ResourceRule = {
  id: "SP-VLT-011",
  name: "Vault static role or transit key that never rotates",
  reason: "A static role without rotation_period (or rotation_schedule) keeps one database password forever, and a transit key with auto_rotate_period 0 signs with one key forever: the secret is placed on Vault precisely so that Vault rotates it.",
  fix: "Give the static role rotation_period and the transit key auto_rotate_period from the secret's rotation (everyDays); PostgresStaticRole and TransitSigningKey require it.",
  appliesTo: ["vault_database_secret_backend_static_role", "vault_transit_secret_backend_key"],
  check(r) {
    if (r.type === "vault_transit_secret_backend_key") {
      const period = r.attributes.auto_rotate_period;
      return typeof period === "number" && period > 0 ? [] : [`auto_rotate_period is ${JSON.stringify(period ?? "not set")}`];
    }
    const period = r.attributes.rotation_period;
    const schedule = r.attributes.rotation_schedule;
    if ((typeof period === "number" && period > 0) || (typeof schedule === "string" && schedule.trim() !== "")) return [];
    return [`neither rotation_period nor rotation_schedule is set (rotation_period ${JSON.stringify(period ?? "not set")})`];
  },
};

export const VAULT_RULES: RulePack = {
  name: "vault",
  rules: [
    policyOutsideApplication,
    policyTouchesAdminPaths,
    policyWildcard,
    kubernetesRoleWildcardBinding,
    kubernetesRoleWithoutAudience,
    tooFewAuditDevices,
    kubernetesAuthWithoutCa,
    approleUnlimitedSecretId,
    postgresVerifyWithoutCa,
    transitKeyLeavesVault,
    vaultSecretNeverRotates,
  ],
};
