import { describe, expect, it } from "vitest";
import { Event, EventList } from "../../shared/calendar.ts";
import { ErrorBody } from "../../shared/errors.ts";
import { call, newTeam, tagOf } from "./api.ts";

const slot = (start: string, end?: string, extra: Record<string, unknown> = {}) => ({ title: "Meeting", starts_at: start, ...(end ? { ends_at: end } : {}), ...extra });

describe("POST /events", () => {
  it("books a slot and answers with the stored event, its ETag and Location", async () => {
    const t = await newTeam();
    const res = await t.post("/events", { id: "standup", title: "Standup", starts_at: "2026-03-02T09:00:00Z", ends_at: "2026-03-02T09:15:00Z", description: "daily" });
    expect(res.status).toBe(201);
    const event = Event.parse(res.json);
    expect(event).toMatchObject({ id: "standup", title: "Standup", calendar: "team", description: "daily", created_by: "ana", version: 1 });
    expect(event.starts_at).toBe("2026-03-02T09:00:00.000Z");
    expect(res.headers.get("etag")).toBe(`"1@${event.created_at}"`);
    expect(res.headers.get("location")).toBe("/events/standup");
    expect((await t.get("/events/standup")).json).toEqual(event);
  });

  it("accepts the original README's example as written: trailing slash, no offset, form content type", async () => {
    const t = await newTeam();
    const res = await call("/events/", {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: '{"id":"meeting1","title":"Sync","starts_at":"2024-01-15T10:00:00","ends_at":"2024-01-15T11:00:00"}',
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: "meeting1", starts_at: "2024-01-15T10:00:00.000Z", ends_at: "2024-01-15T11:00:00.000Z" });
    expect((await t.get("/events/")).json.events).toHaveLength(1);
  });

  it("applies a 1 h default length when ends_at is missing, and shows it", async () => {
    const t = await newTeam();
    const res = await t.post("/events", { id: "e1", title: "Meeting", starts_at: "2024-12-20T14:00:00" });
    expect(res.status).toBe(201);
    expect(res.json.ends_at).toBe("2024-12-20T15:00:00.000Z");
  });

  it("generates an id when none is given", async () => {
    const t = await newTeam();
    const res = await t.post("/events", slot("2026-03-02T10:00:00Z"));
    expect(res.status).toBe(201);
    expect(res.json.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("refuses a taken id with event_exists", async () => {
    const t = await newTeam();
    await t.post("/events", slot("2026-03-02T10:00:00Z", undefined, { id: "dup" }));
    const res = await t.post("/events", slot("2026-03-03T10:00:00Z", undefined, { id: "dup" }));
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("event_exists");
  });

  it.each([
    ["ends_at before starts_at", slot("2026-03-02T10:00:00Z", "2026-03-02T09:00:00Z"), "ends_at", /after starts_at/],
    ["ends_at equal to starts_at", slot("2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"), "ends_at", /after starts_at/],
    ["a 40-day meeting", slot("2026-03-02T10:00:00Z", "2026-04-11T10:00:00Z"), "ends_at", /the most is 31 days/],
    ["a bad datetime", slot("2026-02-30T10:00:00Z"), "starts_at", /day 30/],
    ["a date without time", slot("2026-03-02"), "starts_at", /ISO 8601/],
    ["a missing title", { starts_at: "2026-03-02T10:00:00Z" }, "title", /is required/],
    ["a number as title", { title: 42, starts_at: "2026-03-02T10:00:00Z" }, "title", /must be a string/],
    ["an unknown field", { ...slot("2026-03-02T10:00:00Z"), start_at: "x" }, "start_at", /not a known field/],
    ["an id with a slash", slot("2026-03-02T10:00:00Z", undefined, { id: "../etc" }), "id", /letters, digits/],
  ])("answers 400 naming the field for %s", async (_name, body, field, message) => {
    const t = await newTeam();
    const res = await t.post("/events", body);
    expect(res.status).toBe(400);
    const error = ErrorBody.parse(res.json).error;
    expect(error.code).toBe("validation_failed");
    expect(error.message).toContain(field);
    expect(error.details).toEqual({ fields: expect.arrayContaining([expect.objectContaining({ field, message: expect.stringMatching(message) })]) });
    expect((await t.get("/events")).json.events).toEqual([]);
  });
});

describe("the edges of time: 1970-01-01 to 9999-12-31, never a 5xx", () => {
  const last = "9999-12-31T23:59:59.999Z";

  it.each([
    ["a start within 1 h of the end of 9999, without ends_at", slot("9999-12-31T23:30:00Z"), "ends_at", /^is required when starts_at is less than 1 h before 9999-12-31T23:59:59.999Z/],
    ["the very last instant as start, without ends_at", slot(last), "ends_at", /is required when starts_at/],
    ["the very last instant as start and end", slot(last, last), "ends_at", /after starts_at/],
    ["year 0000", slot("0000-01-01T00:00:00Z"), "starts_at", /outside the years 1970 to 9999/],
    ["an end past 9999 through its offset", slot("9999-12-31T22:00:00Z", "9999-12-31T23:59:59-01:00"), "ends_at", /outside the years 1970 to 9999/],
    ["a start before 1970 through its offset", slot("1970-01-01T00:30:00+01:00"), "starts_at", /outside the years 1970 to 9999/],
    ["a five-digit year", slot("10000-01-01T00:00:00Z"), "starts_at", /ISO 8601/],
  ])("answers 400 naming the field for %s", async (_name, body, field, message) => {
    const t = await newTeam();
    for (const attempt of [() => t.post("/events", body), () => t.post("/tx", { ops: [{ type: "calendar.create", data: body }], commit: true })]) {
      const res = await attempt();
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      const fields = res.json.error.details.fields as Array<{ field: string; message: string }>;
      expect(fields.some((f) => f.field.replace(/^data\./, "") === field && message.test(f.message)), JSON.stringify(fields)).toBe(true);
    }
    expect((await t.get("/events")).json.events).toEqual([]);
  });

  it("books, lists, moves and deletes events that touch either end of the range", async () => {
    const t = await newTeam();
    const first = await t.post("/events", slot("1970-01-01T01:00:00+01:00", undefined, { id: "first" }));
    expect(first.status).toBe(201);
    expect(first.json).toMatchObject({ starts_at: "1970-01-01T00:00:00.000Z", ends_at: "1970-01-01T01:00:00.000Z" });
    const lastOne = await t.post("/events", slot("9999-12-31T22:59:59.999Z", undefined, { id: "last" }));
    expect(lastOne.status).toBe(201);
    expect(lastOne.json.ends_at).toBe(last);
    const withOffset = await t.post("/events", slot("9999-12-31T20:00:00-01:00", "9999-12-31T22:00:00-01:00", { id: "offset", calendar: "other" }));
    expect(withOffset.json).toMatchObject({ starts_at: "9999-12-31T21:00:00.000Z", ends_at: "9999-12-31T23:00:00.000Z" });
    // Touching the last instant conflicts; the window up to it lists both.
    expect((await t.post("/events", slot("9999-12-31T23:00:00Z", last))).json.error.code).toBe("time_slot_taken");
    expect((await t.get(`/events?from=9999-12-31T00:00:00Z&to=${last}`)).json.events.map((e: { id: string }) => e.id)).toEqual(["offset", "last"]);
    expect((await t.get("/events?to=1970-01-01T00:00:00.001Z")).json.events.map((e: { id: string }) => e.id)).toEqual(["first"]);
    // Moving only starts_at keeps the length; where that would end past 9999 it is a 400, not a 500.
    const tooLate = await t.patch("/events/first", { starts_at: "9999-12-31T23:30:00Z" });
    expect(tooLate.status).toBe(400);
    expect(tooLate.json.error.details.fields).toEqual([{ field: "starts_at", message: "moves the end past 9999-12-31T23:59:59.999Z (the event keeps its length of 1 h); give ends_at too" }]);
    const txTooLate = await t.post("/tx", { ops: [{ type: "calendar.update", id: "first", data: { starts_at: "9999-12-31T23:30:00Z" } }], commit: true });
    expect(txTooLate.status).toBe(400);
    expect(txTooLate.json.error.details.fields[0].field).toBe("data.starts_at");
    const moved = await t.patch("/events/first", { starts_at: "9999-12-31T23:30:00Z", ends_at: last, calendar: "third" });
    expect(moved.json).toMatchObject({ starts_at: "9999-12-31T23:30:00.000Z", ends_at: last, version: 2 });
    for (const id of ["first", "last", "offset"]) expect((await t.delete(`/events/${id}`)).status).toBe(204);
    expect((await t.get("/events")).json.events).toEqual([]);
  });

  it("goals take due dates at either end and refuse them outside", async () => {
    const t = await newTeam();
    expect((await t.post("/goals", { title: "Late", due: "9999-12-31T23:59:59.999Z" })).json.due).toBe(last);
    expect((await t.post("/goals", { title: "Early", due: "1970-01-01T01:00:00+01:00" })).json.due).toBe("1970-01-01T00:00:00.000Z");
    for (const due of ["0000-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00"]) {
      const res = await t.post("/goals", { title: "Out", due });
      expect(res.status).toBe(400);
      expect(res.json.error.details.fields[0].field).toBe("due");
    }
  });
});

describe("conflicts: half-open intervals on one calendar, compared as UTC instants", () => {
  it.each([
    ["a partial overlap", ["14:00", "15:00"], ["14:30", "15:30"]],
    ["an overlap from before", ["14:00", "15:00"], ["13:30", "14:30"]],
    ["containment", ["14:00", "15:00"], ["14:15", "14:45"]],
    ["being contained", ["14:15", "14:45"], ["14:00", "15:00"]],
    ["the same slot", ["14:00", "15:00"], ["14:00", "15:00"]],
  ])("%s is refused with time_slot_taken naming the event", async (_name, [s1, e1], [s2, e2]) => {
    const t = await newTeam();
    await t.post("/events", { id: "first", title: "First", starts_at: `2026-03-02T${s1}:00Z`, ends_at: `2026-03-02T${e1}:00Z` });
    const res = await t.post("/events", slot(`2026-03-02T${s2}:00Z`, `2026-03-02T${e2}:00Z`));
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("time_slot_taken");
    expect(res.json.error.details.conflicts).toEqual([{ id: "first", title: "First", starts_at: `2026-03-02T${s1}:00.000Z`, ends_at: `2026-03-02T${e1}:00.000Z` }]);
  });

  it("sees equal instants written with different offsets as the same time", async () => {
    const t = await newTeam();
    await t.post("/events", slot("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z", { id: "utc" }));
    const res = await t.post("/events", slot("2026-03-02T16:00:00+02:00", "2026-03-02T17:00:00+02:00"));
    expect(res.status).toBe(409);
    expect(res.json.error.details.conflicts[0].id).toBe("utc");
  });

  it("lets back-to-back events through (10-11 then 11-12, and 9-10 before)", async () => {
    const t = await newTeam();
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z"))).status).toBe(201);
    expect((await t.post("/events", slot("2026-03-02T11:00:00Z", "2026-03-02T12:00:00Z"))).status).toBe(201);
    expect((await t.post("/events", slot("2026-03-02T09:00:00Z", "2026-03-02T10:00:00Z"))).status).toBe(201);
  });

  it("reports every event a long booking collides with", async () => {
    const t = await newTeam();
    for (const [id, h] of [["a", "09"], ["b", "11"], ["c", "13"]] as const) {
      expect((await t.post("/events", slot(`2026-03-02T${h}:00:00Z`, `2026-03-02T${h}:30:00Z`, { id }))).status).toBe(201);
    }
    const res = await t.post("/events", slot("2026-03-02T09:15:00Z", "2026-03-02T13:15:00Z"));
    expect(res.json.error.details.conflicts.map((c: { id: string }) => c.id).sort()).toEqual(["a", "b", "c"]);
  });

  it("keeps calendars apart: the same slot on another calendar is free", async () => {
    const t = await newTeam();
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z"))).status).toBe(201);
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z", undefined, { calendar: "room-1" }))).status).toBe(201);
    expect((await t.post("/events", slot("2026-03-02T10:30:00Z", undefined, { calendar: "room-1" }))).status).toBe(409);
  });

  it.each([5, 20, 100])("%i concurrent bookings of one slot: exactly one 201, all others 409", async (n) => {
    const t = await newTeam();
    const results = await Promise.all(Array.from({ length: n }, (_, i) => t.post("/events", slot("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z", { id: `try-${i}` }))));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(n - 1);
    expect(results.filter((r) => r.status === 409).every((r) => r.json.error.code === "time_slot_taken")).toBe(true);
    expect((await t.get("/events")).json.events).toHaveLength(1);
  });
});

describe("PUT, PATCH and DELETE", () => {
  async function twoEvents() {
    const t = await newTeam();
    await t.post("/events", slot("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", { id: "a" }));
    await t.post("/events", slot("2026-03-02T12:00:00Z", "2026-03-02T13:00:00Z", { id: "b" }));
    return t;
  }

  it("PATCH into a taken slot is refused and changes nothing", async () => {
    const t = await twoEvents();
    const before = (await t.get("/events/b")).json;
    const res = await t.patch("/events/b", { starts_at: "2026-03-02T10:30:00Z", ends_at: "2026-03-02T11:30:00Z" });
    expect(res.status).toBe(409);
    expect(res.json.error.details.conflicts[0].id).toBe("a");
    expect((await t.get("/events/b")).json).toEqual(before);
  });

  it("PUT into a taken slot is refused and changes nothing", async () => {
    const t = await twoEvents();
    const before = (await t.get("/events/b")).json;
    const res = await t.put("/events/b", { title: "Moved", starts_at: "2026-03-02T09:30:00Z", ends_at: "2026-03-02T10:30:00Z" });
    expect(res.status).toBe(409);
    expect((await t.get("/events/b")).json).toEqual(before);
  });

  it("an update never collides with itself: shifting within its own slot works", async () => {
    const t = await twoEvents();
    const res = await t.patch("/events/a", { starts_at: "2026-03-02T10:30:00Z", ends_at: "2026-03-02T11:30:00Z" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ starts_at: "2026-03-02T10:30:00.000Z", version: 2 });
    expect(res.headers.get("etag")).toBe(tagOf(res.json));
    // and the slot it left is free
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z"))).status).toBe(201);
  });

  it("PATCH moving only starts_at keeps the event's length", async () => {
    const t = await twoEvents();
    const res = await t.patch("/events/a", { starts_at: "2026-03-02T14:00:00Z" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ starts_at: "2026-03-02T14:00:00.000Z", ends_at: "2026-03-02T15:00:00.000Z" });
  });

  it("PATCH keeps the fields it does not name; PUT replaces them (defaults apply again)", async () => {
    const t = await twoEvents();
    await t.patch("/events/a", { description: "agenda" });
    expect((await t.get("/events/a")).json).toMatchObject({ title: "Meeting", description: "agenda", ends_at: "2026-03-02T11:00:00.000Z" });
    const put = await t.put("/events/a", { title: "Replaced", starts_at: "2026-03-02T10:00:00Z" });
    expect(put.json).toMatchObject({ title: "Replaced", description: "", ends_at: "2026-03-02T11:00:00.000Z", created_by: "ana" });
  });

  it("moving an event to another calendar frees its old slot", async () => {
    const t = await twoEvents();
    expect((await t.patch("/events/a", { calendar: "room-2" })).status).toBe(200);
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z"))).status).toBe(201);
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z", undefined, { calendar: "room-2" }))).status).toBe(409);
  });

  it("a stale If-Match gets 412 and changes nothing; a current one applies", async () => {
    const t = await twoEvents();
    const current = (await t.get("/events/a")).json;
    const stale = await t.patch("/events/a", { title: "x" }, { "if-match": `"7@${current.created_at}"` });
    expect(stale.status).toBe(412);
    expect(stale.json.error).toMatchObject({ code: "precondition_failed", details: { current_version: 1, current_etag: tagOf(current) } });
    expect((await t.patch("/events/a", { title: "y" }, { "if-match": tagOf(current) })).status).toBe(200);
  });

  it("DELETE frees the slot at once; a second DELETE is 404", async () => {
    const t = await twoEvents();
    expect((await t.delete("/events/a")).status).toBe(204);
    expect((await t.delete("/events/a")).status).toBe(404);
    expect((await t.get("/events/a")).status).toBe(404);
    expect((await t.post("/events", slot("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z"))).status).toBe(201);
  });

  it("PUT with a different id in the body is refused", async () => {
    const t = await twoEvents();
    const res = await t.put("/events/a", { id: "zzz", title: "x", starts_at: "2026-03-05T10:00:00Z" });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toContain("id");
  });

  it("accepts the server's own fields back in a PUT (GET, edit, PUT back)", async () => {
    const t = await twoEvents();
    const current = (await t.get("/events/a")).json;
    const res = await t.put("/events/a", { ...current, title: "Edited" });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ title: "Edited", version: 2, created_by: "ana" });
  });
});

describe("GET /events", () => {
  it("returns a window sorted by start, including an event that began before it", async () => {
    const t = await newTeam();
    for (const [id, s, e] of [["late", "12:00", "13:00"], ["early", "08:00", "09:30"], ["mid", "10:00", "11:00"], ["out", "15:00", "16:00"]]) {
      await t.post("/events", slot(`2026-03-02T${s}:00Z`, `2026-03-02T${e}:00Z`, { id }));
    }
    const res = await t.get("/events?from=2026-03-02T09:00:00Z&to=2026-03-02T14:00:00Z");
    expect(res.status).toBe(200);
    expect(EventList.parse(res.json).events.map((e) => e.id)).toEqual(["early", "mid", "late"]);
    const onCalendar = await t.get("/events?from=2026-03-02T09:00:00Z&to=2026-03-02T14:00:00Z&calendar=team");
    expect(onCalendar.json.events.map((e: { id: string }) => e.id)).toEqual(["early", "mid", "late"]);
  });

  it("finds a long event that began days before the window, on any calendar", async () => {
    const t = await newTeam();
    await t.post("/events", slot("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z", { id: "short" }));
    await t.post("/events", slot("2026-02-20T00:00:00Z", "2026-03-05T00:00:00Z", { id: "offsite", calendar: "travel" }));
    const res = await t.get("/events?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z");
    expect(res.json.events.map((e: { id: string }) => e.id)).toEqual(["offsite"]);
  });

  it("pages with limit and cursor, without gaps or repeats", async () => {
    const t = await newTeam();
    const ids = [];
    for (let i = 0; i < 12; i++) {
      const res = await t.post("/events", slot(`2026-03-${String(2 + i).padStart(2, "0")}T10:00:00Z`));
      ids.push(res.json.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { json: { events: Array<{ id: string }>; next_cursor: string | null } } = await t.get(`/events?limit=5${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...res.json.events.map((e) => e.id));
      cursor = res.json.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual(ids);
  });

  it("pages correctly through events that start at the same instant on different calendars", async () => {
    const t = await newTeam();
    for (let i = 0; i < 7; i++) await t.post("/events", slot("2026-03-02T10:00:00Z", undefined, { id: `room-${i}`, calendar: `room-${i}` }));
    const first = await t.get("/events?limit=3");
    const second = await t.get(`/events?limit=3&cursor=${first.json.next_cursor}`);
    const third = await t.get(`/events?limit=3&cursor=${second.json.next_cursor}`);
    expect([...first.json.events, ...second.json.events, ...third.json.events].map((e: { id: string }) => e.id)).toEqual(
      Array.from({ length: 7 }, (_, i) => `room-${i}`),
    );
    expect(third.json.next_cursor).toBeNull();
  });

  it.each([
    ["/events?limit=0", "limit"],
    ["/events?limit=abc", "limit"],
    ["/events?limit=100000", "limit"],
    ["/events?from=yesterday", "from"],
    ["/events?from=2026-03-02T10:00:00Z&to=2026-03-01T10:00:00Z", "to"],
    ["/events?cursor=garbage", "cursor"],
    ["/events?calendar=../x", "calendar"],
    ["/events?colour=red", "colour"],
    ["/events?limit=1&limit=2", "limit"],
  ])("%s answers 400 naming %s", async (path, field) => {
    const t = await newTeam();
    const res = await t.get(path);
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields[0].field).toBe(field);
  });

  it("says what a page's limit may be in plain words", async () => {
    const t = await newTeam();
    expect((await t.get("/events?limit=0")).json.error.message).toBe("limit: must be 1 or more");
    expect((await t.get("/events?limit=501")).json.error.message).toBe("limit: must be at most 500");
    expect((await t.get(`/events?cursor=${"x".repeat(201)}`)).json.error.message).toContain("next_cursor of the previous page");
  });

  it("says once what is wrong with a from of 5000 digits (too long to be an instant)", async () => {
    const t = await newTeam();
    const res = await t.get(`/events?from=${"1".repeat(5000)}`);
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields).toEqual([{ field: "from", message: "must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z" }]);
    expect(res.json.error.message).toBe("from: must be an ISO 8601 date-time such as 2026-01-15T14:00:00Z");
  });
});

describe("teams and access", () => {
  it("one team can neither read, change, delete nor detect another team's events", async () => {
    const a = await newTeam();
    const b = await newTeam();
    await a.post("/events", slot("2026-03-02T10:00:00Z", undefined, { id: "secret" }));
    expect((await b.get("/events/secret")).status).toBe(404);
    expect((await b.patch("/events/secret", { title: "pwned" })).status).toBe(404);
    expect((await b.put("/events/secret", slot("2026-03-02T10:00:00Z"))).status).toBe(404);
    expect((await b.delete("/events/secret")).status).toBe(404);
    expect((await b.get("/events")).json.events).toEqual([]);
    // Not even by collision: the same id and the same slot are free for team b.
    expect((await b.post("/events", slot("2026-03-02T10:00:00Z", undefined, { id: "secret" }))).status).toBe(201);
    expect((await a.get("/events/secret")).json.title).toBe("Meeting");
  });

  it("every member of a team sees the same calendar, and created_by says who booked", async () => {
    const t = await newTeam(["ana", "bo"]);
    await t.as("bo").post("/events", slot("2026-03-02T10:00:00Z", undefined, { id: "bos" }));
    expect((await t.as("ana").get("/events/bos")).json.created_by).toBe("bo");
  });

  it("answers 401 without a token or with a wrong one", async () => {
    const none = await call("/events");
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    expect(ErrorBody.parse(await none.json()).error.code).toBe("unauthorized");
    const wrong = await call("/events", { headers: { authorization: "Bearer gs_not-a-real-token" } });
    expect(wrong.status).toBe(401);
  });

  it("in development, the open team serves requests without a token", async () => {
    const res = await call("/events", {}, { GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: `open-${crypto.randomUUID().slice(0, 8)}`, ALLOWED_HOSTS: "groupsync.test" } as object);
    expect(res.status).toBe(200);
  });

  it("a production worker refuses to serve with an open team or without ADMIN_SECRET", async () => {
    const open = await call("/events", {}, { GROUPSYNC_ENV: "production", GROUPSYNC_OPEN_TEAM: "local" });
    expect(open.status).toBe(503);
    expect(((await open.json()) as any).error).toMatchObject({ code: "misconfigured", message: expect.stringContaining("GROUPSYNC_OPEN_TEAM") });
    const noSecret = await call("/events", {}, { GROUPSYNC_ENV: "production", ADMIN_SECRET: "" });
    expect(noSecret.status).toBe(503);
    expect(((await noSecret.json()) as any).error.message).toContain("ADMIN_SECRET");
  });
});

describe("bad bodies", () => {
  const raw = (t: { token: string }, body: BodyInit, headers: Record<string, string> = {}) =>
    call("/events", { method: "POST", headers: { authorization: `Bearer ${t.token}`, ...headers }, body });

  it("answers 413 for a body over 64 KiB, declared or not", async () => {
    const t = await newTeam();
    const big = JSON.stringify({ title: "x".repeat(70_000), starts_at: "2026-03-02T10:00:00Z" });
    const res = await raw(t, big, { "content-type": "application/json" });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.code).toBe("payload_too_large");
    const stream = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) });
    expect((await raw(t, stream)).status).toBe(413);
  });

  it.each([
    ["invalid JSON", '{"title": "x",', "invalid_json", /not valid JSON/],
    ["non-UTF-8 bytes", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]), "invalid_json", /UTF-8/],
    ["an empty body", "", "invalid_json", /needs a JSON body/],
    ["a JSON array", "[1,2]", "validation_failed", /JSON object/],
  ])("answers 400 for %s", async (_name, body, code, message) => {
    const t = await newTeam();
    const res = await raw(t, body as BodyInit, { "content-type": "application/json" });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error;
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
  });

  it("refuses multipart forms with 415", async () => {
    const t = await newTeam();
    const form = new FormData();
    form.set("title", "x");
    expect((await raw(t, form)).status).toBe(415);
  });
});
