import { describe, expect, it } from "vitest";
import { Goal, GoalList } from "../../shared/goals.ts";
import { call, newTeam, tagOf } from "./api.ts";

describe("POST /goals", () => {
  it("accepts the original README's example as written (trailing slash, curl's form content type)", async () => {
    const t = await newTeam();
    const res = await call("/goals/", {
      method: "POST",
      headers: { authorization: `Bearer ${t.token}`, "content-type": "application/x-www-form-urlencoded" },
      body: '{"id":"project1","title":"Complete System","owner":"team6"}',
    });
    expect(res.status).toBe(201);
    const goal = Goal.parse(await res.json());
    expect(goal).toMatchObject({ id: "project1", title: "Complete System", owner: "team6", completed: false, progress: 0, due: null, created_by: "ana", version: 1 });
    expect(res.headers.get("etag")).toBe(`"1@${goal.created_at}"`);
  });

  it("gives each goal its own created_at (the original shared one)", async () => {
    const t = await newTeam();
    const first = await t.post("/goals", { title: "One" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = await t.post("/goals", { title: "Two" });
    expect(first.json.created_at).not.toBe(second.json.created_at);
    expect(Date.parse(second.json.created_at)).toBeGreaterThan(Date.parse(first.json.created_at));
  });

  it("defaults the owner to the member who creates it and normalises due to UTC", async () => {
    const t = await newTeam(["ana", "bo"]);
    const res = await t.as("bo").post("/goals", { title: "Ship", due: "2026-06-30T17:00:00+02:00" });
    expect(res.json).toMatchObject({ owner: "bo", created_by: "bo", due: "2026-06-30T15:00:00.000Z" });
  });

  it.each([
    ["progress above 100", { title: "x", progress: 101 }, "progress"],
    ["negative progress", { title: "x", progress: -1 }, "progress"],
    ["a huge number", { title: "x", progress: 1e308 }, "progress"],
    ["fractional progress", { title: "x", progress: 12.5 }, "progress"],
    ["progress as a string", { title: "x", progress: "50" }, "progress"],
    ["completed as a string", { title: "x", completed: "yes" }, "completed"],
    ["a bad due date", { title: "x", due: "next friday" }, "due"],
    ["an empty title", { title: "  " }, "title"],
    ["a taken id", { id: "dup", title: "x" }, null],
  ])("refuses %s, naming the field", async (_name, body, field) => {
    const t = await newTeam();
    await t.post("/goals", { id: "dup", title: "first" });
    const res = await t.post("/goals", body);
    if (field === null) {
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe("goal_exists");
    } else {
      expect(res.status).toBe(400);
      expect(res.json.error.details.fields[0].field).toBe(field);
    }
    expect((await t.get("/goals")).json.goals).toHaveLength(1);
  });
});

describe("updating goals", () => {
  it("PATCH changes only what it names; completing sets progress to 100", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "Write docs", progress: 40 });
    const res = await t.patch("/goals/g", { completed: true });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ title: "Write docs", completed: true, progress: 100, version: 2 });
    expect(res.headers.get("etag")).toBe(tagOf(res.json));
    expect(res.headers.get("etag")).toMatch(/^"2@/);
    expect((await t.patch("/goals/g", { description: "v2" })).json).toMatchObject({ progress: 100, description: "v2", version: 3 });
  });

  it("a PATCH or PUT that changes nothing (server-owned fields only, or the values it has) keeps the version", async () => {
    const t = await newTeam();
    const created = (await t.post("/goals", { id: "x", title: "x", progress: 30 })).json;
    for (const patch of [{ health: "at_risk" }, { checked_in_at: "2026-01-01T00:00:00Z" }, { progress_before_close: 7 }, { version: 9 }, { title: "x", progress: 30 }]) {
      const res = await t.patch("/goals/x", patch);
      expect(res.status, JSON.stringify(patch)).toBe(200);
      expect(res.json, JSON.stringify(patch)).toEqual(created);
      expect(res.headers.get("etag")).toBe(tagOf(created));
    }
    expect((await t.put("/goals/x", created)).json).toEqual(created);
    expect((await t.patch("/goals/x", { progress: 31 })).json).toMatchObject({ progress: 31, version: 2 });
  });

  it("PUT replaces the fields, keeping who created it and when", async () => {
    const t = await newTeam();
    const created = (await t.post("/goals", { id: "g", title: "Old", description: "d", progress: 30 })).json;
    const res = await t.put("/goals/g", { title: "New" });
    expect(res.json).toMatchObject({ title: "New", description: "", progress: 0, created_at: created.created_at, created_by: "ana", version: 2 });
  });

  it("a stale If-Match gets 412 and changes nothing; the current ETag applies", async () => {
    const t = await newTeam();
    const first = (await t.post("/goals", { id: "g", title: "x" })).headers.get("etag")!;
    const second = (await t.patch("/goals/g", { progress: 10 })).headers.get("etag")!;
    const stale = await t.patch("/goals/g", { progress: 99 }, { "if-match": first });
    expect(stale.status).toBe(412);
    expect(stale.json.error.details.current_version).toBe(2);
    expect((await t.get("/goals/g")).json.progress).toBe(10);
    const fresh = await t.patch("/goals/g", { progress: 99 }, { "if-match": second });
    expect(fresh.status).toBe(200);
    expect(fresh.json.progress).toBe(99);
  });

  it("concurrent PATCHes without If-Match all land: none is lost", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x" });
    // Each round's values differ from every other's, so each PATCH changes something (a no-op keeps the version).
    const round = (i: number) => [{ title: `Renamed ${i}` }, { description: `why ${i}` }, { owner: `bo${i}` }, { progress: 70 + i }, { due: `2026-07-0${i + 1}T00:00:00Z` }];
    const results = await Promise.all([0, 1, 2, 3].flatMap(round).map((p) => t.patch("/goals/g", p)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const goal = (await t.get("/goals/g")).json;
    expect(goal).toMatchObject({ title: expect.stringMatching(/^Renamed \d$/), description: expect.stringMatching(/^why \d$/), owner: expect.stringMatching(/^bo\d$/) });
    expect(goal.version).toBe(1 + results.length);
  });

  it("concurrent writers with the same If-Match: exactly one wins, the others get 412", async () => {
    const t = await newTeam();
    const tag = (await t.post("/goals", { id: "g", title: "x" })).headers.get("etag")!;
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => t.patch("/goals/g", { progress: i + 1 }, { "if-match": tag })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 412)).toHaveLength(9);
  });

  it("DELETE removes it; GET and a second DELETE are 404", async () => {
    const t = await newTeam();
    await t.post("/goals", { id: "g", title: "x" });
    expect((await t.delete("/goals/g")).status).toBe(204);
    expect((await t.get("/goals/g")).status).toBe(404);
    expect((await t.delete("/goals/g")).status).toBe(404);
  });
});

describe("GET /goals", () => {
  it("lists in creation order (ties within a millisecond by id), paged, each goal once", async () => {
    const t = await newTeam();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await t.post("/goals", { title: `Goal ${i}` })).json.id);
    const first = GoalList.parse((await t.get("/goals?limit=4")).json);
    const second = GoalList.parse((await t.get(`/goals?limit=4&cursor=${first.next_cursor}`)).json);
    const listed = [...first.goals, ...second.goals];
    expect(listed.map((g) => g.id).sort()).toEqual([...ids].sort());
    const inCreationOrder = [...listed].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    expect(listed.map((g) => g.id)).toEqual(inCreationOrder.map((g) => g.id));
    expect(second.next_cursor).toBeNull();
  });
});

describe("teams and access", () => {
  it("one team can neither read, change, delete nor detect another team's goals", async () => {
    const a = await newTeam();
    const b = await newTeam();
    await a.post("/goals", { id: "plan", title: "Secret plan" });
    expect((await b.get("/goals/plan")).status).toBe(404);
    expect((await b.patch("/goals/plan", { progress: 1 })).status).toBe(404);
    expect((await b.put("/goals/plan", { title: "x" })).status).toBe(404);
    expect((await b.delete("/goals/plan")).status).toBe(404);
    expect((await b.get("/goals")).json.goals).toEqual([]);
    expect((await b.post("/goals", { id: "plan", title: "Ours" })).status).toBe(201);
    expect((await a.get("/goals/plan")).json.title).toBe("Secret plan");
  });

  it("answers 401 without a token", async () => {
    expect((await call("/goals")).status).toBe(401);
  });
});
