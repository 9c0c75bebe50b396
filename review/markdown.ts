// The review as Markdown, for a person to read before deploying (cdktf.out/review/<env>.md).
import type { ChangeReview } from "./diff";
import type { Review } from "./model";

/** A table cell: pipes escaped, newlines flattened. */
function cell(v: unknown): string {
  return String(v ?? "").replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(header: string[], rows: unknown[][]): string[] {
  if (rows.length === 0) return ["_None._"];
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`)];
}

export function renderMarkdown(review: Review, change?: ChangeReview): string {
  const out: string[] = [];
  const findings = review.guardrails.flatMap((g) => g.findings);
  out.push(`# Review of environment \`${review.environment}\`${review.production ? " (production)" : ""}`, "");
  out.push(
    review.passed
      ? "**Guardrails: passed.** Every rule passed or is suppressed with a written reason (listed below)."
      : `**Guardrails: FAILED** with ${findings.length} finding${findings.length === 1 ? "" : "s"}; synth and deploy are blocked until they are fixed.`,
    "",
  );
  if (change) out.push(...renderChange(change), "");

  out.push("## Changes per stack", "");
  out.push(
    ...table(
      ["Stack", "Source", "Create", "Update", "Replace", "Delete", "Risky"],
      review.changes.map((c) => [c.stack, c.source, c.counts.create, c.counts.update, c.counts.replace, c.counts.delete, c.risky.length ? `**${c.risky.length}**` : "0"]),
    ),
    "",
  );
  for (const c of review.changes.filter((x) => x.note)) out.push(`- \`${c.stack}\`: ${c.note}`);
  for (const c of review.changes.filter((x) => x.imports)) out.push(`- \`${c.stack}\`: **${c.imports} import${c.imports === 1 ? "" : "s"}** of existing secrets, not counted as creates (see Adopted secrets).`);
  const risky = review.changes.flatMap((c) => c.risky.map((r) => ({ ...r, stack: c.stack })));
  if (risky.length > 0) {
    out.push("", "**Risky changes** (a secret, key or vault is replaced or deleted):", "");
    out.push(...table(["Stack", "Address", "Action", "What is lost"], risky.map((r) => [r.stack, `\`${r.address}\``, `**${r.action}**`, r.why])));
  }
  out.push("");

  if (review.adoptions && review.adoptions.length > 0) {
    out.push("## Adopted secrets", "", "Existing secrets the stacks take over instead of creating: their values are never read or written by Terraform.", "");
    out.push(...table(["Secret", "Backend", "Existing", "How", "Warnings"], review.adoptions.map((a) => [`\`${a.secret}\``, a.backend, `\`${a.existing}\``, a.how, a.warnings.join("<br>")])), "");
  }

  if (review.moves && review.moves.length > 0) {
    out.push("## Moves between stacks", "");
    out.push(
      "These resources leave one stack and arrive in another since the previous synth (an application changed stack group).",
      "Each stack has its own state, so Terraform alone would destroy them in the old stack and create them anew in the other,",
      "losing secret values and versions. Move their state first, with the commands below, then deploy both stacks: their plans then",
      "show no change for them.",
      "",
    );
    for (const m of review.moves) {
      out.push(`### \`${m.from}\` → \`${m.to}\`: ${m.addresses.length} resource${m.addresses.length === 1 ? "" : "s"}`, "", "```sh", ...m.commands, "```", "");
    }
  }

  out.push("## Access matrix", "", "Derived from the synthesized IAM roles and policies, Vault roles and policies, and Azure role assignments: what will really be granted.", "");
  out.push(...table(["Workload", "Secret", "Backend", "Permission", "Authenticates with"], review.access.map((r) => [r.workload, `\`${r.secret}\``, r.backend, r.permission, r.authentication])), "");
  const guards = review.awsReadGuards;
  if (guards.length > 0) {
    const open = guards.filter((g) => g.readers === undefined);
    const breakGlass = [...new Set(review.access.filter((r) => r.backend === "aws" && r.workload.startsWith("break-glass ")).map((r) => r.workload.slice("break-glass ".length)))];
    out.push(
      open.length === 0
        ? "**AWS: nothing else can read.** Each secret's resource policy denies `secretsmanager:GetSecretValue` to every principal not listed above for it, whatever its IAM policy grants (an administrator's `secretsmanager:*` included). " +
          "Whoever deploys these stacks (the CI deployer of bootstrap-<env>, where there is one) is not listed, so it is denied too; it can still change these policies and roles, so deploy rights count as read rights in an audit."
        : `**AWS: anyone whose IAM policy allows it can read** ${open.map((g) => `\`${g.secret}\``).join(", ")}: ${open.length === 1 ? "its" : "their"} resource policy has no read-deny.`,
      "",
      `Break-glass roles: ${breakGlass.length ? breakGlass.map((b) => `\`${b}\``).join(", ") : "none"}.`,
      "",
    );
  }

  out.push("## Who can read what", "", "```mermaid", review.mermaid, "```", "");

  out.push("## Rotation", "");
  const unrotated = review.rotation.filter((r) => r.finding);
  out.push(
    unrotated.length === 0
      ? "Every rotatable secret rotates on every backend that holds it."
      : `**${unrotated.length} rotatable secret${unrotated.length === 1 ? "" : "s"} with no rotation where ${unrotated.length === 1 ? "it is" : "they are"} placed:** ${unrotated.map((r) => `\`${r.secret}\` on ${r.backend}`).join(", ")}.`,
    "",
  );
  out.push(
    ...table(
      // A Vault database role's connection (host and database): with several connections, which database it serves.
      ["Secret", "Backend", "Type", "Mechanism", "Strategy", "Cadence", "Database connection", "Flag"],
      review.rotation.map((r) => [`\`${r.secret}\``, r.backend, r.type, r.mechanism, r.strategy, r.cadence, r.connection ?? "", r.finding ? "**not rotated**" : "ok"]),
    ),
    "",
  );

  out.push("## Alerts", "");
  const alerts = review.alerts ?? [];
  const unheard = alerts.filter((a) => a.flag);
  out.push(
    alerts.length === 0
      ? "**No alerts:** nobody is told of refused reads or of policy, key and role changes made outside the pipeline ([docs/alerts.md](../../docs/alerts.md))."
      : unheard.length === 0
        ? "Every alert has a destination. A topic the stack creates has no subscriber until the team subscribes to it."
        : `**${unheard.length} alert${unheard.length === 1 ? "" : "s"} that tell nobody:** ${unheard.map((a) => `\`${a.alert}\``).join(", ")}.`,
    "",
  );
  if (alerts.length > 0) {
    out.push(...table(["Stack", "Alert", "Watches", "Goes to", "Flag"], alerts.map((a) => [a.stack, `\`${a.alert}\``, a.watches, a.destination, a.flag ? `**${a.flag}**` : "ok"])), "");
  }

  out.push("## Kubernetes", "", "What the kubernetes stack builds per workload: how its pods get secrets, and which native Secrets hold copies.", "");
  out.push(
    ...table(
      ["Workload", "Service account", "Delivery", "Identities", "Store", "Secrets synced or rendered", "Flag"],
      review.kubernetes.map((k) => [k.workload, k.serviceAccount, k.delivery, k.identities.join(", ") || "-", k.store, k.secrets.join("; ") || "-", k.flag ? `**${k.flag}**` : "ok"]),
    ),
    "",
  );

  if (review.pipeline) {
    out.push(
      `## CI identities (\`${review.pipeline.stack}\`)`,
      "",
      `What the pipeline becomes: applied once by a person, never by CI. The deployer applies the saved plans after the GitHub environment's reviewers approve; the planner plans pull requests and main, read-only.`,
      "",
    );
    out.push(
      ...table(
        ["Backend", "Identity", "Kind", "Trusted token subjects", "May do"],
        review.pipeline.identities.map((r) => [r.backend, `\`${r.identity}\``, r.kind, r.trusts.map((t) => `\`${t}\``).join("<br>"), r.rights.join("<br>")]),
      ),
      "",
    );
  }

  out.push("## Network exposure", "");
  out.push(...table(["Backend", "Resource", "Exposure", "Flag"], review.network.map((r) => [r.backend, r.resource, r.exposure, r.flagged ? `**${r.flag ?? "exposed"}**` : "ok"])), "");

  out.push("## Guardrails", "");
  out.push(
    ...table(
      ["Stack", "Rules", "Findings", "Suppressed"],
      review.guardrails.map((g) => [g.stack, g.ruleIds.length, g.findings.length, g.suppressed.length]),
    ),
    "",
  );
  if (findings.length > 0) {
    out.push("### Findings", "");
    out.push(...table(["Rule", "Construct", "Finding", "Fix"], findings.map((f) => [f.ruleId, `\`${f.path}\``, f.message, f.fix])), "");
  }
  out.push("### Suppressions", "");
  const suppressions = review.guardrails.flatMap((g) => g.suppressions);
  out.push(
    ...table(
      ["Rule", "Construct", "Reason", "Suppressed findings", "Status"],
      suppressions.map((s) => [s.ruleId, `\`${s.path}\``, s.reason || "(none)", s.matched, s.problem ? `rejected: ${s.problem}` : s.matched === 0 ? "unused" : "accepted"]),
    ),
    "",
  );
  const suppressed = review.guardrails.flatMap((g) => g.suppressed);
  if (suppressed.length > 0) {
    out.push("Findings accepted by a suppression:", "");
    out.push(...table(["Rule", "Construct", "Finding", "Suppressed at"], suppressed.map((f) => [f.ruleId, `\`${f.path}\``, f.message, `\`${f.suppressedAt}\``])), "");
  }
  return out.join("\n");
}

/** The words a change line's kind stands for, at the start of its bullet. */
const KIND_LABELS: Record<ChangeReview["lines"][number]["kind"], string> = {
  delete: "**deleted**",
  replace: "**replaced**",
  key: "**key deletion**",
  "access-gained": "access gained",
  "access-lost": "access lost",
  trust: "trust",
  rotation: "rotation",
  network: "network",
  guardrail: "guardrails",
  move: "state move",
};

/** What changes against the base: the lines that matter, risky first, the changed access edges, then resources. */
export function renderChange(change: ChangeReview): string[] {
  const out = [`## What changes since \`${change.base}\``, ""];
  if (change.noChange) out.push(`No change in secrets, access, trust, rotation, exposure or guardrails of ${change.environment} since ${change.base}.`);
  for (const l of change.lines) out.push(`- ${KIND_LABELS[l.kind]}: ${l.text}`);
  out.push("");
  if (change.mermaid) out.push("Access that changes (thick: added; dotted: removed):", "", "```mermaid", change.mermaid, "```", "");
  out.push("### Resources that change", "");
  out.push(
    ...table(
      ["Stack", "Address", "Action", "From"],
      change.resources.map((r) => [r.stack, `\`${r.address}\``, r.action === "replace" || r.action === "delete" ? `**${r.action}**` : r.action, change.resourceSource[r.stack]]),
    ),
  );
  return out;
}
