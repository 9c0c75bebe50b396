// A per-environment view of the description that the stacks translate into construct props:
// every secret with its path, every workload with the secrets it reads resolved.
import type { Environment, Platform, SecretSpec, WorkloadSpec } from "./schema";
import { isProduction, secretPath } from "./naming";

export interface SecretModel {
  readonly app: string;
  readonly name: string;
  /** <env>/<app>/<secret> */
  readonly path: string;
  readonly spec: SecretSpec;
}

export interface WorkloadModel {
  readonly app: string;
  readonly name: string;
  readonly spec: WorkloadSpec;
  /** The secrets it reads, in the order the description lists them. */
  readonly reads: readonly SecretModel[];
}

export interface EnvironmentModel {
  readonly organization: string;
  readonly name: string;
  readonly production: boolean;
  readonly spec: Environment;
  readonly secrets: readonly SecretModel[];
  readonly workloads: readonly WorkloadModel[];
  /** Looks a secret up by <app>/<secret>. */
  secret(ref: string): SecretModel | undefined;
}

export function environmentModel(platform: Platform, envName: string): EnvironmentModel {
  const spec = platform.environments[envName];
  if (!spec) throw new Error(`environment ${envName} is not in the description`);
  const secrets: SecretModel[] = [];
  const byRef = new Map<string, SecretModel>();
  const workloads: WorkloadModel[] = [];
  for (const [app, application] of Object.entries(platform.applications)) {
    for (const [name, secretSpec] of Object.entries(application.secrets)) {
      const s: SecretModel = { app, name, path: secretPath(envName, app, name), spec: secretSpec };
      secrets.push(s);
      byRef.set(`${app}/${name}`, s);
    }
  }
  for (const [app, application] of Object.entries(platform.applications)) {
    for (const [name, w] of Object.entries(application.workloads ?? {})) {
      const reads = w.reads.map((r) => {
        const s = byRef.get(`${app}/${r}`);
        if (!s) throw new Error(`${app}/${name} reads unknown secret ${r}`); // validation rules this out
        return s;
      });
      workloads.push({ app, name, spec: w, reads });
    }
  }
  return {
    organization: platform.organization,
    name: envName,
    production: isProduction(envName, spec.production),
    spec,
    secrets,
    workloads,
    secret: (ref) => byRef.get(ref),
  };
}
