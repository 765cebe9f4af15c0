import ICAL from "ical.js";
import { describe, expect, it } from "vitest";
import { call, client, newTeam } from "./api.ts";

/**
 * Storing series (issue #17, slice 3): each occurrence is an entry of its own in the calendar's
 * sorted sets, so every occurrence is conflict-checked in the write's atomic step, listed in its
 * window, and freed by a delete or a rewrite. 2031-03-03 is a Monday.
 */
const WEEKLY_4 = ["RRULE:FREQ=WEEKLY;COUNT=4"];
const mondays = ["2031-03-03", "2031-03-10", "2031-03-17", "2031-03-24"];
const nine = (day: string) => `${day}T09:00:00.000Z`;
const ten = (day: string) => `${day}T10:00:00.000Z`;

type Listed = { id: string; title: string; starts_at: string; ends_at: string; series_id?: string; occurrence_start?: string };
type Conflict = { id: string; starts_at: string; ends_at: string; series_id?: string; occurrence_start?: string; booking_occurrence?: string };

async function teamWithSeries(lines = WEEKLY_4) {
  const team = await newTeam(["ana"]);
  const res = await team.post("/events", { id: "standup", title: "standup", starts_at: nine(mondays[0]!), ends_at: ten(mondays[0]!), recurrence: lines });
  expect(res.status).toBe(201);
  return team;
}

async function listed(team: Pick<ReturnType<typeof client>, "get">, query = "from=2031-01-01T00:00:00Z&to=2032-01-01T00:00:00Z"): Promise<Listed[]> {
  const res = await team.get(`/events?${query}`);
  expect(res.status).toBe(200);
  return (res.json as { events: Listed[] }).events;
}

const conflictsOf = (res: { json: unknown }) => (res.json as { error: { code: string; details: { conflicts: Conflict[] } } }).error;

describe("a stored series", () => {
  it("GET /events/{id} answers the series; a listing has each occurrence in its window, sorted with single events", async () => {
    const team = await teamWithSeries();
    const series = (await team.get("/events/standup")).json as Listed & { recurrence: string[] };
    expect(series).toMatchObject({ starts_at: nine(mondays[0]!), ends_at: ten(mondays[0]!), recurrence: WEEKLY_4 });
    expect((await team.post("/events", { id: "lunch", title: "lunch", starts_at: "2031-03-10T12:00:00Z" })).status).toBe(201);

    const all = await listed(team);
    expect(all.map((e) => [e.id, e.starts_at, e.series_id ?? null])).toEqual([
      ["standup", nine(mondays[0]!), "standup"],
      ["standup", nine(mondays[1]!), "standup"],
      ["lunch", "2031-03-10T12:00:00.000Z", null],
      ["standup", nine(mondays[2]!), "standup"],
      ["standup", nine(mondays[3]!), "standup"],
    ]);
    expect(all[1]).toMatchObject({ ends_at: ten(mondays[1]!), occurrence_start: nine(mondays[1]!), title: "standup" });

    // An occurrence under way at `from` is listed; one starting at `to` is not.
    const window = await listed(team, "from=2031-03-10T09:30:00Z&to=2031-03-17T09:00:00Z");
    expect(window.map((e) => e.starts_at)).toEqual([nine(mondays[1]!), "2031-03-10T12:00:00.000Z"]);
    const onCalendar = await listed(team, "from=2031-03-10T09:30:00Z&to=2031-03-17T09:00:01Z&calendar=team");
    expect(onCalendar.map((e) => e.starts_at)).toEqual([nine(mondays[1]!), "2031-03-10T12:00:00.000Z", nine(mondays[2]!)]);
  });

  it("pages through occurrences with the cursor, none twice or missed", async () => {
    const team = await teamWithSeries(["RRULE:FREQ=DAILY;COUNT=7"]);
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const res = await team.get(`/events?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const body = res.json as { events: Listed[]; next_cursor: string | null };
      seen.push(...body.events.map((e) => e.starts_at));
      cursor = body.next_cursor;
    }
    expect(seen).toEqual(Array.from({ length: 7 }, (_, i) => `2031-03-0${3 + i}T09:00:00.000Z`));
  });

  it("a single event on any occurrence is 409 time_slot_taken naming the series and that occurrence; between them it books", async () => {
    const team = await teamWithSeries();
    const res = await team.post("/events", { title: "clash", starts_at: "2031-03-17T09:30:00Z" });
    expect(res.status).toBe(409);
    const error = conflictsOf(res);
    expect(error.code).toBe("time_slot_taken");
    expect(error.details.conflicts).toEqual([
      { id: "standup", title: "standup", starts_at: nine(mondays[2]!), ends_at: ten(mondays[2]!), series_id: "standup", occurrence_start: nine(mondays[2]!) },
    ]);
    expect((await team.post("/events", { title: "after", starts_at: ten(mondays[2]!) })).status).toBe(201);
    expect((await team.post("/events", { title: "other calendar", calendar: "ops", starts_at: nine(mondays[3]!) })).status).toBe(201);
  });

  it("a series over booked time is 409 naming the first conflicting occurrences (at most 10), and writes none of them", async () => {
    const team = await newTeam(["ana"]);
    // Twelve single events, one on each of the first twelve days at 09:30.
    for (let day = 0; day < 12; day++) {
      const start = new Date(Date.UTC(2031, 2, 3 + day, 9, 30)).toISOString().replace(".000", "");
      expect((await team.post("/events", { id: `e${day}`, title: `e${day}`, starts_at: start })).status).toBe(201);
    }
    const res = await team.post("/events", { id: "daily", title: "daily", starts_at: nine(mondays[0]!), recurrence: ["RRULE:FREQ=DAILY;COUNT=20"] });
    expect(res.status).toBe(409);
    const conflicts = conflictsOf(res).details.conflicts;
    expect(conflicts.map((c) => c.id)).toEqual(Array.from({ length: 10 }, (_, day) => `e${day}`));
    expect(conflicts[3]!.booking_occurrence).toBe("2031-03-06T09:00:00.000Z");
    expect((await team.get("/events/daily")).status).toBe(404);
    // None of its occurrences holds time: day 15 (no single event there) is still free.
    expect((await team.post("/events", { title: "free", starts_at: "2031-03-18T09:00:00Z" })).status).toBe(201);
  });

  it("two series conflict on their common occurrence only", async () => {
    const team = await teamWithSeries();
    const clash = await team.post("/events", { title: "biweekly", starts_at: "2031-02-24T09:15:00Z", recurrence: ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=3"] });
    expect(clash.status).toBe(409);
    expect(conflictsOf(clash).details.conflicts.map((c) => [c.occurrence_start, c.booking_occurrence])).toEqual([
      [nine(mondays[1]!), "2031-03-10T09:15:00.000Z"],
      [nine(mondays[3]!), "2031-03-24T09:15:00.000Z"],
    ]);
    const fits = await team.post("/events", { title: "biweekly", starts_at: "2031-02-24T10:00:00Z", recurrence: ["RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=3"] });
    expect(fits.status).toBe(201);
  });

  it("DELETE frees every occurrence at once", async () => {
    const team = await teamWithSeries();
    expect((await team.delete("/events/standup")).status).toBe(204);
    expect(await listed(team)).toEqual([]);
    for (const day of mondays) expect((await team.post("/events", { title: "now free", starts_at: nine(day) })).status).toBe(201);
  });

  it("PATCH carries recurrence over: a new title keeps the series, a new start moves every occurrence, [] leaves a single event", async () => {
    const team = await teamWithSeries();
    const renamed = await team.patch("/events/standup", { title: "daily standup" });
    expect(renamed.status).toBe(200);
    expect((renamed.json as { recurrence?: string[] }).recurrence).toEqual(WEEKLY_4);
    expect((await listed(team)).map((e) => e.title)).toEqual(Array(4).fill("daily standup"));

    // Moving by 30 min overlaps its own old occurrences, which never conflict with it.
    expect((await team.patch("/events/standup", { starts_at: "2031-03-03T09:30:00Z" })).status).toBe(200);
    expect((await listed(team)).map((e) => [e.starts_at, e.ends_at])).toEqual(mondays.map((d) => [`${d}T09:30:00.000Z`, `${d}T10:30:00.000Z`]));
    expect((await team.post("/events", { title: "old slot", starts_at: nine(mondays[3]!), ends_at: "2031-03-24T09:30:00Z" })).status).toBe(201);
    expect((await team.post("/events", { title: "new slot", starts_at: "2031-03-24T10:00:00Z" })).status).toBe(409);

    const single = await team.patch("/events/standup", { recurrence: [] });
    expect(single.status).toBe(200);
    expect("recurrence" in (single.json as object)).toBe(false);
    expect((await listed(team)).filter((e) => e.id === "standup").map((e) => [e.starts_at, e.series_id ?? null])).toEqual([["2031-03-03T09:30:00.000Z", null]]);
    expect((await team.post("/events", { title: "freed", starts_at: "2031-03-24T10:00:00Z" })).status).toBe(201);
  });

  it("PUT re-expands and re-checks atomically: refused, the old occurrences stand; accepted, only the new ones hold time", async () => {
    const team = await teamWithSeries();
    expect((await team.post("/events", { id: "review", title: "review", starts_at: "2031-03-12T09:00:00Z" })).status).toBe(201);
    const body = { title: "standup", starts_at: "2031-03-03T09:00:00Z", recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4"] };
    const refused = await team.put("/events/standup", body);
    expect(refused.status).toBe(409);
    expect(conflictsOf(refused).details.conflicts.map((c) => [c.id, c.booking_occurrence])).toEqual([["review", "2031-03-12T09:00:00.000Z"]]);
    expect((await listed(team)).filter((e) => e.id === "standup").map((e) => e.starts_at)).toEqual(mondays.map(nine));

    const accepted = await team.put("/events/standup", { ...body, recurrence: ["RRULE:FREQ=WEEKLY;BYDAY=MO,TU;COUNT=4"] });
    expect(accepted.status).toBe(200);
    expect((await listed(team)).filter((e) => e.id === "standup").map((e) => e.starts_at)).toEqual(["2031-03-03", "2031-03-04", "2031-03-10", "2031-03-11"].map(nine));
    expect((await team.post("/events", { title: "freed", starts_at: nine(mondays[2]!) })).status).toBe(201);
    expect((await team.post("/events", { title: "taken", starts_at: nine("2031-03-11") })).status).toBe(409);
  });

  it("a transaction that deletes a series frees every occurrence on commit; a create in its place meets them until then", async () => {
    const team = await teamWithSeries();
    const del = await team.post("/tx", { ops: [{ type: "calendar.delete", id: "standup" }, { type: "calendar.create", data: { title: "in its place", starts_at: nine(mondays[3]!) } }], commit: true });
    // The create meets the occurrence the delete frees only at commit: the transaction is refused whole.
    expect(del.status).toBe(409);
    expect((await listed(team)).length).toBe(4);
    const alone = await team.post("/tx", { ops: [{ type: "calendar.delete", id: "standup" }], commit: true });
    expect(alone.status).toBe(200);
    expect(await listed(team)).toEqual([]);
    for (const day of mondays) expect((await team.post("/events", { title: "now free", starts_at: nine(day) })).status).toBe(201);
  });

  it("each occurrence counts toward QUOTA_EVENTS: a create needs room for all, a rewrite for those it adds", async () => {
    const t = await newTeam(["ana"]);
    const ana = client(t.token, { QUOTA_EVENTS: "6" });
    const quotaRefusal = (res: { status: number; json: unknown }) => [res.status, (res.json as { error: { code: string } }).error.code];
    const body = { title: "s", starts_at: nine(mondays[0]!), recurrence: ["RRULE:FREQ=DAILY;COUNT=7"] };
    expect(quotaRefusal(await ana.post("/events", { id: "seven", ...body }))).toEqual([409, "quota_exceeded"]);
    expect((await ana.post("/events", { id: "five", ...body, recurrence: ["RRULE:FREQ=DAILY;COUNT=5"] })).status).toBe(201);
    expect(quotaRefusal(await ana.patch("/events/five", { recurrence: ["RRULE:FREQ=DAILY;COUNT=7"] }))).toEqual([409, "quota_exceeded"]);
    expect((await ana.patch("/events/five", { recurrence: ["RRULE:FREQ=DAILY;COUNT=6"] })).status).toBe(200);
    expect((await ana.patch("/events/five", { title: "same occurrences, no room needed" })).status).toBe(200);
    expect((await listed(ana)).length).toBe(6);
  });

  it("the .ics feed has the series once, as an RRULE that ical.js expands into the occurrences listed, also from a window holding only one", async () => {
    const team = await teamWithSeries();
    const res = await call("/calendar.ics?from=2031-03-17T00:00:00Z&to=2031-03-18T00:00:00Z", { headers: { authorization: `Bearer ${team.token}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const uids = [...text.matchAll(/^UID:(.*)$/gm)].map((m) => m[1]!.trim());
    expect(uids).toEqual([`standup@${team.team}.groupsync`]);
    expect(text).toContain("RRULE:FREQ=WEEKLY;COUNT=4\r\n");
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent("vevent")!);
    const starts: string[] = [];
    const iterator = event.iterator();
    for (let next = iterator.next(); next; next = iterator.next()) starts.push(next.toJSDate().toISOString());
    expect(starts).toEqual(mondays.map(nine));
  });
});
