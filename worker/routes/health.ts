import { Hono } from "hono";
import type { DependencyCheck, HealthReport } from "../../shared/health.ts";
import { GROUPSYNC_VERSION } from "../../shared/version.ts";
import { configOf, type AppEnv, type StoreAddress } from "../env.ts";
import { redisFromEnv } from "../redis-client.ts";
import { distinctStores } from "../storage/stores.ts";

export const healthRoutes = new Hono<AppEnv>();

/** Readiness: checks every dependency; 503 if any is down, so a load balancer stops sending traffic. */
healthRoutes.get("/health", async (c) => {
  // Every store the worker depends on, checked at the same time: the main one, and the calendar
  // and goals participants' own when they are configured apart.
  const stores = distinctStores(c.env);
  const timeoutMs = configOf(c.env).healthTimeoutMs;
  const results = await Promise.all(stores.map((store) => checkRedis(store, timeoutMs)));
  const checks = Object.fromEntries(stores.map((store, i) => [store.name, results[i]!]));
  const ok = Object.values(checks).every((check) => check.ok);
  const readOnly = Object.entries(checks).filter(([, check]) => check.writable === false);
  const status = !ok ? "unavailable" : readOnly.length > 0 ? "degraded" : "ok";
  const report: HealthReport = {
    status,
    ...(status === "degraded" ? { reason: readOnly.map(([name, check]) => `${name} refuses writes (${check.error}); reads are served, writes answer 503`).join("; ") } : {}),
    version: GROUPSYNC_VERSION,
    time: new Date().toISOString(),
    checks,
  };
  return c.json(report, ok ? 200 : 503, { "Cache-Control": "no-store" });
});

/** Liveness: touches nothing, so it measures the worker alone. */
healthRoutes.get("/ping", (c) => c.json({ ok: true }, 200, { "Cache-Control": "no-store" }));

/** Overwritten by every /health, expiring on its own: the write probe never grows the store. */
const WRITE_PROBE_KEY = "gs:health:write-probe";

async function checkRedis(store: StoreAddress, timeoutMs: number): Promise<DependencyCheck> {
  const started = Date.now();
  try {
    const redis = redisFromEnv({ UPSTASH_REDIS_REST_URL: store.url, UPSTASH_REDIS_REST_TOKEN: store.token }, { timeoutMs, retry: false, autoPipelining: false });
    const pong = await redis.ping();
    if (pong !== "PONG") throw new Error(`unexpected PING reply: ${JSON.stringify(pong)}`);
    // PING answers at maxmemory too, while every write is refused with OOM: try one small write.
    try {
      await redis.set(WRITE_PROBE_KEY, started, { px: 60_000 });
    } catch (error) {
      return { ok: true, writable: false, latency_ms: Date.now() - started, error: describe(error) };
    }
    return { ok: true, writable: true, latency_ms: Date.now() - started };
  } catch (error) {
    return { ok: false, latency_ms: Date.now() - started, error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) return "timed out";
  return error instanceof Error ? error.message : String(error);
}
