import { closedLoop, percentile, type LoadResult } from "./load.ts";
import type { BenchContext } from "./run.ts";

/**
 * Measures several contenders in interleaved rounds (A, B, C, A, B, C...), so that whatever else
 * the machine is doing hits them alike. Returns each contender's per-round results.
 */
export async function sideBySide<Name extends string>(
  ctx: BenchContext,
  concurrency: number,
  contenders: Record<Name, () => Promise<void>>,
): Promise<Record<Name, LoadResult[]>> {
  const names = Object.keys(contenders) as Name[];
  const results = Object.fromEntries(names.map((name) => [name, [] as LoadResult[]])) as Record<Name, LoadResult[]>;
  for (let round = 0; round < ctx.rounds; round++) {
    for (const name of names) {
      results[name].push(await closedLoop(contenders[name], { concurrency, durationMs: ctx.durationMs }));
    }
  }
  return results;
}

export const p50Latency = (r: LoadResult) => percentile(r.latencies, 50);
export const throughput = (r: LoadResult) => r.requests / r.seconds;
