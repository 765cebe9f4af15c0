import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../dev/gateway-process.ts";
import type { RunningWorker } from "../../dev/wrangler-dev.ts";
import { createTeamToken } from "../helpers/teams.ts";
import { startTwoStores, startTwoStoreWorker } from "../helpers/two-store-worker.ts";
import { stopAll, type TestRedis } from "../helpers/processes.ts";

/**
 * The atomicity check: 200 concurrent random transactions, each creating an event and a goal
 * (so all-or-nothing is visible as "both or neither") and updating one of a few shared goals
 * (so they contend for locks), over a small set of slots (so they contend for time), while the
 * goals Redis is SIGKILLed and restarted at random. Afterwards, once recovery has run: every
 * transaction is all or nothing, no two events overlap, and no hold, lock or lease is left.
 */
const ADMIN_SECRET = "tx-atomicity-admin-secret-12";
let mainRedis: TestRedis;
let goalsRedis: TestRedis;
let mainGateway: RunningGateway;
let goalsGateway: RunningGateway;
let worker: RunningWorker;
let token: string;

async function api(method: string, path: string, body?: unknown) {
  try {
    const res = await fetch(`${worker.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text ? JSON.parse(text) : undefined };
  } catch (error) {
    return { status: 0, json: { error: String(error) } };
  }
}

beforeAll(async () => {
  const stores = await startTwoStores({ goalsCommandTimeoutMs: 1000 });
  ({ mainRedis, goalsRedis, mainGateway, goalsGateway } = stores);
  worker = await startTwoStoreWorker(stores, ADMIN_SECRET, { TX_IDLE_TIMEOUT: "1s" });
  token = await createTeamToken(worker.url, ADMIN_SECRET, "atoms");
});

afterAll(stopAll);

/** A small seeded PRNG, so a failure can be replayed with the same seed. */
function prng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe("atomicity under failure", () => {
  it("200 concurrent transactions while the goals Redis restarts: all or nothing, no overlap, nothing left", async () => {
    const seed = Number(process.env.ATOMICITY_SEED ?? Date.now() % 100_000);
    const random = prng(seed);
    const shared = ["s0", "s1", "s2", "s3"];
    for (const id of shared) expect((await api("POST", "/goals", { id, title: id })).status).toBe(201);

    const base = Date.UTC(2028, 0, 1);
    const transactions = Array.from({ length: 200 }, (_, i) => {
      const start = base + Math.floor(random() * 40) * 30 * 60_000; // 40 half-hour starts, hour-long events
      return {
        i,
        ops: [
          { type: "calendar.create", id: `atom-${i}`, data: { title: `Atom ${i}`, starts_at: new Date(start).toISOString() } },
          { type: "goal.create", id: `atom-goal-${i}`, data: { title: `Atom goal ${i}` } },
          ...(random() < 0.5 ? [{ type: "goal.update", id: shared[Math.floor(random() * shared.length)]!, data: { description: `by ${i}` } }] : []),
        ],
      };
    });

    // Chaos: kill and restart the goals Redis twice while the transactions run.
    let running = true;
    const chaos = (async () => {
      for (let round = 0; round < 2 && running; round++) {
        await new Promise((resolve) => setTimeout(resolve, 200 + random() * 400));
        goalsRedis.process.signal("SIGKILL");
        await goalsRedis.process.exited;
        await new Promise((resolve) => setTimeout(resolve, 100 + random() * 300));
        goalsRedis = await goalsRedis.restart();
      }
    })();

    const results: Array<{ status: number; json: any }> = new Array(200);
    let next = 0;
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (next < transactions.length) {
          const tx = transactions[next++]!;
          results[tx.i] = await api("POST", "/tx", { ops: tx.ops, commit: true });
        }
      }),
    );
    running = false;
    await chaos;

    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s >= 500 && s !== 503), `seed ${seed}: only 503 may come from the outage`).toEqual([]);

    // Let recovery settle everything: leases end (1 s idle, 30 s at most for committing ones,
    // but decided ones are finished at once), then sweep until nothing is left.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const calendar = createClient({ url: mainRedis.url });
    const goals = createClient({ url: goalsRedis.url });
    await Promise.all([calendar.connect(), goals.connect()]);
    const leftovers = async () => [
      ...(await calendar.keys("gs:{atoms}:event:hold:*")),
      ...(await calendar.keys("gs:{atoms}:event-lock:*")),
      ...(await calendar.keys("gs:{atoms}:tx-holds:*")),
      ...(await goals.keys("gs:{atoms}:goal-lock:*")),
      ...(await goals.keys("gs:{atoms}:tx-locks:*")),
      ...(await calendar.zRange("gs:{atoms}:leases", 0, -1)),
      ...(await goals.zRange("gs:{atoms}:goal-leases", 0, -1)),
    ];
    for (let sweep = 0; sweep < 40 && (await leftovers()).length > 0; sweep++) {
      await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    expect(await leftovers(), `seed ${seed}: holds, locks or leases left`).toEqual([]);

    // All or nothing, and what the client heard is what happened.
    const committed: number[] = [];
    for (const { i } of transactions) {
      const event = await calendar.exists(`gs:{atoms}:event:atom-${i}`);
      const goal = await goals.exists(`gs:{atoms}:goal:atom-goal-${i}`);
      expect([i, event], `seed ${seed}: transaction ${i} is half applied`).toEqual([i, goal]);
      if (event === 1) committed.push(i);
      if (results[i]!.status === 200) expect(event, `seed ${seed}: transaction ${i} was reported committed`).toBe(1);
      if (results[i]!.status === 409) expect(event, `seed ${seed}: transaction ${i} was reported aborted`).toBe(0);
    }

    // No two events overlap.
    const events = (await Promise.all((await calendar.keys("gs:{atoms}:event:atom-*")).map(async (k) => JSON.parse((await calendar.get(k))!))))
      .map((e: { id: string; starts_at: string; ends_at: string }) => ({ id: e.id, start: Date.parse(e.starts_at), end: Date.parse(e.ends_at) }))
      .sort((a, b) => a.start - b.start);
    for (let k = 1; k < events.length; k++) expect(events[k]!.start, `seed ${seed}: ${events[k - 1]!.id} overlaps ${events[k]!.id}`).toBeGreaterThanOrEqual(events[k - 1]!.end);
    expect(committed.length).toBe(events.length);
    expect(committed.length).toBeGreaterThan(0);
    console.log(`atomicity seed ${seed}: ${committed.length} committed, statuses ${JSON.stringify(countBy(statuses))}`);
    await Promise.all([calendar.close(), goals.close()]);
  }, 120_000);
});

function countBy(values: number[]): Record<number, number> {
  return values.reduce<Record<number, number>>((acc, v) => ((acc[v] = (acc[v] ?? 0) + 1), acc), {});
}
