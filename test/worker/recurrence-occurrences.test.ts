import { describe, expect, it } from "vitest";
import { newTeam } from "./api.ts";
import { errorOf, listed2031, teamWithSeries as teamWithSeriesFrom, type ListedEvent } from "./series-helpers.ts";

/**
 * One occurrence of a series changed or cancelled (issue #17): PATCH and DELETE
 * /events/{id}/occurrences/{occurrence_start}. 2031-03-03 is a Monday.
 */
const mondays = ["2031-03-03", "2031-03-10", "2031-03-17", "2031-03-24"];
const nine = (day: string) => `${day}T09:00:00.000Z`;
const ten = (day: string) => `${day}T10:00:00.000Z`;
const at = (day: string) => `/events/standup/occurrences/${nine(day)}`;

type Listed = ListedEvent;

const teamWithSeries = (lines = ["RRULE:FREQ=WEEKLY;COUNT=4"]) => teamWithSeriesFrom(nine(mondays[0]!), lines);
const listed = listed2031;

describe("one occurrence changed (an override)", () => {
  it("a new title shows on that occurrence only; it keeps its occurrence_start and the series' version grows", async () => {
    const team = await teamWithSeries();
    const res = await team.patch(at(mondays[1]!), { title: "standup with guests", description: "bring coffee" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"2@${(await team.get("/events/standup")).json.created_at}"`);
    expect(res.json).toMatchObject({ id: "standup", series_id: "standup", occurrence_start: nine(mondays[1]!), starts_at: nine(mondays[1]!), title: "standup with guests", version: 2 });
    expect((await listed(team)).map((e) => [e.title, e.description])).toEqual([
      ["standup", ""],
      ["standup with guests", "bring coffee"],
      ["standup", ""],
      ["standup", ""],
    ]);
    const series = (await team.get("/events/standup")).json;
    expect(series).toMatchObject({ title: "standup", version: 2, overrides: [{ occurrence_start: nine(mondays[1]!), title: "standup with guests", description: "bring coffee" }] });
  });

  it("moving it frees its old time and holds the new one, conflict-checked; a later change names it by its original start", async () => {
    const team = await teamWithSeries();
    expect((await team.post("/events", { id: "lunch", title: "lunch", starts_at: "2031-03-10T12:00:00Z" })).status).toBe(201);
    const clash = await team.patch(at(mondays[1]!), { starts_at: "2031-03-10T11:30:00Z" });
    expect(clash.status).toBe(409);
    expect(errorOf(clash).code).toBe("time_slot_taken");
    expect(errorOf(clash).details.conflicts.map((c: { id: string }) => c.id)).toEqual(["lunch"]);

    // starts_at alone keeps the occurrence's length.
    const moved = await team.patch(at(mondays[1]!), { starts_at: "2031-03-10T14:00:00Z" });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ starts_at: "2031-03-10T14:00:00.000Z", ends_at: "2031-03-10T15:00:00.000Z", occurrence_start: nine(mondays[1]!) });
    const all = await listed(team);
    expect(all.map((e) => [e.id, e.starts_at])).toEqual([
      ["standup", nine(mondays[0]!)],
      ["lunch", "2031-03-10T12:00:00.000Z"],
      ["standup", "2031-03-10T14:00:00.000Z"],
      ["standup", nine(mondays[2]!)],
      ["standup", nine(mondays[3]!)],
    ]);
    expect((await team.post("/events", { title: "old slot", starts_at: nine(mondays[1]!) })).status).toBe(201);
    const onNew = await team.post("/events", { title: "new slot", starts_at: "2031-03-10T14:30:00Z" });
    expect(onNew.status).toBe(409);
    expect(errorOf(onNew).details.conflicts).toEqual([
      { id: "standup", title: "standup", starts_at: "2031-03-10T14:00:00.000Z", ends_at: "2031-03-10T15:00:00.000Z", series_id: "standup", occurrence_start: nine(mondays[1]!) },
    ]);

    // Still named by its original start; its own old time never conflicts with it.
    const again = await team.patch(at(mondays[1]!), { ends_at: "2031-03-10T16:00:00Z", title: "long" });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ starts_at: "2031-03-10T14:00:00.000Z", ends_at: "2031-03-10T16:00:00.000Z", title: "long" });
    expect((await team.patch("/events/standup/occurrences/2031-03-10T14:00:00Z", { title: "x" })).status).toBe(404);
  });

  it("is refused (400) when moved onto another occurrence of its own series", async () => {
    const team = await teamWithSeries();
    const res = await team.patch(at(mondays[1]!), { starts_at: "2031-03-17T09:30:00Z" });
    expect(res.status).toBe(400);
    expect(errorOf(res).details.fields[0].field).toBe("starts_at");
    expect(errorOf(res).message).toContain("overlap");
    expect((await listed(team)).map((e) => e.starts_at)).toEqual(mondays.map(nine));
  });

  it("If-Match is on the series' version: a stale one is 412 and changes nothing", async () => {
    const team = await teamWithSeries();
    expect((await team.patch("/events/standup", { title: "renamed" })).status).toBe(200);
    const createdAt = (await team.get("/events/standup")).json.created_at as string;
    const tag = (version: number) => `"${version}@${createdAt}"`;
    const stale = await team.patch(at(mondays[1]!), { title: "x" }, { "if-match": tag(1) });
    expect(stale.status).toBe(412);
    const ok = await team.patch(at(mondays[1]!), { title: "x" }, { "if-match": tag(2) });
    expect(ok.status).toBe(200);
    expect((await team.delete(at(mondays[2]!), { "if-match": tag(2) })).status).toBe(412);
    expect((await team.delete(at(mondays[2]!), { "if-match": tag(3) })).status).toBe(204);
  });

  it("404 for a start that is no occurrence, an event that is no series, or none at all; 400 naming occurrence_start for a bad instant", async () => {
    const team = await teamWithSeries();
    expect((await team.post("/events", { id: "single", title: "single", starts_at: "2031-03-04T09:00:00Z" })).status).toBe(201);
    expect((await team.patch("/events/standup/occurrences/2031-03-04T09:00:00Z", { title: "x" })).status).toBe(404);
    expect((await team.patch("/events/standup/occurrences/2031-03-31T09:00:00Z", { title: "x" })).status).toBe(404);
    expect((await team.patch("/events/single/occurrences/2031-03-04T09:00:00Z", { title: "x" })).status).toBe(404);
    expect((await team.patch("/events/nope/occurrences/2031-03-04T09:00:00Z", { title: "x" })).status).toBe(404);
    expect((await team.delete("/events/standup/occurrences/2031-03-04T09:00:00Z")).status).toBe(404);
    // Any form of the instant names the occurrence.
    expect((await team.patch("/events/standup/occurrences/2031-03-10T10:00:00%2B01:00", { title: "plus one" })).status).toBe(200);
    for (const bad of ["tomorrow", "2031-02-30T09:00:00Z", "9".repeat(300), "%E2%8F%B0", "2031-03-10T09:00:00Z%00"]) {
      const res = await team.patch(`/events/standup/occurrences/${bad}`, { title: "x" });
      expect(res.status, bad).toBe(400);
      expect(errorOf(res).details.fields[0].field, bad).toBe("occurrence_start");
    }
    const badBody = await team.patch(at(mondays[1]!), { title: "x", calendar: "ops" });
    expect(badBody.status).toBe(400);
    expect(errorOf(badBody).message).toContain("calendar");
    const badEnd = await team.patch(at(mondays[1]!), { ends_at: "2031-03-10T08:00:00Z" });
    expect(errorOf(badEnd).details.fields[0].field).toBe("ends_at");
  });
});

describe("one occurrence cancelled (an EXDATE)", () => {
  it("is gone from the listing and its time is free; the series gains an EXDATE line; again is 404", async () => {
    const team = await teamWithSeries();
    expect((await team.patch(at(mondays[2]!), { title: "changed first" })).status).toBe(200);
    expect((await team.delete(at(mondays[2]!))).status).toBe(204);
    expect((await listed(team)).map((e) => e.starts_at)).toEqual([mondays[0], mondays[1], mondays[3]].map((d) => nine(d!)));
    const series = (await team.get("/events/standup")).json as { recurrence: string[]; overrides?: unknown; version: number };
    expect(series.recurrence).toEqual(["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20310317T090000Z"]);
    expect(series.overrides).toBeUndefined();
    expect(series.version).toBe(3);
    expect((await team.post("/events", { title: "in its place", starts_at: nine(mondays[2]!) })).status).toBe(201);
    expect((await team.delete(at(mondays[2]!))).status).toBe(404);
    expect((await team.delete(at(mondays[3]!))).status).toBe(204);
    expect(((await team.get("/events/standup")).json as { recurrence: string[] }).recurrence).toEqual(["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20310317T090000Z,20310324T090000Z"]);
  });

  it("a series starting within a second (09:00:00.250) is cancelled by its second", async () => {
    const team = await newTeam(["ana"]);
    expect((await team.post("/events", { id: "odd", title: "odd", starts_at: "2031-03-03T09:00:00.250Z", recurrence: ["RRULE:FREQ=DAILY;COUNT=3"] })).status).toBe(201);
    expect((await team.delete("/events/odd/occurrences/2031-03-04T09:00:00.250Z")).status).toBe(204);
    expect((await listed(team)).map((e) => e.starts_at)).toEqual(["2031-03-03T09:00:00.250Z", "2031-03-05T09:00:00.250Z"]);
  });
});

describe("changing the whole series later", () => {
  it("keeps the overrides and cancellations of occurrences it still has and drops the others", async () => {
    const team = await teamWithSeries();
    expect((await team.patch(at(mondays[1]!), { title: "guests" })).status).toBe(200);
    expect((await team.patch(at(mondays[3]!), { title: "last" })).status).toBe(200);
    expect((await team.delete(at(mondays[2]!))).status).toBe(204);

    // A new title: every override and the EXDATE stay.
    expect((await team.patch("/events/standup", { title: "daily" })).status).toBe(200);
    expect((await listed(team)).map((e) => e.title)).toEqual(["daily", "guests", "last"]);

    // COUNT=3: the fourth occurrence (and its override) is no more.
    const shorter = await team.patch("/events/standup", { recurrence: ["RRULE:FREQ=WEEKLY;COUNT=3", "EXDATE:20310317T090000Z"] });
    expect(shorter.status).toBe(200);
    expect((shorter.json as { overrides: Array<{ occurrence_start: string }> }).overrides.map((o) => o.occurrence_start)).toEqual([nine(mondays[1]!)]);
    expect((await listed(team)).map((e) => [e.starts_at, e.title])).toEqual([
      [nine(mondays[0]!), "daily"],
      [nine(mondays[1]!), "guests"],
    ]);

    // Moving the series moves every occurrence_start: no override matches any more.
    const moved = await team.patch("/events/standup", { starts_at: "2031-03-03T11:00:00Z" });
    expect(moved.status).toBe(200);
    expect("overrides" in (moved.json as object)).toBe(false);
    expect((await listed(team)).map((e) => e.title)).toEqual(["daily", "daily", "daily"]);
  });

  it("a kept, moved occurrence that the rewritten series would overlap is a 400, and nothing changes", async () => {
    const team = await teamWithSeries();
    expect((await team.patch(at(mondays[1]!), { starts_at: "2031-03-11T09:00:00Z" })).status).toBe(200);
    const res = await team.patch("/events/standup", { recurrence: ["RRULE:FREQ=DAILY;COUNT=10"] });
    expect(res.status).toBe(400);
    expect(errorOf(res).message).toContain("overlap");
    expect((await team.get("/events/standup")).json).toMatchObject({ version: 2, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"] });
  });
});
