import { createClient } from "redis";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ALL_SCRIPTS } from "../../worker/storage/all-scripts.ts";
import { startTestRedis, stopAll, type TestRedis } from "../helpers/processes.ts";

/** Real Redis agrees with every precomputed SHA-1, which also proves each script compiles. */
let redis: TestRedis;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(stopAll);

it.each(ALL_SCRIPTS.map((s) => [s.name, s] as const))("SCRIPT LOAD of %s returns its precomputed SHA-1", async (_name, script) => {
  const client = createClient({ url: redis.url });
  await client.connect();
  try {
    expect(await client.scriptLoad(script.source)).toBe(script.sha1);
  } finally {
    await client.close();
  }
});
