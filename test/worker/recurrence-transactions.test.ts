import { describe, expect, it } from "vitest";
import { newTeam } from "./api.ts";
import { errorOf, listed2031 } from "./series-helpers.ts";

/**
 * Series in transactions (issue #17): a transaction may create and change a series, change or
 * cancel one occurrence; every occurrence is held (busy for everyone else) from prepare to
 * commit, and all is written at commit or nothing. 2031-03-03 is a Monday.
 */
const mondays = ["2031-03-03", "2031-03-10", "2031-03-17", "2031-03-24"];
const nine = (day: string) => `${day}T09:00:00.000Z`;
const WEEKLY_4 = ["RRULE:FREQ=WEEKLY;COUNT=4"];

const listed = listed2031;

describe("series in a transaction", () => {
  it("a created series holds every occurrence until commit, then is stored with all of them", async () => {
    const team = await newTeam(["ana", "bo"]);
    const tx = (await team.post("/tx", {})).json.tx_id as string;
    const op = await team.post(`/tx/${tx}/ops`, { type: "calendar.create", id: "standup", data: { title: "standup", starts_at: nine(mondays[0]!), recurrence: WEEKLY_4 } });
    expect(op.status).toBe(200);
    // Every occurrence is busy for another booking meanwhile, not only the first.
    const bo = team.as("bo");
    for (const day of mondays) {
      const clash = await bo.post("/events", { title: "clash", starts_at: `${day}T09:30:00Z` });
      expect(clash.status, day).toBe(409);
      expect(errorOf(clash).details.conflicts[0].id).toBe("(held by a transaction in progress)");
    }
    expect(await listed(team)).toEqual([]);
    expect((await team.post(`/tx/${tx}/commit`, {})).status).toBe(200);
    expect((await listed(team)).map((e) => [e.series_id, e.starts_at])).toEqual(mondays.map((d) => ["standup", nine(d)]));
    for (const day of mondays) expect((await bo.post("/events", { title: "clash", starts_at: `${day}T09:30:00Z` })).status).toBe(409);
    expect((await bo.post("/events", { title: "between", starts_at: "2031-03-04T09:00:00Z" })).status).toBe(201);
  });

  it("all or nothing: a series meeting a booking on its third occurrence aborts the whole transaction", async () => {
    const team = await newTeam(["ana"]);
    expect((await team.post("/events", { id: "review", title: "review", starts_at: "2031-03-17T09:30:00Z" })).status).toBe(201);
    const res = await team.post("/tx", {
      ops: [
        { type: "goal.create", data: { title: "ship it" } },
        { type: "calendar.create", id: "standup", data: { title: "standup", starts_at: nine(mondays[0]!), recurrence: WEEKLY_4 } },
      ],
      commit: true,
    });
    expect(res.status).toBe(409);
    expect(JSON.stringify(res.json)).toContain("review");
    expect((await team.get("/events/standup")).status).toBe(404);
    expect(((await team.get("/goals")).json as { goals: unknown[] }).goals).toEqual([]);
    // No hold was left behind: the other occurrences are free.
    expect((await team.post("/events", { title: "free", starts_at: nine(mondays[1]!) })).status).toBe(201);
  });

  it("changes a series, changes one occurrence and cancels another, atomically with other ops", async () => {
    const team = await newTeam(["ana"]);
    expect((await team.post("/events", { id: "standup", title: "standup", starts_at: nine(mondays[0]!), recurrence: WEEKLY_4 })).status).toBe(201);
    const res = await team.post("/tx", {
      ops: [
        { type: "calendar.update", id: "standup", data: { title: "daily-ish" } },
        { type: "calendar.create", id: "lunch", data: { title: "lunch", starts_at: "2031-03-10T12:00:00Z" } },
      ],
      commit: true,
    });
    expect(res.status).toBe(200);
    const occ = await team.post("/tx", { ops: [{ type: "calendar.update_occurrence", id: "standup", data: { occurrence_start: nine(mondays[1]!), starts_at: "2031-03-10T14:00:00Z", title: "moved" } }], commit: true });
    expect(occ.status, JSON.stringify(occ.json)).toBe(200);
    const cancel = await team.post("/tx", { ops: [{ type: "calendar.cancel_occurrence", id: "standup", data: { occurrence_start: nine(mondays[2]!) } }], commit: true });
    expect(cancel.status, JSON.stringify(cancel.json)).toBe(200);
    expect((await listed(team)).map((e) => [e.id, e.title, e.starts_at])).toEqual([
      ["standup", "daily-ish", nine(mondays[0]!)],
      ["lunch", "lunch", "2031-03-10T12:00:00.000Z"],
      ["standup", "moved", "2031-03-10T14:00:00.000Z"],
      ["standup", "daily-ish", nine(mondays[3]!)],
    ]);
    // The old time of the moved one and the cancelled one are free; the new time is taken.
    expect((await team.post("/events", { title: "old", starts_at: nine(mondays[1]!) })).status).toBe(201);
    expect((await team.post("/events", { title: "cancelled", starts_at: nine(mondays[2]!) })).status).toBe(201);
    expect((await team.post("/events", { title: "new", starts_at: "2031-03-10T14:30:00Z" })).status).toBe(409);
    expect(((await team.get("/events/standup")).json as { version: number }).version).toBe(4);
  });

  it("a changed series is checked on every new occurrence; refused, it stays as it was", async () => {
    const team = await newTeam(["ana"]);
    expect((await team.post("/events", { id: "standup", title: "standup", starts_at: nine(mondays[0]!), recurrence: ["RRULE:FREQ=WEEKLY;COUNT=2"] })).status).toBe(201);
    expect((await team.post("/events", { id: "review", title: "review", starts_at: nine(mondays[3]!) })).status).toBe(201);
    const res = await team.post("/tx", { ops: [{ type: "calendar.update", id: "standup", data: { recurrence: WEEKLY_4 } }], commit: true });
    expect(res.status).toBe(409);
    expect((await team.get("/events/standup")).json).toMatchObject({ version: 1, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=2"] });
    expect((await team.post("/events", { title: "free", starts_at: nine(mondays[2]!) })).status).toBe(201);
  });

  it("bad occurrence ops are a 400 naming the field; a series without an end or a split is not taken", async () => {
    const team = await newTeam(["ana"]);
    expect((await team.post("/events", { id: "standup", title: "standup", starts_at: nine(mondays[0]!), recurrence: WEEKLY_4 })).status).toBe(201);
    const cases: Array<[unknown, string]> = [
      [{ type: "calendar.cancel_occurrence", id: "standup", data: { occurrence_start: "2031-03-04T09:00:00Z" } }, "data.occurrence_start"],
      [{ type: "calendar.cancel_occurrence", id: "standup", data: { occurrence_start: "soon" } }, "data.occurrence_start"],
      [{ type: "calendar.cancel_occurrence", id: "standup", data: {} }, "data.occurrence_start"],
      [{ type: "calendar.update_occurrence", id: "standup", data: { occurrence_start: nine(mondays[1]!), calendar: "ops" } }, "data.calendar"],
      [{ type: "calendar.update_occurrence", id: "standup", data: { occurrence_start: "\ud800" } }, "data.occurrence_start"],
      [{ type: "calendar.update", id: "standup", data: { from_occurrence: nine(mondays[1]!) } }, "data.from_occurrence"],
      [{ type: "calendar.create", data: { title: "open", starts_at: new Date(Date.now() + 7 * 86_400_000).toISOString(), calendar: "ops", recurrence: ["RRULE:FREQ=WEEKLY"] } }, "data.recurrence"],
    ];
    for (const [op, field] of cases) {
      const res = await team.post("/tx", { ops: [op], commit: true });
      expect(res.status, JSON.stringify(op)).toBe(400);
      expect(errorOf(res).message, JSON.stringify(op)).toContain(field);
    }
    expect(((await team.get("/events/standup")).json as { version: number }).version).toBe(1);
  });
});
