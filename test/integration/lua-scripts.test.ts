import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ALL_SCRIPTS } from "../../worker/storage/all-scripts.ts";
import { dependencyFailure } from "../../worker/storage/dependency-failure.ts";
import { LuaScript } from "../../worker/storage/lua-script.ts";
import { storeRedis } from "../../worker/storage/store-client.ts";
import { startTestGateway, startTestRedis, stopAll, type TestRedis } from "../helpers/processes.ts";

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

describe("LuaScript.runAfter, through the gateway and @upstash/redis", () => {
  // The script reads what the command before it wrote: proof of order within one round trip.
  const script = new LuaScript("read_marker", "", "return redis.call('GET', KEYS[1]) .. ARGV[1]");
  const stores = async () => {
    const gateway = await startTestGateway(redis.url);
    return { store: storeRedis(gateway.url, gateway.token), direct: createClient({ url: redis.url }) };
  };

  it("runs the first command, then the script; after SCRIPT FLUSH it falls back to EVAL", async () => {
    const { store, direct } = await stores();
    await direct.connect();
    try {
      await direct.sendCommand(["SCRIPT", "FLUSH"]);
      // The precomputed SHA-1 is only a name here: NOSCRIPT, then EVAL.
      expect(await script.runAfter(store, (p) => p.set("m:1", "first"), ["m:1"], ["+script"])).toBe("first+script");
      expect(await direct.get("m:1")).toBe("first");
    } finally {
      await direct.close();
    }
  });

  it("throws a failing slot as the lone command would, so a bug is not taken for an outage", async () => {
    const { store, direct } = await stores();
    await direct.connect();
    try {
      await direct.set("m:str", "x");
      const failed = await script.runAfter(store, (p) => p.hset("m:str", { f: "v" }), ["m:2"], [""]).catch((error: unknown) => error);
      expect(failed).toBeInstanceOf(Error);
      expect((failed as Error).message).toMatch(/^WRONGTYPE /);
      expect(dependencyFailure(failed)).toBeNull();
    } finally {
      await direct.close();
    }
  });
});
