import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { calendarKeys } from "../../worker/calendar/keys.ts";
import { releaseEventHoldsScript } from "../../worker/calendar/scripts.ts";
import { coordinatorFor } from "../../worker/resources.ts";
import { participantStore } from "../../worker/storage/stores.ts";
import type { Clock } from "../../worker/tx/participant.ts";
import { newTeam } from "./api.ts";

/** A clock the test moves by hand: leases expire when it says so, not after a sleep. */
function manualClock(): Clock & { advance(ms: number): void } {
  let now = Date.now();
  return { now: () => now, advance: (ms) => (now += ms) };
}

const IDLE_MS = 60_000; // the default TX_IDLE_TIMEOUT: a real sleep could never wait it out here

const booking = (id: string, starts_at: string) => ({ type: "calendar.create" as const, id, data: { title: id, starts_at } });

/** The coordinator's lease rules, with real stores and an injected clock. */
describe("transaction leases follow the coordinator's clock", () => {
  it("a hold is live until its lease ends, then resolvable; resolving it aborts for timeout and frees the slot", async () => {
    const t = await newTeam();
    const clock = manualClock();
    const tx = coordinatorFor(env, t.team, undefined, clock);
    let record = await tx.begin("ana");
    record = await tx.addOp(record, booking("leased", "2026-06-01T10:00:00Z"));
    expect(record.expires_ms).toBe(clock.now() + IDLE_MS);

    clock.advance(IDLE_MS - 1);
    expect(await tx.resolvable("calendar", record.id)).toBe(false);
    expect((await tx.load(record.id, "ana")).state).toBe("open");
    expect((await t.post("/events", { title: "x", starts_at: "2026-06-01T10:00:00Z" })).status).toBe(409);

    clock.advance(1);
    expect(await tx.resolvable("calendar", record.id)).toBe(true);
    const resolved = await tx.load(record.id, "ana");
    expect(resolved).toMatchObject({ state: "aborted", outcome: { result: "aborted", reason: "timeout" } });
    expect(await tx.participant("calendar").leases()).toEqual([]);
    expect((await t.post("/events", { title: "x", starts_at: "2026-06-01T10:00:00Z" })).status).toBe(201);
  });

  it("an op on one participant extends the other's lease", async () => {
    const t = await newTeam();
    const clock = manualClock();
    const tx = coordinatorFor(env, t.team, undefined, clock);
    let record = await tx.begin("ana");
    record = await tx.addOp(record, booking("first", "2026-06-02T10:00:00Z"));
    clock.advance(IDLE_MS - 1000);
    record = await tx.addOp(record, { type: "goal.create", id: "second", data: { title: "second" } });
    expect(await tx.participant("calendar").leaseEnd(record.id)).toBe(clock.now() + IDLE_MS);
    clock.advance(1001); // past the first op's own lease, within the extended one
    expect(await tx.resolvable("calendar", record.id)).toBe(false);
    const committed = await tx.commit(record);
    expect(committed.state).toBe("committed");
    expect((await t.get("/events/first")).status).toBe(200);
    expect((await t.get("/goals/second")).status).toBe(200);
  });

  it("a decided transaction is resolvable whatever the clock says", async () => {
    const t = await newTeam();
    const clock = manualClock();
    const tx = coordinatorFor(env, t.team, undefined, clock);
    let record = await tx.begin("ana");
    record = await tx.addOp(record, booking("decided", "2026-06-03T10:00:00Z"));
    await tx.abort(record);
    expect(await tx.resolvable("calendar", record.id)).toBe(true);
  });

  it("a release given none of the holds keeps the lease (holds prepared after the worker read them are not orphaned)", async () => {
    const t = await newTeam();
    const clock = manualClock();
    const tx = coordinatorFor(env, t.team, undefined, clock);
    let record = await tx.begin("ana");
    record = await tx.addOp(record, booking("one", "2026-06-04T10:00:00Z"));
    record = await tx.addOp(record, booking("two", "2026-06-04T12:00:00Z"));
    const k = calendarKeys(t.team);
    // As if both holds were prepared after the worker read the (then empty) set of holds.
    expect(await releaseEventHoldsScript.run(participantStore(env, "calendar"), [k.txHolds(record.id), k.leases], [record.id])).toEqual([0, 2]);
    expect(await tx.participant("calendar").leaseEnd(record.id)).toBe(record.expires_ms);
    // The next round reads them, releases both, and only then ends the lease.
    await tx.abort(record);
    expect(await tx.participant("calendar").leaseEnd(record.id)).toBeNull();
    expect((await t.post("/events", { title: "free", starts_at: "2026-06-04T10:00:00Z" })).status).toBe(201);
  });
});
