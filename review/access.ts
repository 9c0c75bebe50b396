// The access matrix: for every backend, which principal reaches which secret, with which permission, and how it
// authenticates, read from the synthesized resources (IAM roles and their policies, Vault roles and policies,
// Azure role assignments and identities), so it shows what will really be granted.
import { AZURE_PENDING_FOR_TAG } from "../contracts/azure-rotation";
import { readIamPolicy } from "../readers/iam-policy";
import type { SynthesizedResource, SynthesizedStack } from "../guardrails/rule";
import { asList, blocks, fromJson, literalValue, references, wholeReference } from "../readers/synthesized";
import { readVaultPolicy } from "../readers/vault-policy";
import type { AccessRow, AwsReadGuard, Backend, ReviewedStack } from "./model";

const BACKEND_ORDER: Backend[] = ["aws", "vault", "azure"];

export function accessMatrix(stacks: readonly ReviewedStack[]): AccessRow[] {
  const rows: AccessRow[] = [];
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    if (s.backend === "aws") rows.push(...awsAccess(view, s.name));
    if (s.backend === "vault") rows.push(...vaultAccess(view, s.name));
    if (s.backend === "azure") rows.push(...azureAccess(view, s.name));
  }
  return rows.sort(
    (a, b) =>
      a.workload.localeCompare(b.workload) ||
      a.secret.localeCompare(b.secret) ||
      BACKEND_ORDER.indexOf(a.backend) - BACKEND_ORDER.indexOf(b.backend) ||
      a.permission.localeCompare(b.permission),
  );
}

const literal = (v: unknown): string | undefined => (typeof v === "string" && !v.includes("${") ? v : undefined);

// ---------------------------------------------------------------- AWS

const SECRET_ACTIONS_READ = ["secretsmanager:getsecretvalue", "secretsmanager:describesecret"];
const SECRET_ACTIONS_WRITE = ["secretsmanager:putsecretvalue", "secretsmanager:updatesecretversionstage"];

/** The secret an IAM resource names: its name from an exact -?????? pattern or a reference; "*" is every secret. */
function awsSecretOf(view: SynthesizedStack, resource: string): string | undefined {
  if (resource === "*") return "* (every secret)";
  const pattern = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:(.+)-\?{6}$/.exec(resource);
  if (pattern) return pattern[1];
  const ref = wholeReference(resource);
  if (ref?.type === "aws_secretsmanager_secret") return literal(view.referenced(resource)?.attributes.name) ?? ref.address;
  if (/:secretsmanager:.*:secret:/.test(resource)) return resource;
  return undefined;
}

function awsPermission(actions: string[]): string {
  const lower = actions.map((a) => a.toLowerCase());
  const short = actions.map((a) => a.replace(/^secretsmanager:/i, "")).join(", ");
  if (lower.some((a) => a.includes("*"))) return `all actions (${short})`;
  if (lower.some((a) => SECRET_ACTIONS_WRITE.includes(a))) return `rotate (${short})`;
  if (lower.every((a) => SECRET_ACTIONS_READ.includes(a))) return `read (${short})`;
  return short;
}

/** The role's identity policies: inline blocks, aws_iam_role_policy, and attached aws_iam_policy documents. */
function rolePolicies(view: SynthesizedStack, role: SynthesizedResource): unknown[] {
  const name = role.attributes.name;
  const isRole = (v: unknown) => references(v).some((r) => r.address === role.address) || (name !== undefined && v === name);
  const policies: unknown[] = blocks(role.attributes.inline_policy).map((b) => b.policy);
  for (const p of view.ofType("aws_iam_role_policy")) if (isRole(p.attributes.role)) policies.push(p.attributes.policy);
  for (const a of view.ofType("aws_iam_role_policy_attachment")) {
    if (!isRole(a.attributes.role)) continue;
    const attached = view.referenced(a.attributes.policy_arn);
    if (attached?.type === "aws_iam_policy") policies.push(attached.attributes.policy);
  }
  return policies;
}

/** Who assumes the role, and how, from its trust policy (and the functions that run as it). */
function awsPrincipal(view: SynthesizedStack, role: SynthesizedResource): { workload: string; authentication: string } {
  const roleName = literal(role.attributes.name) ?? role.address;
  const trust = readIamPolicy(role.attributes.assume_role_policy, view);
  const statements = "error" in trust ? [] : trust.statements.filter((s) => s.effect === "Allow");
  for (const s of statements) {
    const federated = s.principals?.Federated ?? [];
    const oidc = federated.find((p) => p.includes(":oidc-provider/") || view.referenced(p)?.type === "aws_iam_openid_connect_provider");
    if (oidc) {
      const claim = (name: string) =>
        Object.entries(s.conditions).flatMap(([op, byKey]) =>
          Object.entries(byKey)
            .filter(([k]) => k.endsWith(`:${name}`))
            .map(([k, v]) => ({ op, values: v, issuer: k.slice(0, -`:${name}`.length) })),
        );
      const subs = claim("sub");
      const auds = claim("aud");
      const accounts = subs.flatMap((c) => c.values).map((v) => v.replace(/^system:serviceaccount:/, "").replace(":", "/"));
      const loose = [...subs, ...auds].filter((c) => c.op !== "StringEquals").map((c) => c.op);
      return {
        workload: accounts.length > 0 ? accounts.map((a) => `k8s ${a}`).join(", ") : `role ${roleName}`,
        authentication:
          // The issuer is the cluster's (kubernetes.clusters): a reviewer sees which cluster's tokens the role trusts.
          `IRSA: token of ${[...new Set(subs.map((c) => c.issuer))].join(", ") || "any issuer"} for ${subs.flatMap((c) => c.values).join(", ") || "any service account"}` +
          ` (aud ${auds.flatMap((c) => c.values).join(", ") || "any"}${loose.length ? `; ${[...new Set(loose)].join(", ")}` : ""}) assumes role ${roleName}`,
      };
    }
    if ((s.principals?.Service ?? []).includes("lambda.amazonaws.com")) {
      const fns = view
        .ofType("aws_lambda_function")
        .filter((f) => references(f.attributes.role).some((r) => r.address === role.address))
        .map((f) => literal(f.attributes.function_name) ?? f.address);
      return {
        workload: fns.length > 0 ? fns.map((f) => `lambda ${f}`).join(", ") : `role ${roleName}`,
        authentication: `Lambda execution role ${roleName}`,
      };
    }
  }
  return { workload: `role ${roleName}`, authentication: `assumed by ${statements.map((s) => JSON.stringify(s.principals)).join(", ") || "nobody in this stack"}` };
}

/** The principals a secret policy's read-deny leaves out: a Deny of GetSecretValue for "*" except aws:PrincipalArn. */
export function readDenyExceptions(view: SynthesizedStack, policy: unknown): string[] | undefined {
  const read = readIamPolicy(policy, view);
  if ("error" in read) return undefined;
  for (const s of read.statements) {
    const everyone = Object.values(s.principals ?? {}).some((ids) => ids.includes("*"));
    if (s.effect !== "Deny" || !everyone || !s.actions.some((a) => /^secretsmanager:(GetSecretValue|\*|Get\*)$/i.test(a))) continue;
    const entries = Object.entries(s.conditions).flatMap(([op, byKey]) => Object.entries(byKey).map(([k, v]) => ({ op, k, v })));
    if (entries.every((e) => /^(Arn|String)Not(Like|Equals)$/.test(e.op) && e.k.toLowerCase() === "aws:principalarn")) return entries.flatMap((e) => e.v);
  }
  return undefined;
}

/** Every secret of the AWS stacks with the principals its resource policy lets read (undefined: no read-deny). */
export function awsReadGuards(stacks: readonly ReviewedStack[]): AwsReadGuard[] {
  return stacks
    .filter((s) => s.backend === "aws")
    .flatMap((s) => {
      const view = fromJson(s.json, s.name);
      return view.ofType("aws_secretsmanager_secret").map((secret) => {
        const policy = view.ofType("aws_secretsmanager_secret_policy").find((p) => references(p.attributes.secret_arn).some((r) => r.address === secret.address));
        return { secret: literal(secret.attributes.name) ?? secret.address, stack: s.name, readers: policy ? readDenyExceptions(view, policy.attributes.policy) : undefined };
      });
    })
    .sort((a, b) => a.secret.localeCompare(b.secret));
}

/**
 * Principals a secret's read-deny lets read that are not roles of this stack: break-glass roles, whose IAM
 * policies live elsewhere. They read only if their own IAM policy allows it too.
 */
function breakGlassAccess(view: SynthesizedStack, stack: string): AccessRow[] {
  const ownRoles = new Set(view.ofType("aws_iam_role").map((r) => literal(r.attributes.name)).filter(Boolean));
  const rows: AccessRow[] = [];
  for (const p of view.ofType("aws_secretsmanager_secret_policy")) {
    const secret = view.referenced(p.attributes.secret_arn);
    const name = literal(secret?.attributes.name) ?? String(p.attributes.secret_arn);
    for (const arn of readDenyExceptions(view, p.attributes.policy) ?? []) {
      const roleName = /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
      if (roleName && ownRoles.has(roleName)) continue;
      rows.push({
        workload: `break-glass ${arn}`,
        secret: name,
        backend: "aws",
        stack,
        permission: "read (GetSecretValue, excepted from the secret's read-deny)",
        authentication: "its own IAM policy, managed outside this stack, must also allow it",
      });
    }
  }
  return rows;
}

function awsAccess(view: SynthesizedStack, stack: string): AccessRow[] {
  return [...roleAccess(view, stack), ...breakGlassAccess(view, stack)];
}

function roleAccess(view: SynthesizedStack, stack: string): AccessRow[] {
  const rows = new Map<string, { row: Omit<AccessRow, "permission">; actions: Set<string> }>();
  for (const role of view.ofType("aws_iam_role")) {
    const who = awsPrincipal(view, role);
    for (const policy of rolePolicies(view, role)) {
      const read = readIamPolicy(policy, view);
      if ("error" in read) continue;
      for (const s of read.statements) {
        if (s.effect !== "Allow") continue;
        const actions = s.actions.filter((a) => /^secretsmanager:/i.test(a) && !/^secretsmanager:GetRandomPassword$/i.test(a));
        if (actions.length === 0) continue;
        for (const r of s.resources) {
          const secret = awsSecretOf(view, r);
          if (!secret) continue;
          const key = `${who.workload}|${secret}`;
          const entry = rows.get(key) ?? { row: { workload: who.workload, secret, backend: "aws", stack, authentication: who.authentication }, actions: new Set() };
          actions.forEach((a) => entry.actions.add(a));
          rows.set(key, entry);
        }
      }
    }
  }
  return [...rows.values()].map(({ row, actions }) => ({ ...row, permission: awsPermission([...actions]) }));
}

// ---------------------------------------------------------------- Vault

/** The policies a token from this role gets: references to vault_policy resources, or literal names. */
function vaultPoliciesOf(view: SynthesizedStack, role: SynthesizedResource): SynthesizedResource[] {
  const policies = view.ofType("vault_policy");
  return asList(role.attributes.token_policies).flatMap((p: unknown) => {
    const ref = view.referenced(p);
    if (ref?.type === "vault_policy") return [ref];
    return policies.filter((x) => x.attributes.name === p);
  });
}

function vaultMountPath(view: SynthesizedStack, backend: unknown): string {
  return literalValue(view, backend) ?? String(backend ?? "?");
}

function vaultAccess(view: SynthesizedStack, stack: string): AccessRow[] {
  const logins: { role: SynthesizedResource; workload: string; authentication: string }[] = [];
  for (const role of view.ofType("vault_kubernetes_auth_backend_role")) {
    const namespaces = asList(role.attributes.bound_service_account_namespaces).map(String);
    const names = asList(role.attributes.bound_service_account_names).map(String);
    const accounts = namespaces.flatMap((ns) => names.map((n) => `k8s ${ns}/${n}`));
    logins.push({
      role,
      workload: accounts.join(", ") || `vault role ${role.attributes.role_name}`,
      authentication: `Vault Kubernetes auth: role ${role.attributes.role_name} at auth/${vaultMountPath(view, role.attributes.backend)} (aud ${role.attributes.audience ?? "any"}, token ttl ${role.attributes.token_ttl ?? "default"}s)`,
    });
  }
  for (const role of view.ofType("vault_approle_auth_backend_role")) {
    const cidrs = asList(role.attributes.secret_id_bound_cidrs).map(String);
    logins.push({
      role,
      workload: `approle ${role.attributes.role_name}`,
      authentication:
        `Vault AppRole: role ${role.attributes.role_name} at auth/${vaultMountPath(view, role.attributes.backend)} (role id + secret id, secret id ttl ${role.attributes.secret_id_ttl ?? "default"}s` +
        `${cidrs.length ? `, from ${cidrs.join(", ")}` : ", from any address"})`,
    });
  }
  const rows = new Map<string, { row: Omit<AccessRow, "permission">; parts: Map<string, Set<string>> }>();
  for (const login of logins) {
    for (const policy of vaultPoliciesOf(view, login.role)) {
      const read = readVaultPolicy(policy.attributes.policy, view);
      if ("error" in read) continue;
      for (const rule of read.rules) {
        const { secret, part } = vaultSecretOf(rule.path);
        const key = `${login.workload}|${secret}`;
        const entry = rows.get(key) ?? {
          row: { workload: login.workload, secret, backend: "vault", stack, authentication: `${login.authentication}, policy ${policy.attributes.name}` },
          parts: new Map(),
        };
        const caps = entry.parts.get(part) ?? new Set<string>();
        rule.capabilities.forEach((c) => caps.add(c));
        entry.parts.set(part, caps);
        rows.set(key, entry);
      }
    }
  }
  return [...rows.values()].map(({ row, parts }) => ({ ...row, permission: vaultPermission(parts) }));
}

/**
 * KV v2 data/ and metadata/ paths name one secret; creds/ paths name dynamic credentials, static-creds/ a static
 * role's, and sign|hmac|verify|keys/<key> (sign|hmac|verify also with /<hash>) one transit signing key (one row per
 * key, whatever endpoints are granted).
 */
function vaultSecretOf(path: string): { secret: string; part: string } {
  const s = path.split("/");
  if (s.length >= 3 && (s[1] === "data" || s[1] === "metadata")) return { secret: s.slice(2).join("/"), part: s[1] };
  if (s.length === 3 && s[1] === "creds") return { secret: `${path} (dynamic credentials)`, part: "creds" };
  if (s.length === 3 && s[1] === "static-creds") return { secret: `${path} (static role)`, part: "static-creds" };
  if (s.length === 3 && ["sign", "hmac", "verify", "keys"].includes(s[1])) return { secret: `${s[0]}/keys/${s[2]} (transit signing key)`, part: s[1] };
  // The same endpoints with the hash as the last segment (sign/<key>/sha2-256): the same key, the same row.
  if (s.length === 4 && ["sign", "hmac", "verify"].includes(s[1])) return { secret: `${s[0]}/keys/${s[2]} (transit signing key)`, part: s[1] };
  return { secret: path, part: "path" };
}

function vaultPermission(parts: Map<string, Set<string>>): string {
  const all = [...parts.values()].flatMap((c) => [...c]);
  const onlyRead = all.every((c) => c === "read" || c === "list");
  const detail = [...parts].map(([part, caps]) => `${part}: ${[...caps].join(", ")}`).join("; ");
  // Transit's sign, hmac and verify are updates that return a signature, never the key: say so, not "write".
  const signs = (parts.has("sign") || parts.has("hmac")) && [...parts.keys()].every((p) => ["sign", "hmac", "verify", "keys"].includes(p));
  return `${signs ? "sign" : onlyRead ? "read" : "write"} (${detail})`;
}

// ---------------------------------------------------------------- Azure

function azurePrincipal(view: SynthesizedStack, assignment: SynthesizedResource): { workload: string; authentication: string } {
  const principal = assignment.attributes.principal_id;
  const ref = wholeReference(principal);
  if (ref?.data && ref.type === "azurerm_client_config") {
    return { workload: "deployer (Terraform's credentials)", authentication: "whatever identity runs Terraform (az login, service principal or managed identity)" };
  }
  const identity = view.referenced(principal);
  if (identity?.type === "azurerm_user_assigned_identity") {
    const creds = view
      .ofType("azurerm_federated_identity_credential")
      .filter((c) => references(c.attributes.parent_id).some((r) => r.address === identity.address));
    const subjects = creds.map((c) => String(c.attributes.subject));
    const accounts = subjects.map((sub) => sub.replace(/^system:serviceaccount:/, "").replace(":", "/"));
    const name = literal(identity.attributes.name) ?? identity.address;
    // A function app running as the identity (the Azure rotation function) is the principal people recognize.
    const app = view
      .ofType("azurerm_function_app_flex_consumption")
      .find((f) => blocks(f.attributes.identity).some((i) => asList(i.identity_ids).some((id) => references(id).some((r) => r.address === identity.address))));
    if (creds.length === 0 && app) {
      const appName = literal(app.attributes.name) ?? app.address;
      return { workload: `function ${appName}`, authentication: `Azure Function app ${appName} runs as managed identity ${name}` };
    }
    return {
      workload: accounts.length > 0 ? accounts.map((a) => `k8s ${a}`).join(", ") : `identity ${name}`,
      authentication:
        creds.length > 0
          ? `workload identity: token of ${[...new Set(creds.map((c) => String(c.attributes.issuer)))].join(", ")} for ${subjects.join(", ")} (aud ${creds.flatMap((c) => asList(c.attributes.audience)).join(", ")}) federated to managed identity ${name}`
          : `managed identity ${name} (no federated credential in this stack)`,
    };
  }
  return { workload: `principal ${principal}`, authentication: `principal ${principal} (${assignment.attributes.principal_type ?? "type not given"})` };
}

function azureSecretOf(view: SynthesizedStack, scope: unknown): string {
  const target = view.referenced(scope);
  if (target?.type === "azurerm_key_vault_secret") {
    const shown = literal(target.attributes.tags?.path) ?? `${literal(target.attributes.name) ?? target.address}`;
    // A rotation's companion (contracts/azure-rotation.ts) holds the secret's pending value: say so beside its path.
    return target.attributes.tags?.[AZURE_PENDING_FOR_TAG] === undefined ? shown : `${shown} (pending value)`;
  }
  if (target?.type === "azurerm_key_vault") return `* (every secret in ${literal(target.attributes.name) ?? target.address})`;
  if (target) return `* (everything in ${target.type} ${literal(target.attributes.name) ?? target.name})`;
  return String(scope);
}

/** A rotation function's roles on its own storage containers and telemetry: no way to a secret, so not a row. */
const NOT_SECRET_SCOPES = new Set(["azurerm_storage_container", "azurerm_application_insights"]);

function azureAccess(view: SynthesizedStack, stack: string): AccessRow[] {
  const rows = view.ofType("azurerm_role_assignment").filter((a) => !NOT_SECRET_SCOPES.has(view.referenced(a.attributes.scope)?.type ?? ""));
  return rows.map((a) => ({
    ...azurePrincipal(view, a),
    secret: azureSecretOf(view, a.attributes.scope),
    backend: "azure" as const,
    stack,
    permission: azurePermission(String(a.attributes.role_definition_name ?? a.attributes.role_definition_id ?? "?")),
  }));
}

/** Key Vault's data-plane roles by what they allow on secrets; other roles by name. */
function azurePermission(role: string): string {
  const kind: Record<string, string> = {
    "Key Vault Secrets User": "read",
    "Key Vault Reader": "metadata only",
    "Key Vault Secrets Officer": "manage",
    "Key Vault Administrator": "administer",
  };
  return kind[role] ? `${kind[role]} (${role})` : role;
}
