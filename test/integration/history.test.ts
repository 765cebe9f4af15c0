import { afterAll, expect, it } from "vitest";
import { runHistory } from "../helpers/history/run.ts";
import { stopAll } from "../helpers/processes.ts";

/**
 * Jepsen-style: concurrent clients against the real worker on two redis-servers while Redis is
 * frozen and killed, a gateway frozen and the worker killed; then every record's history must be
 * linearizable, every transaction all-or-nothing, no calendar double-booked, no hold left.
 * HISTORY_SEED=… replays a run (the same requests in each client; timing still varies).
 */
const seed = Number(process.env.HISTORY_SEED ?? 20261201);

afterAll(stopAll);

it(`a history under faults checks out (HISTORY_SEED=${seed})`, async () => {
  const report = await runHistory({ seed, clients: 5, seconds: 30, workerKills: 1 });
  console.log(`history seed ${seed}: ${JSON.stringify({ ...report, problems: report.problems.length })}`);
  expect(report.requests.ok, "the run did real work").toBeGreaterThan(20);
  expect(report.faults.length, "faults were injected").toBeGreaterThan(3);
  expect(report.problems, `HISTORY_SEED=${seed} replays this run`).toEqual([]);
  expect(report.undecided, `HISTORY_SEED=${seed}: the checker ran out of budget`).toEqual([]);
}, 150_000);
