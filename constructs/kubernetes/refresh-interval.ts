// How often External Secrets re-reads a secret: the rule lives with the description (config/refresh-interval.ts),
// since validation bounds a workload's own refreshInterval by it.
export { durationSeconds, MAX_REFRESH_SECONDS, refreshInterval } from "../../config/refresh-interval";
