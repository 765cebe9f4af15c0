/**
 * The SHA-1s of the @upstash/ratelimit scripts the worker's limiter sends (its single-region fixed
 * window: counting a request, and reading what is left). The gateway lets these run next to the
 * worker's own scripts; test/unit/gateway-script-policy.test.ts checks them against the installed
 * library, so an upgrade that changes a script fails there, not in production.
 *
 * The library is pinned to 2.0.8: from 2.1 its scripts start with `#!lua flags=allow-key-locking`,
 * which Redis 7.0 (Debian 12's, the dev stack's) refuses as an unknown flag.
 */
export const RATELIMIT_SCRIPT_SHA1S = {
  fixedWindowLimit: "472e55443b62f60d0991028456c57815a387066d",
  fixedWindowRemaining: "40515c9dd0a08f8584f5f9b593935f6a87c1c1c3",
} as const;
