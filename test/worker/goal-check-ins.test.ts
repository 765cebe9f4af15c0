import { describe, expect, it } from "vitest";
import { CheckIn, CheckInList, Goal } from "../../shared/goals.ts";
import { newTeam } from "./api.ts";

async function teamWithGoal() {
  const t = await newTeam();
  await t.post("/goals", {
    id: "g",
    title: "Launch",
    key_results: [
      { id: "signups", title: "Signups", metric: "number", start: 0, target: 200 },
      { id: "docs", title: "Docs written", metric: "done" },
    ],
  });
  return t;
}

describe("POST /goals/{id}/check-ins", () => {
  it("sets the key-result values, recomputes progress and shows the latest health, in one step", async () => {
    const t = await teamWithGoal();
    const res = await t.as("bo").post("/goals/g/check-ins", { health: "at_risk", note: "slow week 🐢", key_results: [{ id: "signups", current: 100 }] });
    expect(res.status).toBe(201);
    const checkIn = CheckIn.parse(res.json);
    expect(checkIn).toMatchObject({ goal_id: "g", health: "at_risk", note: "slow week 🐢", key_results: [{ id: "signups", previous: 0, current: 100 }], progress: 25, goal_version: 2, by: "bo" });
    const goal = Goal.parse((await t.get("/goals/g")).json);
    expect(res.headers.get("etag")).toBe(`"2@${goal.created_at}"`);
    expect(goal).toMatchObject({ progress: 25, health: "at_risk", checked_in_at: checkIn.at, updated_at: checkIn.at, version: 2 });
    expect(res.json.goal).toEqual(goal);
    const done = await t.post("/goals/g/check-ins", { health: "on_track", key_results: [{ id: "docs", current: 1 }, { id: "signups", current: 250 }] });
    expect(done.json).toMatchObject({ progress: 100, note: "" });
    expect((await t.get("/goals/g")).json).toMatchObject({ progress: 100, health: "on_track", state: "open" });
  });

  it("a check-in without key-result values works on a manual goal too", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "m", title: "Manual", progress: 40 });
    const res = await t.post("/goals/m/check-ins", { health: "off_track", note: "blocked on review" });
    expect(res.status).toBe(201);
    expect((await t.get("/goals/m")).json).toMatchObject({ progress: 40, health: "off_track", version: 2 });
  });

  it("respects If-Match: a stale version is a 412 and nothing is kept", async () => {
    const t = await teamWithGoal();
    const tag = (await t.get("/goals/g")).headers.get("etag")!;
    const stale = await t.post("/goals/g/check-ins", { health: "on_track", key_results: [{ id: "signups", current: 10 }] }, { "if-match": tag.replace('"1@', '"7@') });
    expect(stale.status).toBe(412);
    expect(stale.json.error.details.current_version).toBe(1);
    expect((await t.get("/goals/g/check-ins")).json.check_ins).toEqual([]);
    expect((await t.get("/goals/g")).json).toMatchObject({ version: 1, health: null });
    expect((await t.post("/goals/g/check-ins", { health: "on_track" }, { "if-match": tag })).status).toBe(201);
  });

  it.each([
    [{ note: "x" }, "health", "is required"],
    [{ health: "fine" }, "health", "must be on_track, at_risk or off_track"],
    [{ health: "on_track", note: "x".repeat(2001) }, "note", "must be at most 2000 characters"],
    [{ health: "on_track", note: "a\u0000b" }, "note", "contains the control character U+0000"],
    [{ health: "on_track", key_results: [{ id: "nope", current: 1 }] }, "key_results.0.id", "names no key result of this goal (it has signups, docs)"],
    [{ health: "on_track", key_results: [{ id: "signups", current: 1 }, { id: "docs", current: 0.5 }] }, "key_results.1.current", "must be 0 (not done) or 1 (done)"],
    [{ health: "on_track", key_results: [{ id: "signups", current: 1e308 }] }, "key_results.0.current", "must be from -1000000000000 to 1000000000000"],
    [{ health: "on_track", key_results: [{ id: "signups", current: "5" }] }, "key_results.0.current", "must be a number"],
    [{ health: "on_track", key_results: [{ id: "signups", current: 1 }, { id: "signups", current: 2 }] }, "key_results.1.id", "is already given in key_results.0"],
    [{ health: "on_track", progress: 50 }, "progress", "is not a known field"],
  ])("refuses %j, naming %s, and changes nothing", async (body, field, message) => {
    const t = await teamWithGoal();
    const res = await t.post("/goals/g/check-ins", body);
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields).toContainEqual({ field, message });
    expect((await t.get("/goals/g")).json.version).toBe(1);
    expect((await t.get("/goals/g/check-ins")).json.check_ins).toEqual([]);
  });

  it("an Idempotency-Key makes a retried check-in count once, also when its If-Match named the version before it", async () => {
    const t = await teamWithGoal();
    const body = { health: "on_track", key_results: [{ id: "signups", current: 50 }] };
    const tag = (await t.get("/goals/g")).headers.get("etag")!;
    const headers = { "idempotency-key": "check-in-1", "if-match": tag };
    const first = await t.post("/goals/g/check-ins", body, headers);
    expect(first.status).toBe(201);
    const again = await t.post("/goals/g/check-ins", body, headers);
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.headers.get("etag")).toBe(tag.replace('"1@', '"2@'));
    expect(again.json).toEqual(first.json);
    expect((await t.get("/goals/g/check-ins")).json.check_ins).toHaveLength(1);
    expect((await t.get("/goals/g")).json.version).toBe(2);
    const reused = await t.post("/goals/g/check-ins", { ...body, note: "other" }, { "idempotency-key": "check-in-1" });
    expect(reused.status).toBe(422);
    expect(reused.json.error.code).toBe("idempotency_key_reused");
    // Without If-Match the replay comes from the script itself, in the same step as the check.
    const plain = { "idempotency-key": "check-in-2" };
    const [a, b] = await Promise.all([t.post("/goals/g/check-ins", body, plain), t.post("/goals/g/check-ins", body, plain)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await t.get("/goals/g/check-ins")).json.check_ins).toHaveLength(2);
  });

  it("a goal locked by an open transaction refuses check-ins (409 lock_conflict) until the transaction ends", async () => {
    const t = await teamWithGoal();
    const tx = (await t.post("/tx", {})).json.tx_id;
    expect((await t.post(`/tx/${tx}/ops`, { type: "goal.update", id: "g", data: { title: "Renamed" } })).status).toBe(200);
    const locked = await t.as("bo").post("/goals/g/check-ins", { health: "on_track", key_results: [{ id: "signups", current: 20 }] });
    expect(locked.status).toBe(409);
    expect(locked.json.error.code).toBe("lock_conflict");
    expect((await t.post(`/tx/${tx}/commit`, {})).status).toBe(200);
    const after = await t.as("bo").post("/goals/g/check-ins", { health: "on_track", key_results: [{ id: "signups", current: 20 }] });
    expect(after.status).toBe(201);
    expect(after.json.goal).toMatchObject({ title: "Renamed", progress: 5, version: 3 });
  });

  it("a goal that does not exist, or is another team's, is a 404", async () => {
    const t = await teamWithGoal();
    const other = await newTeam();
    expect((await t.post("/goals/nope/check-ins", { health: "on_track" })).status).toBe(404);
    expect((await other.post("/goals/g/check-ins", { health: "on_track" })).status).toBe(404);
    expect((await other.get("/goals/g/check-ins")).status).toBe(404);
  });

  it("concurrent check-ins all land: each one kept, none lost", async () => {
    const t = await teamWithGoal();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => t.post("/goals/g/check-ins", { health: "on_track", note: `n${i}`, key_results: [{ id: "signups", current: i }] })));
    expect(results.every((r) => r.status === 201)).toBe(true);
    const goal = (await t.get("/goals/g")).json;
    expect(goal.version).toBe(13);
    const listed = CheckInList.parse((await t.get("/goals/g/check-ins?limit=100")).json).check_ins;
    expect(listed.map((c) => c.note).sort()).toEqual(results.map((r) => r.json.note).sort());
    // Newest first, each one's previous value the value the one before it set.
    expect(listed.map((c) => c.goal_version)).toEqual(Array.from({ length: 12 }, (_, i) => 13 - i));
    for (let i = 0; i + 1 < listed.length; i++) expect(listed[i]!.key_results[0]!.previous).toBe(listed[i + 1]!.key_results[0]!.current);
    expect(goal.key_results[0].current).toBe(listed[0]!.key_results[0]!.current);
  });
});

describe("GET /goals/{id}/check-ins", () => {
  it("pages newest first; the cursor keeps its place while more check-ins arrive", async () => {
    const t = await teamWithGoal();
    for (let i = 0; i < 5; i++) await t.post("/goals/g/check-ins", { health: "on_track", note: `n${i}` });
    const first = CheckInList.parse((await t.get("/goals/g/check-ins?limit=2")).json);
    expect(first.check_ins.map((c) => c.note)).toEqual(["n4", "n3"]);
    await t.post("/goals/g/check-ins", { health: "at_risk", note: "later" });
    const second = CheckInList.parse((await t.get(`/goals/g/check-ins?limit=2&cursor=${first.next_cursor}`)).json);
    expect(second.check_ins.map((c) => c.note)).toEqual(["n2", "n1"]);
    const third = CheckInList.parse((await t.get(`/goals/g/check-ins?limit=2&cursor=${second.next_cursor}`)).json);
    expect(third).toEqual({ check_ins: [expect.objectContaining({ note: "n0" })], next_cursor: null });
    expect((await t.get("/goals/g/check-ins?limit=1")).json.check_ins[0].note).toBe("later");
  });

  it("a cursor past the end answers an empty page with no next_cursor (not a thousand empty pages)", async () => {
    const t = await teamWithGoal();
    await t.post("/goals/g/check-ins", { health: "on_track" });
    expect((await t.get("/goals/g/check-ins?cursor=99999")).json).toEqual({ check_ins: [], next_cursor: null });
  });

  it.each(["0", "-1", "x", "1e3", "99999999999"])("refuses the cursor %s, naming it", async (cursor) => {
    const t = await teamWithGoal();
    const res = await t.get(`/goals/g/check-ins?cursor=${cursor}`);
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields[0].field).toBe("cursor");
  });

  it("deleting the goal deletes its history, by DELETE and by a transaction: a new goal with the id starts empty", async () => {
    const t = await teamWithGoal();
    await t.post("/goals/g/check-ins", { health: "on_track" });
    expect((await t.delete("/goals/g")).status).toBe(204);
    await t.post("/goals", { id: "g", title: "again" });
    expect((await t.get("/goals/g/check-ins")).json.check_ins).toEqual([]);
    await t.post("/goals/g/check-ins", { health: "on_track" });
    expect((await t.post("/tx", { ops: [{ type: "goal.delete", id: "g" }], commit: true })).status).toBe(200);
    await t.post("/goals", { id: "g", title: "once more" });
    expect((await t.get("/goals/g/check-ins")).json.check_ins).toEqual([]);
  });
});
