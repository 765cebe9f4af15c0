import { httpSender } from "../load.ts";
import { ratioOfRounds, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext } from "../run.ts";
import { p50Latency, sideBySide, throughput } from "../side-by-side.ts";

/**
 * The worker under `wrangler dev`: GET /health (one PING through the gateway to Redis) against
 * GET /ping (touches nothing), so the cost of the dependency check is read apart from wrangler's
 * own local proxy, which caps throughput.
 */
export async function workerHealthSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[] }> {
  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  for (const concurrency of [1, 16]) {
    const ping = httpSender({ url: `${ctx.workerUrl}/ping`, concurrency });
    const health = httpSender({ url: `${ctx.workerUrl}/health`, concurrency });
    const results = await sideBySide(ctx, concurrency, { ping: ping.send, health: health.send });
    ping.close();
    health.close();
    rows.push(
      summarise("worker", "GET /ping (empty route)", concurrency, results.ping),
      summarise("worker", "GET /health (PING via gateway)", concurrency, results.health),
    );
    ratios.push(
      concurrency === 1
        ? { suite: "worker", name: "/health over /ping p50 latency, 1 in flight", value: ratioOfRounds(results.health, results.ping, p50Latency), explains: "what the Redis check adds to a request" }
        : { suite: "worker", name: `/ping over /health throughput, ${concurrency} in flight`, value: ratioOfRounds(results.ping, results.health, throughput), explains: "how much the Redis check costs at load" },
    );
  }
  return { rows, ratios };
}
