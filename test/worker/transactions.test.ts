import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TxView } from "../../shared/tx.ts";
import { CALENDAR_HOLDING_TEAMS, calendarKeys } from "../../worker/calendar/keys.ts";
import { GOAL_HOLDING_TEAMS, goalKeys } from "../../worker/goals/keys.ts";
import worker from "../../worker/index.ts";
import { participantStore } from "../../worker/storage/stores.ts";
import { client, newTeam } from "./api.ts";

const event = (id: string, start: string, end?: string) => ({ type: "calendar.create", id, data: { title: `Event ${id}`, starts_at: start, ...(end ? { ends_at: end } : {}) } });
const goalUpdate = (id: string, data: Record<string, unknown>) => ({ type: "goal.update", id, data });

async function teamWithGoal() {
  const t = await newTeam(["ana", "bo"]);
  await t.post("/goals", { id: "g", title: "Ship it", progress: 10 });
  return t;
}

async function begin(t: ReturnType<typeof client>) {
  const res = await t.post("/tx", {});
  expect(res.status).toBe(201);
  return TxView.parse(res.json).tx_id;
}

describe("transactions: the original's scenarios", () => {
  it("a happy commit applies calendar and goal ops together and releases every lock", async () => {
    const t = await teamWithGoal();
    const tx = await begin(t);
    expect(tx).toMatch(/^tx_[A-Za-z0-9_-]{22}$/);
    expect((await t.post(`/tx/${tx}/ops`, event("launch", "2026-04-01T10:00:00Z"))).status).toBe(200);
    const added = await t.post(`/tx/${tx}/ops`, goalUpdate("g", { progress: 90 }));
    expect(added.json.ops).toEqual([{ type: "calendar.create", id: "launch" }, { type: "goal.update", id: "g" }]);
    // Nothing is visible before the commit...
    expect((await t.get("/events/launch")).status).toBe(404);
    expect((await t.get("/goals/g")).json.progress).toBe(10);
    const committed = await t.post(`/tx/${tx}/commit`, {});
    expect(committed.status).toBe(200);
    expect(committed.json).toMatchObject({ state: "committed", outcome: { result: "committed" } });
    // ...and both are after it.
    expect((await t.get("/events/launch")).json).toMatchObject({ title: "Event launch", created_by: "ana", version: 1 });
    expect((await t.get("/goals/g")).json).toMatchObject({ progress: 90, version: 2 });
    // The goal is lockable again, by plain writes and by a new transaction.
    expect((await t.patch("/goals/g", { progress: 95 })).status).toBe(200);
    const again = await begin(t);
    expect((await t.post(`/tx/${again}/ops`, goalUpdate("g", { progress: 100 }))).status).toBe(200);
    expect((await t.post(`/tx/${again}/commit`, {})).json.state).toBe("committed");
    expect((await t.get("/goals/g")).json.progress).toBe(100);
  });

  it("double booking aborts with time_slot_taken, naming the event", async () => {
    const t = await newTeam();
    await t.post("/events", { id: "taken", title: "Taken", starts_at: "2026-04-01T10:00:00Z" });
    const tx = await begin(t);
    const res = await t.post(`/tx/${tx}/ops`, event("late", "2026-04-01T10:30:00Z"));
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: "time_slot_taken", details: { state: "aborted", conflicts: [{ id: "taken" }] } });
    expect((await t.get(`/tx/${tx}`)).json).toMatchObject({ state: "aborted", outcome: { result: "aborted", reason: "time_slot_taken" } });
  });

  it("two open transactions on one goal: the second aborts with lock_conflict naming the goal", async () => {
    const t = await teamWithGoal();
    const first = await begin(t);
    const second = await begin(t.as("bo"));
    expect((await t.post(`/tx/${first}/ops`, goalUpdate("g", { progress: 50 }))).status).toBe(200);
    const res = await t.as("bo").post(`/tx/${second}/ops`, goalUpdate("g", { progress: 60 }));
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: "lock_conflict", details: { resource: "goal:g" } });
    expect((await t.post(`/tx/${first}/commit`, {})).json.state).toBe("committed");
    expect((await t.get("/goals/g")).json.progress).toBe(50);
  });

  it("an idle transaction times out: holds released, the slot bookable at once, a late commit refused", async () => {
    const t = await newTeam();
    const quick = client(t.token, { TX_IDLE_TIMEOUT: "300ms" });
    const tx = await begin(quick);
    expect((await quick.post(`/tx/${tx}/ops`, event("held", "2026-04-02T10:00:00Z"))).status).toBe(200);
    // While it lives, its hold is busy time for plain bookings.
    const blocked = await quick.post("/events", { title: "x", starts_at: "2026-04-02T10:30:00Z" });
    expect(blocked.status).toBe(409);
    expect(blocked.json.error.details.conflicts[0].id).toBe("(held by a transaction in progress)");
    await new Promise((resolve) => setTimeout(resolve, 400));
    // A booking that meets the expired hold resolves it (presumed abort) and goes through.
    expect((await quick.post("/events", { title: "x", starts_at: "2026-04-02T10:30:00Z" })).status).toBe(201);
    const late = await quick.post(`/tx/${tx}/commit`, {});
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe("timeout");
    expect((await quick.get(`/tx/${tx}`)).json.outcome).toMatchObject({ result: "aborted", reason: "timeout" });
  });

  it("two ops for one slot in one transaction abort it", async () => {
    const t = await newTeam();
    const tx = await begin(t);
    await t.post(`/tx/${tx}/ops`, event("a", "2026-04-03T10:00:00Z"));
    const res = await t.post(`/tx/${tx}/ops`, event("b", "2026-04-03T10:15:00Z"));
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe("time_slot_taken");
    expect(res.json.error.message).toContain("an earlier op of this transaction");
    expect(res.json.error.message).not.toContain("another transaction");
    expect(res.json.error.details.conflicts[0].id).toBe("(held by this transaction)");
    // and the first op's hold went with it
    expect((await t.post("/events", { title: "free", starts_at: "2026-04-03T10:00:00Z" })).status).toBe(201);
  });

  it("two ops on one goal in one transaction abort it, blaming the earlier op, not another transaction", async () => {
    const t = await teamWithGoal();
    const tx = await begin(t);
    expect((await t.post(`/tx/${tx}/ops`, goalUpdate("g", { progress: 20 }))).status).toBe(200);
    const res = await t.post(`/tx/${tx}/ops`, goalUpdate("g", { progress: 30 }));
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: "lock_conflict", details: { resource: "goal:g" } });
    expect(res.json.error.message).toContain("an earlier op of this transaction");
  });

  it("an explicit abort releases everything, and a later commit is refused", async () => {
    const t = await teamWithGoal();
    const tx = await begin(t);
    await t.post(`/tx/${tx}/ops`, event("e", "2026-04-04T10:00:00Z"));
    await t.post(`/tx/${tx}/ops`, goalUpdate("g", { progress: 70 }));
    const aborted = await t.post(`/tx/${tx}/abort`, {});
    expect(aborted.json).toMatchObject({ state: "aborted", outcome: { reason: "client_abort" } });
    expect((await t.post("/events", { title: "free", starts_at: "2026-04-04T10:00:00Z" })).status).toBe(201);
    expect((await t.patch("/goals/g", { progress: 20 })).status).toBe(200);
    const late = await t.post(`/tx/${tx}/commit`, {});
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe("client_abort");
  });

  it("a committed or aborted transaction refuses every kind of op with 409 tx_not_open, and nothing is written", async () => {
    const t = await newTeam();
    await t.post("/events", { id: "there", title: "There", starts_at: "2026-04-12T08:00:00Z" });
    await t.post("/goals", { id: "g1", title: "Goal", progress: 10 });
    const ops = [
      event("late-create", "2026-04-12T10:00:00Z"),
      { type: "calendar.update", id: "there", data: { title: "Changed" } },
      { type: "calendar.delete", id: "there" },
      { type: "goal.create", id: "late-goal", data: { title: "Late goal" } },
      goalUpdate("g1", { progress: 99 }),
      { type: "goal.delete", id: "g1" },
    ];
    const committed = await begin(t);
    expect((await t.post(`/tx/${committed}/ops`, event("first", "2026-04-12T12:00:00Z"))).status).toBe(200);
    expect((await t.post(`/tx/${committed}/commit`, {})).json.state).toBe("committed");
    const aborted = await begin(t);
    expect((await t.post(`/tx/${aborted}/abort`, {})).json.state).toBe("aborted");
    for (const [tx, state] of [[committed, "committed"], [aborted, "aborted"]] as const) {
      const before = (await t.get(`/tx/${tx}`)).json;
      for (const op of ops) {
        const res = await t.post(`/tx/${tx}/ops`, op);
        expect(res.status, `${op.type} on a ${state} transaction`).toBe(409);
        expect(res.json.error).toMatchObject({ code: "tx_not_open", details: { tx_id: tx, state } });
        expect(res.json.error.message).toContain(state);
      }
      // The transaction is unchanged, and so is everything the ops named.
      expect((await t.get(`/tx/${tx}`)).json).toEqual(before);
    }
    expect((await t.get("/events/late-create")).status).toBe(404);
    expect((await t.get("/events/there")).json).toMatchObject({ title: "There", version: 1 });
    expect((await t.get("/goals/late-goal")).status).toBe(404);
    expect((await t.get("/goals/g1")).json).toMatchObject({ progress: 10, version: 1 });
    // No hold or lock was left behind: the slot and the goal are free for plain writes.
    expect((await t.post("/events", { title: "free", starts_at: "2026-04-12T10:00:00Z" })).status).toBe(201);
    expect((await t.patch("/goals/g1", { progress: 11 })).status).toBe(200);
    expect((await t.delete("/events/there")).status).toBe(204);
  });

  it("a transaction aborted by its idle timeout refuses ops with tx_not_open too", async () => {
    const t = await newTeam();
    const quick = client(t.token, { TX_IDLE_TIMEOUT: "200ms" });
    const tx = await begin(quick);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const res = await quick.post(`/tx/${tx}/ops`, event("too-late", "2026-04-13T10:00:00Z"));
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: "tx_not_open", details: { state: "aborted", reason: "timeout" } });
    expect((await quick.get("/events/too-late")).status).toBe(404);
  });

  it("an unknown transaction id is 404; one that is no transaction id at all is 400 naming id", async () => {
    const t = await newTeam();
    expect((await t.post("/tx/tx_AAAAAAAAAAAAAAAAAAAAAA/commit", {})).status).toBe(404);
    expect((await t.get("/tx/tx_AAAAAAAAAAAAAAAAAAAAAA")).status).toBe(404);
    for (const id of ["nope", "../../etc", "\u0000", "tx_\u0000AAAAAAAAAAAA"]) {
      for (const res of [await t.post(`/tx/${encodeURIComponent(id)}/commit`, {}), await t.get(`/tx/${encodeURIComponent(id)}`)]) {
        expect(res.status, JSON.stringify(id)).toBe(400);
        expect(res.json.error.details.fields).toEqual([{ field: "id", message: expect.stringMatching(/^must be a transaction id/) }]);
        expect(JSON.stringify(res.json)).not.toContain("\\u0000");
      }
    }
  });

  it("a missing field answers 400 naming it and leaves the transaction open", async () => {
    const t = await newTeam();
    const tx = await begin(t);
    const bad = await t.post(`/tx/${tx}/ops`, { type: "calendar.create", data: { starts_at: "2026-04-05T10:00:00Z" } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.fields[0]).toEqual({ field: "data.title", message: "is required" });
    const noTarget = await t.post(`/tx/${tx}/ops`, { type: "goal.update", data: { progress: 1 } });
    expect(noTarget.status).toBe(400);
    expect(noTarget.json.error.details.fields[0].field).toBe("id");
    expect((await t.get(`/tx/${tx}`)).json.state).toBe("open");
    expect((await t.post(`/tx/${tx}/ops`, event("ok", "2026-04-05T10:00:00Z"))).status).toBe(200);
    expect((await t.post(`/tx/${tx}/commit`, {})).json.state).toBe("committed");
  });
});

describe("transactions: access and forms", () => {
  it("only the member who began it may see, extend, commit or abort it; other teams see nothing", async () => {
    const t = await newTeam(["ana", "bo"]);
    const other = await newTeam();
    const tx = await begin(t);
    for (const who of [t.as("bo"), other]) {
      expect((await who.get(`/tx/${tx}`)).status).toBe(404);
      expect((await who.post(`/tx/${tx}/ops`, event("x", "2026-04-06T10:00:00Z"))).status).toBe(404);
      expect((await who.post(`/tx/${tx}/commit`, {})).status).toBe(404);
      expect((await who.post(`/tx/${tx}/abort`, {})).status).toBe(404);
    }
    expect((await t.get(`/tx/${tx}`)).json.state).toBe("open");
  });

  it("the one-shot form runs and commits in one request", async () => {
    const t = await teamWithGoal();
    const res = await t.post("/tx", { ops: [event("one", "2026-04-07T10:00:00Z"), goalUpdate("g", { completed: true })], commit: true });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ state: "committed", ops: [{ id: "one" }, { id: "g" }] });
    expect((await t.get("/goals/g")).json).toMatchObject({ completed: true, progress: 100 });
  });

  it("updates and deletes through a transaction, all or nothing", async () => {
    const t = await teamWithGoal();
    await t.post("/events", { id: "old", title: "Old", starts_at: "2026-04-08T10:00:00Z" });
    await t.post("/events", { id: "gone", title: "Gone", starts_at: "2026-04-08T12:00:00Z" });
    const res = await t.post("/tx", {
      ops: [{ type: "calendar.update", id: "old", data: { starts_at: "2026-04-08T11:00:00Z" } }, { type: "calendar.delete", id: "gone" }, { type: "goal.delete", id: "g" }],
      commit: true,
    });
    expect(res.json.state).toBe("committed");
    expect((await t.get("/events/old")).json).toMatchObject({ starts_at: "2026-04-08T11:00:00.000Z", version: 2 });
    expect((await t.get("/events/gone")).status).toBe(404);
    expect((await t.get("/goals/g")).status).toBe(404);
    // The moved event's old slot is free, its new one is taken.
    expect((await t.post("/events", { title: "x", starts_at: "2026-04-08T10:00:00Z" })).status).toBe(201);
    expect((await t.post("/events", { title: "y", starts_at: "2026-04-08T11:30:00Z" })).status).toBe(409);
  });

  it("a locked goal refuses plain writers with lock_conflict while the transaction lives", async () => {
    const t = await teamWithGoal();
    const tx = await begin(t);
    await t.post(`/tx/${tx}/ops`, goalUpdate("g", { progress: 40 }));
    const res = await t.patch("/goals/g", { progress: 41 });
    expect(res.status).toBe(409);
    expect(res.json.error).toMatchObject({ code: "lock_conflict", details: { resource: "goal g" } });
    await t.post(`/tx/${tx}/commit`, {});
    expect((await t.get("/goals/g")).json.progress).toBe(40);
  });

  it("ops added to one transaction at the same moment: never a commit with a hold it does not know", async () => {
    const t = await newTeam();
    const tx = await begin(t);
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => t.post(`/tx/${tx}/ops`, event(`same-${i}`, `2026-04-11T${String(10 + i).padStart(2, "0")}:00:00Z`))));
    const view = (await t.get(`/tx/${tx}`)).json;
    if (view.state === "open") {
      // Whatever was recorded commits, and exactly that.
      expect((await t.post(`/tx/${tx}/commit`, {})).json.state).toBe("committed");
      const booked = (await t.get("/events")).json.events.map((e: { id: string }) => e.id).sort();
      expect(booked).toEqual(view.ops.map((op: { id: string }) => op.id).sort());
    } else {
      expect(results.some((r) => r.status === 409)).toBe(true);
      expect((await t.get("/events")).json.events).toEqual([]);
    }
    // No hold is left behind either way.
    for (let i = 0; i < 5; i++) expect((await t.post("/events", { title: "x", starts_at: `2026-04-11T${String(10 + i).padStart(2, "0")}:00:00Z` })).status).toBe(201);
  });

  it("20 concurrent transactions on one slot: exactly one commits", async () => {
    const t = await newTeam();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => t.post("/tx", { ops: [event(`race-${i}`, "2026-04-09T10:00:00Z")], commit: true })));
    expect(results.filter((r) => r.status === 200 && r.json.state === "committed")).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    expect((await t.get("/events")).json.events).toHaveLength(1);
  });
});

describe("recovery", () => {
  it("update and delete ops that meet an expired transaction's lock or hold resolve it and go on", async () => {
    const t = await newTeam();
    const quick = client(t.token, { TX_IDLE_TIMEOUT: "200ms" });
    await t.post("/events", { id: "move-me", title: "Move me", starts_at: "2026-06-01T08:00:00Z" });
    await t.post("/events", { id: "drop-me", title: "Drop me", starts_at: "2026-06-01T09:00:00Z" });
    await t.post("/goals", { id: "grow", title: "Grow", progress: 10 });
    await t.post("/goals", { id: "drop", title: "Drop", progress: 10 });
    // One transaction locks all four, another holds a free slot; both go idle past their lease.
    const stale = await begin(quick);
    for (const op of [
      { type: "calendar.update", id: "move-me", data: { title: "Stale" } },
      { type: "calendar.update", id: "drop-me", data: { title: "Stale" } },
      goalUpdate("grow", { progress: 20 }),
      goalUpdate("drop", { progress: 20 }),
    ]) {
      expect((await quick.post(`/tx/${stale}/ops`, op)).status, op.type).toBe(200);
    }
    const squatter = await begin(quick);
    expect((await quick.post(`/tx/${squatter}/ops`, event("squatter", "2026-06-01T14:00:00Z"))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const tx = await begin(t);
    for (const op of [
      { type: "calendar.update", id: "move-me", data: { starts_at: "2026-06-01T14:00:00Z" } },
      { type: "calendar.delete", id: "drop-me" },
      goalUpdate("grow", { progress: 90 }),
      { type: "goal.delete", id: "drop" },
    ]) {
      const res = await t.post(`/tx/${tx}/ops`, op);
      expect(res.status, `${op.type} ${op.id}: ${JSON.stringify(res.json)}`).toBe(200);
    }
    expect((await t.post(`/tx/${tx}/commit`, {})).json.state).toBe("committed");
    for (const old of [stale, squatter]) expect((await t.get(`/tx/${old}`)).json.outcome).toMatchObject({ result: "aborted", reason: "timeout" });
    expect((await t.get("/events/move-me")).json).toMatchObject({ title: "Move me", starts_at: "2026-06-01T14:00:00.000Z", version: 2 });
    expect((await t.get("/events/drop-me")).status).toBe(404);
    expect((await t.get("/goals/grow")).json).toMatchObject({ progress: 90, version: 2 });
    expect((await t.get("/goals/drop")).status).toBe(404);
    expect((await t.get("/events/squatter")).status).toBe(404);
  });

  it("the scheduled sweep resolves transactions whose lease ended: holds and locks released", async () => {
    const t = await teamWithGoal();
    const quick = client(t.token, { TX_IDLE_TIMEOUT: "200ms" });
    const tx = await begin(quick);
    await quick.post(`/tx/${tx}/ops`, event("swept", "2026-04-10T10:00:00Z"));
    await quick.post(`/tx/${tx}/ops`, goalUpdate("g", { progress: 99 }));
    // Each participant store announced the team in its holding-teams index, which the sweep reads.
    const holding = async () => [await participantStore(env, "calendar").zscore(CALENDAR_HOLDING_TEAMS, t.team), await participantStore(env, "goals").zscore(GOAL_HOLDING_TEAMS, t.team)];
    expect((await holding()).every((score) => score !== null)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    // Its last transaction resolved and its lease ends passed: the team left both indexes.
    expect(await holding()).toEqual([null, null]);
    expect((await t.get(`/tx/${tx}`)).json.outcome).toMatchObject({ result: "aborted", reason: "timeout" });
    expect((await t.patch("/goals/g", { progress: 11 })).status).toBe(200);
    expect((await t.post("/events", { title: "x", starts_at: "2026-04-10T10:00:00Z" })).status).toBe(201);
  });
});

describe("plain writes that meet transactions", () => {
  it("a booking that meets an expired transaction's lock, then another expired one's hold, clears both and books", async () => {
    const t = await newTeam();
    // Long enough that a loaded machine still adds each op before its transaction goes idle.
    const quick = client(t.token, { TX_IDLE_TIMEOUT: "1s" });
    // One transaction holds the id, another the slot; both go idle past their lease.
    const holdsId = await begin(quick);
    expect((await quick.post(`/tx/${holdsId}/ops`, event("wanted", "2026-05-01T14:00:00Z"))).status).toBe(200);
    const holdsSlot = await begin(quick);
    expect((await quick.post(`/tx/${holdsSlot}/ops`, event("other", "2026-05-01T10:00:00Z"))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const res = await quick.post("/events", { id: "wanted", title: "Mine", starts_at: "2026-05-01T10:00:00Z" });
    expect(res.status).toBe(201);
    expect((await quick.get("/events/wanted")).json).toMatchObject({ title: "Mine", starts_at: "2026-05-01T10:00:00.000Z", version: 1 });
  });

  /**
   * A lock that resolving its transaction does not clear (here one left behind with nothing held,
   * as a race between an op and a commit can leave): every write that meets it must be refused,
   * never answered as if it had been written.
   */
  it("a lock that resolving does not clear is a 409 lock_conflict for every write, never a success", async () => {
    const t = await newTeam();
    await t.post("/events", { id: "locked-event", title: "Before", starts_at: "2026-05-02T10:00:00Z" });
    await t.post("/goals", { id: "locked-goal", title: "Before", progress: 10 });
    const stray = `tx_${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`;
    const calendar = participantStore(env, "calendar");
    const goals = participantStore(env, "goals");
    for (const id of ["locked-event", "new-event"]) await calendar.set(calendarKeys(t.team).lock(id), stray);
    for (const id of ["locked-goal", "new-goal"]) await goals.set(goalKeys(t.team).lock(id), JSON.stringify({ tx: stray, n: 0, kind: "update", goal_id: id }));

    const writes = [
      ["POST /events", () => t.post("/events", { id: "new-event", title: "New", starts_at: "2026-05-02T14:00:00Z" })],
      ["PUT /events", () => t.put("/events/locked-event", { title: "Put", starts_at: "2026-05-02T10:00:00Z" })],
      ["PATCH /events", () => t.patch("/events/locked-event", { title: "Patched" })],
      ["DELETE /events", () => t.delete("/events/locked-event")],
      ["POST /goals", () => t.post("/goals", { id: "new-goal", title: "New" })],
      ["PUT /goals", () => t.put("/goals/locked-goal", { title: "Put" })],
      ["PATCH /goals", () => t.patch("/goals/locked-goal", { progress: 50 })],
      ["DELETE /goals", () => t.delete("/goals/locked-goal")],
    ] as const;
    for (const [what, write] of writes) {
      const res = await write();
      expect(res.status, what).toBe(409);
      expect(res.json.error.code, what).toBe("lock_conflict");
    }
    expect((await t.get("/events/new-event")).status).toBe(404);
    expect((await t.get("/events/locked-event")).json).toMatchObject({ title: "Before", version: 1 });
    expect((await t.get("/goals/new-goal")).status).toBe(404);
    expect((await t.get("/goals/locked-goal")).json).toMatchObject({ title: "Before", progress: 10, version: 1 });
  });
});
