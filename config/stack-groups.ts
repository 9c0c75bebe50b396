// Stack groups: applications.<app>.stackGroup puts an application's resources in the stacks
// <backend>-<env>-<group> (aws, vault, azure, kubernetes) instead of <backend>-<env>, so that stacks stay under stacks.maxResources and every plan
// refreshes fewer resources. What a group may not do is checked here, with the field to change.
import type { ConfigIssue } from "./load";
import { stackName } from "./naming";

type Loose = Record<string, any>;
const isMap = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);

/** The group an application is in; undefined is the first group (the stacks without a suffix). */
export function stackGroupOf(application: unknown): string | undefined {
  return isMap(application) && typeof application.stackGroup === "string" ? application.stackGroup : undefined;
}

const shown = (group: string | undefined) => (group ? `stack group ${group}` : "the first stack group (no stackGroup)");

/** A rotation function reaches only the master secret in its own stack: both applications share a group. */
export function stackGroupIssues(raw: unknown): ConfigIssue[] {
  if (!isMap(raw) || !isMap(raw.applications)) return [];
  const apps = raw.applications;
  const issues: ConfigIssue[] = [];
  for (const [app, spec] of Object.entries(apps)) {
    if (!isMap(spec) || !isMap(spec.secrets)) continue;
    const group = stackGroupOf(spec);
    for (const [secret, s] of Object.entries(spec.secrets)) {
      const master = isMap(s) && isMap(s.rotation) && typeof s.rotation.masterSecret === "string" ? s.rotation.masterSecret : undefined;
      const masterApp = master?.split("/")[0];
      if (!master || !masterApp || !(masterApp in apps)) continue;
      const masterGroup = stackGroupOf(apps[masterApp]);
      if (masterGroup === group) continue;
      issues.push({
        path: `applications.${app}.secrets.${secret}.rotation.masterSecret`,
        message:
          `${master} is in ${shown(masterGroup)} and ${app} in ${shown(group)}; a rotation function reaches only a master in its own stack: ` +
          `give ${app} and ${masterApp} the same stackGroup, or give this group a master of its own`,
      });
    }
  }
  // A key named in a backend block would be the state of <backend>-<env> and of every <backend>-<env>-<group>: each
  // stack would plan to destroy the others' resources. The default key carries the stack's name.
  const allGroups = [...new Set(Object.values(apps).map(stackGroupOf).filter((g): g is string => g !== undefined))].sort();
  for (const [env, e] of Object.entries(isMap(raw.environments) ? raw.environments : {})) {
    for (const kind of ["aws", "vault", "azure", "kubernetes"] as const) {
      const backend = isMap(e) && isMap(e[kind]) && isMap(e[kind].backend) ? e[kind].backend : undefined;
      if (!backend || backend.key === undefined || allGroups.length === 0) continue;
      issues.push({
        path: `environments.${env}.${kind}.backend.key`,
        message:
          `is shared by ${stackName(kind, env)} and ${allGroups.map((g) => stackName(kind, env, g)).join(", ")} (stack groups); each stack needs its own state file: ` +
          "leave key out (default secrets-platform/<stack>.tfstate)",
      });
    }
  }
  // <backend>-<env>-<group> must not be the name of another environment's stack (env prod-eu, or prod with group eu).
  const envs = isMap(raw.environments) ? Object.keys(raw.environments) : [];
  const groups = [...new Set(Object.entries(apps).map(([app, spec]) => [app, stackGroupOf(spec)] as const).filter(([, g]) => g))];
  for (const env of envs) {
    for (const [app, group] of groups) {
      if (envs.includes(`${env}-${group}`)) {
        const spec = (raw.environments as Loose)[env];
        const backend = (["aws", "vault", "azure"] as const).find((b) => isMap(spec) && isMap(spec[b])) ?? "aws";
        issues.push({
          path: `applications.${app}.stackGroup`,
          message: `stack group ${group} of environment ${env} would build ${stackName(backend, env, group)}, the name of environment ${env}-${group}'s stack: choose another group name`,
        });
      }
    }
  }
  // Two environments' groups meet too: <env>-<group> of prod with group eu-a is that of prod-eu with group a, so both
  // would build aws-prod-eu-a (cdktf refuses a second construct of one name, and their KMS aliases and rotation
  // functions, named from <env>-<group>, would meet in one account).
  const kindsOf = (env: string): string[] => {
    const spec = (raw.environments as Loose)[env];
    if (!isMap(spec)) return [];
    return (["aws", "vault", "azure", "kubernetes"] as const).filter((k) => isMap(spec[k]) && !(k === "kubernetes" && isMap(spec[k].clusters)));
  };
  const scopes = new Map<string, { env: string; group: string }>();
  for (const env of envs) {
    for (const [app, group] of groups) {
      const scope = `${env}-${group}`;
      const twin = scopes.get(scope);
      if (!twin) {
        scopes.set(scope, { env, group: group! });
        continue;
      }
      if (twin.env === env) continue;
      const kind = kindsOf(env).find((k) => kindsOf(twin.env).includes(k));
      if (!kind) continue;
      issues.push({
        path: `applications.${app}.stackGroup`,
        message: `stack group ${group} of environment ${env} would build ${stackName(kind as "aws", env, group)}, the name of stack group ${twin.group}'s stack of environment ${twin.env}: choose group names that do not meet across environments`,
      });
    }
  }
  return issues;
}
