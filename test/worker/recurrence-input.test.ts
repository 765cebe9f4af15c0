import { describe, expect, it } from "vitest";
import { newTeam } from "./api.ts";

/**
 * time_zone and recurrence on events (issue #17, input slice): every problem is a 400 naming the
 * field (and for recurrence, the line and the part). Storing series: recurrence-series.test.ts.
 */
const slot = (hour: number) => ({ starts_at: `2031-03-0${1 + (hour % 7)}T${String(hour % 24).padStart(2, "0")}:00:00Z` });

describe("time_zone", () => {
  it("is stored in its canonical name and read back; absent stays absent", async () => {
    const team = await newTeam(["ana"]);
    const created = await team.post("/events", { title: "standup", time_zone: "europe/berlin", ...slot(1) });
    expect(created.status).toBe(201);
    const body = created.json as { id: string; time_zone?: string };
    expect(body.time_zone).toBe("Europe/Berlin");
    expect(((await team.get(`/events/${body.id}`)).json as { time_zone?: string }).time_zone).toBe("Europe/Berlin");
    const patched = await team.patch(`/events/${body.id}`, { title: "renamed" });
    expect((patched.json as { time_zone?: string }).time_zone).toBe("Europe/Berlin");
    const plain = (await team.post("/events", { title: "plain", ...slot(3) })).json as Record<string, unknown>;
    expect("time_zone" in plain).toBe(false);
  });

  it.each([
    ["Mars/Olympus", 'time_zone: "Mars/Olympus" is not an IANA time zone'],
    ["+05:00", 'time_zone: "+05:00" is not an IANA time zone'],
    ["", "time_zone: must not be empty"],
    ["Europe/Berlin\u0000", "time_zone: contains the control character U+0000"],
    ["Europe/\ud800", "time_zone: contains a lone UTF-16 surrogate"],
    ["Ｅurope/Berlin", 'time_zone: "Ｅurope/Berlin" is not an IANA time zone'],
    ["x".repeat(65), "time_zone: must be at most 64 characters"],
  ])("%j is a 400 naming time_zone", async (zone, message) => {
    const team = await newTeam(["ana"]);
    const res = await team.post("/events", { title: "t", time_zone: zone, ...slot(5) });
    expect(res.status).toBe(400);
    expect((res.json as { error: { message: string } }).error.message).toContain(message);
  });
});

describe("recurrence", () => {
  it.each([
    [["RRULE:FREQ=WEEKLY;BYDAY=XX"], 'recurrence[0]: BYDAY: "XX" is not a weekday'],
    [["RRULE:FREQ=WEEKLY", "RRULE:FREQ=DAILY"], "recurrence[1]: only one RRULE line is allowed"],
    [["RRULE:FREQ=MONTHLY;BYDAY=２TU"], 'recurrence[0]: BYDAY: "２TU" is not a weekday'],
    [["RRULE:FREQ=DAİLY"], 'recurrence[0]: FREQ: "DAİLY" is not supported'],
    [["RRULE:FREQ=DAILY\u202e"], 'recurrence[0]: FREQ: "DAILY\u202e" is not supported'],
    [["RRULE:FREQ=DAILY\u0000"], "recurrence.0: contains the control character U+0000"],
    [["RRULE:FREQ=DAILY;COUNT=99999999"], 'recurrence[0]: COUNT: "99999999" must be a whole number from 1 to 1000'],
    [Array.from({ length: 101 }, () => "EXDATE:20310301T010000Z"), "recurrence: must have at most 100 lines"],
    [["EXDATE:" + "20310301T010000Z,".repeat(200)], "recurrence.0: must be at most 2000 characters"],
    [["RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU"], "recurrence: the rule finds no occurrence after starts_at"],
    [["RRULE:FREQ=DAILY;UNTIL=20350101T000000Z"], "recurrence: makes more than 1000 occurrences; end it sooner"],
    // Every Monday that is a Feb 29 (every 28 years): five of them take 112 years of days.
    [["RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;COUNT=5"], "recurrence: takes too long to reach its end"],
    // Without an end, a series is materialised about two years ahead of now: it must start before that.
    [["RRULE:FREQ=WEEKLY;BYDAY=MO,WE"], "starts_at: starts after"],
    // An RDATE 30 min after DTSTART: the two 1 h occurrences would overlap each other.
    [["RRULE:FREQ=WEEKLY;COUNT=2", "RDATE:20310303T093000Z"], "recurrence: makes occurrences that overlap each other (2031-03-03T09:00:00.000Z and 2031-03-03T09:30:00.000Z)"],
  ])("%j is a 400 naming the line and part", async (lines, message) => {
    const team = await newTeam(["ana"]);
    // 2031-03-03 is a Monday: the INTERVAL=7 rule stays on Mondays and never meets a Tuesday.
    const res = await team.post("/events", { title: "t", recurrence: lines, starts_at: "2031-03-03T09:00:00Z" });
    expect(res.status).toBe(400);
    const error = (res.json as { error: { code: string; message: string } }).error;
    expect(error.code).toBe("validation_failed");
    expect(error.message).toContain(message);
  });

  it("is refused the same way by PUT, PATCH and a transaction, and nothing is written", async () => {
    const team = await newTeam(["ana"]);
    const created = (await team.post("/events", { title: "one", ...slot(2) })).json as { id: string; version: number };
    const put = await team.put(`/events/${created.id}`, { title: "one", ...slot(2), recurrence: ["RRULE:FREQ=HOURLY"] });
    const patch = await team.patch(`/events/${created.id}`, { recurrence: ["RRULE:FREQ=DAILY;BYDAY=XX"] });
    const tx = await team.post("/tx", { ops: [{ type: "calendar.create", data: { title: "s", ...slot(4), recurrence: ["RRULE:FREQ=DAILY;BYDAY=XX"] } }], commit: true });
    expect([put.status, patch.status, tx.status]).toEqual([400, 400, 400]);
    expect((patch.json as { error: { message: string } }).error.message).toContain('recurrence[0]: BYDAY: "XX" is not a weekday');
    expect((tx.json as { error: { message: string } }).error.message).toContain('data.recurrence[0]: BYDAY: "XX" is not a weekday');
    expect(((await team.get(`/events/${created.id}`)).json as { version: number }).version).toBe(created.version);
  });

  it("an empty list is no series: the event is stored as a single one", async () => {
    const team = await newTeam(["ana"]);
    const res = await team.post("/events", { title: "single", recurrence: [], ...slot(6) });
    expect(res.status).toBe(201);
    expect("recurrence" in (res.json as object)).toBe(false);
  });
});
