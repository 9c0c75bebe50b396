// Placement: which backends hold an application's secrets in an environment (DESIGN.md section 3), and how each
// backend rotates a secret it holds. The one home of both rules: the cross-checks (on the raw description), the
// per-backend models the stacks are built from (config/model.ts), the kubernetes stack and the review all ask here.
import { backendsOf, type SecretBackend } from "./kubernetes";
import { isRotatableType } from "../contracts/secret-types";
import { rateSeconds } from "../contracts/cadence";

type Loose = Record<string, any>;
const isMap = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * The backends an application's secrets are on in an environment: environments.<env>.applications.<app>.backends,
 * else applications.<app>.backends, else every backend; intersected with the backends the environment has, in the
 * platform's order. An empty list means the application does not exist in that environment. Reads loosely, so that
 * the checks can ask before the schema has passed.
 */
export function placement(description: unknown, env: string, app: string): SecretBackend[] {
  const d = isMap(description) ? description : {};
  const e = isMap(d.environments) ? d.environments[env] : undefined;
  const a = isMap(d.applications) ? d.applications[app] : undefined;
  const override = isMap(e) && isMap(e.applications) && isMap(e.applications[app]) ? e.applications[app].backends : undefined;
  const chosen: unknown[] | undefined = Array.isArray(override) ? override : isMap(a) && Array.isArray(a.backends) ? a.backends : undefined;
  const has = isMap(e) ? backendsOf(e) : [];
  return chosen ? has.filter((b) => chosen.includes(b)) : has;
}

/** Whether a secret's type is one the platform rotates (contracts/secret-types.ts; api-key values are a person's). */
export const isRotatable = (spec: { readonly type?: unknown }): boolean => isRotatableType(spec.type);

/**
 * How Vault keeps a secret placed on it (docs/vault.md):
 * - `kv`: a stored value at its KV v2 path (api-key; a token, which Vault cannot rotate);
 * - `dynamic-role`: short-lived logins from the database engine (postgres marked dynamic, or alternating-users, whose
 *   two users Vault replaces with a login per lease);
 * - `static-role`: a database static role rotating one existing user's password (postgres single-user);
 * - `transit`: a transit signing key that never leaves Vault (jwt); nothing is stored at the KV path.
 * A postgres or jwt secret without rotation stays a stored KV value (refused in production, see config/checks/placement.ts).
 */
export type VaultMechanism = "kv" | "dynamic-role" | "static-role" | "transit";

export function vaultMechanism(spec: Loose): VaultMechanism {
  const rotation = isMap(spec.rotation) ? spec.rotation : undefined;
  if (spec.type === "postgres") {
    if (spec.dynamic === true || rotation?.strategy === "alternating-users") return "dynamic-role";
    if (rotation) return "static-role";
  }
  if (spec.type === "jwt" && rotation) return "transit";
  return "kv";
}

/** Whether a backend rotates a secret it holds, by its own mechanism (what the production check demands). */
export function rotatesOn(backend: SecretBackend, spec: Loose): boolean {
  if (!isRotatable(spec)) return true; // nothing to rotate
  if (backend === "vault") return vaultMechanism(spec) !== "kv";
  // AWS (a Lambda) and Azure (the rotation function) rotate what has rotation.
  return isMap(spec.rotation);
}

/**
 * A rotation cadence in seconds, for the backends that take one (Vault's rotation_period and auto_rotate_period):
 * everyDays or rate(N days|hours); undefined for a cron() schedule, which only Secrets Manager reads.
 */
export function cadenceSeconds(rotation: { readonly everyDays?: number; readonly scheduleExpression?: string } | undefined): number | undefined {
  if (!rotation) return undefined;
  if (rotation.everyDays !== undefined) return rotation.everyDays * 86_400;
  return rateSeconds(rotation.scheduleExpression);
}
