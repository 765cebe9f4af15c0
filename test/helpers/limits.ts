/**
 * Settings for stacks whose tests and benchmarks send more than any one client would (thousands of
 * writes per member, many wrong tokens from one address): the rate limits off. Tests of the limits
 * set small ones of their own (test/worker/rate-limits.test.ts).
 */
export const RATE_LIMITS_OFF = {
  RATE_LIMIT_ADMIN_FAILURES: "off",
  RATE_LIMIT_TOKEN_FAILURES: "off",
  RATE_LIMIT_WRITES: "off",
} as const;

/** The per-team quotas off too: a benchmark books far more events into one team than the default allows. */
export const QUOTAS_OFF = {
  QUOTA_EVENTS: "off",
  QUOTA_GOALS: "off",
  QUOTA_OPEN_TRANSACTIONS: "off",
} as const;
