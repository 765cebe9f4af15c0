import { describe, expect, it } from "vitest";
import { ErrorBody } from "../../shared/errors.ts";
import { call, newTeam } from "./api.ts";

/** A bad setting is one clear answer naming it, on the first request, never an opaque 500 per route. */
describe("settings are checked once, before any route", () => {
  it.each([
    ["TX_IDLE_TIMEOUT", "soon"],
    ["TX_IDLE_TIMEOUT", "0s"],
    ["STORE_TIMEOUT_MS", "5s"],
    ["STORE_TIMEOUT_MS", "-1"],
    ["HEALTH_TIMEOUT_MS", "fast"],
    ["WEBHOOK_RETRY_UNIT", "fast"],
    ["WEBHOOK_RETRY_UNIT", "0.0ms"],
    ["WEBHOOK_TIMEOUT", "0s"],
    ["WEBHOOK_CATCH_UP_EVERY", "often"],
    ["RATE_LIMIT_WRITES", "fast"],
    ["RATE_LIMIT_ADMIN_FAILURES", "0/1m"],
    ["RATE_LIMIT_TOKEN_FAILURES", "30/soon"],
    ["QUOTA_EVENTS", "0"],
    ["QUOTA_OPEN_TRANSACTIONS", "lots"],
  ])("%s=%s answers 503 misconfigured naming it, on every route", async (setting, value) => {
    const t = await newTeam();
    for (const [path, init] of [
      ["/events", { headers: { authorization: `Bearer ${t.token}` } }],
      ["/goals", { method: "POST", headers: { authorization: `Bearer ${t.token}`, "content-type": "application/json" }, body: JSON.stringify({ title: "x" }) }],
      ["/health", {}],
    ] as const) {
      const res = await call(path, init, { [setting]: value });
      expect(res.status, path).toBe(503);
      const body = ErrorBody.parse(await res.json());
      expect(body.error.code).toBe("misconfigured");
      expect(body.error.message).toContain(setting);
      expect(body.error.message).toContain(JSON.stringify(value));
    }
  });

  it("good values are taken (a valid TX_IDLE_TIMEOUT sets the transaction's deadline)", async () => {
    const t = await newTeam();
    const res = await call("/tx", { method: "POST", headers: { authorization: `Bearer ${t.token}` } }, { TX_IDLE_TIMEOUT: "90s", STORE_TIMEOUT_MS: "4000", HEALTH_TIMEOUT_MS: "" });
    expect(res.status).toBe(201);
    const view = (await res.json()) as { created_at: string; expires_at: string };
    expect(Date.parse(view.expires_at) - Date.parse(view.created_at)).toBe(90_000);
  });
});
