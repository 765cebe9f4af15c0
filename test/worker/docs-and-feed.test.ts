import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { OPERATIONS } from "../../worker/openapi.ts";
import { call, newTeam } from "./api.ts";

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document whose schemas come from the zod schemas", async () => {
    const res = await call("/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.schemas.EventWrite.required).toEqual(["title", "starts_at"]);
    expect(doc.components.schemas.EventWrite.additionalProperties).toBe(false);
    expect(doc.components.schemas.GoalWrite.properties.progress).toMatchObject({ minimum: 0, maximum: 100 });
    expect(doc.paths["/events"].post.responses["409"].content["application/json"].schema.$ref).toBe("#/components/schemas/Error");
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/\w+/g) ?? [];
    for (const ref of new Set(refs)) expect(doc.components.schemas[ref.split("/").pop()!], ref).toBeDefined();
  });

  it("documents Idempotency-Key on every POST that honours it, with its 422 (and 409 where a duplicate may meet a running first)", async () => {
    const doc = (await (await call("/openapi.json")).json()) as any;
    for (const path of ["/events", "/goals", "/tx", "/tx/{id}/ops", "/tx/{id}/commit", "/tx/{id}/abort", "/admin/teams", "/admin/teams/{team}/members"]) {
      const op = doc.paths[path].post;
      const header = op.parameters.find((p: { name: string }) => p.name === "Idempotency-Key");
      expect(header, path).toMatchObject({ in: "header", required: false, schema: { minLength: 1, maxLength: 255 } });
      expect(op.responses["422"].description, path).toContain("idempotency_key_reused");
    }
    expect(doc.paths["/tx/{id}/commit"].post.responses["409"].description).toContain("idempotency_key_in_use");
    expect(doc.paths["/pomo/skip"].post.parameters).toBeUndefined();
  });

  it("describes every route the app serves, and nothing it does not", () => {
    const served = new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL" && r.path !== "/api/docs")
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(Object.entries(OPERATIONS).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)));
    expect([...served].sort()).toEqual([...documented].sort());
  });
});

describe("GET /docs", () => {
  it("serves interactive docs pointing at /openapi.json, and /api/docs (the original's) redirects there", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain("/openapi.json");
    const old = await call("/api/docs", { redirect: "manual" });
    expect(old.status).toBe(301);
    expect(old.headers.get("location")).toBe("/docs");
  });
});

describe("GET /calendar.ics", () => {
  it("is an RFC 5545 feed that a real parser reads back, event for event", async () => {
    const t = await newTeam();
    const soon = new Date(Date.now() + 86_400_000);
    soon.setUTCHours(10, 0, 0, 0);
    const at = (h: number) => new Date(soon.getTime() + h * 3_600_000).toISOString();
    await t.post("/events", { id: "plan", title: "Planning, with commas; and semicolons", description: "Line one\nLine two ✓", starts_at: at(0), ends_at: at(1) });
    await t.post("/events", { id: "retro", title: "Retro 🎉", starts_at: at(2), calendar: "room-1" });
    await t.patch("/events/retro", { title: "Retro 🎉 (moved)" });

    const res = await call("/calendar.ics", { headers: { authorization: `Bearer ${t.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/calendar; charset=utf-8");
    const text = await res.text();
    const calendar = new ICAL.Component(ICAL.parse(text));
    const events = calendar.getAllSubcomponents("vevent").map((v) => new ICAL.Event(v));
    expect(events.map((e) => e.uid).sort()).toEqual([`plan@${t.team}.groupsync`, `retro@${t.team}.groupsync`]);
    const plan = events.find((e) => e.uid.startsWith("plan@"))!;
    expect(plan.summary).toBe("Planning, with commas; and semicolons");
    expect(plan.description).toBe("Line one\nLine two ✓");
    expect(plan.startDate.toJSDate().toISOString()).toBe(at(0));
    expect(plan.endDate.toJSDate().toISOString()).toBe(at(1));
    const retro = events.find((e) => e.uid.startsWith("retro@"))!;
    expect(retro.summary).toBe("Retro 🎉 (moved)");
    expect(retro.sequence).toBe(1);
  });

  it("takes the token as a query parameter, for calendar apps, and keeps teams apart", async () => {
    const a = await newTeam();
    const b = await newTeam();
    await a.post("/events", { id: "only-a", title: "A's", starts_at: new Date(Date.now() + 3_600_000).toISOString() });
    const feedA = await call(`/calendar.ics?token=${a.token}`);
    expect(feedA.status).toBe(200);
    expect(await feedA.text()).toContain("only-a@");
    const feedB = await call(`/calendar.ics?token=${b.token}`);
    expect(await feedB.text()).not.toContain("only-a");
    expect((await call("/calendar.ics?token=gs_wrong")).status).toBe(401);
    expect((await call(`/events?token=${a.token}`)).status).toBe(401);
  });
});
