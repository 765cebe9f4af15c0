/**
 * The SHA-1s of the @upstash/ratelimit scripts the worker's limiter sends (its single-region fixed
 * window: counting a request, and reading what is left). The gateway lets these run next to the
 * worker's own scripts; test/unit/gateway-script-policy.test.ts checks them against the installed
 * library, so an upgrade that changes a script fails there, not in production.
 */
export const RATELIMIT_SCRIPT_SHA1S = {
  fixedWindowLimit: "b2efc02798c8e9b471a10f9b1d5745db89923ff3",
  fixedWindowRemaining: "823cb2a5a902d69681244f5e28e5ebb8f2a89edd",
} as const;
