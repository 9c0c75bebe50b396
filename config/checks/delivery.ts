// Delivery shaped for the application: a workload's kubernetes.secrets (External Secrets' Secret name, template and
// refresh interval) and delivery csi, checked against what the value holds and the rotation bound.
import { deliveryOf, workloadBackend } from "../kubernetes";
import { placement } from "../placement";
import { durationSeconds, refreshInterval } from "../refresh-interval";
import { clusterNames } from "./clusters";
import { Check, entries, isMap, Loose, workloadsOf } from "./shared";
import { rateSeconds } from "../../contracts/cadence";

/** The fields of each type's value (DESIGN.md section 2, lambda/*): what an External Secrets template can name. */
export const VALUE_FIELDS: Record<string, readonly string[] | undefined> = {
  postgres: ["username", "password", "host", "port", "dbname", "engine", "masterarn"],
  jwt: ["secret_key", "algorithm", "expiry_hours", "kid", "public_key", "current", "next", "previous"],
  token: ["token"],
  // A person's value: its fields are the person's to choose.
  "api-key": undefined,
};

/** The fields a Go template names as `.field` (ESO's template v2 puts each field of the extracted value at the top). */
export function templateFields(template: string): string[] {
  const out: string[] = [];
  for (const action of template.matchAll(/\{\{(.*?)\}\}/gs)) {
    for (const m of action[1].matchAll(/(?:^|[\s(|])\.([A-Za-z_][A-Za-z0-9_]*)/g)) out.push(m[1]);
  }
  return [...new Set(out)];
}

/** kubernetes.secrets and delivery csi: what External Secrets and the CSI driver need from the description. */
export const checkDelivery: Check = ({ apps, envs, raw }, add) => {
  for (const [app, workload, w] of workloadsOf(apps)) {
    if (!isMap(w.kubernetes)) continue;
    const at = `applications.${app}.workloads.${workload}.kubernetes`;
    const delivery = deliveryOf(w.kubernetes);
    const reads: unknown[] = Array.isArray(w.reads) ? w.reads : [];
    const own = isMap(apps.find(([a]) => a === app)?.[1]?.secrets) ? (apps.find(([a]) => a === app)![1].secrets as Loose) : {};
    for (const [secret, s] of entries(w.kubernetes.secrets)) {
      const sat = `${at}.secrets.${secret}`;
      if (delivery !== "external-secrets") {
        add(sat, `shapes a Secret that External Secrets syncs, but ${app}/${workload} has delivery ${delivery}: remove kubernetes.secrets or use delivery external-secrets`);
        continue;
      }
      if (!reads.includes(secret)) {
        add(sat, `names ${secret}, which ${app}/${workload} does not read: add it to reads or remove it here`);
        continue;
      }
      const spec = isMap(own[secret]) ? own[secret] : undefined;
      const fields = spec ? VALUE_FIELDS[String(spec.type)] : undefined;
      if (isMap(s.template) && fields) {
        for (const [key, template] of Object.entries(s.template)) {
          if (typeof template !== "string") continue;
          const unknown = templateFields(template).filter((f) => !fields.includes(f));
          // ESO fails the whole sync on a key the value lacks ("referencing a non-existing key in the template will raise an error").
          if (unknown.length > 0) add(`${sat}.template.${key}`, `names ${unknown.map((f) => `.${f}`).join(", ")}, not a field of a ${String(spec!.type)} value: use ${fields.map((f) => `.${f}`).join(", ")}`);
        }
      }
      if (typeof s.refreshInterval === "string" && spec) {
        const bound = refreshInterval(rotationSeconds(spec));
        const seconds = durationSeconds(s.refreshInterval);
        if (seconds > durationSeconds(bound)) {
          add(`${sat}.refreshInterval`, `is ${s.refreshInterval}, longer than ${bound}, a tenth of ${secret}'s rotation period (at most 1h): a rotated value would reach the pods too late; use ${bound} or less`);
        }
      }
    }
    if (delivery !== "csi") continue;
    for (const [env, e] of envs) {
      if (placement(raw, env, app).length === 0) continue;
      const backend = workloadBackend(w.kubernetes, e);
      // AWS's CSI provider assumes the workload's IRSA role: the default cluster has one only with aws.eks.
      if (backend === "aws" && clusterNames(e).length === 0 && !(isMap(e.aws) && isMap(e.aws.eks))) {
        add(`environments.${env}.aws.eks`, `is required: ${app}/${workload} mounts its secrets from AWS with the CSI driver, whose AWS provider authenticates as its service account through IRSA (eks.oidcProviderArn)`);
      }
    }
  }
};

/** The shortest rotation period of a raw secret in seconds (the same reading as the kubernetes stack's). */
function rotationSeconds(s: Loose): number | undefined {
  if (s.type === "api-key" || !isMap(s.rotation)) return undefined;
  if (typeof s.rotation.everyDays === "number") return s.rotation.everyDays * 86_400;
  const rate = rateSeconds(s.rotation.scheduleExpression);
  if (rate !== undefined) return rate;
  return 4 * 3600;
}

