import { Redis } from "@upstash/redis/cloudflare";
import type { Env } from "./env.ts";

export class RedisNotConfigured extends Error {
  constructor(missing: string) {
    super(`${missing} is not set`);
    this.name = "RedisNotConfigured";
  }
}

/**
 * An @upstash/redis client for this request. `timeoutMs` bounds each HTTP call (the signal is a
 * function so the client throws on timeout instead of returning a fake result), and retries are
 * off when a caller would rather fail fast than wait out the client's ~9 s of backoff.
 */
export function redisFromEnv(env: Env, options: { timeoutMs?: number; retry?: boolean; autoPipelining?: boolean; automaticDeserialization?: boolean; responseEncoding?: false } = {}): Redis {
  if (!env.UPSTASH_REDIS_REST_URL) throw new RedisNotConfigured("UPSTASH_REDIS_REST_URL");
  if (!env.UPSTASH_REDIS_REST_TOKEN) throw new RedisNotConfigured("UPSTASH_REDIS_REST_TOKEN");
  const timeoutMs = options.timeoutMs;
  return new Redis({
    url: env.UPSTASH_REDIS_REST_URL,
    token: env.UPSTASH_REDIS_REST_TOKEN,
    enableTelemetry: false,
    enableAutoPipelining: options.autoPipelining ?? true,
    automaticDeserialization: options.automaticDeserialization ?? true,
    ...(options.responseEncoding === false ? { responseEncoding: false as const } : {}),
    // The client's default is 5 retries over ~9 s; a request should fail fast and say so instead.
    retry: options.retry === false ? false : { retries: 2, backoff: (attempt: number) => 50 * 2 ** attempt },
    ...(timeoutMs !== undefined ? { signal: () => AbortSignal.timeout(timeoutMs) } : {}),
  });
}
