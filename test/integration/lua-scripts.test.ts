import { createHash } from "node:crypto";
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
    // Any script: read_marker is this test's own, not one the gateway would run by default.
    const gateway = await startTestGateway(redis.url, { env: { GATEWAY_SCRIPTS: "any" } });
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

describe("the gateway runs only the Lua scripts GroupSync ships", () => {
  it("refuses EVAL \"while true do end\" (which would freeze Redis for everyone), by source, SHA-1 and SCRIPT LOAD; Redis stays responsive", async () => {
    const gateway = await startTestGateway(redis.url);
    const send = async (command: string[]) => {
      const answer = await fetch(`${gateway.url}/`, { method: "POST", headers: { authorization: `Bearer ${gateway.token}`, "content-type": "application/json" }, body: JSON.stringify(command) });
      return { status: answer.status, body: (await answer.json()) as { result?: unknown; error?: string } };
    };
    const loop = "while true do end";
    const loopSha = createHash("sha1").update(loop).digest("hex");
    for (const command of [["EVAL", loop, "0"], ["EVALSHA", loopSha, "0"], ["SCRIPT", "LOAD", loop], ["EVAL_RO", "return redis.call('GET', KEYS[1])", "1", "k"]]) {
      const refused = await send(command);
      expect(refused.status, command[0]).toBe(400);
      expect(refused.body.error, command[0]).toMatch(/^ERR Script is not allowed through the gateway: .* \(only the Lua scripts GroupSync ships/);
    }
    const started = Date.now();
    expect(await send(["PING"])).toEqual({ status: 200, body: { result: "PONG" } });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("runs the worker's scripts through @upstash/redis, EVALSHA and the EVAL fallback alike", async () => {
    const gateway = await startTestGateway(redis.url);
    const store = storeRedis(gateway.url, gateway.token);
    const direct = createClient({ url: redis.url });
    await direct.connect();
    try {
      const decide = ALL_SCRIPTS.find((script) => script.name === "decide")!;
      await direct.sendCommand(["SCRIPT", "FLUSH"]);
      expect(await decide.run(store, ["gs:{t}:tx:x:decision"], ["commit", 60])).toBe("commit"); // NOSCRIPT, then EVAL
      expect(await decide.run(store, ["gs:{t}:tx:x:decision"], ["abort", 60])).toBe("commit"); // EVALSHA
    } finally {
      await direct.close();
    }
  });
});
