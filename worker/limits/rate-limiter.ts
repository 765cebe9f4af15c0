import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { RateLimitName } from "../env.ts";
import type { Rate } from "./rate.ts";

/** Where one caller stands against one limit. */
export interface Verdict {
  name: RateLimitName;
  allowed: boolean;
  limit: number;
  remaining: number;
  windowMs: number;
  /** When the current window ends (ms since the epoch): the count starts again then. */
  resetAt: number;
}

/**
 * One limit (a count per fixed window) on the team's own Redis, through @upstash/ratelimit (made for
 * Workers and Upstash; its two scripts are on the gateway's list, worker/limits/ratelimit-scripts.ts).
 * Keys: gs:ratelimit:<name>:<who>:<window number>, each expiring with its window.
 *
 * Its own shortcuts are off: the timeout (which answers "allowed" after 5 s, an open door for the
 * admin routes; our store client has its own STORE_TIMEOUT_MS, and its errors reach the caller, who
 * decides), the in-isolate cache of blocked callers, and analytics.
 */
export class RateLimiter {
  readonly #name: RateLimitName;
  readonly #rate: Rate;
  readonly #library: Ratelimit;

  constructor(redis: Redis, name: RateLimitName, rate: Rate) {
    this.#name = name;
    this.#rate = rate;
    this.#library = new Ratelimit({
      redis,
      limiter: Ratelimit.fixedWindow(rate.limit, `${rate.windowMs} ms`),
      prefix: `gs:ratelimit:${name}`,
      timeout: 0,
      ephemeralCache: false,
      analytics: false,
    });
  }

  /** Counts one against `who`: allowed while the count is within the limit. */
  async count(who: string): Promise<Verdict> {
    const { success, limit, remaining, reset } = await this.#library.limit(who);
    return this.#verdict(success, limit, remaining, reset);
  }

  /** Where `who` stands, counting nothing: allowed while any is left. */
  async peek(who: string): Promise<Verdict> {
    const { limit, remaining, reset } = await this.#library.getRemaining(who);
    return this.#verdict(remaining > 0, limit, remaining, reset);
  }

  #verdict(allowed: boolean, limit: number, remaining: number, resetAt: number): Verdict {
    return { name: this.#name, allowed, limit, remaining, windowMs: this.#rate.windowMs, resetAt };
  }
}

/**
 * The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers): the policy (`q` requests per
 * `w` seconds) and where the caller stands (`r` left, `t` seconds until the window ends), and on a
 * refusal Retry-After with the same wait. Whole seconds, rounded up: never an invitation to retry early.
 */
export function rateLimitHeaders(verdict: Verdict, now: number): Record<string, string> {
  const wait = String(Math.max(1, Math.ceil((verdict.resetAt - now) / 1000)));
  const headers: Record<string, string> = {
    "RateLimit-Policy": `"${verdict.name}";q=${verdict.limit};w=${Math.max(1, Math.ceil(verdict.windowMs / 1000))}`,
    RateLimit: `"${verdict.name}";r=${verdict.remaining};t=${wait}`,
  };
  if (!verdict.allowed) headers["Retry-After"] = wait;
  return headers;
}
