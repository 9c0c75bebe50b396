// Adoption (applications.<app>.secrets.<secret>.adopt and environments.<env>.applications.<app>.secrets.<secret>.adopt):
// each adopted name is valid for its backend, adopted where the application is placed, by one secret only, and on a
// backend that keeps the secret as a stored value (config/adopt.ts, docs/adopting.md).
import { adoptionOf, adoptionProblem, awsAdoptedName, conventionalName } from "../adopt";
import type { SecretBackend } from "../kubernetes";
import { keyVaultName } from "../naming";
import { DEFAULTS } from "../schema";
import { isRotatable, placement, vaultMechanism } from "../placement";
import { Check, entries, isMap, type Loose } from "./shared";

const BACKENDS: readonly SecretBackend[] = ["aws", "vault", "azure"];

/** Where a backend's names live: two secrets with one name there are one secret. */
function nameScope(backend: SecretBackend, org: string, env: string, e: Loose): string {
  const b = isMap(e[backend]) ? e[backend] : {};
  if (backend === "aws") return `aws account ${b.accountId} in ${b.region}`;
  if (backend === "vault") return `Vault ${b.address}${b.namespace ? ` namespace ${b.namespace}` : ""} mount ${typeof b.kvMount === "string" ? b.kvMount : DEFAULTS.vault.kvMount}`;
  return `Key Vault ${keyVaultName(org, env, typeof b.keyVaultName === "string" ? b.keyVaultName : undefined)}`;
}

export const checkAdopt: Check = ({ raw, apps, envs, org }, add) => {
  // Where each adopted value was given: the environment's override, else the application's field.
  const fieldOf = (env: string, app: string, secret: string, backend: SecretBackend): string => {
    const e = isMap(raw.environments) ? raw.environments[env] : undefined;
    const own = isMap(e) && isMap(e.applications) && isMap(e.applications[app]) && isMap(e.applications[app].secrets) ? e.applications[app].secrets[secret]?.adopt : undefined;
    return isMap(own) && typeof own[backend] === "string"
      ? `environments.${env}.applications.${app}.secrets.${secret}.adopt.${backend}`
      : `applications.${app}.secrets.${secret}.adopt.${backend}`;
  };

  // An environment's override names a secret of the application.
  for (const [env, e] of envs) {
    for (const [app, override] of entries(e.applications)) {
      const defined = apps.find(([a]) => a === app)?.[1];
      if (!isMap(defined)) continue; // checkPlacement reports an unknown application
      for (const secret of Object.keys(isMap(override.secrets) ? override.secrets : {})) {
        if (!isMap(defined.secrets) || !isMap(defined.secrets[secret])) {
          add(`environments.${env}.applications.${app}.secrets.${secret}`, `names secret ${secret}, which applications.${app}.secrets does not define (defined: ${Object.keys(isMap(defined.secrets) ? defined.secrets : {}).join(", ") || "none"}); fix the name or remove it`);
        }
      }
    }
  }

  // The application-level adopt on a backend where the application is placed in no environment.
  for (const [app, spec] of apps) {
    for (const [secret, s] of entries(spec.secrets)) {
      if (!isMap(s.adopt)) continue;
      for (const b of BACKENDS.filter((b) => typeof s.adopt[b] === "string")) {
        const anywhere = envs.some(([env]) => placement(raw, env, app).includes(b));
        if (!anywhere) add(`applications.${app}.secrets.${secret}.adopt.${b}`, `adopts a secret on ${b}, but ${app} is placed on ${b} in no environment; remove adopt.${b} or place ${app} on ${b}`);
      }
    }
  }

  // Names used in one scope across environments: key -> the first field path that used it.
  const taken = new Map<string, { label: string; adopted: boolean }>();
  for (const [env, e] of envs) {
    for (const [app, spec] of apps) {
      const placed = placement(raw, env, app);
      for (const [secret, s] of entries(spec.secrets)) {
        const adopt = adoptionOf(raw, env, app, secret);
        for (const b of BACKENDS) {
          const value = adopt?.[b];
          const field = fieldOf(env, app, secret, b);
          const envField = field.startsWith("environments.");
          if (value !== undefined) {
            if (!placed.includes(b)) {
              // The application's own adopt applies only where it is placed; an environment's is wrong where it is not.
              if (envField) add(field, `adopts a secret on ${b}, but ${app} is not placed on ${b} in environment ${env} (placed on ${placed.join(", ") || "no backend"}); remove it or place ${app} on ${b} in ${env}`);
              continue;
            }
            const problem = adoptionProblem(b, value, b === "aws" && isMap(e.aws) ? e.aws : undefined);
            if (problem) {
              add(field, problem);
              continue;
            }
            if (b === "vault" && vaultMechanism(s) !== "kv") {
              add(field, `${app}/${secret} is kept by Vault as a ${vaultMechanism(s)} (no value at a KV path), so there is nothing to adopt on vault; remove adopt.vault, or drop rotation/dynamic on this secret to keep it as a stored KV value`);
              continue;
            }
            if (b === "azure" && isRotatable(s) && isMap(s.rotation)) {
              add(field, `${app}/${secret} rotates on Key Vault, whose rotation function needs a secret (and its pending companion) that Terraform created; adopting a rotated secret on azure is not supported: remove adopt.azure and move the value into the created secret (npm run migrate), or drop its rotation`);
              continue;
            }
          }
          if (!placed.includes(b)) continue;
          // Every secret placed on the backend takes a name there, adopted or conventional: no two may share one.
          const name = value === undefined ? conventionalName(b, env, app, secret) : b === "aws" ? awsAdoptedName(value) : value;
          const key = `${nameScope(b, org, env, e)}|${b === "azure" ? name.toLowerCase() : name}`; // Key Vault names ignore case
          const first = taken.get(key);
          const scope = nameScope(b, org, env, e);
          if (!first) {
            taken.set(key, value !== undefined ? { label: `${field} (environment ${env})`, adopted: true } : { label: `${app}/${secret} in environment ${env}`, adopted: false });
          } else if (value !== undefined) {
            add(field, first.adopted
              ? `adopts "${name}" on ${b}, which ${first.label} already names (${scope}); each existing secret is adopted by one secret of one environment only`
              : `adopts the name ${name} on ${b}, which ${first.label} gets by convention (${scope}); adopt another secret or rename one of them`);
          } else if (first.adopted) {
            add(first.label.replace(/ \(environment [^)]+\)$/, ""), `adopts the name ${name} on ${b}, which ${app}/${secret} in environment ${env} gets by convention (${scope}); adopt another secret or rename one of them`);
          }
        }
      }
    }
  }
};
