// What a change does, for the person who approves it: the review of one environment's synthesized stacks before and
// after, reduced to the lines that matter, risky first (secrets deleted, access gained and lost, trust, rotation,
// exposure, guardrails), then every resource by address. Pure: stacks and reviews in, lines out.
import { readIamPolicy } from "../../constructs/guardrails/iam-policy";
import { asList, fromJson, literalValue, references } from "../../constructs/guardrails/synthesized";
import type { StackJson } from "../../constructs/guardrails/synthesized";
import { classifyActions } from "./changes";
import type { AccessRow, Backend, ExposureRow, Review, ReviewedStack, RotationRow } from "./model";
import { stackMoves } from "./moves";
import type { TerraformPlan } from "../terraform-offline";

/** What kind of change a line reports, in the order a reviewer reads them: the riskiest first. */
export const CHANGE_KINDS = ["delete", "replace", "key", "access-gained", "access-lost", "trust", "rotation", "network", "guardrail", "move"] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface ChangeLine {
  readonly kind: ChangeKind;
  readonly text: string;
}

export interface ResourceChange {
  readonly stack: string;
  readonly address: string;
  readonly action: "create" | "update" | "replace" | "delete";
}

/** An edge of the access diagram that the change adds or removes. */
export interface AccessEdge {
  readonly principal: string;
  readonly secret: string;
  readonly backend: Backend;
  readonly permission: string;
  readonly change: "added" | "removed";
}

export interface ChangeReview {
  readonly environment: string;
  /** What the change is compared with: a git ref, an output folder or a description file. */
  readonly base: string;
  readonly lines: readonly ChangeLine[];
  readonly resources: readonly ResourceChange[];
  /** Where the resource actions come from, per stack. */
  readonly resourceSource: Readonly<Record<string, "terraform plan" | "synthesized JSON">>;
  readonly edges: readonly AccessEdge[];
  readonly mermaid: string;
  /** True when no line is reported: nothing of secrets, access, trust, rotation, exposure or guardrails moved. */
  readonly noChange: boolean;
}

/** One side of the comparison: the environment's stacks (bootstrap-<env> included) and the review built from them. */
export interface ReviewSide {
  readonly stacks: readonly ReviewedStack[];
  readonly review: Review;
  /** Guardrail findings and suppressions as "<rule> at <path>" (suppressions with ": <reason>"). */
  readonly guardrails: GuardrailState;
}

export interface GuardrailState {
  readonly findings: readonly string[];
  /** undefined when the side's output does not list its suppressions one by one. */
  readonly suppressions?: readonly string[];
}

export interface DiffOptions {
  readonly environment: string;
  readonly base: string;
  /** `terraform show -json` of a saved plan, by stack name: its actions replace the JSON comparison for that stack. */
  readonly plans?: Readonly<Record<string, TerraformPlan>>;
}

export function diffEnvironment(before: ReviewSide, after: ReviewSide, options: DiffOptions): ChangeReview {
  const lines: ChangeLine[] = [];
  const add = (kind: ChangeKind, text: string) => lines.push({ kind, text });

  // Secrets and keys that go away or are replaced; a secret that moves to another stack of the environment is
  // neither (the moves are reported below).
  const secretsBefore = secretInventory(before.stacks);
  const secretsAfter = secretInventory(after.stacks);
  for (const [key, s] of secretsBefore) {
    const now = secretsAfter.get(key);
    if (!now && !renamedAt(secretsAfter, s)) add(s.kind === "key" ? "key" : "delete", `${s.label} will be ${s.kind === "key" ? "scheduled for deletion" : "deleted"} (${s.recovery})`);
  }
  for (const [, s] of secretsAfter) {
    const was = renamedAt(secretsBefore, s);
    if (was && !secretsAfter.has(was.key)) add("replace", `${was.label} will be replaced by ${s.label}: a new ${s.what} without the old one's value and versions (${was.recovery})`);
  }

  // Access gained and lost, per principal, secret, backend and permission.
  const accessBefore = keyedAccess(before.review.access);
  const accessAfter = keyedAccess(after.review.access);
  const edges: AccessEdge[] = [];
  for (const [key, a] of accessAfter) {
    if (accessBefore.has(key)) continue;
    add("access-gained", `${a.who} can now ${a.kind} ${a.row.secret} on ${a.row.backend}${a.detail}`);
    edges.push({ principal: a.who, secret: a.row.secret, backend: a.row.backend, permission: a.kind, change: "added" });
  }
  for (const [key, a] of accessBefore) {
    if (accessAfter.has(key)) continue;
    add("access-lost", `${a.who} can no longer ${a.kind} ${a.row.secret} on ${a.row.backend}`);
    edges.push({ principal: a.who, secret: a.row.secret, backend: a.row.backend, permission: a.kind, change: "removed" });
  }

  // Who each identity admits: IRSA subjects, federated credentials, Vault role bindings, CI subjects, break-glass.
  const trustBefore = trustOf(before.stacks);
  const trustAfter = trustOf(after.stacks);
  for (const [identity, admits] of trustAfter) {
    const was = trustBefore.get(identity);
    if (!was) {
      if (admits.size > 0) add("trust", `new identity ${identity} admits ${[...admits].join(", ")}`);
      continue;
    }
    const gained = [...admits].filter((x) => !was.has(x));
    const lost = [...was].filter((x) => !admits.has(x));
    if (gained.length > 0) add("trust", `the trust of ${identity} now admits ${gained.join(", ")}${lost.length > 0 ? ` instead of ${lost.join(", ")}` : ""}`);
    else if (lost.length > 0) add("trust", `the trust of ${identity} no longer admits ${lost.join(", ")}`);
  }
  for (const [identity, admits] of trustBefore) {
    if (!trustAfter.has(identity) && admits.size > 0) add("trust", `identity ${identity} is removed (it admitted ${[...admits].join(", ")})`);
  }
  // Break-glass roles: each may read every AWS secret of the environment, so one line each, not one per secret.
  const glassBefore = breakGlass(before.review.access);
  const glassAfter = breakGlass(after.review.access);
  for (const arn of glassAfter) if (!glassBefore.has(arn)) add("trust", `break-glass role ${arn} can now read every secret of the environment on aws`);
  for (const arn of glassBefore) if (!glassAfter.has(arn)) add("trust", `break-glass role ${arn} can no longer read the environment's secrets on aws`);

  // Rotation: mechanism, strategy and cadence of each secret that exists on both sides.
  const rotationBefore = keyedRotation(before.review.rotation);
  const rotationAfter = keyedRotation(after.review.rotation);
  for (const [key, r] of rotationAfter) {
    const was = rotationBefore.get(key);
    if (!was) continue;
    const at = `${r.secret} on ${r.backend}`;
    if (was.mechanism !== "none" && r.mechanism === "none") add("rotation", `${at} stops rotating (it rotated by ${was.mechanism}, ${was.cadence})`);
    else if (was.mechanism === "none" && r.mechanism !== "none") add("rotation", `${at} now rotates by ${r.mechanism}, ${r.cadence}`);
    else {
      if (was.mechanism !== r.mechanism) add("rotation", `${at} now rotates by ${r.mechanism} instead of ${was.mechanism}`);
      if (was.strategy !== r.strategy) add("rotation", `${at} now rotates with strategy ${r.strategy} instead of ${was.strategy}`);
      if (was.cadence !== r.cadence) {
        const [now, then] = withoutCommonTail(r.cadence, was.cadence);
        add("rotation", `${at} now rotates ${now} instead of ${then}`);
      }
    }
  }

  // Network exposure.
  const exposureBefore = keyedExposure(before.review.network);
  const exposureAfter = keyedExposure(after.review.network);
  for (const [key, e] of exposureAfter) {
    const was = exposureBefore.get(key);
    if (!was) add("network", `${e.resource} on ${e.backend}: ${e.exposure}${e.flagged ? ` (${e.flag ?? "exposed"})` : ""}`);
    else if (was.exposure !== e.exposure) add("network", `${e.resource} on ${e.backend} is now ${e.exposure} instead of ${was.exposure}${e.flagged ? ` (${e.flag ?? "exposed"})` : ""}`);
  }
  for (const [key, e] of exposureBefore) if (!exposureAfter.has(key)) add("network", `${e.resource} on ${e.backend} is removed (it was ${e.exposure})`);

  // Guardrails: findings that appear or go, suppressions added or removed (with their reasons).
  for (const f of after.guardrails.findings) if (!before.guardrails.findings.includes(f)) add("guardrail", `new guardrail finding ${f}`);
  for (const f of before.guardrails.findings) if (!after.guardrails.findings.includes(f)) add("guardrail", `guardrail finding ${f} is fixed`);
  if (before.guardrails.suppressions && after.guardrails.suppressions) {
    for (const s of after.guardrails.suppressions) if (!before.guardrails.suppressions.includes(s)) add("guardrail", `suppression added: ${s}`);
    for (const s of before.guardrails.suppressions) if (!after.guardrails.suppressions.includes(s)) add("guardrail", `suppression removed: ${s}`);
  }

  // Resources leaving one stack for another (a stack group split): their state must move first.
  const moves = stackMoves(jsonByStack(before.stacks), jsonByStack(after.stacks));
  const byPair = new Map<string, number>();
  for (const m of moves) byPair.set(`${m.from} -> ${m.to}`, (byPair.get(`${m.from} -> ${m.to}`) ?? 0) + 1);
  for (const [pair, n] of byPair) {
    const [from, to] = pair.split(" -> ");
    add("move", `${n} resource${n === 1 ? " moves" : "s move"} from ${from} to ${to}: move their state before deploying (npm run review shows the commands)`);
  }

  const { resources, resourceSource } = resourceChanges(before.stacks, after.stacks, options.plans ?? {});
  const sorted = lines.map((l, i) => ({ l, i })).sort((a, b) => CHANGE_KINDS.indexOf(a.l.kind) - CHANGE_KINDS.indexOf(b.l.kind) || a.i - b.i).map((x) => x.l);
  return {
    environment: options.environment,
    base: options.base,
    lines: sorted,
    resources,
    resourceSource,
    edges,
    mermaid: changeDiagram(edges),
    noChange: sorted.length === 0,
  };
}

// ---------------------------------------------------------------- secrets and keys

interface InventoryEntry {
  readonly key: string;
  readonly kind: "secret" | "key";
  /** What it is, for a line: "secret prod/legacy/smtp (aws)". */
  readonly label: string;
  readonly what: string;
  readonly recovery: string;
  readonly stack: string;
  readonly address: string;
}

const literal = (v: unknown): string | undefined => (typeof v === "string" && !v.includes("${") ? v : undefined);

/** The secrets and keys of the environment by backend and name, whatever stack holds them. */
function secretInventory(stacks: readonly ReviewedStack[]): Map<string, InventoryEntry> {
  const out = new Map<string, InventoryEntry>();
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    for (const r of view.ofType("aws_secretsmanager_secret")) {
      const name = literal(r.attributes.name) ?? r.address;
      const days = r.attributes.recovery_window_in_days;
      const recovery = days === 0 ? "deleted at once, not recoverable" : `recoverable for ${typeof days === "number" ? days : 30} days, its recovery window`;
      out.set(`aws:secret:${name}`, { key: `aws:secret:${name}`, kind: "secret", label: `secret ${name} (aws)`, what: "secret", recovery, stack: s.name, address: r.address });
    }
    for (const r of view.ofType("aws_kms_key")) {
      const alias = view.ofType("aws_kms_alias").find((a) => references(a.attributes.target_key_id).some((ref) => ref.address === r.address));
      const name = literal(alias?.attributes.name) ?? literal(r.attributes.description) ?? r.address;
      const days = r.attributes.deletion_window_in_days;
      out.set(`aws:key:${name}`, { key: `aws:key:${name}`, kind: "key", label: `KMS key ${name} (aws)`, what: "key", recovery: `the secrets it encrypts cannot be read once it is deleted; cancellable for ${typeof days === "number" ? days : 30} days, its deletion window`, stack: s.name, address: r.address });
    }
    const vaults = view.ofType("azurerm_key_vault");
    for (const r of view.ofType("azurerm_key_vault_secret")) {
      const name = literal(r.attributes.name) ?? r.address;
      const vault = view.referenced(r.attributes.key_vault_id) ?? vaults[0];
      const vaultName = literal(vault?.attributes.name) ?? "the environment's vault";
      const purge = vault?.attributes.purge_protection_enabled === true;
      const days = vault?.attributes.soft_delete_retention_days ?? 90;
      const recovery = `soft-deleted in ${vaultName}: recoverable for ${days} days${purge ? ", purge protection on" : ", and anyone with purge rights can purge it sooner"}`;
      // One vault per environment: a secret is known by its name, whichever stack (a group's) holds it.
      out.set(`azure:secret:${name}`, { key: `azure:secret:${name}`, kind: "secret", label: `secret ${name} in ${vaultName} (azure)`, what: "secret", recovery, stack: s.name, address: r.address });
    }
    for (const r of view.ofType("vault_transit_secret_backend_key")) {
      const name = literal(r.attributes.name) ?? r.address;
      const recovery = r.attributes.deletion_allowed === true ? "the key and every version are destroyed: signatures by it can no longer be verified" : "Vault refuses the delete while deletion_allowed is false, so the apply fails";
      out.set(`vault:key:${name}`, { key: `vault:key:${name}`, kind: "key", label: `transit key ${name} (vault)`, what: "key", recovery, stack: s.name, address: r.address });
    }
  }
  return out;
}

/** The entry of the other side with the same Terraform address and stack but another name: a rename, which replaces. */
function renamedAt(other: Map<string, InventoryEntry>, entry: InventoryEntry): InventoryEntry | undefined {
  for (const o of other.values()) if (o.address === entry.address && o.stack === entry.stack && o.key !== entry.key) return o;
  return undefined;
}

// ---------------------------------------------------------------- access

interface KeyedAccess {
  readonly row: AccessRow;
  /** The principal a reviewer recognises: the workload, with the identity it acts as. */
  readonly who: string;
  readonly kind: string;
  readonly detail: string;
}

/** The identity an access row is granted to: the role, Vault role or managed identity, which outlives its subjects. */
export function principalOf(row: AccessRow): string {
  const a = row.authentication;
  const match =
    /assumes role (\S+)/.exec(a) ??
    /Lambda execution role (\S+)/.exec(a) ??
    /managed identity (\S+)/.exec(a) ??
    /^Vault (?:Kubernetes auth|AppRole): role (\S+) at (auth\/\S+)/.exec(a);
  if (!match) return row.workload;
  return match[2] ? `vault role ${match[2]}/${match[1]}` : match[1];
}

const permissionKind = (permission: string) => permission.replace(/\s*\(.*$/, "");

const BREAK_GLASS = "break-glass ";
const breakGlass = (rows: readonly AccessRow[]) => new Set(rows.filter((r) => r.workload.startsWith(BREAK_GLASS)).map((r) => r.workload.slice(BREAK_GLASS.length)));

/** The access rows by principal, secret, backend and permission; break-glass roles are reported as trust instead. */
function keyedAccess(rows: readonly AccessRow[]): Map<string, KeyedAccess> {
  const out = new Map<string, KeyedAccess>();
  for (const row of rows.filter((r) => !r.workload.startsWith(BREAK_GLASS))) {
    const principal = principalOf(row);
    const kind = permissionKind(row.permission);
    const who = principal === row.workload ? row.workload : `${row.workload} (as ${principal})`;
    const detail = row.permission.includes("(") ? ` (${row.permission.replace(/^[^(]*\(/, "").replace(/\)$/, "")})` : "";
    out.set(`${principal}|${row.secret}|${row.backend}|${kind}`, { row, who, kind, detail });
  }
  return out;
}

// ---------------------------------------------------------------- trust

/** What each identity of the environment admits, by identity: "aws role <name>", "azure identity <name>", "vault role <mount>/<name>". */
export function trustOf(stacks: readonly ReviewedStack[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const admit = (identity: string, what: string) => {
    const set = out.get(identity) ?? new Set<string>();
    set.add(what);
    out.set(identity, set);
  };
  for (const s of stacks) {
    const view = fromJson(s.json, s.name);
    for (const role of view.ofType("aws_iam_role")) {
      const identity = `aws role ${literal(role.attributes.name) ?? role.address}`;
      out.set(identity, out.get(identity) ?? new Set());
      const trust = readIamPolicy(role.attributes.assume_role_policy, view);
      if ("error" in trust) continue;
      for (const st of trust.statements.filter((x) => x.effect === "Allow")) {
        const subjects = Object.values(st.conditions ?? {}).flatMap((byKey) => Object.entries(byKey).filter(([k]) => /:sub$/.test(k)).flatMap(([, v]) => v));
        for (const sub of subjects) admit(identity, `subject ${sub}`);
        if (subjects.length === 0) {
          for (const svc of st.principals?.Service ?? []) admit(identity, `service ${svc}`);
          for (const arn of st.principals?.AWS ?? []) admit(identity, `principal ${arn}`);
          for (const fed of st.principals?.Federated ?? []) admit(identity, `any subject of ${literalValue(view, fed) ?? fed}`);
        }
      }
    }
    for (const cred of view.ofType("azurerm_federated_identity_credential")) {
      const parent = view.referenced(cred.attributes.parent_id);
      const identity = `azure identity ${literal(parent?.attributes.name) ?? literal(cred.attributes.name) ?? cred.address}`;
      admit(identity, `subject ${literalValue(view, cred.attributes.subject) ?? cred.attributes.subject}`);
    }
    for (const role of view.ofType("vault_kubernetes_auth_backend_role")) {
      const mount = literalValue(view, role.attributes.backend) ?? String(role.attributes.backend);
      const identity = `vault role auth/${mount}/${role.attributes.role_name}`;
      out.set(identity, out.get(identity) ?? new Set());
      for (const ns of asList(role.attributes.bound_service_account_namespaces)) {
        for (const sa of asList(role.attributes.bound_service_account_names)) admit(identity, `service account ${ns}/${sa}`);
      }
    }
    for (const role of view.ofType("vault_jwt_auth_backend_role")) {
      const mount = literalValue(view, role.attributes.backend) ?? String(role.attributes.backend);
      const identity = `vault role auth/${mount}/${role.attributes.role_name}`;
      out.set(identity, out.get(identity) ?? new Set());
      const claims = { ...(role.attributes.bound_claims ?? {}), ...(role.attributes.bound_subject ? { sub: role.attributes.bound_subject } : {}) };
      for (const [claim, value] of Object.entries(claims)) admit(identity, `${claim} ${value}`);
    }
    for (const role of view.ofType("vault_approle_auth_backend_role")) {
      const mount = literalValue(view, role.attributes.backend) ?? String(role.attributes.backend);
      const cidrs = asList(role.attributes.secret_id_bound_cidrs).map(String);
      admit(`vault role auth/${mount}/${role.attributes.role_name}`, cidrs.length ? `secret ids from ${cidrs.join(", ")}` : "secret ids from any address");
    }
  }
  return out;
}

// ---------------------------------------------------------------- rotation, exposure

/** Two descriptions without the comma-separated parts they end with alike: "every 14 days, on X" vs "every 7 days, on X". */
function withoutCommonTail(a: string, b: string): [string, string] {
  const x = a.split(", ");
  const y = b.split(", ");
  while (x.length > 1 && y.length > 1 && x.at(-1) === y.at(-1)) {
    x.pop();
    y.pop();
  }
  return [x.join(", "), y.join(", ")];
}

/** An exposure row's resource without the count some rows carry ("Secret resource policies (3)"): a count is not exposure. */
const exposureResource = (resource: string) => resource.replace(/\s*\(\d+\)$/, "");

const keyedRotation = (rows: readonly RotationRow[]) => new Map(rows.map((r) => [`${r.secret}|${r.backend}`, r] as const));
const keyedExposure = (rows: readonly ExposureRow[]) => new Map(rows.map((r) => [`${r.backend}|${exposureResource(r.resource)}`, { ...r, resource: exposureResource(r.resource) }] as const));

// ---------------------------------------------------------------- resources

const jsonByStack = (stacks: readonly ReviewedStack[]): Record<string, StackJson> => Object.fromEntries(stacks.map((s) => [s.name, s.json]));

/** A resource's configuration without cdktf's metadata, for comparing two syntheses. */
function configurationOf(body: unknown): string {
  const { "//": _metadata, ...rest } = (body ?? {}) as Record<string, unknown>;
  return JSON.stringify(rest);
}

function resourcesOf(json: StackJson): Map<string, string> {
  const out = new Map<string, string>();
  for (const [type, byName] of Object.entries(json.resource ?? {})) {
    for (const [name, body] of Object.entries(byName ?? {})) out.set(`${type}.${name}`, configurationOf(body));
  }
  return out;
}

/** Per stack, by address: from a saved plan where one is given, else by comparing the two synthesized configurations. */
function resourceChanges(
  before: readonly ReviewedStack[],
  after: readonly ReviewedStack[],
  plans: Readonly<Record<string, TerraformPlan>>,
): { resources: ResourceChange[]; resourceSource: Record<string, "terraform plan" | "synthesized JSON"> } {
  const resources: ResourceChange[] = [];
  const resourceSource: Record<string, "terraform plan" | "synthesized JSON"> = {};
  const names = [...new Set([...before.map((s) => s.name), ...after.map((s) => s.name)])].sort();
  for (const stack of names) {
    const plan = plans[stack];
    if (plan) {
      resourceSource[stack] = "terraform plan";
      for (const rc of plan.resource_changes ?? []) {
        if ((rc as { mode?: string }).mode === "data") continue;
        const action = classifyActions(rc.change.actions);
        if (action === "create" || action === "update" || action === "replace" || action === "delete") resources.push({ stack, address: rc.address, action });
      }
      continue;
    }
    resourceSource[stack] = "synthesized JSON";
    const was = resourcesOf(before.find((s) => s.name === stack)?.json ?? {});
    const now = resourcesOf(after.find((s) => s.name === stack)?.json ?? {});
    for (const [address, config] of now) {
      if (!was.has(address)) resources.push({ stack, address, action: "create" });
      else if (was.get(address) !== config) resources.push({ stack, address, action: "update" });
    }
    for (const address of was.keys()) if (!now.has(address)) resources.push({ stack, address, action: "delete" });
  }
  return { resources, resourceSource };
}

// ---------------------------------------------------------------- diagram

const mermaidLabel = (text: string) => `"${text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")}"`;

/** Only the access edges the change adds (solid) or removes (dotted, crossed out in the label). */
export function changeDiagram(edges: readonly AccessEdge[]): string {
  if (edges.length === 0) return "";
  const principals = [...new Set(edges.map((e) => e.principal))].sort();
  const secrets = [...new Set(edges.map((e) => e.secret))].sort();
  const p = new Map(principals.map((x, i) => [x, `p${i}`]));
  const s = new Map(secrets.map((x, i) => [x, `s${i}`]));
  const lines = ["flowchart LR"];
  for (const x of principals) lines.push(`  ${p.get(x)}[${mermaidLabel(x)}]`);
  for (const x of secrets) lines.push(`  ${s.get(x)}[(${mermaidLabel(x)})]`);
  for (const e of edges) {
    const text = mermaidLabel(`${e.change === "added" ? "+" : "-"} ${e.backend}: ${e.permission}`);
    lines.push(e.change === "added" ? `  ${p.get(e.principal)} ==>|${text}| ${s.get(e.secret)}` : `  ${p.get(e.principal)} -.->|${text}| ${s.get(e.secret)}`);
  }
  return lines.join("\n");
}
