import { closedLoop, httpSender, percentile, type LoadResult } from "../load.ts";
import { ratioOfRounds, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext } from "../run.ts";

/**
 * The worker under `wrangler dev`: GET /health (one PING through the gateway to Redis) against
 * GET /ping (touches nothing), so the cost of the dependency check is read apart from wrangler's
 * own proxy, which caps local throughput near 2k req/s on this machine.
 */
export async function workerHealthSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[] }> {
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  for (const concurrency of [1, 16]) {
    const health = httpSender({ url: `${ctx.workerUrl}/health`, concurrency });
    const ping = httpSender({ url: `${ctx.workerUrl}/ping`, concurrency });
    const results: Record<"health" | "ping", LoadResult[]> = { health: [], ping: [] };
    for (let round = 0; round < ctx.rounds; round++) {
      const load = { concurrency, durationMs: ctx.durationMs };
      results.ping.push(await closedLoop(ping.send, load));
      results.health.push(await closedLoop(health.send, load));
    }
    health.close();
    ping.close();
    rows.push(
      summarise("worker", "GET /ping (empty route)", concurrency, results.ping),
      summarise("worker", "GET /health (PING via gateway)", concurrency, results.health),
    );
    const p50 = (r: LoadResult) => percentile(r.latencies, 50);
    const throughput = (r: LoadResult) => r.requests / r.seconds;
    if (concurrency === 1) {
      ratios.push({ suite: "worker", name: "/health over /ping p50 latency, 1 in flight", value: ratioOfRounds(results.health, results.ping, p50), explains: "what the Redis check adds to a request" });
    } else {
      ratios.push({ suite: "worker", name: `/ping over /health throughput, ${concurrency} in flight`, value: ratioOfRounds(results.ping, results.health, throughput), explains: "how much the Redis check costs at load" });
    }
  }
  return { rows, ratios };
}
