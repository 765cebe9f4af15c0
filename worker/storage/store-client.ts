import type { Redis } from "@upstash/redis/cloudflare";
import { redisFromEnv } from "../redis-client.ts";

// One client per isolate and configuration, so keep-alive connections are reused across requests.
const clients = new Map<string, Redis>();

/**
 * A Redis client for the stores. Automatic deserialisation is off: values are JSON documents
 * parsed where they are read, and a string such as "1" must stay a string. Responses come plain,
 * not base64: every value is UTF-8 JSON text, and skipping the decode measurably lifts throughput
 * (about 10% on POST /events in `npm run bench`).
 */
export function storeRedis(url: string | undefined, token: string | undefined, timeoutMs = 5000): Redis {
  const key = `${url}\n${token}\n${timeoutMs}`;
  let client = clients.get(key);
  if (client === undefined) {
    // Every call is bounded: a store that hangs is an outage (503, or a "no" vote in a
    // transaction), never a request that waits forever.
    client = redisFromEnv({ UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token }, { automaticDeserialization: false, responseEncoding: false, timeoutMs });
    clients.set(key, client);
  }
  return client;
}
