import { startWorkerStack } from "../helpers/stack.ts";

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
export async function startStack(options: { openTeam?: string; vars?: Record<string, string> } = {}): Promise<TestStack> {
  const adminSecret = "browser-test-admin-secret-0123";
  const workerLog: string[] = [];
  const { worker } = await startWorkerStack({
    vars: { GROUPSYNC_ENV: "development", ADMIN_SECRET: adminSecret, ...(options.openTeam === undefined ? {} : { GROUPSYNC_OPEN_TEAM: options.openTeam }), ...options.vars },
    onLine: (line) => workerLog.push(line),
  });
  return { url: worker.url, adminSecret, workerLog };
}
