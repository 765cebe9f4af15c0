import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../dev/ports.ts";
import { startWranglerDev, type RunningWorker } from "../../dev/wrangler-dev.ts";
import { ErrorBody } from "../../shared/errors.ts";
import { HealthReport } from "../../shared/health.ts";
import { startTestGateway, startTestRedis, stopAll, tempDir, track, type TestRedis } from "../helpers/processes.ts";

/** The real worker under `wrangler dev`, with the real gateway and redis-server behind it. */
let redis: TestRedis;
let worker: RunningWorker;

beforeAll(async () => {
  redis = await startTestRedis();
  const gateway = await startTestGateway(redis.url);
  worker = track(
    await startWranglerDev({
      port: await freePort(),
      persistDir: tempDir("groupsync-wrangler-"),
      vars: { GROUPSYNC_ENV: "test", UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: gateway.token },
    }),
  );
});

afterAll(stopAll);

async function health() {
  const res = await fetch(`${worker.url}/health`);
  return { status: res.status, report: HealthReport.parse(await res.json()) };
}

describe("the worker under wrangler dev", () => {
  it("reports Redis ok, goes 503 while Redis is down, and recovers when it restarts", async () => {
    expect((await health()).status).toBe(200);

    redis.process.signal("SIGKILL");
    await redis.process.exited;
    const started = Date.now();
    const down = await health();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(down.status).toBe(503);
    expect(down.report.checks.redis).toMatchObject({ ok: false });
    expect(down.report.checks.redis!.error).toMatch(/unreachable/);

    redis = await redis.restart();
    await expect.poll(async () => (await health()).status, { timeout: 10_000, interval: 200 }).toBe(200);
  });

  it("says degraded, naming why, while Redis is at maxmemory (PING answers, writes are refused with OOM), and ok again after", async () => {
    const admin = createClient({ url: redis.url });
    await admin.connect();
    try {
      await admin.configSet("maxmemory", "1");
      const full = await health();
      expect(full.status).toBe(200);
      expect(full.report.status).toBe("degraded");
      expect(full.report.checks.redis).toMatchObject({ ok: true, writable: false, error: expect.stringContaining("OOM") });
      expect(full.report.reason).toMatch(/^redis refuses writes \(.*OOM.*\); reads are served, writes answer 503$/);
    } finally {
      await admin.configSet("maxmemory", "0");
      await admin.quit();
    }
    const after = await health();
    expect(after.report).toMatchObject({ status: "ok", checks: { redis: { ok: true, writable: true } } });
    expect(after.report.reason).toBeUndefined();
  });

  it("answers unknown routes and methods with the error shape", async () => {
    const missing = await fetch(`${worker.url}/nope`);
    expect(missing.status).toBe(404);
    expect(ErrorBody.parse(await missing.json()).error.code).toBe("not_found");
    const wrongMethod = await fetch(`${worker.url}/health`, { method: "DELETE" });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("GET, HEAD");
  });
});
