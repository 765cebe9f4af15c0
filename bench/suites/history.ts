import { runHistory } from "../../test/helpers/history/run.ts";
import { stopAll } from "../../test/helpers/processes.ts";
import type { Check } from "../run.ts";
import type { Ratio, Row } from "../report.ts";

/**
 * The history checker of test/integration/history.test.ts, run longer: BENCH_HISTORY_SECONDS
 * (default 120) of 8 seeded clients while faults are injected (up to 3 worker kills), then every
 * check. HISTORY_SEED=… replays a run; by default each run takes a new seed, printed.
 */
export async function historySuite(): Promise<{ rows: Row[]; ratios: Ratio[]; notes: string[]; checks: Check[] }> {
  const seed = Number(process.env.HISTORY_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const seconds = Number(process.env.BENCH_HISTORY_SECONDS ?? 120);
  let report;
  try {
    report = await runHistory({ seed, clients: 8, seconds, workerKills: 3 });
  } finally {
    await stopAll();
  }
  const { ok, refused, indeterminate } = report.requests;
  const notes = [
    `history (HISTORY_SEED=${seed}, ${seconds} s): ${ok + refused + indeterminate} requests checked (${ok} ok, ${refused} refused, ${indeterminate} indeterminate), ` +
      `${report.transactions} transactions, ${report.recordOps} operations on ${report.records} records, ${report.faults.length} faults injected: ${report.faults.join(", ")}`,
    ...(report.undecided.length > 0 ? [`history: the checker ran out of budget on ${report.undecided.join(", ")}`] : []),
    ...report.problems.map((problem) => `history PROBLEM: ${problem}`),
  ];
  const checks: Check[] = [
    { suite: "history", name: "problems found (lost or phantom writes, half transactions, double bookings, holds left)", value: report.problems.length, unit: "", target: "0", pass: report.problems.length === 0 },
    { suite: "history", name: "records the checker could not decide", value: report.undecided.length, unit: "", target: null, pass: null },
  ];
  return { rows: [], ratios: [], notes, checks };
}
