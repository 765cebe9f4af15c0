import { Hono } from "hono";
import { z } from "zod";
import { HealthReport, type DependencyCheck } from "../../shared/health.ts";
import { documented } from "../api-doc.ts";
import { GROUPSYNC_VERSION } from "../../shared/version.ts";
import { configOf, type AppEnv, type StoreAddress } from "../env.ts";
import { redisFromEnv } from "../redis-client.ts";
import { distinctStores } from "../storage/stores.ts";

export const healthRoutes = new Hono<AppEnv>();

/** Readiness: checks every dependency; 503 if any is down, so a load balancer stops sending traffic. */
healthRoutes.get(
  "/health",
  documented(
    {
      operationId: "getHealth",
      summary: "Readiness: each dependency checked",
      description: "Pings every store the worker depends on (the main one, and the calendar and goals participants' own when configured apart), all at once, each within HEALTH_TIMEOUT_MS. 503 when any is down, so a load balancer stops sending traffic.",
      tag: "service",
      auth: "none",
      responses: {
        200: { description: "Every dependency is ok", json: HealthReport, headers: ["Cache-Control"] },
        503: { description: "A dependency is down (the report says which), or the deployment is misconfigured (the error shape)", json: HealthReport, headers: ["Cache-Control"] },
      },
    },
    async (c) => {
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
    },
  ),
);

export const Pong = z.object({ ok: z.literal(true) });

/** Liveness: touches nothing, so it measures the worker alone. */
healthRoutes.get(
  "/ping",
  documented(
    {
      operationId: "ping",
      summary: "Liveness: touches nothing",
      description: "Answers `{\"ok\": true}` without touching any store, so it measures the worker alone (the dev supervisor watches it with HEAD).",
      tag: "service",
      auth: "none",
      responses: { 200: { description: "Alive", json: Pong, headers: ["Cache-Control"] } },
    },
    (c) => c.json({ ok: true }, 200, { "Cache-Control": "no-store" }),
  ),
);

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
