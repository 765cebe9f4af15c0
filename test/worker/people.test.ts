import { describe, expect, it } from "vitest";
import { call, newTeam } from "./api.ts";

/**
 * Availability, free/busy and find-time (issue #17) through the worker, on real Redis. In March
 * 2031 Berlin is UTC+1 (until the 30th) and New York UTC-4 (from the 9th): 09:00-17:00 on both
 * wall clocks overlap 13:00-16:00 UTC. 2031-03-17 is a Monday.
 */
const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"];
const nineToFive = (time_zone: string) => ({ time_zone, weekly: [{ days: WEEKDAYS, start: "09:00", end: "17:00" }] });
const at = (hhmm: string, day = "2031-03-17") => `${day}T${hhmm}:00.000Z`;
const fieldsOf = (res: { json: any }) => (res.json.error.details.fields as Array<{ field: string }>).map((f) => f.field);

async function berlinAndNewYork() {
  const team = await newTeam(["ana", "bo", "cy"]);
  expect((await team.as("ana").put("/members/ana/availability", nineToFive("Europe/Berlin"))).status).toBe(200);
  expect((await team.as("bo").put("/members/bo/availability", nineToFive("america/new_york"))).status).toBe(200);
  return team;
}

describe("availability", () => {
  it("a member sets, reads and removes their own hours; the zone is stored by its canonical name", async () => {
    const team = await berlinAndNewYork();
    const read = await team.as("cy").get("/members/bo/availability");
    expect(read.status).toBe(200);
    expect(read.json).toMatchObject({ member: "bo", time_zone: "America/New_York", weekly: [{ days: WEEKDAYS, start: "09:00", end: "17:00" }], version: 1 });
    expect((await team.as("bo").put("/members/bo/availability", nineToFive("UTC"))).json.version).toBe(2);
    expect((await team.as("bo").delete("/members/bo/availability")).status).toBe(204);
    expect((await team.get("/members/bo/availability")).status).toBe(404);
  });

  it("only the member may change them: another member's token is a 403", async () => {
    const team = await berlinAndNewYork();
    const res = await team.as("bo").put("/members/ana/availability", nineToFive("UTC"));
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe("not_your_member");
    expect((await team.as("bo").delete("/members/ana/availability")).status).toBe(403);
    expect((await team.get("/members/ana/availability")).json.time_zone).toBe("Europe/Berlin");
  });

  it("in the dev open team (no tokens, every request is anonymous) anyone sets anyone's hours, and finds a time with them", async () => {
    const overrides = { GROUPSYNC_ENV: "development", GROUPSYNC_OPEN_TEAM: `open-${crypto.randomUUID().slice(0, 8)}` };
    const open = (method: string, path: string, body: unknown) => call(path, { method, headers: { host: "127.0.0.1:8787" }, body: JSON.stringify(body) }, overrides);
    expect((await open("PUT", "/members/anonymous/availability", nineToFive("UTC"))).status).toBe(200);
    expect((await open("PUT", "/members/ana/availability", nineToFive("Europe/Berlin"))).status).toBe(200);
    const found = await open("POST", "/find-time", { members: ["anonymous", "ana"], duration_minutes: 60, from: at("00:00"), to: at("00:00", "2031-03-18"), limit: 1 });
    expect(((await found.json()) as any).slots[0].starts_at).toBe(at("09:00"));
  });

  it("bad input is a 400 naming the field", async () => {
    const team = await newTeam(["ana"]);
    const put = (body: unknown) => team.put("/members/ana/availability", body);
    expect(fieldsOf(await put({ time_zone: "Mars/Olympus", weekly: [] }))).toEqual(["time_zone"]);
    expect(fieldsOf(await put({ time_zone: "UTC", weekly: [{ days: ["MO"], start: "17:00", end: "09:00" }] }))).toEqual(["weekly.0.end"]);
    expect(fieldsOf(await put({ time_zone: "UTC", weekly: [{ days: ["XX"], start: "9:00", end: "25:00" }] }))).toEqual(expect.arrayContaining(["weekly.0.days.0", "weekly.0.start", "weekly.0.end"]));
    expect(fieldsOf(await put({ time_zone: "UTC", weekly: [], extra: 1 }))).toEqual(["extra"]);
    expect((await team.put("/members/not%20a%20name/availability", nineToFive("UTC"))).status).toBe(400);
  });
});

describe("free/busy", () => {
  it("merges a member's personal calendar (series occurrences too), shows no titles, ignores other calendars", async () => {
    const team = await berlinAndNewYork();
    const ana = team.as("ana");
    expect((await ana.post("/events", { title: "dentist (private)", calendar: "member.ana", starts_at: at("10:00"), ends_at: at("11:00") })).status).toBe(201);
    expect((await ana.post("/events", { title: "focus", calendar: "member.ana", starts_at: at("11:00", "2031-03-16"), ends_at: at("11:30", "2031-03-16"), recurrence: ["RRULE:FREQ=DAILY;COUNT=3"] })).status).toBe(201);
    expect((await ana.post("/events", { title: "team lunch", starts_at: at("12:00"), ends_at: at("13:00") })).status).toBe(201);

    const res = await team.as("bo").get(`/freebusy?members=ana,bo&from=${at("00:00")}&to=${at("00:00", "2031-03-18")}`);
    expect(res.status).toBe(200);
    // The dentist and the day's occurrence of the series touch, so they are one interval.
    expect(res.json.members.ana.busy).toEqual([{ starts_at: at("10:00"), ends_at: at("11:30") }]);
    expect(res.json.members.ana.working_hours).toEqual([{ starts_at: at("08:00"), ends_at: at("16:00") }]);
    expect(res.json.members.bo).toEqual({ busy: [], working_hours: [{ starts_at: at("13:00"), ends_at: at("21:00") }] });
    expect(JSON.stringify(res.json)).not.toMatch(/dentist|focus|lunch/);
  });

  it("refuses unknown members, bad names and windows with a 400 naming the field", async () => {
    const team = await newTeam(["ana"]);
    const window = `from=${at("00:00")}&to=${at("00:00", "2031-03-18")}`;
    expect(fieldsOf(await team.get(`/freebusy?members=ana,zed&${window}`))).toEqual(["members"]);
    expect(fieldsOf(await team.get(`/freebusy?members=ana,a%20b&${window}`))).toEqual(["members"]);
    expect(fieldsOf(await team.get(`/freebusy?members=ana&from=${at("00:00")}&to=${at("00:00", "2031-09-01")}`))).toEqual(["to"]);
    expect(fieldsOf(await team.get(`/freebusy?members=ana&from=${at("01:00")}&to=${at("00:00")}`))).toEqual(["to"]);
    expect(fieldsOf(await team.get(`/freebusy?from=${at("01:00")}&to=${at("02:00")}`))).toEqual(["members"]);
  });
});

describe("find-time", () => {
  const ask = (over: Record<string, unknown> = {}) => ({ members: ["ana", "bo"], duration_minutes: 60, from: at("00:00"), to: at("00:00", "2031-03-19"), limit: 2, ...over });

  it("finds the earliest slots in everyone's working hours around personal busy time, and one call books a slot", async () => {
    const team = await berlinAndNewYork();
    expect((await team.as("ana").post("/events", { title: "1:1", calendar: "member.ana", starts_at: at("13:00"), ends_at: at("13:45") })).status).toBe(201);
    expect((await team.post("/events", { title: "taken", calendar: "room-1", starts_at: at("14:00"), ends_at: at("14:30") })).status).toBe(201);

    const found = await team.as("cy").post("/find-time", ask());
    expect(found.status).toBe(200);
    expect(found.json.reason).toBeNull();
    expect(found.json.slots.map((s: any) => [s.starts_at, s.ends_at, s.free, s.busy])).toEqual([
      [at("13:45"), at("14:45"), ["ana", "bo"], []],
      [at("14:45"), at("15:45"), ["ana", "bo"], []],
    ]);

    const inRoom = await team.post("/find-time", ask({ calendar: "room-1", limit: 1 }));
    expect(inRoom.json.slots).toEqual([{ starts_at: at("14:30"), ends_at: at("15:30"), free: ["ana", "bo"], busy: [], book: { calendar: "room-1", starts_at: at("14:30"), ends_at: at("15:30") } }]);
    const book = inRoom.json.slots[0].book;
    expect((await team.post("/events", { title: "planning", ...book })).status).toBe(201);
    // The same slot again is refused like any double booking, and the next search moves on.
    expect((await team.post("/events", { title: "planning again", ...book })).status).toBe(409);
    expect((await team.post("/find-time", ask({ calendar: "room-1", limit: 1 }))).json.slots[0].starts_at).toBe(at("13:00", "2031-03-18"));
  });

  it("an open transaction's hold on the room, or on a personal calendar, is busy time too", async () => {
    const team = await berlinAndNewYork();
    const tx = (await team.post("/tx", {})).json.tx_id;
    const hold = { type: "calendar.create", id: "held", data: { title: "held", calendar: "room-1", starts_at: at("13:00"), ends_at: at("14:00") } };
    const held = await team.post(`/tx/${tx}/ops`, hold);
    expect(held.status, JSON.stringify(held.json)).toBe(200);
    const mine = { type: "calendar.create", id: "mine", data: { title: "mine", calendar: "member.bo", starts_at: at("14:00"), ends_at: at("14:30") } };
    expect((await team.post(`/tx/${tx}/ops`, mine)).status).toBe(200);
    const found = await team.post("/find-time", ask({ calendar: "room-1", limit: 1 }));
    expect(found.json.slots.map((s: any) => s.starts_at)).toEqual([at("14:30")]);
    expect((await team.get(`/freebusy?members=bo&from=${at("00:00")}&to=${at("00:00", "2031-03-18")}`)).json.members.bo.busy).toEqual([{ starts_at: at("14:00"), ends_at: at("14:30") }]);
    // Aborted, the hold is gone and so is the busy time.
    expect((await team.post(`/tx/${tx}/abort`, {})).status).toBe(200);
    expect((await team.post("/find-time", ask({ calendar: "room-1", limit: 1 }))).json.slots[0].starts_at).toBe(at("13:00"));
  });

  it("a quorum leaves members out and names them; no slot comes with a reason", async () => {
    const team = await berlinAndNewYork();
    expect((await team.as("cy").put("/members/cy/availability", nineToFive("Asia/Tokyo"))).status).toBe(200);
    const all = await team.post("/find-time", ask({ members: ["ana", "bo", "cy"] }));
    expect(all.json).toMatchObject({ slots: [], reason: { code: "no_common_working_hours" } });
    const two = await team.post("/find-time", ask({ members: ["ana", "bo", "cy"], quorum: 0.6, limit: 1 }));
    // Tokyo's 09:00-17:00 is 00:00-08:00 UTC, when Berlin has not begun: two of three is ana and bo.
    expect(two.json.slots.map((s: any) => [s.starts_at, s.free, s.busy])).toEqual([[at("13:00"), ["ana", "bo"], ["cy"]]]);

    expect((await team.post("/events", { title: "all day", calendar: "room-1", starts_at: at("00:00"), ends_at: at("00:00", "2031-03-19") })).status).toBe(201);
    expect((await team.post("/find-time", ask({ calendar: "room-1" }))).json.reason.code).toBe("room_busy");
    expect((await team.as("ana").post("/events", { title: "away", calendar: "member.ana", starts_at: at("00:00"), ends_at: at("00:00", "2031-03-19") })).status).toBe(201);
    expect((await team.post("/find-time", ask())).json.reason.code).toBe("all_busy");
  });

  it("bad input is a 400 naming the field", async () => {
    const team = await newTeam(["ana"]);
    expect(fieldsOf(await team.post("/find-time", ask({ members: ["ana"], duration_minutes: 0 })))).toEqual(["duration_minutes"]);
    expect(fieldsOf(await team.post("/find-time", ask({ members: ["ana"], quorum: 0 })))).toEqual(["quorum"]);
    expect(fieldsOf(await team.post("/find-time", ask({ members: ["ana", "zed"] })))).toEqual(["members"]);
    expect(fieldsOf(await team.post("/find-time", ask({ members: ["ana"], duration_minutes: 120, to: at("01:00") })))).toEqual(["to"]);
    expect(fieldsOf(await team.post("/find-time", ask({ members: [] })))).toEqual(["members"]);
    expect(fieldsOf(await team.post("/find-time", ask({ members: ["ana"], calendar: "a:b" })))).toEqual(["calendar"]);
  });
});
