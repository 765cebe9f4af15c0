import { freePort } from "../../dev/ports.ts";
import { startWranglerDev } from "../../dev/wrangler-dev.ts";
import { startTestGateway, startTestRedis, tempDir, track } from "../helpers/processes.ts";

export interface TestStack {
  /** The worker, e.g. http://127.0.0.1:41234; the dashboard is at its `/`. */
  url: string;
  adminSecret: string;
  /** Everything the worker printed, for failure messages. */
  workerLog: string[];
}

/**
 * The real stack for browser tests: redis-server, the gateway and the worker under `wrangler dev`
 * (which also serves dashboard/public), on free ports. With `openTeam`, requests without a token
 * act as member `anonymous` of that team, as under `npm run dev`. Stop it with stopAll().
 */
export async function startStack(options: { openTeam?: string } = {}): Promise<TestStack> {
  const adminSecret = "browser-test-admin-secret-0123";
  const redis = await startTestRedis();
  const gateway = await startTestGateway(redis.url);
  const workerLog: string[] = [];
  const worker = track(
    await startWranglerDev({
      port: await freePort(),
      persistDir: tempDir("groupsync-browser-wrangler-"),
      vars: {
        GROUPSYNC_ENV: "development",
        UPSTASH_REDIS_REST_URL: gateway.url,
        UPSTASH_REDIS_REST_TOKEN: gateway.token,
        ADMIN_SECRET: adminSecret,
        ...(options.openTeam === undefined ? {} : { GROUPSYNC_OPEN_TEAM: options.openTeam }),
      },
      onLine: (line) => workerLog.push(line),
    }),
  );
  return { url: worker.url, adminSecret, workerLog };
}
