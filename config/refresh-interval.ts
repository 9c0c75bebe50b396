// How often External Secrets re-reads a secret: often enough that a rotated value reaches pods well inside the
// rotation period (a tenth of it), and at least hourly for values a person changes.

/** The longest refresh: values a person puts (api keys) reach pods within the hour. */
export const MAX_REFRESH_SECONDS = 3600;

/** A tenth of the rotation period, at most an hour, whole minutes, as a Go duration ESO accepts ("1h", "24m"). */
export function refreshInterval(rotationPeriodSeconds: number | undefined): string {
  const seconds = Math.min(rotationPeriodSeconds === undefined ? MAX_REFRESH_SECONDS : rotationPeriodSeconds / 10, MAX_REFRESH_SECONDS);
  const minutes = Math.max(1, Math.floor(seconds / 60));
  return minutes === 60 ? "1h" : `${minutes}m`;
}

/** Seconds in a Go duration made of h, m and s parts ("1h", "24m", "1h30m", and "0", which Go accepts bare); NaN when it is not one. */
export function durationSeconds(duration: string): number {
  if (/^0+$/.test(duration)) return 0;
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration);
  if (!m || duration === "") return NaN;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
