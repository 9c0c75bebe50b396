// A workload says how it authenticates, and reads only its own application's secrets, each once.
import { Check, isMap, workloadsOf } from "./shared";

export const checkReferences: Check = ({ apps, secretsOf }, add) => {
  for (const [app, workload, w] of workloadsOf(apps)) {
    const at = `applications.${app}.workloads.${workload}`;
    const bindings = ["kubernetes", "approle"].filter((k) => w[k] !== undefined);
    if (bindings.length !== 1) {
      add(at, `give exactly one of kubernetes (namespace, serviceAccount) or approle to say how the workload authenticates (found ${bindings.length ? bindings.join(" and ") : "neither"})`);
    }
    const own = secretsOf(app);
    const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
    reads.forEach((r, i) => {
      if (typeof r === "string" && !isMap(own[r])) {
        add(`${at}.reads[${i}]`, `secret "${r}" is not defined in applications.${app}.secrets (defined: ${Object.keys(own).join(", ") || "none"}); workloads read only their own application's secrets`);
      }
    });
    new Set(reads).size !== reads.length && add(`${at}.reads`, "lists a secret twice");
  }
};
