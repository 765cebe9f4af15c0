import { describe, expect, it } from "vitest";
import { documentedMethods } from "../../worker/openapi.ts";
import type { Env } from "../../worker/env.ts";
import { call, newTeam } from "./api.ts";

const APP = "https://app.example";
const withCors = { CORS_ALLOWED_ORIGINS: `${APP}, http://127.0.0.1:5173` };

function preflight(path: string, origin: string, method = "GET") {
  return call(path, { method: "OPTIONS", headers: { origin, "access-control-request-method": method, "access-control-request-headers": "authorization, if-match" } }, withCors);
}

describe("X-Request-Id", () => {
  it("is on every answer: the client's own when well-formed, else a new one", async () => {
    const made = await call("/ping");
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect((await call("/ping")).headers.get("x-request-id")).not.toBe(made.headers.get("x-request-id"));
    const sent = "trace-4f2a:span.9/ok+=";
    expect((await call("/ping", { headers: { "x-request-id": sent } })).headers.get("x-request-id")).toBe(sent);
    // Errors of every kind carry it too: a 404, a 401, a 503 for a broken setting.
    expect((await call("/nowhere", { headers: { "x-request-id": "r-404" } })).headers.get("x-request-id")).toBe("r-404");
    expect((await call("/events", { headers: { "x-request-id": "r-401" } })).headers.get("x-request-id")).toBe("r-401");
    const misconfigured = await call("/ping", { headers: { "x-request-id": "r-503" } }, { STORE_TIMEOUT_MS: "soon" });
    expect(misconfigured.status).toBe(503);
    expect(misconfigured.headers.get("x-request-id")).toBe("r-503");
  });

  it("refuses one that is too long or has unsafe characters with a 400 naming the header, answered under a fresh id", async () => {
    for (const bad of ["x".repeat(129), "has space", "quote\"d", "semi;colon"]) {
      const res = await call("/ping", { headers: { "x-request-id": bad } });
      expect(res.status, bad).toBe(400);
      const body = (await res.json()) as any;
      expect(body.error.details.fields[0].field).toBe("X-Request-Id");
      expect(res.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await call("/ping", { headers: { "x-request-id": "x".repeat(128) } })).status).toBe(200);
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin for every documented route with that route's methods", async () => {
    for (const [path, methods] of Object.entries(documentedMethods())) {
      const concrete = path.replace(/\{\w+\}/g, "x1");
      const res = await preflight(concrete, APP);
      expect(res.status, path).toBe(204);
      expect(res.headers.get("access-control-allow-origin"), path).toBe(APP);
      const expected = methods.map((m) => m.toUpperCase());
      if (expected.includes("GET")) expected.push("HEAD");
      expect(res.headers.get("access-control-allow-methods")!.split(", ").sort(), path).toEqual(expected.sort());
      expect(res.headers.get("access-control-allow-headers"), path).toContain("If-Match");
      expect(res.headers.get("vary"), path).toContain("Origin");
    }
    // With and without a trailing slash, as the routes themselves.
    expect((await preflight("/events/", APP, "POST")).status).toBe(204);
  });

  it("refuses a preflight from an origin not on the list (403 naming it) and one for a path that does not exist (404)", async () => {
    const refused = await preflight("/events", "https://evil.example", "POST");
    expect(refused.status).toBe(403);
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
    const body = (await refused.json()) as any;
    expect(body.error.code).toBe("origin_not_allowed");
    expect(body.error.message).toContain("https://evil.example");
    expect(body.error.message).toContain("CORS_ALLOWED_ORIGINS");
    expect((await preflight("/nowhere", APP)).status).toBe(404);
  });

  it("lets an allowed origin read answers and their headers; others get no Allow-Origin; all say Vary: Origin", async () => {
    const t = await newTeam();
    await t.post("/events", { id: "cors-1", title: "Shared", starts_at: "2031-01-01T10:00:00Z" });
    const read = (origin: string | undefined, overrides: Partial<Env> = withCors) =>
      call("/events/cors-1", { headers: { authorization: `Bearer ${t.token}`, ...(origin ? { origin } : {}) } }, overrides);
    const allowed = await read(APP);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe(APP);
    expect(allowed.headers.get("access-control-expose-headers")).toContain("ETag");
    expect(allowed.headers.get("access-control-expose-headers")).toContain("X-Request-Id");
    expect(allowed.headers.get("access-control-allow-credentials")).toBeNull();
    expect(allowed.headers.get("vary")).toContain("Origin");
    const other = await read("https://evil.example");
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect(other.headers.get("vary")).toContain("Origin");
    // The default is no origin at all.
    expect((await read(APP, {})).headers.get("access-control-allow-origin")).toBeNull();
    // Errors are readable by an allowed page too (it needs the code and message).
    const missing = await call("/events/nope", { headers: { authorization: `Bearer ${t.token}`, origin: APP } }, withCors);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("leaves the dev open team's rule as it was: an allowed origin's page writes with a token, never without", async () => {
    const t = await newTeam();
    const openTeam = { ...withCors, GROUPSYNC_OPEN_TEAM: t.team, ALLOWED_HOSTS: "groupsync.test" };
    const post = (headers: Record<string, string>) =>
      call("/goals", { method: "POST", headers: { "content-type": "application/json", origin: APP, ...headers }, body: JSON.stringify({ title: "From the other page" }) }, openTeam);
    const tokenless = await post({});
    expect(tokenless.status).toBe(403);
    expect(((await tokenless.json()) as any).error.code).toBe("open_team_refused");
    const withToken = await post({ authorization: `Bearer ${t.token}` });
    expect(withToken.status).toBe(201);
    expect(withToken.headers.get("access-control-allow-origin")).toBe(APP);
  });

  it("refuses a CORS_ALLOWED_ORIGINS entry that is not an origin with a 503 naming the setting", async () => {
    for (const bad of ["*", "app.example", "https://app.example/", "https://app.example/path", "ftp://files.example"]) {
      const res = await call("/ping", {}, { CORS_ALLOWED_ORIGINS: bad });
      expect(res.status, bad).toBe(503);
      expect(((await res.json()) as any).error.details.setting).toBe("CORS_ALLOWED_ORIGINS");
    }
    const pre = await call("/events", { method: "OPTIONS", headers: { origin: APP, "access-control-request-method": "GET" } }, { CORS_ALLOWED_ORIGINS: "*" });
    expect(pre.status).toBe(503);
  });
});
