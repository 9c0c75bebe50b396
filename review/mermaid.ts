// Who can read what, as a Mermaid flowchart: principals on the left, secrets on the right, one edge per
// principal and secret labelled with each backend's permission.
import type { AccessRow } from "./model";

/** Mermaid labels are quoted; quotes and angle brackets become entities. */
function label(text: string): string {
  return `"${text.replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;")}"`;
}

/** The permission's kind without its details: "read (GetSecretValue, ...)" -> "read". */
function kind(permission: string): string {
  return permission.replace(/\s*\(.*$/, "");
}

export function accessDiagram(rows: readonly AccessRow[]): string {
  const workloads = [...new Set(rows.map((r) => r.workload))].sort();
  const secrets = [...new Set(rows.map((r) => r.secret))].sort();
  const w = new Map(workloads.map((x, i) => [x, `w${i}`]));
  const s = new Map(secrets.map((x, i) => [x, `s${i}`]));
  const lines = ["flowchart LR"];
  lines.push("  subgraph principals[Who]");
  for (const x of workloads) lines.push(`    ${w.get(x)}[${label(x)}]`);
  lines.push("  end");
  lines.push("  subgraph secrets[Secrets]");
  for (const x of secrets) lines.push(`    ${s.get(x)}[(${label(x)})]`);
  lines.push("  end");
  const edges = new Map<string, string[]>();
  for (const r of rows) {
    const key = `${w.get(r.workload)}|${s.get(r.secret)}`;
    const text = `${r.backend}: ${kind(r.permission)}`;
    const list = edges.get(key) ?? [];
    if (!list.includes(text)) list.push(text);
    edges.set(key, list);
  }
  for (const [key, texts] of edges) {
    const [from, to] = key.split("|");
    lines.push(`  ${from} -->|${label(texts.join(", "))}| ${to}`);
  }
  return lines.join("\n");
}
