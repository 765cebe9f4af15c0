import { httpSender, percentile } from "../load.ts";
import { ratioOfRounds, round, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext } from "../run.ts";
import { sideBySide } from "../side-by-side.ts";
import { teamToken } from "./calendar-api.ts";

const HOUR = 3_600_000;

/**
 * Transactions through `wrangler dev`: a one-shot 2-op commit (create an event, update a goal)
 * against one plain POST /events, side by side, one in flight; and 20 concurrent transactions on
 * one slot, per round: exactly one commits, and how long until all 20 have their answer.
 */
export async function transactionsSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[]; notes: string[] }> {
  const token = await teamToken(ctx, "bench-tx");
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let g = 0; g < 8; g++) {
    await fetch(`${ctx.workerUrl}/goals`, { method: "POST", headers, body: JSON.stringify({ id: `g${g}`, title: `Goal ${g}` }) });
  }
  let slot = 0;
  const nextStart = () => new Date(Date.UTC(2029, 0, 1) + slot++ * HOUR).toISOString();
  const post = httpSender({ url: `${ctx.workerUrl}/events`, method: "POST", headers, concurrency: 1, expectStatus: 201, body: () => JSON.stringify({ title: "Plain", starts_at: nextStart() }) });
  let n = 0;
  const tx = httpSender({
    url: `${ctx.workerUrl}/tx`,
    method: "POST",
    headers,
    concurrency: 1,
    expectStatus: 200,
    body: () =>
      JSON.stringify({
        ops: [
          { type: "calendar.create", data: { title: "In a tx", starts_at: nextStart() } },
          { type: "goal.update", id: `g${n++ % 8}`, data: { progress: n % 100 } },
        ],
        commit: true,
      }),
  });
  const results = await sideBySide(ctx, 1, { post: post.send, tx: tx.send });
  post.close();
  tx.close();
  const rows = [summarise("tx", "POST /events (plain)", 1, results.post), summarise("tx", "POST /tx one-shot: event + goal, committed", 1, results.tx)];
  const ratios: Ratio[] = [
    { suite: "tx", name: "2-op commit over plain POST, p50 latency", value: ratioOfRounds(results.tx, results.post, (r) => percentile(r.latencies, 50)), explains: "target <= 3" },
    { suite: "tx", name: "2-op commit over plain POST, p99 latency", value: ratioOfRounds(results.tx, results.post, (r) => percentile(r.latencies, 99)), explains: "" },
  ];

  // 20 transactions racing for one slot.
  const settle: number[] = [];
  let commits = 0;
  let others = 0;
  for (let r = 0; r < ctx.rounds; r++) {
    const start = new Date(Date.UTC(2031, 0, 1) + r * HOUR).toISOString();
    const t0 = performance.now();
    const statuses = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await fetch(`${ctx.workerUrl}/tx`, {
          method: "POST",
          headers,
          body: JSON.stringify({ ops: [{ type: "calendar.create", id: `race-${r}-${i}`, data: { title: "Race", starts_at: start } }], commit: true }),
        });
        await res.arrayBuffer();
        return res.status;
      }),
    );
    settle.push(performance.now() - t0);
    commits += statuses.filter((s) => s === 200).length;
    others += statuses.filter((s) => s !== 200 && s !== 409).length;
  }
  settle.sort((a, b) => a - b);
  rows.push({ suite: "tx", name: "20 transactions on one slot: time to settle all", concurrency: 20, rounds: ctx.rounds, p50_ms: round(percentile(settle, 50)), p99_ms: round(percentile(settle, 99)), req_per_s: 0, errors: others });
  return { rows, ratios, notes: [`20 transactions on one slot, ${ctx.rounds} rounds: ${commits} committed (want ${ctx.rounds}), ${others} answers other than 200/409`] };
}
