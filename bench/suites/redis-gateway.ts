import { Redis } from "@upstash/redis";
import { createClient } from "redis";
import { httpSender } from "../load.ts";
import { ratioOfRounds, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext } from "../run.ts";
import { p50Latency, sideBySide, throughput } from "../side-by-side.ts";

/**
 * The cost of the gateway: one GET sent straight to Redis (node-redis) against the same GET as an
 * Upstash REST request through the gateway (raw keep-alive HTTP, and @upstash/redis as the worker
 * uses it, which auto-pipelines concurrent commands into one /pipeline request).
 */
export async function redisGatewaySuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[] }> {
  const direct = createClient({ url: ctx.redisUrl });
  await direct.connect();
  await direct.set("bench:key", JSON.stringify({ title: "Standup", starts_at: "2026-11-24T10:00:00Z" }));
  const upstash = new Redis({ url: ctx.gatewayUrl, token: ctx.gatewayToken, retry: false });

  const rows: Row[] = [];
  const ratios: Ratio[] = [];
  for (const concurrency of [1, 32]) {
    const gatewayHttp = httpSender({
      url: `${ctx.gatewayUrl}/`,
      method: "POST",
      headers: { authorization: `Bearer ${ctx.gatewayToken}`, "content-type": "application/json" },
      body: JSON.stringify(["GET", "bench:key"]),
      concurrency,
    });
    const results = await sideBySide(ctx, concurrency, {
      direct: async () => void (await direct.get("bench:key")),
      gateway: gatewayHttp.send,
      client: async () => void (await upstash.get("bench:key")),
    });
    gatewayHttp.close();
    rows.push(
      summarise("redis", "GET direct to redis-server (node-redis)", concurrency, results.direct),
      summarise("redis", "GET via gateway (raw HTTP, keep-alive)", concurrency, results.gateway),
      summarise("redis", "GET via gateway (@upstash/redis client)", concurrency, results.client),
    );
    ratios.push(
      concurrency === 1
        ? { suite: "redis", name: "gateway/direct p50 latency, 1 in flight", value: ratioOfRounds(results.gateway, results.direct, p50Latency), explains: "how many times slower a GET is through the gateway" }
        : { suite: "redis", name: `direct/gateway throughput, ${concurrency} in flight`, value: ratioOfRounds(results.direct, results.gateway, throughput), explains: "how many times more GETs/s Redis serves directly" },
    );
  }
  await direct.close();
  return { rows, ratios };
}
