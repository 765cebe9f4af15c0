import type { TestProject } from "vitest/node";
import { startTestGateway, startTestRedis, stopAll } from "./processes.ts";

/**
 * globalSetup for the workerd project: a real redis-server and gateway that the worker under test
 * reaches over loopback. Port and token were fixed in vitest.config.ts (bindings are set there).
 */
export default async function setup(_project: TestProject): Promise<() => Promise<void>> {
  const port = Number(process.env.GROUPSYNC_TEST_GATEWAY_PORT);
  const token = process.env.GROUPSYNC_TEST_GATEWAY_TOKEN;
  if (!port || !token) throw new Error("vitest.config.ts did not choose the test gateway's port and token");
  const redis = await startTestRedis();
  await startTestGateway(redis.url, { port, token });
  return stopAll;
}
