// A typed model of a Vault ACL policy, rendered to HCL. Policies are built from rules, never from
// hand-written strings, so that what a workload may do can be checked before it reaches Vault.

/** A Vault ACL capability. */
export type PolicyCapability =
  | "create"
  | "read"
  | "update"
  | "patch"
  | "delete"
  | "list"
  | "sudo"
  | "deny"
  | "subscribe"
  | "recover";

/** Vault's own order, so that a rendered policy does not change when rules are added in another order. */
const CAPABILITY_ORDER: readonly PolicyCapability[] = [
  "create",
  "read",
  "update",
  "patch",
  "delete",
  "list",
  "sudo",
  "deny",
  "subscribe",
  "recover",
];

/** One `path "..." { capabilities = [...] }` block. */
export interface PolicyRule {
  /** An exact path relative to the namespace, e.g. secret/data/dev/myapp/jwt. */
  readonly path: string;
  readonly capabilities: readonly PolicyCapability[];
}

export interface PolicyDocumentOptions {
  /**
   * Allow glob (`*`) and segment (`+`) wildcards in paths.
   * @default false - every path names exactly one secret or endpoint
   */
  readonly allowWildcards?: boolean;
  /**
   * Path prefixes (first segment) that no rule may touch.
   * @default ["sys", "auth", "identity"] - workloads never administer Vault
   */
  readonly forbiddenPrefixes?: readonly string[];
  /**
   * Capabilities that no rule may grant.
   * @default ["sudo"]
   */
  readonly forbiddenCapabilities?: readonly PolicyCapability[];
}

const SEGMENT = /^[A-Za-z0-9_.@-]+$/;
const WILDCARD_SEGMENT = /^([A-Za-z0-9_.@-]*\*?|\+)$/;

export class PolicyDocument {
  private readonly rules = new Map<string, Set<PolicyCapability>>();
  private readonly allowWildcards: boolean;
  private readonly forbiddenPrefixes: readonly string[];
  private readonly forbiddenCapabilities: readonly PolicyCapability[];

  constructor(options: PolicyDocumentOptions = {}) {
    this.allowWildcards = options.allowWildcards ?? false;
    this.forbiddenPrefixes = options.forbiddenPrefixes ?? ["sys", "auth", "identity"];
    this.forbiddenCapabilities = options.forbiddenCapabilities ?? ["sudo"];
  }

  /** Adds a rule; capabilities on a path already present are merged. Throws on a path or capability the options forbid. */
  addRule(rule: PolicyRule): void {
    this.checkPath(rule.path);
    if (rule.capabilities.length === 0) throw new Error(`policy rule for ${rule.path} grants no capability; give at least one`);
    for (const c of rule.capabilities) {
      if (!CAPABILITY_ORDER.includes(c)) throw new Error(`policy rule for ${rule.path}: unknown capability "${c}"`);
      if (this.forbiddenCapabilities.includes(c)) throw new Error(`policy rule for ${rule.path}: capability "${c}" is not allowed in this policy`);
    }
    const caps = this.rules.get(rule.path) ?? new Set<PolicyCapability>();
    rule.capabilities.forEach((c) => caps.add(c));
    this.rules.set(rule.path, caps);
  }

  /** The rules, in the order their paths were first added, capabilities in Vault's order. */
  get ruleList(): PolicyRule[] {
    return [...this.rules].map(([path, caps]) => ({
      path,
      capabilities: CAPABILITY_ORDER.filter((c) => caps.has(c)),
    }));
  }

  get isEmpty(): boolean {
    return this.rules.size === 0;
  }

  /** The policy as HCL, ready for vault_policy.policy. */
  render(comment?: string): string {
    const header = comment ? [comment.split("\n").map((l) => `# ${l}`.trimEnd()).join("\n")] : [];
    const blocks = this.ruleList.map(
      (r) => `path ${JSON.stringify(r.path)} {\n  capabilities = [${r.capabilities.map((c) => JSON.stringify(c)).join(", ")}]\n}`,
    );
    return [...header, ...blocks].join("\n\n") + "\n";
  }

  private checkPath(path: string): void {
    if (typeof path !== "string" || path.length === 0) throw new Error("policy rule path is empty");
    const segments = path.split("/");
    const valid = this.allowWildcards ? WILDCARD_SEGMENT : SEGMENT;
    if (path.startsWith("/") || segments.some((s) => s === "" || s === "." || s === ".." || !valid.test(s))) {
      throw new Error(
        `policy rule path "${path}" is invalid: use segments of letters, digits, _ . @ - separated by single slashes` +
          (this.allowWildcards ? "" : ", without wildcards (* or +)"),
      );
    }
    if (this.forbiddenPrefixes.includes(segments[0])) {
      throw new Error(`policy rule path "${path}" is under ${segments[0]}/, which this policy may not touch`);
    }
  }
}
