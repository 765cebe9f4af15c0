import { describe, expect, it } from "vitest";
import type { HoldList } from "../../shared/calendar.ts";
import { client, newTeam } from "./api.ts";

/**
 * GET /holds: the slots open transactions hold, which GET /events leaves out (listing-holds.test.ts),
 * as busy time without what is booked. Real workerd and Redis; transactions through the API.
 */
const day = new Date(Date.now() + 5 * 86_400_000);
day.setUTCHours(9, 0, 0, 0);
const at = (h: number) => new Date(day.getTime() + h * 3_600_000).toISOString();
const window = `from=${at(-1)}&to=${at(30)}`;

type Team = Awaited<ReturnType<typeof newTeam>>;
type Api = ReturnType<typeof client>;

async function openTx(t: Api, ...ops: object[]): Promise<string> {
  const begun = await t.post("/tx", undefined);
  expect(begun.status).toBe(201);
  for (const op of ops) expect((await t.post(`/tx/${begun.json.tx_id}/ops`, op)).status).toBe(200);
  return begun.json.tx_id;
}

const create = (id: string, starts_at: string, extra: object = {}) => ({ type: "calendar.create", id, data: { title: `secret ${id}`, starts_at, ...extra } });

async function holds(t: Api, query = window) {
  const listed = await t.get(`/holds?${query}`);
  expect(listed.status, JSON.stringify(listed.json)).toBe(200);
  return listed.json as HoldList;
}

const slots = (page: HoldList) => page.holds.map((h) => [h.calendar, h.starts_at, h.ends_at]);

describe("GET /holds", () => {
  it("lists a hold while its transaction is open, without title or ids, and not once it commits into an event", async () => {
    const t = await newTeam();
    const tx = await openTx(t, create("offsite", at(2), { ends_at: at(4) }));
    const page = await holds(t.as("bo"));
    expect(page).toEqual({ holds: [{ calendar: "team", starts_at: at(2), ends_at: at(4), tx_expires_at: expect.any(String) }], next_cursor: null });
    expect(Date.parse(page.holds[0]!.tx_expires_at!)).toBeGreaterThan(Date.now());
    const text = JSON.stringify(page);
    for (const secret of [tx, "offsite", "secret"]) expect(text).not.toContain(secret);
    expect((await t.get(`/events?${window}`)).json.events).toEqual([]);

    expect((await t.post(`/tx/${tx}/commit`, undefined)).status).toBe(200);
    expect((await holds(t)).holds).toEqual([]);
    expect((await t.get(`/events?${window}`)).json.events.map((e: { id: string }) => e.id)).toEqual(["offsite"]);
  });

  it("drops a hold when its transaction aborts, and one whose lease has ended", async () => {
    const t = await newTeam();
    const aborted = await openTx(t, create("a", at(1)));
    expect(slots(await holds(t))).toEqual([["team", at(1), at(2)]]);
    expect((await t.post(`/tx/${aborted}/abort`, undefined)).status).toBe(200);
    expect((await holds(t)).holds).toEqual([]);

    const quick = client(t.token, { TX_IDLE_TIMEOUT: "300ms" });
    await openTx(quick, create("b", at(3)));
    expect(slots(await holds(t))).toEqual([["team", at(3), at(4)]]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await holds(t)).holds).toEqual([]);
  });

  it("lists a series in a transaction per occurrence, an update's new slot, and nothing for a delete; sorted by start", async () => {
    const t = await newTeam();
    expect((await t.post("/events", { id: "moved", title: "Moved", starts_at: at(10) })).status).toBe(201);
    expect((await t.post("/events", { id: "gone", title: "Gone", starts_at: at(12) })).status).toBe(201);
    await openTx(
      t,
      create("daily", at(0), { recurrence: ["RRULE:FREQ=DAILY;COUNT=2"], calendar: "ops" }),
      { type: "calendar.update", id: "moved", data: { starts_at: at(6), ends_at: at(7) } },
      { type: "calendar.delete", id: "gone" },
    );
    expect(slots(await holds(t))).toEqual([
      ["ops", at(0), at(1)],
      ["team", at(6), at(7)],
      ["ops", at(24), at(25)],
    ]);
    expect(slots(await holds(t, `${window}&calendar=ops`))).toEqual([["ops", at(0), at(1)], ["ops", at(24), at(25)]]);
    expect(slots(await holds(t, `from=${at(0.5)}&to=${at(6)}`))).toEqual([["ops", at(0), at(1)]]); // overlapping [from, to)
  });

  it("another team sees none of them", async () => {
    const t = await newTeam();
    const other = await newTeam();
    await openTx(t, create("ours", at(1)));
    expect((await holds(other)).holds).toEqual([]);
    expect((await holds(other, "")).holds).toEqual([]);
    expect((await holds(t, "")).holds).toHaveLength(1);
  });

  it("pages through holds with next_cursor, each once", async () => {
    const t: Team = await newTeam();
    await openTx(t, ...[0, 1, 2, 3, 4].map((h) => create(`e${h}`, at(h * 2))), create("side", at(0), { calendar: "side" }));
    const seen: string[][] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await holds(t, `${window}&limit=2${cursor === null ? "" : `&cursor=${cursor}`}`);
      expect(page.holds.length).toBeLessThanOrEqual(2);
      seen.push(...slots(page));
      cursor = page.next_cursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual([["side", at(0), at(1)], ["team", at(0), at(1)], ["team", at(2), at(3)], ["team", at(4), at(5)], ["team", at(6), at(7)], ["team", at(8), at(9)]]);
  });

  it("refuses bad input with a 400 naming the field, as GET /events does", async () => {
    const t = await newTeam();
    for (const [query, field] of [
      [`from=${at(2)}&to=${at(1)}`, "to"],
      ["from=yesterday", "from"],
      ["to=2026-13-01T00:00:00Z", "to"],
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["cursor=garbage", "cursor"],
      ["calendar=no%20spaces", "calendar"],
      ["title=x", "title"],
    ] as const) {
      const res = await t.get(`/holds?${query}`);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.json), query).toContain(field);
      const events = await t.get(`/events?${query}`);
      expect(events.status, query).toBe(400);
    }
    const anonymous = await client("not-a-token").get("/holds");
    expect(anonymous.status).toBe(401);
  });
});
