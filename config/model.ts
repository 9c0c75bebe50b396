// A per-environment view of the description that the stacks translate into construct props:
// every secret with its path, every workload with the secrets it reads resolved.
import type { Environment, Platform, SecretSpec, WorkloadSpec } from "./schema";
import { isProduction, secretPath } from "./naming";
import type { SecretBackend } from "./kubernetes";
import { placement } from "./placement";
import { adoptionOf, type Adoption } from "./adopt";

export interface SecretModel {
  readonly app: string;
  readonly name: string;
  /** <env>/<app>/<secret> */
  readonly path: string;
  readonly spec: SecretSpec;
  /** The existing secrets it adopts in this environment, per backend (config/adopt.ts). @default - none: created */
  readonly adopt?: Adoption;
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
  /** The backends an application is placed on in this environment (config/placement.ts); [] where it does not exist. */
  placement(app: string): readonly SecretBackend[];
  /** The backend this model was narrowed to by placedOn. @default - every backend: the whole environment */
  readonly backend?: SecretBackend;
}

export function environmentModel(platform: Platform, envName: string): EnvironmentModel {
  const spec = platform.environments[envName];
  if (!spec) throw new Error(`environment ${envName} is not in the description`);
  const secrets: SecretModel[] = [];
  const byRef = new Map<string, SecretModel>();
  const workloads: WorkloadModel[] = [];
  for (const [app, application] of Object.entries(platform.applications)) {
    for (const [name, secretSpec] of Object.entries(application.secrets)) {
      const adopt = adoptionOf(platform, envName, app, name);
      const s: SecretModel = { app, name, path: secretPath(envName, app, name), spec: secretSpec, ...(adopt ? { adopt } : {}) };
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
    placement: (app) => placement(platform, envName, app),
  };
}

/**
 * The environment as one backend sees it: only the secrets and workloads of applications placed on it, so that a
 * backend stack creates, and grants, exactly those (DESIGN.md section 3). Every backend stack is built from this view.
 */
export function placedOn(model: EnvironmentModel, backend: SecretBackend): EnvironmentModel {
  const placed = (app: string) => model.placement(app).includes(backend);
  return {
    ...model,
    backend,
    secrets: model.secrets.filter((s) => placed(s.app)),
    workloads: model.workloads.filter((w) => placed(w.app)),
    secret: (ref) => (placed(ref.split("/")[0]) ? model.secret(ref) : undefined),
  };
}

/** The environment without the applications placed on no backend there: they do not exist in it. */
export function placedAnywhere(model: EnvironmentModel): EnvironmentModel {
  const placed = (app: string) => model.placement(app).length > 0;
  return {
    ...model,
    secrets: model.secrets.filter((s) => placed(s.app)),
    workloads: model.workloads.filter((w) => placed(w.app)),
    secret: (ref) => (placed(ref.split("/")[0]) ? model.secret(ref) : undefined),
  };
}
