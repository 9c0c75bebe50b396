// Token lifetimes that every auth role shares: short, renewable, and always bounded.

/** Longest login token lifetime a role may allow, including renewals. */
export const MAX_TOKEN_TTL_SECONDS = 86_400;

/** Throws, naming the role, when the TTLs are not whole seconds, the TTL exceeds the max, or the max is unbounded or above 24 h. */
export function checkTokenTtls(role: string, ttl: number, maxTtl: number): void {
  if (!Number.isInteger(ttl) || ttl < 60) throw new Error(`${role}: token TTL must be a whole number of seconds, at least 60 (got ${ttl})`);
  if (!Number.isInteger(maxTtl) || maxTtl < ttl) throw new Error(`${role}: token max TTL (${maxTtl}) must be at least the token TTL (${ttl})`);
  // 0 would mean "no maximum": a token renewed forever.
  if (maxTtl > MAX_TOKEN_TTL_SECONDS) throw new Error(`${role}: token max TTL ${maxTtl} is more than 24 hours; keep login tokens short-lived`);
}
