import { describe, expect, it } from "vitest";
import { Goal, MAX_KEY_RESULTS } from "../../shared/goals.ts";
import { newTeam } from "./api.ts";

const kr = (title: string, fields: Record<string, unknown>) => ({ title, metric: "number", start: 0, target: 10, ...fields });

describe("key results", () => {
  it("compute the goal's progress: the weighted mean of each one's clamped fraction, rounded down", async () => {
    const t = await newTeam();
    const res = await t.post("/goals", {
      id: "g",
      title: "Launch",
      key_results: [
        kr("Signups", { current: 5, weight: 2 }), // 0.5
        { title: "Churn down", metric: "percent", start: 10, current: 1, target: 4 }, // past a decreasing target: 1
        { title: "Revenue", metric: "currency", currency: "EUR", start: 0, current: 250, target: 1000, weight: 1 }, // 0.25
        { title: "Docs written", metric: "done" }, // 0, counted 0 -> 1
        kr("Ignored", { current: 10, weight: 0 }),
      ],
    });
    expect(res.status).toBe(201);
    const goal = Goal.parse(res.json);
    // (2 * 0.5 + 1 + 0.25 + 0) / 5 = 0.45
    expect(goal.progress).toBe(45);
    expect(goal.key_results.map((k) => [k.id, k.progress])).toEqual([["kr-1", 50], ["kr-2", 100], ["kr-3", 25], ["kr-4", 0], ["kr-5", 100]]);
    expect(goal.key_results[2]).toMatchObject({ metric: "currency", currency: "EUR", weight: 1 });
    expect(goal.key_results[3]).toMatchObject({ metric: "done", start: 0, current: 0, target: 1, currency: null });
    expect(goal).toMatchObject({ state: "open", completed: false, health: null, checked_in_at: null });
  });

  it("progress is read-only on a goal with key results, but a goal read back as it is can be sent again", async () => {
    const t = await newTeam();
    const created = (await t.post("/goals", { id: "g", title: "x", key_results: [kr("a", { current: 3 })] })).json;
    expect(created.progress).toBe(30);
    const typed = await t.patch("/goals/g", { progress: 80 });
    expect(typed.status).toBe(400);
    expect(typed.json.error.details.fields[0]).toEqual({ field: "progress", message: "is computed from key_results (30 now): leave it out" });
    const roundTrip = await t.put("/goals/g", { ...created, title: "renamed" });
    expect(roundTrip.status).toBe(200);
    expect(roundTrip.json).toMatchObject({ title: "renamed", progress: 30, key_results: created.key_results, version: 2 });
  });

  it("PATCH key_results replaces the list; an empty list makes the goal manual again, keeping its last progress", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", key_results: [kr("a", { current: 3 })] });
    const replaced = await t.patch("/goals/g", { key_results: [kr("b", { id: "mine", current: 7 }), kr("c", { current: 9 })] });
    expect(replaced.json.key_results.map((k: { id: string }) => k.id)).toEqual(["mine", "kr-1"]);
    expect(replaced.json.progress).toBe(80);
    // Left out, the key results stay.
    expect((await t.patch("/goals/g", { description: "d" })).json.key_results).toHaveLength(2);
    const manual = await t.patch("/goals/g", { key_results: [] });
    expect(manual.json).toMatchObject({ key_results: [], progress: 80 });
    expect((await t.patch("/goals/g", { progress: 85 })).json.progress).toBe(85);
  });

  it("a key result sent again by its id without current keeps its value, unless its metric changed", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", key_results: [kr("a", { id: "a", current: 4 }), { id: "b", title: "b", metric: "done", current: 1 }] });
    const renamed = await t.patch("/goals/g", { key_results: [kr("a renamed", { id: "a", target: 8 }), { id: "b", title: "b", metric: "number", target: 5 }] });
    expect(renamed.json.key_results.map((k: { current: number }) => k.current)).toEqual([4, 0]);
    expect(renamed.json.progress).toBe(25);
    const put = await t.put("/goals/g", { title: "x", key_results: [kr("a", { id: "a", target: 8 })] });
    expect(put.json).toMatchObject({ progress: 50, key_results: [expect.objectContaining({ id: "a", current: 4 })] });
  });

  it.each([
    ["a target equal to its start", [kr("a", {}), kr("b", {}), kr("c", { start: 5, target: 5 })], "key_results.2.target", "must differ from start"],
    ["a currency without its code", [{ title: "r", metric: "currency", target: 5 }], "key_results.0.currency", "is required for a currency key result"],
    ["a done value of 0.5", [{ title: "d", metric: "done", current: 0.5 }], "key_results.0.current", "must be 0 (not done) or 1 (done)"],
    ["a percent above 100", [{ title: "p", metric: "percent", target: 120 }], "key_results.0.target", "must be from 0 to 100 (percent)"],
    ["1e308", [kr("a", { current: 1e308 })], "key_results.0.current", "must be from -1000000000000 to 1000000000000"],
    ["a negative weight", [kr("a", { weight: -1 })], "key_results.0.weight", "must be 0 or more"],
    ["only weights of 0", [kr("a", { weight: 0 }), kr("b", { weight: 0 })], "key_results.0.weight", "at least one key result needs a weight above 0"],
    ["two with one id", [kr("a", { id: "same" }), kr("b", { id: "same" })], "key_results.1.id", "is already the id of key_results.0"],
    ["a title of 201 characters", [kr("x".repeat(201), {})], "key_results.0.title", "must be at most 200 characters"],
    ["a title with a NUL", [kr("a\u0000b", {})], "key_results.0.title", "contains the control character U+0000"],
    ["a lone surrogate in a title", [kr("\ud800", {})], "key_results.0.title", "contains a lone UTF-16 surrogate"],
    ["an unknown metric", [kr("a", { metric: "ratio" })], "key_results.0.metric", "must be number, percent, currency or done"],
    ["an unknown field", [kr("a", { owner: "me" })], "key_results.0.owner", "is not a known field"],
    [`${MAX_KEY_RESULTS + 1} of them`, Array.from({ length: MAX_KEY_RESULTS + 1 }, (_, i) => kr(`k${i}`, {})), "key_results", `must have at most ${MAX_KEY_RESULTS} key results`],
    ["a string instead of a list", "all of them", "key_results", "must be an array"],
  ])("refuses %s, naming the field", async (_name, keyResults, field, message) => {
    const t = await newTeam();
    const res = await t.post("/goals", { title: "x", key_results: keyResults });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields).toContainEqual({ field, message });
    expect((await t.get("/goals")).json.goals).toEqual([]);
  });

  it("a transaction updates key results like any goal field, and names a bad one under data", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", key_results: [kr("a", { current: 1 })] });
    const committed = await t.post("/tx", { ops: [{ type: "goal.update", id: "g", data: { key_results: [kr("a", { id: "kr-1", current: 6 })] } }], commit: true });
    expect(committed.status).toBe(200);
    expect((await t.get("/goals/g")).json).toMatchObject({ progress: 60, version: 2 });
    const bad = await t.post("/tx", { ops: [{ type: "goal.update", id: "g", data: { key_results: [kr("a", { target: 0 })] } }], commit: true });
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.fields[0].field).toBe("data.key_results.0.target");
    const typed = await t.post("/tx", { ops: [{ type: "goal.update", id: "g", data: { progress: 10 } }], commit: true });
    expect(typed.status).toBe(400);
    expect(typed.json.error.details.fields[0].field).toBe("data.progress");
    expect((await t.get("/goals/g")).json.version).toBe(2);
  });
});

describe("goal states", () => {
  it("achieving a manual goal sets progress 100; reopening restores what it was", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", progress: 40 });
    expect((await t.patch("/goals/g", { completed: true })).json).toMatchObject({ state: "achieved", completed: true, progress: 100, progress_before_close: 40 });
    expect((await t.patch("/goals/g", { completed: false })).json).toMatchObject({ state: "open", completed: false, progress: 40, progress_before_close: null });
    expect((await t.patch("/goals/g", { state: "achieved" })).json.progress).toBe(100);
    expect((await t.patch("/goals/g", { state: "open" })).json.progress).toBe(40);
  });

  it("progress 100 on a manual goal marks it achieved, and less reopens it", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", progress: 70 });
    expect((await t.patch("/goals/g", { progress: 100 })).json).toMatchObject({ state: "achieved", completed: true });
    expect((await t.patch("/goals/g", { progress: 90 })).json).toMatchObject({ state: "open", completed: false, progress: 90 });
    expect((await t.post("/goals", { id: "h", title: "done already", progress: 100 })).json).toMatchObject({ state: "achieved", completed: true });
  });

  it("missed and dropped close a goal without changing its progress; completed reads false for them", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", progress: 30, key_results: undefined });
    expect((await t.patch("/goals/g", { state: "missed" })).json).toMatchObject({ state: "missed", completed: false, progress: 30 });
    expect((await t.patch("/goals/g", { state: "dropped" })).json).toMatchObject({ state: "dropped", progress: 30 });
    await t.post("/goals", { id: "k", title: "y", key_results: [kr("a", { current: 10 })] });
    // A goal with key results at 100% stays open until it is closed.
    expect((await t.get("/goals/k")).json).toMatchObject({ state: "open", progress: 100 });
    expect((await t.patch("/goals/k", { state: "achieved" })).json).toMatchObject({ state: "achieved", completed: true, progress: 100 });
  });

  it.each([
    [{ completed: true, progress: 40 }, "progress"],
    [{ state: "open", progress: 100 }, "progress"],
    [{ state: "missed", completed: true }, "completed"],
    [{ state: "closed" }, "state"],
  ])("refuses %j, naming %s", async (patch, field) => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x", progress: 10 });
    const res = await t.patch("/goals/g", patch);
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields[0].field).toBe(field);
    expect((await t.get("/goals/g")).json).toMatchObject({ version: 1, progress: 10, state: "open" });
  });

  it("dropping every key result keeps the state and the computed progress, so the goal reads back PUT-able", async () => {
    const t = await newTeam();
    // Open at 100%: a manual goal at 100 is achieved, so it keeps 99 and stays open (state changes only when asked).
    await t.post("/goals", { id: "k2", title: "k2", key_results: [{ title: "a", metric: "done", current: 1 }] });
    const dropped = await t.patch("/goals/k2", { key_results: [] });
    expect(dropped.json).toMatchObject({ state: "open", progress: 99, key_results: [] });
    expect((await t.put("/goals/k2", dropped.json)).status).toBe(200);
    // Achieved at 40%: it stays achieved, and reopening restores the 40.
    await t.post("/goals", { id: "k4", title: "k4", completed: true, key_results: [kr("a", { current: 4 })] });
    expect((await t.patch("/goals/k4", { key_results: [] })).json).toMatchObject({ state: "achieved", progress: 100, progress_before_close: 40 });
    expect((await t.patch("/goals/k4", { completed: false })).json).toMatchObject({ state: "open", progress: 40 });
  });

  it.each([
    [{ title: "a", metric: "number", target: 10, weight: 1e-320 }, "key_results.0.weight"],
    [{ title: "a", metric: "number", target: 10, weight: 0.0009 }, "key_results.0.weight"],
    [{ title: "a", metric: "done", start: 1, target: 0 }, "key_results.0.start"],
    [{ title: "a", metric: "done", target: 0 }, "key_results.0.target"],
    [{ title: "a", metric: "currency", currency: "QQQ", target: 10 }, "key_results.0.currency"],
    [{ title: "\u200d", metric: "done" }, "key_results.0.title"],
    [{ title: "\ufeff", metric: "done" }, "key_results.0.title"],
  ])("refuses the key result %j, naming %s", async (keyResult, field) => {
    const t = await newTeam();
    const res = await t.post("/goals", { title: "x", key_results: [keyResult] });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
  });

  it("takes the smallest weight and every ISO 4217 code the runtime knows", async () => {
    const t = await newTeam();
    const res = await t.post("/goals", { title: "x", key_results: [{ title: "a", metric: "currency", currency: "JPY", target: 10, current: 1, weight: 0.001 }] });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json).toMatchObject({ progress: 10, key_results: [{ progress: 10, weight: 0.001 }] });
    // A key result's progress is computed: one sent wrong is ignored, like the goal's server-owned fields.
    const sentWrong = await t.post("/goals", { title: "y", key_results: [{ title: "a", metric: "number", target: 10, current: 5, progress: 90 }] });
    expect(sentWrong.json).toMatchObject({ progress: 50, key_results: [{ progress: 50 }] });
  });

  it("an event's title of only invisible characters is empty too (one rule for every title)", async () => {
    const t = await newTeam();
    const res = await t.post("/events", { title: "\u200d\u200b", starts_at: "2026-09-01T10:00:00Z" });
    expect(res.status).toBe(400);
    expect(res.json.error.details.fields[0].field).toBe("title");
  });
});
