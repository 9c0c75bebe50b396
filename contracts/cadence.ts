// The one reader of a rate() schedule expression (Secrets Manager's rate(N days) and rate(N hours): "Rotation
// schedules", https://docs.aws.amazon.com/secretsmanager/latest/userguide/rotate-secrets_schedule.html). The schema
// bounds it, Vault's periods, the Azure function's day cadence and the Kubernetes refresh interval read it through
// here; config/cron.ts is the cron() grammar. This module imports nothing.

export interface Rate {
  readonly count: number;
  readonly unit: "hours" | "days";
}

/** rate(N hours) or rate(N days) (singular or plural unit), else undefined (cron() or anything else). */
export function parseRate(expression: unknown): Rate | undefined {
  const match = typeof expression === "string" ? /^rate\((\d+) (hours?|days?)\)$/.exec(expression) : null;
  if (!match) return undefined;
  return { count: Number(match[1]), unit: match[2].startsWith("hour") ? "hours" : "days" };
}

/** The period of a rate() expression in seconds, else undefined. */
export function rateSeconds(expression: unknown): number | undefined {
  const rate = parseRate(expression);
  return rate ? rate.count * (rate.unit === "hours" ? 3600 : 86_400) : undefined;
}

/** N of a rate(N days) expression, else undefined (hour rates, cron). */
export function rateDays(expression: unknown): number | undefined {
  const rate = parseRate(expression);
  return rate?.unit === "days" ? rate.count : undefined;
}
