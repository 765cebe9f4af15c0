import type { Context } from "hono";
import { configOf, type AppEnv, type Config, type Env, type Member, type RateLimitName } from "../env.ts";
import { ApiError } from "../http-errors.ts";
import { rateLimited } from "../http-outcomes.ts";
import { dependencyOutage } from "../storage/dependency-failure.ts";
import { mainStore } from "../storage/stores.ts";
import { clientAddress } from "./client-address.ts";
import { rateLimitHeaders, RateLimiter, type Verdict } from "./rate-limiter.ts";

/**
 * Which requests count against which limit, and what happens when the limiter's store is down:
 *   - wrong admin secrets, per client address; fails closed: no verdict, no admin (503);
 *   - unknown member tokens, per client address; fails open, as do
 *   - writes (POST, PUT, PATCH, DELETE) per member: the request goes on unlimited (a write then
 *     meets the store on its own; reads are never counted, so they are served as long as their
 *     store is).
 * A caller who is over a limit gets 429 with Retry-After and the RateLimit headers.
 */

const limiters = new WeakMap<Config, Map<RateLimitName, RateLimiter>>();

function limiterOf(env: Env, name: RateLimitName): RateLimiter | null {
  const config = configOf(env);
  const rate = config.rateLimits[name];
  if (rate === null) return null;
  let byName = limiters.get(config);
  if (byName === undefined) limiters.set(config, (byName = new Map()));
  let limiter = byName.get(name);
  if (limiter === undefined) byName.set(name, (limiter = new RateLimiter(mainStore(env), name, rate)));
  return limiter;
}

function addressOf(c: Context): string {
  return clientAddress(c.req.header("cf-connecting-ip"));
}

/**
 * Runs `verify` (does the request carry the admin secret?) unless this address has used up its
 * wrong guesses; counts a wrong one. Over the limit, even the right secret gets 429: otherwise a
 * guesser would learn which guess was right. Store errors propagate (503: fails closed).
 */
export async function checkAdminSecret(c: Context<AppEnv>, verify: () => Promise<boolean>, refusal: (headers: Record<string, string>) => ApiError): Promise<void> {
  const limiter = limiterOf(c.env, "admin_failures");
  if (limiter === null) {
    if (await verify()) return;
    throw refusal({});
  }
  const who = addressOf(c);
  const standing = await limiter.peek(who);
  if (!standing.allowed) throw rateLimited(standing, rateLimitHeaders(standing, Date.now()));
  if (await verify()) return;
  const counted = await limiter.count(who);
  const headers = rateLimitHeaders(counted, Date.now());
  if (!counted.allowed) throw rateLimited(counted, headers);
  throw refusal(headers);
}

/** An unknown token was presented: counts it against the address; 429 once there were too many. */
export async function countUnknownToken(c: Context<AppEnv>): Promise<Record<string, string>> {
  const verdict = await openVerdict(c, "token_failures", addressOf(c));
  if (verdict === null) return {};
  const headers = rateLimitHeaders(verdict, Date.now());
  if (!verdict.allowed) throw rateLimited(verdict, headers);
  return headers;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Counts a write against its member (reads are not counted); its answer carries the RateLimit headers. */
export async function countWrite(c: Context<AppEnv>, member: Member): Promise<void> {
  if (SAFE_METHODS.has(c.req.method)) return;
  const verdict = await openVerdict(c, "writes", `${member.team}/${member.member}`);
  if (verdict === null) return;
  const headers = rateLimitHeaders(verdict, Date.now());
  if (!verdict.allowed) throw rateLimited(verdict, headers);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
}

/** A count that fails open: with the limiter's store out, null (no limit), said once per request in the log. */
async function openVerdict(c: Context<AppEnv>, name: RateLimitName, who: string): Promise<Verdict | null> {
  const limiter = limiterOf(c.env, name);
  if (limiter === null) return null;
  try {
    return await limiter.count(who);
  } catch (error) {
    const outage = dependencyOutage(error);
    if (outage === null) throw error;
    console.warn(JSON.stringify({ event: "rate_limit_skipped", limit: name, reason: outage.reason }));
    return null;
  }
}
