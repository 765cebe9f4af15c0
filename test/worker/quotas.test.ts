import { describe, expect, it } from "vitest";
import { ErrorBody } from "../../shared/errors.ts";
import { client, newTeam } from "./api.ts";

/**
 * Per-team quotas through the real worker, gateway and Redis, set small per request. Each is checked
 * inside the create's own Lua script, so concurrent creates cannot overshoot it.
 */
const slot = (i: number) => ({ title: `meeting ${i}`, starts_at: new Date(Date.UTC(2026, 3, 1, 8) + i * 3_600_000).toISOString(), ends_at: new Date(Date.UTC(2026, 3, 1, 8, 30) + i * 3_600_000).toISOString() });

function expectQuota(res: { status: number; json: unknown }, quota: string, limit: number) {
  expect(res.status).toBe(409);
  const body = ErrorBody.parse(res.json);
  expect(body.error.code).toBe("quota_exceeded");
  expect(body.error.message).toContain(`quota of ${limit}`);
  expect(body.error.details).toEqual({ quota, limit });
}

describe("events per team (QUOTA_EVENTS)", () => {
  const limits = { QUOTA_EVENTS: "3" };

  it("refuses the create past the quota with 409 quota_exceeded naming it; a delete frees a place; updates are not creates", async () => {
    const t = await newTeam();
    const ana = client(t.token, limits);
    const created = [];
    for (let i = 0; i < 3; i++) {
      const res = await ana.post("/events", slot(i));
      expect(res.status, `event ${i}`).toBe(201);
      created.push(res.json);
    }
    expectQuota(await ana.post("/events", slot(3)), "events", 3);
    expect((await ana.patch(`/events/${created[0].id}`, { title: "renamed" })).status).toBe(200);
    expect((await ana.delete(`/events/${created[1].id}`)).status).toBe(204);
    expect((await ana.post("/events", slot(3))).status).toBe(201);
    expectQuota(await ana.post("/events", slot(4)), "events", 3);
    // Other teams have quotas of their own.
    expect((await client((await newTeam()).token, limits).post("/events", slot(0))).status).toBe(201);
  });

  it("is not overshot by concurrent creates", async () => {
    const t = await newTeam();
    const ana = client(t.token, { QUOTA_EVENTS: "4" });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ana.post("/events", slot(i))));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(4);
    for (const refused of answers.filter((a) => a.status !== 201)) expectQuota(refused, "events", 4);
    const listed = await ana.get("/events?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z");
    expect(listed.json.events).toHaveLength(4);
  });
});

describe("goals per team (QUOTA_GOALS)", () => {
  it("is not overshot by concurrent creates, and a delete frees a place", async () => {
    const t = await newTeam(["ana", "bo"]);
    const limits = { QUOTA_GOALS: "5" };
    const members = [client(t.tokens.ana!, limits), client(t.tokens.bo!, limits)];
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => members[i % 2]!.post("/goals", { title: `goal ${i}` })));
    const created = answers.filter((a) => a.status === 201);
    expect(created).toHaveLength(5);
    for (const refused of answers.filter((a) => a.status !== 201)) expectQuota(refused, "goals", 5);
    expect((await members[0]!.get("/goals")).json.goals).toHaveLength(5);
    expect((await members[1]!.delete(`/goals/${created[0]!.json.id}`)).status).toBe(204);
    expect((await members[0]!.post("/goals", { title: "in the freed place" })).status).toBe(201);
  });

  it("is off with QUOTA_GOALS=off", async () => {
    const t = await newTeam();
    const ana = client(t.token, { QUOTA_GOALS: "off" });
    for (let i = 0; i < 3; i++) expect((await ana.post("/goals", { title: `goal ${i}` })).status).toBe(201);
  });
});

describe("creates inside a transaction", () => {
  it("are checked when prepared: past the quota the transaction aborts with quota_exceeded, and nothing of it lands", async () => {
    const t = await newTeam();
    const ana = client(t.token, { QUOTA_GOALS: "2", QUOTA_EVENTS: "1" });
    expect((await ana.post("/goals", { title: "first" })).status).toBe(201);
    const refused = await ana.post("/tx", { ops: [{ type: "calendar.create", data: slot(0) }, { type: "goal.create", data: { title: "second" } }, { type: "goal.create", data: { title: "third" } }], commit: true });
    // The second goal is prepared against the one stored goal; the third would make three.
    expect(refused.status).toBe(409);
    expect(refused.json.error.code).toBe("quota_exceeded");
    expect(refused.json.error.details).toMatchObject({ quota: "goals", limit: 2, reason: "quota_exceeded", state: "aborted" });
    expect((await ana.get("/goals")).json.goals).toHaveLength(1);
    expect((await ana.get("/events?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z")).json.events).toHaveLength(0);
    const tooManyEvents = await ana.post("/tx", { ops: [{ type: "calendar.create", data: slot(0) }], commit: true });
    expect(tooManyEvents.status).toBe(200);
    const again = await ana.post("/tx", { ops: [{ type: "calendar.create", data: slot(1) }], commit: true });
    expect(again.status).toBe(409);
    expect(again.json.error.details).toMatchObject({ quota: "events", limit: 1 });
  });
});

describe("open transactions per team (QUOTA_OPEN_TRANSACTIONS)", () => {
  const limits = { QUOTA_OPEN_TRANSACTIONS: "2" };

  it("refuses a third open transaction; aborting or committing one frees its place; one-shot transactions are not held open", async () => {
    const t = await newTeam(["ana", "bo"]);
    const ana = client(t.tokens.ana!, limits);
    const bo = client(t.tokens.bo!, limits);
    const first = await ana.post("/tx", {});
    expect(first.status).toBe(201);
    expect((await bo.post("/tx", {})).status).toBe(201);
    expectQuota(await ana.post("/tx", {}), "open_transactions", 2);
    // The one-shot form commits in the same request: never open between requests, not counted.
    expect((await ana.post("/tx", { ops: [{ type: "goal.create", data: { title: "one shot" } }], commit: true })).status).toBe(200);
    expect((await ana.post(`/tx/${first.json.tx_id}/abort`, {})).status).toBe(200);
    const third = await ana.post("/tx", {});
    expect(third.status).toBe(201);
    expectQuota(await bo.post("/tx", {}), "open_transactions", 2);
    expect((await ana.post(`/tx/${third.json.tx_id}/commit`, {})).status).toBe(200);
    expect((await bo.post("/tx", {})).status).toBe(201);
  });

  it("stops counting a transaction once it is past its idle timeout, even before anything resolves it", async () => {
    const t = await newTeam();
    const ana = client(t.token, { QUOTA_OPEN_TRANSACTIONS: "1", TX_IDLE_TIMEOUT: "1s" });
    expect((await ana.post("/tx", {})).status).toBe(201);
    expectQuota(await ana.post("/tx", {}), "open_transactions", 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await ana.post("/tx", {})).status).toBe(201);
  });

  it("is not overshot by concurrent begins", async () => {
    const t = await newTeam();
    const ana = client(t.token, { QUOTA_OPEN_TRANSACTIONS: "3" });
    const answers = await Promise.all(Array.from({ length: 10 }, () => ana.post("/tx", {})));
    expect(answers.filter((a) => a.status === 201)).toHaveLength(3);
    for (const refused of answers.filter((a) => a.status !== 201)) expectQuota(refused, "open_transactions", 3);
  });
});
