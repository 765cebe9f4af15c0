import { Redis } from "@upstash/redis/cloudflare";
import { env } from "cloudflare:workers";
import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { createApp } from "../../worker/app.ts";
import { FEED_DEFAULT_FUTURE_DAYS, FEED_DEFAULT_PAST_DAYS } from "../../worker/calendar/feed-routes.ts";
import { calendarFeed } from "../../worker/calendar/ics.ts";
import { buildDocument, documentedMethods } from "../../worker/openapi.ts";
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
    // Each error status lists its codes, each code's shape (and typed details) a component of its own.
    const conflicts = doc.paths["/events"].post.responses["409"].content["application/json"].schema.anyOf.map((s: { $ref: string }) => s.$ref);
    expect(conflicts).toEqual(expect.arrayContaining(["#/components/schemas/Error_time_slot_taken", "#/components/schemas/Error_lock_conflict", "#/components/schemas/Error_quota_exceeded"]));
    expect(doc.components.schemas.Error_quota_exceeded.properties.error.properties.details.properties.limit.type).toBe("integer");
    expect(doc.components.schemas.Event.properties.version.readOnly).toBe(true);
    expect(doc.components.schemas.EventWrite.properties.version).toBeUndefined();
    for (const field of ["created_at", "created_by"]) expect(doc.components.schemas.Webhook.properties[field].readOnly, field).toBe(true);
    // details is required where every answer with the code sends it (a client narrowing on code reads it), optional elsewhere.
    const errorFields = (code: string) => doc.components.schemas[`Error_${code}`].properties.error;
    expect(errorFields("time_slot_taken").required).toEqual(["code", "message", "details"]);
    expect(errorFields("validation_failed").required).toContain("details");
    expect(errorFields("not_found").required).toEqual(["code", "message"]);
    expect(errorFields("misconfigured").required).toEqual(["code", "message"]);
    // A failed token or admin secret is counted, so its 401 carries the RateLimit headers: declared there.
    for (const [path, method] of [["/events", "get"], ["/admin/teams", "post"]] as const) {
      expect(Object.keys(doc.paths[path][method].responses["401"].headers), `${method} ${path}`).toEqual(expect.arrayContaining(["RateLimit", "RateLimit-Policy", "WWW-Authenticate"]));
    }
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
    // No Idempotency-Key where it is not honoured: only the X-Request-Id every operation takes.
    expect(doc.paths["/pomo/skip"].post.parameters).toEqual([{ $ref: "#/components/parameters/X-Request-Id" }]);
  });

  it("documents If-None-Match and 304 on every GET with a validator, If-Modified-Since where there is a time, and the feed's window", async () => {
    const doc = (await (await call("/openapi.json")).json()) as any;
    const names = (op: any) => (op.parameters ?? []).map((p: { name: string }) => p.name);
    for (const path of ["/events", "/events/{id}", "/goals", "/goals/{id}", "/calendar.ics", "/openapi.json", "/docs", "/docs/{asset}"]) {
      expect(doc.paths[path].get.responses["304"], path).toBeDefined();
      expect(names(doc.paths[path].get), path).toContain("If-None-Match");
    }
    expect(names(doc.paths["/events/{id}"].get)).toContain("If-Modified-Since");
    expect(names(doc.paths["/calendar.ics"].get)).toEqual(expect.arrayContaining(["from", "to", "calendar", "token"]));
    expect(doc.components.headers["X-Request-Id"].schema.pattern).toBeDefined();
  });

  it("describes every route the app serves, and nothing it does not", () => {
    const served = new Set(
      createApp()
        .routes.filter((r) => r.method !== "ALL" && r.path !== "/api/docs")
        .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, "{$1}")}`),
    );
    const documented = new Set(Object.entries(documentedMethods()).flatMap(([path, methods]) => methods.map((m) => `${m} ${path}`)));
    expect([...served].sort()).toEqual([...documented].sort());
  });
});

describe("the document built from the routes", () => {
  it("leaves out a route that does not describe itself, so the check above would fail on it", () => {
    const routes = createApp().routes;
    const withoutCheckIns = buildDocument(routes.filter((r) => !(r.method === "POST" && r.path === "/goals/:id/check-ins"))) as any;
    expect(withoutCheckIns.paths["/goals/{id}/check-ins"].post).toBeUndefined();
    const generated = buildDocument(routes) as any;
    expect(generated.paths["/goals/{id}/check-ins"].post.operationId).toBe("checkInOnGoal");
    expect(generated.paths["/members/{member}/availability"].put.operationId).toBe("setAvailability");
  });
});

describe("GET /docs", () => {
  it("serves interactive docs pointing at /openapi.json, and /api/docs (the original's) redirects there", async () => {
    const res = await call("/docs");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    expect(await res.text()).toContain('src="/docs/init.js"');
    expect(await (await call("/docs/init.js")).text()).toContain('url: "/openapi.json"');
    const old = await call("/api/docs", { redirect: "manual" });
    expect(old.status).toBe(301);
    expect(old.headers.get("location")).toBe("/docs");
  });

  it("loads nothing from elsewhere: its scripts and styles are the worker's own, and its CSP allows only those", async () => {
    const page = await call("/docs");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script: every one has a src
    expect(page.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    for (const [asset, type, marker, reference] of [
      ["/docs/swagger-ui-bundle.js", "text/javascript", "SwaggerUIBundle", "src"],
      ["/docs/swagger-ui.css", "text/css", ".swagger-ui", "href"],
      ["/docs/init.js", "text/javascript", "/openapi.json", "src"],
    ] as const) {
      expect(html).toContain(`${reference}="${asset}"`);
      const res = await call(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type"), asset).toContain(type);
      expect(await res.text(), asset).toContain(marker);
      expect((await call(asset, { headers: { "if-none-match": res.headers.get("etag")! } })).status, asset).toBe(304);
    }
    expect((await call("/docs/other.js")).status).toBe(404);
  });

  it("/openapi.json has an ETag, and a client holding it gets a 304", async () => {
    const doc = await call("/openapi.json");
    const tag = doc.headers.get("etag")!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const again = await call("/openapi.json", { headers: { "if-none-match": tag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe("");
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

describe("GET /calendar.ics: window, time zones, refresh, ETag", () => {
  const DAY = 86_400_000;
  const today = Math.floor(Date.now() / DAY) * DAY;
  const dayAt = (days: number) => new Date(today + days * DAY + 10 * 3_600_000).toISOString();
  const feed = (token: string, query = "", headers: Record<string, string> = {}) => call(`/calendar.ics?token=${token}${query}`, { headers });
  const uids = async (res: Response) => [...(await res.text()).matchAll(/^UID:(\S+)@/gm)].map((m) => m[1]).sort();

  it("covers a year back to two years ahead by default; ?from=&to= choose another window, checked like the listing's", async () => {
    const t = await newTeam();
    for (const [id, days] of [["past-400", -400], ["past-300", -300], ["future-700", 700], ["future-740", 740]] as const) {
      expect((await t.post("/events", { id, title: id, starts_at: dayAt(days) })).status).toBe(201);
    }
    expect(await uids(await feed(t.token))).toEqual(["future-700", "past-300"]);
    expect(await uids(await feed(t.token, `&from=${dayAt(-500)}&to=${dayAt(800)}`))).toEqual(["future-700", "future-740", "past-300", "past-400"]);
    expect(await uids(await feed(t.token, `&from=${dayAt(-500)}&to=${dayAt(-350)}`))).toEqual(["past-400"]);
    const backwards = await feed(t.token, `&from=${dayAt(5)}&to=${dayAt(1)}`);
    expect(backwards.status).toBe(400);
    expect(((await backwards.json()) as any).error.details.fields[0].field).toBe("to");
    const unreadable = await feed(t.token, "&from=last-week");
    expect(unreadable.status).toBe(400);
    expect(((await unreadable.json()) as any).error.details.fields[0].field).toBe("from");
  });

  it("tells calendar apps how often to refresh (REFRESH-INTERVAL and X-PUBLISHED-TTL)", async () => {
    const t = await newTeam();
    const text = await (await feed(t.token)).text();
    expect(text).toContain("REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n");
    expect(text).toContain("X-PUBLISHED-TTL:PT15M\r\n");
  });

  it("keeps an event's time zone: its wall-clock time there, with TZID, across daylight saving time", () => {
    const base = { description: "", calendar: "team", created_by: "ana", created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z", version: 1 };
    const text = calendarFeed("tz", [
      { ...base, id: "winter", title: "Winter", starts_at: "2026-12-02T09:00:00.000Z", ends_at: "2026-12-02T10:30:00.000Z", time_zone: "Europe/Berlin" },
      { ...base, id: "summer", title: "Summer", starts_at: "2026-07-01T08:00:00.000Z", ends_at: "2026-07-01T09:00:00.000Z", time_zone: "Europe/Berlin" },
      { ...base, id: "half", title: "Half hour zone", starts_at: "2026-07-01T08:00:00.000Z", ends_at: "2026-07-01T09:00:00.000Z", time_zone: "Asia/Kolkata" },
      { ...base, id: "utc", title: "No zone", starts_at: "2026-07-01T08:00:00.000Z", ends_at: "2026-07-01T09:00:00.000Z" },
      { ...base, id: "bogus", title: "Unknown zone", starts_at: "2026-07-01T08:00:00.000Z", ends_at: "2026-07-01T09:00:00.000Z", time_zone: "Mars/Olympus" },
    ]);
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20261202T100000\r\nDTEND;TZID=Europe/Berlin:20261202T113000");
    expect(text).toContain("DTSTART;TZID=Europe/Berlin:20260701T100000");
    expect(text).toContain("DTSTART;TZID=Asia/Kolkata:20260701T133000");
    expect(text.match(/DTSTART:20260701T080000Z/g)).toHaveLength(2);
  });

  it("folds long lines at 75 octets without splitting a character, and a parser reads them back whole", () => {
    const base = { calendar: "team", created_by: "ana", created_at: "2026-01-01T00:00:00.000Z", updated_at: "2026-01-01T00:00:00.000Z", version: 1 };
    const description = "Ünïcödé ✓ 🎉 中文, semi; back\\slash\n".repeat(120);
    const title = "🎉".repeat(50) + "x" + "é".repeat(60);
    const text = calendarFeed("fold", [{ ...base, id: "long", title, description, starts_at: "2026-07-01T08:00:00.000Z", ends_at: "2026-07-01T09:00:00.000Z" }]);
    const encoder = new TextEncoder();
    for (const line of text.split("\r\n")) expect(encoder.encode(line).length, line).toBeLessThanOrEqual(75);
    // RFC 5545 3.1: every content line ends with CRLF, the last one too.
    expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
    expect(text.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    expect(text).not.toContain("\uFFFD");
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent("vevent")!);
    expect(event.description).toBe(description);
    expect(event.summary).toBe(title);
  });

  it("has a strong ETag of its content: an unchanged feed's refresh is a bodiless 304, also after changes elsewhere in the team; a calendar change is a new feed", async () => {
    const t = await newTeam();
    await t.post("/events", { id: "e1", title: "One", starts_at: dayAt(2) });
    const first = await feed(t.token);
    const tag = first.headers.get("etag")!;
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    const refresh = await feed(t.token, "", { "if-none-match": tag });
    expect(refresh.status).toBe(304);
    expect(await refresh.text()).toBe("");
    expect(refresh.headers.get("etag")).toBe(tag);
    // A goal moves the team's change counter, not the calendar: rendered again, same tag, 304.
    await t.post("/goals", { title: "Unrelated" });
    expect((await feed(t.token, "", { "if-none-match": tag })).status).toBe(304);
    // Another window with the same events is the same content, so the same tag; a filter that drops them is not.
    expect((await feed(t.token, `&from=${dayAt(-1)}&to=${dayAt(3)}`)).headers.get("etag")).toBe(tag);
    expect((await feed(t.token, "&calendar=other")).headers.get("etag")).not.toBe(tag);
    await t.patch("/events/e1", { title: "One, renamed" });
    const changed = await feed(t.token, "", { "if-none-match": tag });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain("One\\, renamed");
    expect(changed.headers.get("etag")).not.toBe(tag);
  });

  it("an event deleted and created again the same (a new created_at) is a new feed: the old tag is a 200, not a 304", async () => {
    const t = await newTeam();
    const event = { id: "again", title: "Again", starts_at: dayAt(2) };
    const first = (await t.post("/events", event)).json;
    const tag = (await feed(t.token)).headers.get("etag")!;
    expect((await t.delete("/events/again")).status).toBe(204);
    // The feed's times (CREATED) have whole seconds: in the same second the feed is the same bytes, and a 304 is right.
    while (Math.floor(Date.now() / 1000) === Math.floor(Date.parse(first.created_at) / 1000)) await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await t.post("/events", event)).json.version).toBe(1);
    const again = await feed(t.token, "", { "if-none-match": tag });
    expect(again.status).toBe(200);
    expect(again.headers.get("etag")).not.toBe(tag);
    expect((await feed(t.token, "", { "if-none-match": again.headers.get("etag")! })).status).toBe(304);
  });

  it("answers a refresh from the remembered tag while the team's counter has not moved, without rendering", async () => {
    const t = await newTeam();
    await t.post("/events", { id: "e1", title: "One", starts_at: dayAt(2) });
    await feed(t.token);
    const redis = new Redis({ url: env.UPSTASH_REDIS_REST_URL!, token: env.UPSTASH_REDIS_REST_TOKEN!, automaticDeserialization: false });
    // The default window's entry (whole team, all calendars).
    const key = `gs:{${t.team}}:ics-tag:*:${today - FEED_DEFAULT_PAST_DAYS * DAY}:${today + FEED_DEFAULT_FUTURE_DAYS * DAY}`;
    let stored: string | null = null;
    for (let i = 0; i < 50 && stored === null; i++) {
      stored = await redis.get<string>(key);
      if (stored === null) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [counter] = stored!.split(" ");
    // A tag no rendering could give: only the remembered one can answer it.
    await redis.set(key, `${counter} "remembered"`);
    expect((await feed(t.token, "", { "if-none-match": '"remembered"' })).status).toBe(304);
    await t.post("/events", { id: "e2", title: "Two", starts_at: dayAt(3) });
    expect((await feed(t.token, "", { "if-none-match": '"remembered"' })).status).toBe(200);
  });
});
