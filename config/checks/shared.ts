// What every cross-check works from: the raw description (checked even where the schema found problems, so that one
// run reports every problem), read defensively since any field may be missing or of the wrong type.

export type Loose = Record<string, any>;
export const isMap = (v: unknown): v is Loose => typeof v === "object" && v !== null && !Array.isArray(v);
/** The entries of a map whose values are maps; anything else is the schema's to report. */
export const entries = (v: unknown): [string, Loose][] =>
  isMap(v) ? Object.entries(v).filter((e): e is [string, Loose] => isMap(e[1])) : [];

/** Reports a problem at a field path. */
export type Add = (path: string, message: string) => void;

/** The raw description as the checks see it. */
export interface RawDescription {
  readonly raw: Loose;
  readonly apps: [string, Loose][];
  readonly envs: [string, Loose][];
  /** The organization, or "" when it is missing. */
  readonly org: string;
  /** An application's secrets by name ({} when it has none). */
  secretsOf(app: string): Loose;
}

/** A check of one concern: it reports each problem through add. */
export type Check = (d: RawDescription, add: Add) => void;

export function rawDescription(raw: Loose): RawDescription {
  return {
    raw,
    apps: entries(raw.applications),
    envs: entries(raw.environments),
    org: typeof raw.organization === "string" ? raw.organization : "",
    secretsOf: (app) => {
      const a = isMap(raw.applications) ? raw.applications[app] : undefined;
      return isMap(a) && isMap(a.secrets) ? a.secrets : {};
    },
  };
}

/** Every workload of the description, as [application, workload, its spec]. */
export const workloadsOf = (apps: [string, Loose][]): [string, string, Loose][] =>
  apps.flatMap(([app, spec]) => entries(spec.workloads).map(([workload, w]) => [app, workload, w] as [string, string, Loose]));
