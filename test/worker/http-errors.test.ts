import { describe, expect, it } from "vitest";
import { HTTPException } from "hono/http-exception";
import { ErrorBody } from "../../shared/errors.ts";
import { createApp } from "../../worker/app.ts";
import { ApiError } from "../../worker/http-errors.ts";

/** The error handler, exercised through routes added to the real app for this test. */
function appWith(path: string, handler: () => never) {
  const app = createApp();
  app.get(path, handler);
  return app;
}

describe("handleError", () => {
  it("turns an ApiError into its status, code, message, details and headers", async () => {
    const app = appWith("/conflict", () => {
      throw new ApiError(409, "time_slot_taken", "starts_at overlaps event e1", { details: { conflicts: ["e1"] }, headers: { "Retry-After": "1" } });
    });
    const res = await app.request("/conflict");
    expect(res.status).toBe(409);
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await res.json()).toEqual({ error: { code: "time_slot_taken", message: "starts_at overlaps event e1", details: { conflicts: ["e1"] } } });
  });

  it("gives Hono's own 4xx exceptions the same shape", async () => {
    const app = appWith("/too-big", () => {
      throw new HTTPException(413, { message: "Payload too large" });
    });
    const res = await app.request("/too-big");
    expect(res.status).toBe(413);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("payload_too_large");
  });

  it("answers 500 without leaking the internal message", async () => {
    const app = appWith("/boom", () => {
      throw new Error("secret connection string redis://user:pw@host");
    });
    const res = await app.request("/boom");
    expect(res.status).toBe(500);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.code).toBe("internal_error");
    expect(JSON.stringify(body)).not.toContain("secret");
  });
});
