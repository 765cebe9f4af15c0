import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index.ts";
import { CALENDAR_HORIZONS } from "../../worker/calendar/keys.ts";
import { horizonMember } from "../../worker/calendar/store.ts";
import { describe, expect, it } from "vitest";
import { extendSeriesHorizons } from "../../worker/calendar/horizon-sweep.ts";
import { participantStore } from "../../worker/storage/stores.ts";
import { client, newTeam } from "./api.ts";

/**
 * Series without an end (issue #17): materialised and checked up to a horizon about two years
 * ahead; nothing on their calendar may end after it; the sweep moves it on. Dates are relative to
 * now, as the horizon is.
 */
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
/** The first Monday 09:00Z at least a week from now. */
const firstMonday = (() => {
  const d = new Date(Date.now() + 7 * DAY);
  d.setUTCHours(9, 0, 0, 0);
  while (d.getUTCDay() !== 1) d.setTime(d.getTime() + DAY);
  return d.getTime();
})();
const WEEKLY = ["RRULE:FREQ=WEEKLY"];

type Listed = { id: string; starts_at: string; series_id?: string };

async function teamWithOpenSeries() {
  const team = await newTeam(["ana"]);
  const res = await team.post("/events", { id: "standup", title: "standup", starts_at: iso(firstMonday), ends_at: iso(firstMonday + 3_600_000), recurrence: WEEKLY });
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return team;
}

async function listedStarts(team: Pick<ReturnType<typeof client>, "get">, from: number, to: number, calendar = "team"): Promise<number[]> {
  const starts: number[] = [];
  let cursor: string | null = null;
  do {
    const res = await team.get(`/events?from=${iso(from)}&to=${iso(to)}&calendar=${calendar}&limit=500${cursor ? `&cursor=${cursor}` : ""}`);
    expect(res.status).toBe(200);
    const body = res.json as { events: Listed[]; next_cursor: string | null };
    starts.push(...body.events.filter((e) => e.series_id === "standup").map((e) => Date.parse(e.starts_at)));
    cursor = body.next_cursor;
  } while (cursor !== null);
  return starts;
}

const errorOf = (res: { json: unknown }) => (res.json as { error: { code: string; message: string; details?: any } }).error;
const sweepAt = (now: number) => extendSeriesHorizons(participantStore(env as never, "calendar"), now);

describe("a series without an end", () => {
  it("has every occurrence of the next two years materialised, listed and conflict-checked", async () => {
    const team = await teamWithOpenSeries();
    const starts = await listedStarts(team, firstMonday - DAY, Date.now() + 1000 * DAY);
    expect(starts.length).toBeGreaterThanOrEqual(104);
    starts.forEach((s, i) => expect(s).toBe(firstMonday + i * 7 * DAY));
    expect(starts[starts.length - 1]!).toBeGreaterThanOrEqual(Date.now() + 730 * DAY - 7 * DAY);
    // An occurrence about 700 days ahead holds its time.
    const late = firstMonday + 100 * 7 * DAY;
    const clash = await team.post("/events", { title: "clash", starts_at: iso(late + 1_800_000) });
    expect(clash.status).toBe(409);
    expect(errorOf(clash).details.conflicts[0]).toMatchObject({ id: "standup", occurrence_start: iso(late) });
    expect((await team.post("/events", { title: "between", starts_at: iso(late + DAY) })).status).toBe(201);
  });

  it("refuses bookings on its calendar that end after the horizon (409 beyond_series_horizon), not on other calendars", async () => {
    const team = await teamWithOpenSeries();
    const far = Date.now() + 900 * DAY;
    const res = await team.post("/events", { title: "far", starts_at: iso(far) });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe("beyond_series_horizon");
    expect(errorOf(res).message).toContain("ends_at");
    const horizon = Date.parse(errorOf(res).details.horizon);
    expect(horizon).toBeGreaterThanOrEqual(Date.now() + 730 * DAY);
    // A finite series reaching past it is refused the same way; another calendar is free.
    expect(errorOf(await team.post("/events", { title: "s", starts_at: iso(far - 400 * DAY), recurrence: ["RRULE:FREQ=MONTHLY;COUNT=20"] })).code).toBe("beyond_series_horizon");
    expect((await team.post("/events", { title: "far", calendar: "ops", starts_at: iso(far) })).status).toBe(201);
    // In a transaction too, and nothing is written.
    const tx = await team.post("/tx", { ops: [{ type: "calendar.create", data: { title: "far", starts_at: iso(far) } }], commit: true });
    expect(tx.status).toBe(409);
    expect(JSON.stringify(tx.json)).toContain("beyond_series_horizon");
  });

  it("is refused where something already ends after the horizon it would set, and frees the calendar when deleted", async () => {
    const team = await newTeam(["ana"]);
    const far = Date.now() + 900 * DAY;
    expect((await team.post("/events", { id: "far", title: "far", starts_at: iso(far) })).status).toBe(201);
    const res = await team.post("/events", { title: "standup", starts_at: iso(firstMonday), recurrence: WEEKLY });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe("beyond_series_horizon");
    expect((await team.delete("/events/far")).status).toBe(204);
    expect((await team.post("/events", { id: "standup", title: "standup", starts_at: iso(firstMonday), recurrence: WEEKLY })).status).toBe(201);
    expect((await team.post("/events", { title: "far", starts_at: iso(far) })).status).toBe(409);
    expect((await team.delete("/events/standup")).status).toBe(204);
    expect((await team.post("/events", { title: "far", starts_at: iso(far) })).status).toBe(201);
  });

  it("deleted by a transaction, its calendar's horizon goes at the next sweep", async () => {
    const team = await teamWithOpenSeries();
    const far = Date.now() + 900 * DAY;
    expect((await team.post("/tx", { ops: [{ type: "calendar.delete", id: "standup" }], commit: true })).status).toBe(200);
    expect(await listedStarts(team, firstMonday - DAY, Date.now() + 1000 * DAY)).toEqual([]);
    // The sweep looks at every calendar in its index whose horizon is due: run it as if that were now.
    await sweepAt(Date.now() + 40 * DAY);
    expect((await team.post("/events", { title: "far", starts_at: iso(far) })).status).toBe(201);
  });

  it("the worker's scheduled handler runs that sweep: a calendar it finds due and without such a series is freed", async () => {
    const team = await teamWithOpenSeries();
    expect((await team.post("/tx", { ops: [{ type: "calendar.delete", id: "standup" }], commit: true })).status).toBe(200);
    // Make the calendar due now (as it would be in about five weeks), then let the cron fire.
    await participantStore(env as never, "calendar").zadd(CALENDAR_HORIZONS, { score: 0, member: horizonMember(team.team, "team") });
    const ctx = createExecutionContext();
    await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env as never, ctx);
    await waitOnExecutionContext(ctx);
    expect((await team.post("/events", { title: "far", starts_at: iso(Date.now() + 900 * DAY) })).status).toBe(201);
  });

  it("a series starting after the horizon, or making more than 5000 occurrences before it, is a 400", async () => {
    const team = await newTeam(["ana"]);
    const late = await team.post("/events", { title: "late", starts_at: iso(Date.now() + 1000 * DAY), recurrence: WEEKLY });
    expect(late.status).toBe(400);
    expect(errorOf(late).details.fields[0].field).toBe("starts_at");
    const dense = await team.post("/events", { title: "dense", starts_at: "2000-01-03T09:00:00Z", recurrence: ["RRULE:FREQ=DAILY"] });
    expect(dense.status).toBe(400);
    expect(errorOf(dense).message).toContain("more than 5000 occurrences");
  });

  it("the sweep moves the horizon on: the new occurrences are listed and hold their time, bookings may go further", async () => {
    const team = await teamWithOpenSeries();
    const later = Date.now() + 400 * DAY;
    const far = Date.now() + 900 * DAY;
    const target = firstMonday + Math.ceil((far - firstMonday) / (7 * DAY)) * 7 * DAY; // an occurrence past the first horizon
    expect(errorOf(await team.post("/events", { title: "far", starts_at: iso(target) })).code).toBe("beyond_series_horizon");
    const before = (await listedStarts(team, firstMonday - DAY, Date.now() + 2000 * DAY)).length;

    const pass = await sweepAt(later);
    expect(pass.blocked.filter((b) => b.team === team.team)).toEqual([]);
    const starts = await listedStarts(team, firstMonday - DAY, Date.now() + 2000 * DAY);
    expect(starts.length).toBeGreaterThan(before + 50);
    starts.forEach((s, i) => expect(s).toBe(firstMonday + i * 7 * DAY));
    expect(starts[starts.length - 1]!).toBeGreaterThanOrEqual(later + 730 * DAY - 7 * DAY);

    const clash = await team.post("/events", { title: "far", starts_at: iso(target) });
    expect(clash.status).toBe(409);
    expect(errorOf(clash).code).toBe("time_slot_taken");
    expect((await team.post("/events", { title: "far", starts_at: iso(target + 2 * 3_600_000) })).status).toBe(201);
    // A second pass at the same time has nothing to do.
    const again = await sweepAt(later);
    expect(again.blocked.filter((b) => b.team === team.team)).toEqual([]);
    expect((await listedStarts(team, firstMonday - DAY, Date.now() + 2000 * DAY)).length).toBe(starts.length);
  });

  it("two series without an end that first meet past the horizon stop the sweep there; nothing is double-booked", async () => {
    const team = await teamWithOpenSeries();
    // A yearly 09:00 on a weekday that first falls on a Monday 3 or more years on.
    let day = firstMonday + DAY;
    let meets = 0;
    for (; ; day += DAY) {
      const d = new Date(day);
      if (d.getUTCDay() === 1) continue;
      const years = [1, 2, 3, 4, 5, 6, 7].find((k) => new Date(Date.UTC(d.getUTCFullYear() + k, d.getUTCMonth(), d.getUTCDate(), 9)).getUTCDay() === 1 && d.getUTCDate() <= 28);
      if (years !== undefined && years >= 3) {
        meets = Date.UTC(d.getUTCFullYear() + years, d.getUTCMonth(), d.getUTCDate(), 9);
        break;
      }
    }
    expect((await team.post("/events", { id: "yearly", title: "yearly", starts_at: iso(day), recurrence: ["RRULE:FREQ=YEARLY"] })).status).toBe(201);
    const pass = await sweepAt(meets + DAY - 730 * DAY);
    expect(pass.blocked.filter((b) => b.team === team.team).map((b) => b.at)).toEqual([iso(meets)]);
    // The horizon stopped at the meeting: bookings past it are refused, and neither series holds it twice.
    expect(errorOf(await team.post("/events", { title: "after", starts_at: iso(meets + DAY) })).code).toBe("beyond_series_horizon");
    const res = await team.get(`/events?from=${iso(meets - 1)}&to=${iso(meets + 3_600_000)}`);
    expect((res.json as { events: Listed[] }).events.length).toBeLessThanOrEqual(1);
  });

  it("counts each materialised occurrence toward QUOTA_EVENTS", async () => {
    const t = await newTeam(["ana"]);
    const ana = client(t.token, { QUOTA_EVENTS: "100" });
    const res = await ana.post("/events", { title: "weekly", starts_at: iso(firstMonday), recurrence: WEEKLY });
    expect(res.status).toBe(409);
    expect(errorOf(res).code).toBe("quota_exceeded");
    const roomy = client(t.token, { QUOTA_EVENTS: "200" });
    expect((await roomy.post("/events", { title: "weekly", starts_at: iso(firstMonday), recurrence: WEEKLY })).status).toBe(201);
  });

  it("takes overrides, cancellations and this-and-following like any series", async () => {
    const team = await teamWithOpenSeries();
    const third = firstMonday + 14 * DAY;
    expect((await team.patch(`/events/standup/occurrences/${iso(firstMonday + 7 * DAY)}`, { title: "second" })).status).toBe(200);
    expect((await team.delete(`/events/standup/occurrences/${iso(firstMonday + 21 * DAY)}`)).status).toBe(204);
    const split = await team.patch("/events/standup", { from_occurrence: iso(third), starts_at: iso(third + 3_600_000) });
    expect(split.status).toBe(200);
    const following = split.json as { id: string; recurrence: string[] };
    expect(following.recurrence[0]).toBe("RRULE:FREQ=WEEKLY");
    const before = (await team.get("/events/standup")).json as { recurrence: string[] };
    expect(before.recurrence[0]).toMatch(/^RRULE:FREQ=WEEKLY;UNTIL=/);
    // The calendar still has a series without an end: its horizon stands.
    expect(errorOf(await team.post("/events", { title: "far", starts_at: iso(Date.now() + 900 * DAY) })).code).toBe("beyond_series_horizon");
    const res = await team.get(`/events?from=${iso(firstMonday - 1)}&to=${iso(firstMonday + 35 * DAY)}`);
    expect((res.json as { events: Array<{ title: string; starts_at: string }> }).events.map((e) => e.starts_at)).toEqual(
      // The cancellation named 09:00; the following part moved to 10:00, so (as for a whole series moved) it names nothing now.
      [firstMonday, firstMonday + 7 * DAY, third + 3_600_000, firstMonday + 21 * DAY + 3_600_000, firstMonday + 28 * DAY + 3_600_000].map(iso),
    );
    // Changing an occurrence past the horizon is refused (it could not be checked yet); cancelling it is not.
    const past = firstMonday + 7 * DAY * Math.ceil((Date.now() + 900 * DAY - firstMonday) / (7 * DAY)) + 3_600_000;
    const moved = await team.patch(`/events/${following.id}/occurrences/${iso(past)}`, { title: "x" });
    expect(moved.status).toBe(409);
    expect(errorOf(moved).code).toBe("beyond_series_horizon");
    expect((await team.delete(`/events/${following.id}/occurrences/${iso(past)}`)).status).toBe(204);
  });
});
