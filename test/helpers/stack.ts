import type { RunningGateway } from "../../dev/gateway-process.ts";
import { freePort } from "../../dev/ports.ts";
import { startWranglerDev, type RunningWorker } from "../../dev/wrangler-dev.ts";
import { RATE_LIMITS_OFF } from "./limits.ts";
import { startTestGateway, startTestRedis, tempDir, track, type TestRedis } from "./processes.ts";

/** redis-server, the gateway and the worker under `wrangler dev`, on free ports. Stop with stopAll(). */
export interface WorkerStack {
  redis: TestRedis;
  gateway: RunningGateway;
  worker: RunningWorker;
  /** wrangler dev again on the same port, local state and settings (after a SIGKILL, or with `extra` settings). */
  startWorker(extra?: Record<string, string>): Promise<RunningWorker>;
}

/**
 * The whole stack as `npm run dev` runs it, for tests that need real processes. `vars` are added to
 * the worker's settings (GROUPSYNC_ENV "test" and the gateway's URL and token by default).
 */
export async function startWorkerStack(options: { vars?: Record<string, string>; onLine?: (line: string) => void; testScheduled?: boolean } = {}): Promise<WorkerStack> {
  const redis = await startTestRedis();
  const gateway = await startTestGateway(redis.url);
  const port = await freePort();
  const persistDir = tempDir("groupsync-wrangler-");
  const startWorker = async (extra: Record<string, string> = {}) =>
    track(
      await startWranglerDev({
        port,
        persistDir,
        vars: { GROUPSYNC_ENV: "test", UPSTASH_REDIS_REST_URL: gateway.url, UPSTASH_REDIS_REST_TOKEN: gateway.token, ...RATE_LIMITS_OFF, ...options.vars, ...extra },
        onLine: options.onLine,
        testScheduled: options.testScheduled,
      }),
    );
  return { redis, gateway, worker: await startWorker(), startWorker };
}
