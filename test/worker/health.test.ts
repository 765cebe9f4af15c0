import { describe, expect, it } from "vitest";
import { ErrorBody } from "../../shared/errors.ts";
import { HealthReport } from "../../shared/health.ts";
import { call } from "./api.ts";

describe("GET /health", () => {
  it("reports Redis ok, with its latency, through the real gateway", async () => {
    const res = await call("/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const report = HealthReport.parse(await res.json());
    expect(report.status).toBe("ok");
    expect(report.checks.redis).toMatchObject({ ok: true });
    expect(report.checks.redis!.latency_ms).toBeLessThan(2000);
  });

  it("answers 503 quickly when the gateway is unreachable", async () => {
    const started = Date.now();
    const res = await call("/health", {}, { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" });
    expect(res.status).toBe(503);
    const report = HealthReport.parse(await res.json());
    expect(report.status).toBe("unavailable");
    expect(report.checks.redis).toMatchObject({ ok: false });
    expect(report.checks.redis!.error).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("answers 503 naming the problem when the token is wrong", async () => {
    const res = await call("/health", {}, { UPSTASH_REDIS_REST_TOKEN: "not-the-gateway-token" });
    expect(res.status).toBe(503);
    expect(HealthReport.parse(await res.json()).checks.redis!.error).toMatch(/Unauthorized/);
  });

  it("answers 503 naming the missing setting when Redis is not configured", async () => {
    const res = await call("/health", {}, { UPSTASH_REDIS_REST_URL: "" });
    expect(res.status).toBe(503);
    expect(HealthReport.parse(await res.json()).checks.redis!.error).toBe("UPSTASH_REDIS_REST_URL is not set");
  });

  it("answers HEAD without a body", async () => {
    const res = await call("/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});

describe("GET /ping", () => {
  it("answers without touching any dependency", async () => {
    const res = await call("/ping", {}, { UPSTASH_REDIS_REST_URL: "" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });
});

describe("errors share one shape", () => {
  it("404 for an unknown route", async () => {
    const res = await call("/no/such/route");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect(ErrorBody.parse(await res.json())).toEqual({ error: { code: "not_found", message: "No route for GET /no/such/route" } });
  });

  it.each(["POST", "PUT", "PATCH", "DELETE"])("405 with Allow for %s on a GET-only route", async (method) => {
    const res = await call("/health", { method });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const body = ErrorBody.parse(await res.json());
    expect(body.error.code).toBe("method_not_allowed");
    expect(body.error.message).toContain(method);
  });

  it("OPTIONS lists the allowed methods", async () => {
    const res = await call("/ping", { method: "OPTIONS" });
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toBe("GET, HEAD");
  });
});
