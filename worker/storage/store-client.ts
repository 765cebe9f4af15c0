import type { Redis } from "@upstash/redis/cloudflare";
import { redisFromEnv } from "../redis-client.ts";

// One client per isolate and configuration, so keep-alive connections are reused across requests.
const clients = new Map<string, Redis>();

/**
 * A Redis client for the stores. Automatic deserialisation is off: values are JSON documents
 * parsed where they are read, and a string such as "1" must stay a string. Responses come plain,
 * not base64: every value is UTF-8 JSON text, and skipping the decode measurably lifts throughput
 * (about 10% on POST /events in `npm run bench`). Auto-pipelining is off: it only batches commands
 * issued in the same tick, which one request rarely does, yet it builds a whole Pipeline object
 * (hundreds of command closures) per batch; a CPU profile of POST /events put that at 15% of the
 * worker's time. Callers that want one round trip for several commands use mget or a script.
 */
export function storeRedis(url: string | undefined, token: string | undefined, timeoutMs = 5000): Redis {
  const key = `${url}\n${token}\n${timeoutMs}`;
  let client = clients.get(key);
  if (client === undefined) {
    // Every call is bounded: a store that hangs is an outage (503, or a "no" vote in a
    // transaction), never a request that waits forever.
    client = redisFromEnv({ UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token }, { automaticDeserialization: false, responseEncoding: false, autoPipelining: false, timeoutMs });
    clients.set(key, client);
  }
  return client;
}
