import { describe, expect, it } from "vitest";
import { newTeam } from "./api.ts";
import { errorOf, listed2031, teamWithSeries as teamWithSeriesFrom, type ListedEvent } from "./series-helpers.ts";

/**
 * "This and following" (issue #17): PATCH /events/{id} with from_occurrence splits the series in
 * one atomic step. 2031-03-03 is a Monday; six Mondays from it.
 */
const mondays = ["2031-03-03", "2031-03-10", "2031-03-17", "2031-03-24", "2031-03-31", "2031-04-07"];
const nine = (day: string) => `${day}T09:00:00.000Z`;
const at = (hour: string) => (day: string) => `${day}T${hour}:00:00.000Z`;

type Listed = ListedEvent;

const teamWithSeries = (lines = ["RRULE:FREQ=WEEKLY;COUNT=6"]) => teamWithSeriesFrom(nine(mondays[0]!), lines);
const listed = listed2031;

describe("PATCH /events/{id} with from_occurrence", () => {
  it("ends the series before that occurrence and starts a new series there with the patch applied", async () => {
    const team = await teamWithSeries();
    const res = await team.patch("/events/standup", { from_occurrence: nine(mondays[2]!), title: "later standup", starts_at: at("10")(mondays[2]!) });
    expect(res.status).toBe(200);
    const following = res.json as Listed;
    expect(following.id).not.toBe("standup");
    expect(res.headers.get("location")).toBe(`/events/${following.id}`);
    expect(res.headers.get("etag")).toBe(`"1@${(await team.get(`/events/${following.id}`)).json.created_at}"`);
    expect(following).toMatchObject({ title: "later standup", starts_at: at("10")(mondays[2]!), recurrence: ["RRULE:FREQ=WEEKLY;COUNT=4"], version: 1 });

    const before = (await team.get("/events/standup")).json as Listed;
    expect(before).toMatchObject({ title: "standup", version: 2, recurrence: ["RRULE:FREQ=WEEKLY;UNTIL=20310317T085959Z"] });
    expect((await listed(team)).map((e) => [e.id === "standup" ? "old" : "new", e.starts_at, e.title])).toEqual([
      ["old", nine(mondays[0]!), "standup"],
      ["old", nine(mondays[1]!), "standup"],
      ...mondays.slice(2).map((d) => ["new", at("10")(d), "later standup"]),
    ]);
    // The old times of the following occurrences are free; the new ones are taken.
    expect((await team.post("/events", { title: "old slot", starts_at: nine(mondays[3]!) })).status).toBe(201);
    expect((await team.post("/events", { title: "new slot", starts_at: at("10")(mondays[3]!) })).status).toBe(409);
    // Each part changes on its own.
    expect((await team.patch("/events/standup", { title: "early" })).status).toBe(200);
    expect((await team.delete(`/events/${following.id}`)).status).toBe(204);
    expect((await listed(team)).map((e) => e.title)).toEqual(["early", "early", "old slot"]);
  });

  it("each part keeps the overrides and cancellations of its own occurrences", async () => {
    const team = await teamWithSeries();
    expect((await team.patch(`/events/standup/occurrences/${nine(mondays[1]!)}`, { title: "second" })).status).toBe(200);
    expect((await team.patch(`/events/standup/occurrences/${nine(mondays[4]!)}`, { title: "fifth" })).status).toBe(200);
    expect((await team.delete(`/events/standup/occurrences/${nine(mondays[3]!)}`)).status).toBe(204);
    const res = await team.patch("/events/standup", { from_occurrence: nine(mondays[2]!), description: "from the third on" });
    expect(res.status).toBe(200);
    const following = res.json as Listed;
    expect(following.recurrence).toEqual(["RRULE:FREQ=WEEKLY;COUNT=4", "EXDATE:20310324T090000Z"]);
    expect(following.overrides?.map((o) => o.occurrence_start)).toEqual([nine(mondays[4]!)]);
    const before = (await team.get("/events/standup")).json as Listed;
    expect(before.recurrence).toEqual(["RRULE:FREQ=WEEKLY;UNTIL=20310317T085959Z"]);
    expect(before.overrides?.map((o) => o.occurrence_start)).toEqual([nine(mondays[1]!)]);
    expect((await listed(team)).map((e) => e.title)).toEqual(["standup", "second", "standup", "fifth", "standup"]);
  });

  it("is conflict-checked: refused, both parts stay as they were", async () => {
    const team = await teamWithSeries();
    expect((await team.post("/events", { id: "review", title: "review", starts_at: at("10")(mondays[4]!) })).status).toBe(201);
    const res = await team.patch("/events/standup", { from_occurrence: nine(mondays[2]!), starts_at: at("10")(mondays[2]!) });
    expect(res.status).toBe(409);
    expect(errorOf(res).details.conflicts.map((c: { id: string; booking_occurrence?: string }) => [c.id, c.booking_occurrence])).toEqual([["review", at("10")(mondays[4]!)]]);
    expect((await team.get("/events/standup")).json).toMatchObject({ version: 1, recurrence: ["RRULE:FREQ=WEEKLY;COUNT=6"] });
    expect((await listed(team)).filter((e) => e.id === "standup").map((e) => e.starts_at)).toEqual(mondays.map(nine));
  });

  it("a following part moved onto the part before it is a 400 naming starts_at", async () => {
    const team = await teamWithSeries(["RRULE:FREQ=DAILY;COUNT=6"]);
    const res = await team.patch("/events/standup", { from_occurrence: "2031-03-05T09:00:00Z", starts_at: "2031-03-04T09:30:00Z" });
    expect(res.status).toBe(400);
    expect(errorOf(res).details.fields[0].field).toBe("starts_at");
    expect((await team.get("/events/standup")).json).toMatchObject({ version: 1 });
  });

  it("at the first occurrence it patches the whole series; a start that is no occurrence is a 400 naming from_occurrence; If-Match is the series' version", async () => {
    const team = await teamWithSeries();
    const whole = await team.patch("/events/standup", { from_occurrence: nine(mondays[0]!), title: "all of it" });
    expect(whole.status).toBe(200);
    expect(whole.json).toMatchObject({ id: "standup", title: "all of it", version: 2 });
    for (const from of ["2031-03-04T09:00:00Z", "2031-04-14T09:00:00Z"]) {
      const res = await team.patch("/events/standup", { from_occurrence: from, title: "x" });
      expect(res.status).toBe(400);
      expect(errorOf(res).details.fields[0].field).toBe("from_occurrence");
    }
    for (const bad of ["soon", "2031-02-30T09:00:00Z", 5, "x".repeat(100)]) {
      const res = await team.patch("/events/standup", { from_occurrence: bad });
      expect(res.status).toBe(400);
      expect(errorOf(res).message).toContain("from_occurrence");
    }
    expect((await team.post("/events", { id: "single", title: "single", starts_at: "2031-05-01T09:00:00Z" })).status).toBe(201);
    expect(errorOf(await team.patch("/events/single", { from_occurrence: "2031-05-01T09:00:00Z" })).details.fields[0].field).toBe("from_occurrence");
    const createdAt = (await team.get("/events/standup")).json.created_at as string;
    expect((await team.patch("/events/standup", { from_occurrence: nine(mondays[2]!), title: "y" }, { "if-match": `"1@${createdAt}"` })).status).toBe(412);
    expect((await team.patch("/events/standup", { from_occurrence: nine(mondays[2]!), title: "y" }, { "if-match": `"2@${createdAt}"` })).status).toBe(200);
  });

  it("a zoned series with UNTIL keeps its wall-clock time across DST in both parts", async () => {
    const team = await newTeam(["ana"]);
    // 09:00 in Berlin: 08:00Z before the change on 2031-03-30, 07:00Z after.
    const res = await team.post("/events", { id: "berlin", title: "b", time_zone: "Europe/Berlin", starts_at: "2031-03-17T08:00:00Z", recurrence: ["RRULE:FREQ=WEEKLY;UNTIL=20310414T235959Z"] });
    expect(res.status).toBe(201);
    const split = await team.patch("/events/berlin", { from_occurrence: "2031-03-24T08:00:00Z", title: "after" });
    expect(split.status).toBe(200);
    expect((split.json as Listed).recurrence).toEqual(["RRULE:FREQ=WEEKLY;UNTIL=20310414T235959Z"]);
    expect((await listed(team)).map((e) => [e.title, e.starts_at])).toEqual([
      ["b", "2031-03-17T08:00:00.000Z"],
      ["after", "2031-03-24T08:00:00.000Z"],
      ["after", "2031-03-31T07:00:00.000Z"],
      ["after", "2031-04-07T07:00:00.000Z"],
      ["after", "2031-04-14T07:00:00.000Z"],
    ]);
  });
});
