import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../dev/gateway-process.ts";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { CALENDAR_HOLDING_TEAMS } from "../../worker/calendar/keys.ts";
import { GOAL_HOLDING_TEAMS } from "../../worker/goals/keys.ts";
import { jsonApi } from "../helpers/http.ts";
import { createTeamToken } from "../helpers/teams.ts";
import { startTwoStores, startTwoStoreWorker } from "../helpers/two-store-worker.ts";
import { stopAll, type TestRedis } from "../helpers/processes.ts";

/**
 * The scheduled sweep finds teams through each participant store's holding-teams index, never by
 * SCAN. Calendar (and the coordinator) on one redis-server, goals on another, the real worker under
 * `wrangler dev`; the indexes are read straight from redis.
 */
const ADMIN_SECRET = "tx-sweep-index-admin-secret";
// Short, so leases end within a test, yet long enough for a few requests on a busy machine.
const IDLE = 3000;
let mainRedis: TestRedis;
let goalsRedis: TestRedis;
let mainGateway: RunningGateway;
let goalsGateway: RunningGateway;
let worker: RunningWorker;
let calendar: ReturnType<typeof createClient>;
let goals: ReturnType<typeof createClient>;

beforeAll(async () => {
  const stores = await startTwoStores();
  ({ mainRedis, goalsRedis, mainGateway, goalsGateway } = stores);
  worker = await startTwoStoreWorker(stores, ADMIN_SECRET, { TX_IDLE_TIMEOUT: `${IDLE}ms` });
  calendar = createClient({ url: mainRedis.url });
  goals = createClient({ url: goalsRedis.url });
  await Promise.all([calendar.connect(), goals.connect()]);
});

afterAll(async () => {
  await Promise.all([calendar?.close(), goals?.close()]);
  await stopAll();
});

let teams = 0;
/** A fresh team with a goal "g", and an API client acting as its member. */
async function newTeam() {
  const team = `sweep-${teams++}`;
  const token = await createTeamToken(worker.url, ADMIN_SECRET, team);
  const api = jsonApi(() => worker.url, () => token);
  expect((await api("POST", "/goals", { id: "g", title: "Goal", progress: 5 })).status).toBe(201);
  return { team, api };
}

const LAST_TEAM = "zz-last";
let orphans = 0;
/**
 * Runs the cron handler and waits until its sweep is done. /__scheduled answers at once (the sweep
 * runs in waitUntil), so the sweep is given a last thing to do: it goes through the calendar store,
 * then the goals store, each index in score order, so a team indexed at the latest possible time
 * on the goals store comes last. An expired lease of its is resolved, and its entry never dropped.
 */
async function sweep() {
  const leases = `gs:{${LAST_TEAM}}:goal-leases`;
  await goals.zAdd(leases, { score: 0, value: `tx_orphan${orphans++}` });
  await goals.zAdd(GOAL_HOLDING_TEAMS, { score: 8.64e15, value: LAST_TEAM });
  expect((await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).status).toBe(200);
  await expect.poll(() => goals.zCard(leases), { timeout: 15_000 }).toBe(0);
}

/** The team's scores in the calendar and goals indexes (null when absent). */
async function indexed(team: string) {
  return { calendar: await calendar.zScore(CALENDAR_HOLDING_TEAMS, team), goals: await goals.zScore(GOAL_HOLDING_TEAMS, team) };
}

async function until(ms: number) {
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, ms - Date.now())));
}

let slot = 0;
function freshSlot(): string {
  return new Date(Date.UTC(2029, 0, 1) + slot++ * 3_600_000).toISOString();
}

describe("the holding-teams index", () => {
  it("an expired transaction is found through the index and swept; then its team leaves both indexes", async () => {
    const { team, api } = await newTeam();
    const start = freshSlot();
    const tx = (await api("POST", "/tx")).json.tx_id;
    expect((await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Held", starts_at: start } })).status).toBe(200);
    expect((await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "g", data: { progress: 50 } })).status).toBe(200);

    // Each store lists the team while it holds a lease there (announced before the first one).
    const announced = await indexed(team);
    const leaseEnds = { calendar: (await calendar.zScore(`gs:{${team}}:leases`, tx))!, goals: (await goals.zScore(`gs:{${team}}:goal-leases`, tx))! };
    expect(announced.calendar).toBeGreaterThan(0);
    expect(announced.goals).toBeGreaterThan(0);
    // Each index lives on its own participant's store.
    expect(await goals.zScore(CALENDAR_HOLDING_TEAMS, team)).toBeNull();
    expect(await calendar.zScore(GOAL_HOLDING_TEAMS, team)).toBeNull();

    await until(Math.max(leaseEnds.calendar, leaseEnds.goals) + 200);
    await sweep();
    // Checked in redis before any request, since a read of the transaction would resolve it too.
    expect(await calendar.zRange(`gs:{${team}}:leases`, 0, -1)).toEqual([]);
    expect(await goals.zRange(`gs:{${team}}:goal-leases`, 0, -1)).toEqual([]);
    expect(await calendar.keys(`gs:{${team}}:event:hold:*`)).toEqual([]);
    expect(await goals.keys(`gs:{${team}}:goal-lock:*`)).toEqual([]);
    expect(await indexed(team)).toEqual({ calendar: null, goals: null });

    expect((await api("GET", `/tx/${tx}`)).json.outcome).toMatchObject({ result: "aborted", reason: "timeout" });
    expect((await api("POST", "/events", { title: "Free", starts_at: start })).status).toBe(201);
    expect((await api("PATCH", "/goals/g", { progress: 6 })).status).toBe(200);
  });

  it("a live transaction is left alone; once it ends, its team stays until its announced lease end has passed", async () => {
    const { team, api } = await newTeam();
    const tx = (await api("POST", "/tx")).json.tx_id;
    expect((await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Live", starts_at: freshSlot() } })).status).toBe(200);
    await sweep();
    expect(await calendar.zScore(`gs:{${team}}:leases`, tx)).not.toBeNull();
    expect((await indexed(team)).calendar).not.toBeNull();
    expect((await api("GET", `/tx/${tx}`)).json.state).toBe("open");

    expect((await api("POST", `/tx/${tx}/abort`, {})).json.state).toBe("aborted");
    // No lease is left, but the announced lease end is still ahead: a prepare announced that late
    // may not have written its lease yet, so the sweep keeps the team.
    const announced = (await indexed(team)).calendar!;
    expect(announced).toBeGreaterThan(Date.now() + 200);
    await sweep();
    expect((await indexed(team)).calendar).toBe(announced);

    await until(announced + 200);
    await sweep();
    expect((await indexed(team)).calendar).toBeNull();
  });

  it("drops a team with no leases only if its score is not after the sweep's read", async () => {
    const now = Date.now();
    for (const [client, index] of [[calendar, CALENDAR_HOLDING_TEAMS], [goals, GOAL_HOLDING_TEAMS]] as const) {
      await client.zAdd(index, [
        { score: now + 60_000, value: "announced-later" },
        { score: now - 1000, value: "announced-earlier" },
      ]);
    }
    await sweep();
    for (const [client, index] of [[calendar, CALENDAR_HOLDING_TEAMS], [goals, GOAL_HOLDING_TEAMS]] as const) {
      expect(await client.zScore(index, "announced-later"), index).toBe(now + 60_000);
      expect(await client.zScore(index, "announced-earlier"), index).toBeNull();
      await client.zRem(index, "announced-later");
    }
  });

  it("the sweep does not SCAN either store: it reads their indexes", async () => {
    const { team, api } = await newTeam();
    const tx = (await api("POST", "/tx")).json.tx_id;
    await api("POST", `/tx/${tx}/ops`, { type: "calendar.create", data: { title: "Open", starts_at: freshSlot() } });
    await api("POST", `/tx/${tx}/ops`, { type: "goal.update", id: "g", data: { progress: 7 } });
    expect(await indexed(team)).toMatchObject({ calendar: expect.any(Number), goals: expect.any(Number) });
    await Promise.all([calendar.configResetStat(), goals.configResetStat()]);
    await sweep();
    for (const client of [calendar, goals]) {
      const stats = await client.info("commandstats");
      expect(stats).not.toMatch(/cmdstat_scan:/);
      expect(stats).toMatch(/cmdstat_zrange:/);
    }
    expect((await api("POST", `/tx/${tx}/abort`, {})).json.state).toBe("aborted");
  });
});
