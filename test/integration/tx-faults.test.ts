import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../dev/gateway-process.ts";
import { freePort } from "../../dev/ports.ts";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { CALENDAR_HOLDING_TEAMS } from "../../worker/calendar/keys.ts";
import { GOAL_HOLDING_TEAMS } from "../../worker/goals/keys.ts";
import { createTeamToken } from "../helpers/teams.ts";
import { startTwoStores, startTwoStoreWorker } from "../helpers/two-store-worker.ts";
import { stopAll, tempDir, type TestRedis } from "../helpers/processes.ts";
import { jsonApi } from "../helpers/http.ts";

/**
 * Two-phase commit with participants that can fail independently: calendar (and the coordinator)
 * on one redis-server, goals on another, each behind its own gateway, the real worker under
 * `wrangler dev`. Processes are killed and frozen mid-transaction.
 */
const ADMIN_SECRET = "tx-faults-admin-secret-1234";
// Long enough that a SIGKILLed wrangler dev is back before the lease ends, even on a busy 2-core machine.
const IDLE = 9000;
let mainRedis: TestRedis;
let goalsRedis: TestRedis;
let mainGateway: RunningGateway;
let goalsGateway: RunningGateway;
let worker: RunningWorker;
let workerPort: number;
let persistDir: string;
let token: string;

async function startWorker(extra: Record<string, string> = {}) {
  const stores = { mainRedis, goalsRedis, mainGateway, goalsGateway };
  return startTwoStoreWorker(stores, ADMIN_SECRET, { TX_IDLE_TIMEOUT: `${IDLE}ms`, STORE_TIMEOUT_MS: "1500", ...extra }, { port: workerPort, persistDir });
}

const api = jsonApi(() => worker.url, () => token);

let slot = 0;
/** A fresh hour-long slot per call, so tests never collide with each other. */
function freshSlot(): string {
  return new Date(Date.UTC(2027, 0, 1) + slot++ * 3_600_000).toISOString();
}

beforeAll(async () => {
  ({ mainRedis, goalsRedis, mainGateway, goalsGateway } = await startTwoStores({ goalsCommandTimeoutMs: 1000 }));
  workerPort = await freePort();
  persistDir = tempDir("groupsync-wrangler-");
  worker = await startWorker({ GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS: "1500" });
  token = await createTeamToken(worker.url, ADMIN_SECRET, "faults");
});

afterAll(stopAll);

async function newGoal(id: string) {
  expect((await api("POST", "/goals", { id, title: `Goal ${id}`, progress: 5 })).status).toBe(201);
}

describe("two-phase commit across two redis-servers", () => {
  it("checks both stores in /health", async () => {
    const health = (await (await fetch(`${worker.url}/health`)).json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(health.checks).sort()).toEqual(["goals_redis", "redis"]);
    expect(Object.values(health.checks).every((check) => check.ok)).toBe(true);
  });

  it("keeps the participants apart: goals live only on the goals Redis", async () => {
    await newGoal("where");
    const goals = createClient({ url: goalsRedis.url });
    const main = createClient({ url: mainRedis.url });
    await Promise.all([goals.connect(), main.connect()]);
    expect(await goals.exists("gs:{faults}:goal:where")).toBe(1);
    expect(await main.exists("gs:{faults}:goal:where")).toBe(0);
    await Promise.all([goals.close(), main.close()]);
  });

  it("a mixed commit publishes both changes, numbered in the team feed, on the main Redis", async () => {
    await newGoal("pub");
    // The goals participant has its own Redis, but the feed (and so every channel) is the main one's:
    // outside subscribers need one place to listen, and one order.
    const [calendarSub, goalsSub] = [createClient({ url: mainRedis.url }), createClient({ url: mainRedis.url })];
    await Promise.all([calendarSub.connect(), goalsSub.connect()]);
    const seen: Array<{ text: string; seq: number }> = [];
    const record = (channel: string) => (m: string) => seen.push({ text: `${channel}:${JSON.parse(m).type}:${JSON.parse(m).id}`, seq: JSON.parse(m).seq });
    await calendarSub.subscribe("calendar_events", record("calendar"));
    await goalsSub.subscribe("goal_updates", record("goals"));
    const res = await api("POST", "/tx", { ops: [{ type: "calendar.create", id: "pub-event", data: { title: "Pub", starts_at: freshSlot() } }, { type: "goal.update", id: "pub", data: { progress: 60 } }], commit: true });
    expect(res.json.state).toBe("committed");
    await expect.poll(() => seen.map((s) => s.text).sort()).toEqual(["calendar:event.created:pub-event", "goals:goal.updated:pub"]);
    expect(seen.every((s) => Number.isInteger(s.seq) && s.seq > 0)).toBe(true);
    expect(new Set(seen.map((s) => s.seq)).size).toBe(2);
    await Promise.all([calendarSub.close(), goalsSub.close()]);
  });

  it("the goals Redis down at prepare: abort participant_unavailable, the calendar hold released at once", async () => {
    await newGoal("down");
    const start = freshSlot();
    const tx = (await api("POST", "/tx")).json.tx_id;
    expect((await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Held", starts_at: start } })).status).toBe(200);
    goalsRedis.process.signal("SIGKILL");
    await goalsRedis.process.exited;
    try {
      const res = await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "down", data: { progress: 80 } });
      expect(res.status).toBe(503);
      expect(res.json.error).toMatchObject({ code: "participant_unavailable", details: { participant: "goals", state: "aborted" } });
      expect((await api("POST", "/events", { title: "Bookable", starts_at: start })).status).toBe(201);
    } finally {
      goalsRedis = await goalsRedis.restart();
    }
    await expect.poll(async () => (await api("GET", "/goals/down")).status, { timeout: 10_000 }).toBe(200);
    expect((await api("GET", "/goals/down")).json.progress).toBe(5);
  });

  it("the goals Redis down at the vote: abort participant_unavailable, the calendar hold released", async () => {
    await newGoal("vote");
    const start = freshSlot();
    const tx = (await api("POST", "/tx")).json.tx_id;
    await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Held", starts_at: start } });
    await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "vote", data: { progress: 80 } });
    goalsRedis.process.signal("SIGKILL");
    await goalsRedis.process.exited;
    try {
      const res = await api("POST", `/tx/${tx}/commit`, {});
      expect(res.status).toBe(503);
      expect(res.json.error.code).toBe("participant_unavailable");
      expect((await api("POST", "/events", { title: "Bookable", starts_at: start })).status).toBe(201);
    } finally {
      goalsRedis = await goalsRedis.restart();
    }
    // The goal's lock survived on the restarted Redis (AOF); the recorded abort releases it.
    await expect.poll(async () => (await api("PATCH", "/goals/vote", { progress: 6 })).status, { timeout: 10_000 }).toBe(200);
  });

  it("a participant that does not answer prepare in time is voted no: 503 participant_unavailable, nothing held", async () => {
    await newGoal("frozen");
    const start = freshSlot();
    const tx = (await api("POST", "/tx")).json.tx_id;
    await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Held", starts_at: start } });
    // The goals gateway itself freezes: no answer at all, only the worker's own bound can fire.
    goalsGateway.process.signal("SIGSTOP");
    let res;
    const started = Date.now();
    try {
      res = await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "frozen", data: { progress: 80 } });
    } finally {
      goalsGateway.process.signal("SIGCONT");
    }
    expect(res.status).toBe(503);
    expect(res.json.error).toMatchObject({ code: "participant_unavailable", details: { participant: "goals" } });
    expect(Date.now() - started).toBeLessThan(8000);
    expect((await api("POST", "/events", { title: "Bookable", starts_at: start })).status).toBe(201);
    await expect.poll(async () => (await api("PATCH", "/goals/frozen", { progress: 6 })).status, { timeout: 10_000 }).toBe(200);
  });

  it("a participant that dies after voting yes gets the commit once it is back: both changes exist", async () => {
    await newGoal("late");
    const start = freshSlot();
    const tx = (await api("POST", "/tx")).json.tx_id;
    await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", id: "late-event", data: { title: "Late", starts_at: start } });
    await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "late", data: { progress: 77 } });
    // The worker pauses 1.5 s between recording the decision and applying it (test setting):
    // the goals Redis dies in that window.
    const committing = api("POST", `/tx/${tx}/commit`, {});
    await new Promise((resolve) => setTimeout(resolve, 500));
    goalsRedis.process.signal("SIGKILL");
    await goalsRedis.process.exited;
    const res = await committing;
    goalsRedis = await goalsRedis.restart();
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ state: "committed", outcome: { result: "committed", pending: ["goals"] } });
    expect((await api("GET", "/events/late-event")).status).toBe(200);
    // Reading the goal finishes the recorded commit on the restarted participant.
    await expect.poll(async () => (await api("GET", "/goals/late")).json?.progress, { timeout: 10_000 }).toBe(77);
  });

  it("the worker killed between prepare and decision: recovery aborts within the bound, the slot is free, a late commit is refused", async () => {
    await newGoal("orphan");
    const start = freshSlot();
    const tx = (await api("POST", "/tx")).json.tx_id;
    await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Orphan", starts_at: start } });
    await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "orphan", data: { progress: 50 } });
    const leaseStart = Date.now();
    worker.process.signal("SIGKILL");
    await worker.process.exited;
    worker = await startWorker({ GROUPSYNC_TEST_PAUSE_AFTER_DECISION_MS: "1500" });
    // Within the lease the hold still stands...
    expect(Date.now() - leaseStart, "wrangler dev took longer to restart than the lease").toBeLessThan(IDLE - 500);
    expect((await api("POST", "/events", { title: "Too soon", starts_at: start })).status).toBe(409);
    await new Promise((resolve) => setTimeout(resolve, leaseStart + IDLE + 200 - Date.now()));
    // ...and past it, one sweep of the cron handler resolves it (presumed abort), having found the
    // team in each store's holding-teams index.
    const [calendar, goals] = [createClient({ url: mainRedis.url }), createClient({ url: goalsRedis.url })];
    await Promise.all([calendar.connect(), goals.connect()]);
    expect(await calendar.zScore(CALENDAR_HOLDING_TEAMS, "faults")).not.toBeNull();
    expect(await goals.zScore(GOAL_HOLDING_TEAMS, "faults")).not.toBeNull();
    expect((await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
    // The sweep runs after /__scheduled answers (waitUntil): wait for it, so that the requests below
    // find its work done rather than resolve the transaction themselves.
    const leases = async () => [await calendar.zScore("gs:{faults}:leases", tx), await goals.zScore("gs:{faults}:goal-leases", tx)];
    await expect.poll(leases, { timeout: 10_000 }).toEqual([null, null]);
    await Promise.all([calendar.close(), goals.close()]);
    expect((await api("POST", "/events", { title: "Now free", starts_at: start })).status).toBe(201);
    expect((await api("PATCH", "/goals/orphan", { progress: 51 })).status).toBe(200);
    const late = await api("POST", `/tx/${tx}/commit`, {});
    expect(late.status).toBe(409);
    expect(late.json.error.code).toBe("timeout");
  });

  it("finishes a sweep while the goals Redis is frozen, saying so in one line; the next run works", async () => {
    goalsRedis.process.signal("SIGSTOP");
    try {
      const from = worker.process.output.length;
      // The route `npm run dev`'s cron ticker calls: it answers once the sweep is done.
      const run = await fetch(`${worker.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
      expect(run.status).toBe(200);
      const said = () => worker.process.output.slice(from).join("\n");
      await expect.poll(said, { timeout: 5_000 }).toContain('"event":"tx_recovery_postponed"');
      expect(said()).not.toMatch(/Uncaught|✘/);
    } finally {
      goalsRedis.process.signal("SIGCONT");
    }
    expect((await fetch(`${worker.url}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`)).status).toBe(200);
  });
});
