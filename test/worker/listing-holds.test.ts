import { describe, expect, it } from "vitest";
import { call, newTeam } from "./api.ts";

/**
 * A transaction's calendar hold is busy time in its calendar's index, but no event: listing that
 * calendar (or its feed) while the transaction is open shows only events. Found by the history
 * checker (test/integration/history.test.ts): GET /events?calendar=team listed "hold:tx_…:1"
 * entries, overlapping the very events the transaction was updating.
 */
describe("listing a calendar while a transaction holds part of it", () => {
  it("shows the events, not the holds, by calendar and in the feed", async () => {
    const t = await newTeam();
    const day = new Date(Date.now() + 3 * 86_400_000);
    day.setUTCHours(9, 0, 0, 0);
    const at = (h: number) => new Date(day.getTime() + h * 3_600_000).toISOString();
    expect((await t.post("/events", { id: "kept", title: "Kept", starts_at: at(0) })).status).toBe(201);
    const tx = (await t.post("/tx", undefined)).json.tx_id;
    expect((await t.post(`/tx/${tx}/ops`, { type: "calendar.update", id: "kept", data: { title: "Renamed" } })).status).toBe(200);
    expect((await t.post(`/tx/${tx}/ops`, { type: "calendar.create", id: "new", data: { title: "New", starts_at: at(2) } })).status).toBe(200);

    const window = `from=${at(-1)}&to=${at(5)}`;
    for (const query of [`calendar=team&${window}`, window, "calendar=team"]) {
      const listed = await t.get(`/events?${query}`);
      expect(listed.status).toBe(200);
      expect(listed.json.events.map((e: { id: string; title: string }) => [e.id, e.title]), query).toEqual([["kept", "Kept"]]);
    }
    const feed = await call(`/calendar.ics?calendar=team&token=${t.token}`);
    expect(feed.status).toBe(200);
    const text = await feed.text();
    expect(text).toContain("SUMMARY:Kept");
    expect(text).not.toContain("hold:");
    expect(text.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  });
});
