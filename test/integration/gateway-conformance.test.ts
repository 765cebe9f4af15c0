import { Redis } from "@upstash/redis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningGateway } from "../../dev/gateway-process.ts";
import { randomToken, startTestGateway, startTestRedis, stopAll, type TestRedis } from "../helpers/processes.ts";
import { rawRequest, requestHead } from "../helpers/raw-http.ts";

/**
 * The gateway, driven by @upstash/redis 1.39 itself (the client the worker uses) against a real
 * redis-server, plus raw HTTP for everything a well-behaved client never sends.
 */
let redis: TestRedis;
let gateway: RunningGateway;
let client: Redis;
let direct: ReturnType<typeof createClient>;

beforeAll(async () => {
  redis = await startTestRedis();
  // Any script: this file checks the Upstash protocol (EVALSHA, NOSCRIPT, EVAL) with scripts of its own.
  gateway = await startTestGateway(redis.url, { env: { GATEWAY_SCRIPTS: "any" } });
  client = new Redis({ url: gateway.url, token: gateway.token, retry: false });
  direct = createClient({ url: redis.url });
  await direct.connect();
});

afterAll(async () => {
  await direct?.close();
  await stopAll();
});

/** A raw request to a gateway, for the cases the client library would never produce. */
async function raw(target: RunningGateway, path: string, init: RequestInit & { json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", `Bearer ${target.token}`);
  if (init.json !== undefined && !headers.has("content-type")) headers.set("content-type", "application/json");
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const res = await fetch(target.url + path, { method: "POST", ...init, headers, body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

describe("commands through @upstash/redis", () => {
  it("strings: set, get, incr, mset/mget, del", async () => {
    expect(await client.set("s:1", "plain")).toBe("OK");
    expect(await client.get("s:1")).toBe("plain");
    expect(await client.incr("s:n")).toBe(1);
    expect(await client.incrby("s:n", 41)).toBe(42);
    await client.mset({ "s:a": "x", "s:b": "y" });
    expect(await client.mget("s:a", "s:b", "s:missing")).toEqual(["x", "y", null]);
    expect(await client.del("s:a", "s:b")).toBe(2);
    expect(await client.get("s:a")).toBeNull();
  });

  it("JSON values with emoji and accents round-trip exactly, in base64 and plain encoding", async () => {
    const value = { title: "Café sync ☕", who: ["Zoë", "José"], mood: "😀🎉", nested: { ok: true, n: 1.25 } };
    await client.set("json:1", value);
    expect(await client.get("json:1")).toEqual(value);
    const plain = new Redis({ url: gateway.url, token: gateway.token, retry: false, responseEncoding: false });
    expect(await plain.get("json:1")).toEqual(value);
    // What Redis holds is the JSON text, byte for byte.
    expect(await direct.get("json:1")).toBe(JSON.stringify(value));
  });

  it("binary values keep their exact bytes in base64 encoding", async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80]); // not valid UTF-8
    await direct.set("bin:1", bytes);
    const reply = await raw(gateway, "/", { json: ["GET", "bin:1"], headers: { "upstash-encoding": "base64" } });
    expect(Buffer.from(reply.json.result, "base64")).toEqual(bytes);
  });

  it("hashes: HGETALL comes back as a flat array the client turns into an object", async () => {
    await client.hset("h:1", { name: "focus", minutes: 25, emoji: "🍅" });
    expect(await client.hgetall("h:1")).toEqual({ name: "focus", minutes: 25, emoji: "🍅" });
    const reply = await raw(gateway, "/", { json: ["HGETALL", "h:1"] });
    expect(reply.json.result).toEqual(["name", "focus", "minutes", "25", "emoji", "🍅"]);
    expect(await client.hget("h:1", "minutes")).toBe(25);
  });

  it("sorted sets keep their scores", async () => {
    await client.zadd("z:1", { score: 1.5, member: "a" }, { score: -2, member: "b" }, { score: 10, member: "c" });
    expect(await client.zrange("z:1", 0, -1, { withScores: true })).toEqual(["b", -2, "a", 1.5, "c", 10]);
    expect(await client.zscore("z:1", "a")).toBe(1.5);
    expect(await client.zincrby("z:1", 0.25, "a")).toBe(1.75);
    expect(await client.zrange("z:1", 0, 5, { byScore: true })).toEqual(["a"]);
  });

  it("SCAN walks every key exactly once", async () => {
    const keys = Array.from({ length: 250 }, (_, i) => `scan:${i}`);
    await client.mset(Object.fromEntries(keys.map((k) => [k, 1])));
    const seen = new Set<string>();
    let cursor: string | number = 0;
    do {
      const [next, batch]: [string, string[]] = await client.scan(cursor, { match: "scan:*", count: 40 });
      batch.forEach((k) => seen.add(k));
      cursor = next;
    } while (String(cursor) !== "0");
    expect([...seen].sort()).toEqual([...keys].sort());
  });

  it("a pipeline reports a failing slot without failing the others", async () => {
    await client.set("p:text", "not a number");
    const p = client.pipeline();
    p.set("p:a", 1);
    p.incr("p:text");
    p.get("p:a");
    const results = await p.exec({ keepErrors: true });
    expect(results[0]).toEqual({ result: "OK", error: undefined });
    expect(results[1]!.error).toMatch(/ERR value is not an integer/);
    expect(results[2]).toEqual({ result: 1, error: undefined });

    const failing = client.pipeline();
    failing.get("p:a");
    failing.incr("p:text");
    await expect(failing.exec()).rejects.toThrow(/Command 2 \[ incr \] failed: ERR value is not an integer/);
  });

  it("multi-exec runs atomically: concurrent transactions never interleave", async () => {
    const tx = client.multi();
    tx.set("m:a", 1);
    tx.incr("m:a");
    tx.get("m:a");
    expect(await tx.exec()).toEqual(["OK", 2, 2]);

    const pairs = await Promise.all(
      Array.from({ length: 40 }, () => {
        const m = client.multi();
        m.incr("m:counter");
        m.incr("m:counter");
        return m.exec<[number, number]>();
      }),
    );
    for (const [first, second] of pairs) expect(second).toBe(first + 1);
    expect(await client.get("m:counter")).toBe(80);
  });

  it("multi-exec with a command Redis refuses discards the whole transaction", async () => {
    const reply = await raw(gateway, "/multi-exec", { json: [["SET", "m:never", "1"], ["NOSUCHCOMMAND"]] });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/^EXECABORT/);
    expect(await client.exists("m:never")).toBe(0);
  });

  it("EVALSHA falls back to EVAL on NOSCRIPT, before and after SCRIPT FLUSH", async () => {
    const script = client.createScript<[string, string]>("return {KEYS[1], ARGV[1]}");
    expect(await script.exec(["k:1"], ["v😀"])).toEqual(["k:1", "v😀"]);
    await direct.sendCommand(["SCRIPT", "FLUSH"]);
    expect(await script.exec(["k:2"], ["again"])).toEqual(["k:2", "again"]);

    const reply = await raw(gateway, "/", { json: ["EVALSHA", "0000000000000000000000000000000000000000", "0"] });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/^NOSCRIPT /);
  });

  it("passes Redis errors through unchanged with 400", async () => {
    await client.set("e:str", "x");
    await expect(client.lpush("e:str", "y")).rejects.toThrow(/WRONGTYPE Operation against a key holding the wrong kind of value/);
    const reply = await raw(gateway, "/", { json: ["GET"] });
    expect(reply.status).toBe(400);
    expect(reply.json.error).toMatch(/^ERR wrong number of arguments for 'get' command/);
    // A command the gateway does not allow never reaches Redis, and says so.
    const unknown = await raw(gateway, "/", { json: ["NOSUCHCOMMAND", "x"] });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error).toMatch(/^ERR Command is not allowed through the gateway: 'NOSUCHCOMMAND'/);
  });

  it("answers with an upstash-sync-token that only grows, and accepts it back", async () => {
    const first = await raw(gateway, "/", { json: ["PING"] });
    const second = await raw(gateway, "/", { json: ["PING"], headers: { "upstash-sync-token": first.headers.get("upstash-sync-token")! } });
    expect(second.status).toBe(200);
    expect(Number(second.headers.get("upstash-sync-token"))).toBeGreaterThan(Number(first.headers.get("upstash-sync-token")));
    const ryw = new Redis({ url: gateway.url, token: gateway.token, retry: false, readYourWrites: true });
    await ryw.set("ryw", "1");
    expect(await ryw.get("ryw")).toBe(1);
  });

  it("serves the path form for curl: GET /set/key/value, GET /get/key", async () => {
    expect((await raw(gateway, "/set/path:k/hello%20world", { method: "GET" })).json).toEqual({ result: "OK" });
    expect((await raw(gateway, "/get/path:k", { method: "GET" })).json).toEqual({ result: "hello world" });
  });

  it("runs blocking commands on their own connection, so they never stall other requests", async () => {
    const blocked = raw(gateway, "/", { json: ["BLPOP", "b:queue", "2"] });
    const started = Date.now();
    expect((await raw(gateway, "/", { json: ["PING"] })).json).toEqual({ result: "PONG" });
    expect(Date.now() - started).toBeLessThan(1000);
    await client.rpush("b:queue", "job");
    expect((await blocked).json).toEqual({ result: ["b:queue", "job"] });
  });
});

describe("subscribe over server-sent events", () => {
  it("delivers published messages, commas and emoji intact", async () => {
    const sub = client.subscribe<{ text: string }>(["sse:chan"]);
    const subscribed = new Promise((resolve) => sub.on("subscribe", resolve));
    const received: Array<{ channel: string; message: { text: string } }> = [];
    const got = new Promise<void>((resolve) =>
      sub.on("message", (m) => {
        received.push(m);
        if (received.length === 2) resolve();
      }),
    );
    await subscribed;
    expect(await client.publish("sse:chan", { text: "a, b, c 😀" })).toBe(1);
    expect(await client.publish("sse:chan", { text: "second" })).toBe(1);
    await got;
    expect(received).toEqual([
      { channel: "sse:chan", message: { text: "a, b, c 😀" } },
      { channel: "sse:chan", message: { text: "second" } },
    ]);
    await sub.unsubscribe();
    // The dedicated connection goes away with the stream.
    await expect.poll(() => client.publish("sse:chan", "nobody"), { timeout: 3000 }).toBe(0);
  });

  it("delivers pattern subscriptions with the matching channel", async () => {
    // (The client JSON-parses pattern messages strictly, so the payload is an object, as ours are.)
    const sub = client.psubscribe<{ kind: string }>(["team:*:events"]);
    await new Promise((resolve) => sub.on("psubscribe", resolve));
    const got = new Promise<unknown>((resolve) => sub.on("pmessage", resolve));
    await client.publish("team:42:events", { kind: "booked" });
    expect(await got).toEqual({ pattern: "team:*:events", channel: "team:42:events", message: { kind: "booked" } });
    await sub.unsubscribe();
  });

  it("opens with the subscribe confirmation in the Upstash wire format", async () => {
    const abort = new AbortController();
    const res = await fetch(`${gateway.url}/subscribe/wire:chan`, {
      method: "POST",
      headers: { authorization: `Bearer ${gateway.token}`, accept: "text/event-stream", "content-type": "application/json" },
      body: "[]",
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toBe("data: subscribe,wire:chan,1\n\n");
    abort.abort();
  });
});

describe("authentication", () => {
  it("rejects a wrong token, a missing header and other schemes with 401 on every endpoint", async () => {
    const wrong = new Redis({ url: gateway.url, token: "wrong-token-wrong-token", retry: false });
    await expect(wrong.get("x")).rejects.toThrow(/Unauthorized/);
    for (const path of ["/", "/pipeline", "/multi-exec", "/subscribe/x", "/get/x"]) {
      for (const authorization of ["", `Basic ${gateway.token}`, `Bearer ${gateway.token}x`, "Bearer"]) {
        const reply = await raw(gateway, path, { json: ["PING"], headers: { authorization } });
        expect(reply.status, `${path} with "${authorization}"`).toBe(401);
        expect(reply.json).toEqual({ error: "Unauthorized" });
      }
    }
  });
});

describe("bad input gets a clear 4xx and changes nothing", () => {
  it.each([
    ["invalid JSON", "/", { body: "[\"SET\", \"bad:k\"", headers: { "content-type": "application/json" } }, 400, /failed to parse/],
    ["an object instead of a command", "/", { json: { command: "SET" } }, 400, /JSON array/],
    ["an empty command", "/", { json: [] }, 400, /empty/],
    ["no body at all", "/", {}, 400, /JSON array/],
    ["a nested object argument", "/", { json: ["SET", "bad:k", { a: 1 }] }, 400, /argument 2 .* object/],
    ["a pipeline that is not a list", "/pipeline", { json: ["GET", "a"] }, 400, /JSON array/],
    ["a pipeline with a bad command", "/pipeline", { json: [["SET", "bad:k", "1"], [42, null]] }, 400, /command 1/],
    ["an empty multi-exec", "/multi-exec", { json: [] }, 400, /no commands/],
    ["a refused connection-state command", "/", { json: ["SELECT", "1"] }, 400, /not available: 'SELECT'/],
    ["SUBSCRIBE sent as a command", "/", { json: ["SUBSCRIBE", "x"] }, 400, /\/subscribe/],
    ["MULTI inside multi-exec", "/multi-exec", { json: [["SET", "bad:k", "1"], ["MULTI"]] }, 400, /EXECABORT/],
    ["a form-encoded body", "/", { body: "cmd=GET", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, /application\/json/],
    ["non-UTF-8 bytes", "/", { body: Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]), headers: { "content-type": "application/json" } }, 400, /UTF-8/],
    ["a bad percent-encoding in the path", "/get/%E0%A4%A", { method: "GET" }, 400, /percent-encoding/],
  ] as const)("%s", async (_name, path, init, status, message) => {
    const reply = await raw(gateway, path, init as RequestInit & { json?: unknown });
    expect(reply.status).toBe(status);
    expect(reply.json.error).toMatch(message);
    expect(await direct.exists("bad:k")).toBe(0);
  });

  it("answers 405 for methods the protocol does not use", async () => {
    const reply = await raw(gateway, "/pipeline", { method: "PUT", json: [] });
    expect(reply.status).toBe(405);
    expect(reply.json.error).toMatch(/POST/);
  });

  it("answers 413 above the body limit, declared or streamed, and keeps serving", async () => {
    const small = await startTestGateway(redis.url, { env: { GATEWAY_MAX_BODY_BYTES: "4096" } });
    const big = JSON.stringify(["SET", "bad:k", "x".repeat(10_000)]);
    const declared = await raw(small, "/", { body: big, headers: { "content-type": "application/json" } });
    expect(declared.status).toBe(413);
    expect(declared.json.error).toMatch(/limit is 4096/);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const streamed = await raw(small, "/", { body: stream, headers: { "content-type": "application/json" }, duplex: "half" } as RequestInit);
    expect(streamed.status).toBe(413);
    expect((await raw(small, "/", { json: ["PING"] })).json).toEqual({ result: "PONG" });
    expect(await direct.exists("bad:k")).toBe(0);
    await small.process.stop();
  });

  it("runs nothing for a client that hangs up mid-body, and keeps serving", async () => {
    const { connect } = await import("node:net");
    const url = new URL(gateway.url);
    const command = JSON.stringify(["SET", "cut:k", "v"]);
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(url.port), url.hostname, () => {
        // Declares the whole command but sends only half of it, then goes away.
        socket.write(`POST / HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${gateway.token}\r\nContent-Type: application/json\r\nContent-Length: ${command.length}\r\n\r\n${command.slice(0, 10)}`);
        setTimeout(() => socket.destroy(), 100);
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    expect((await raw(gateway, "/", { json: ["PING"] })).json).toEqual({ result: "PONG" });
    expect(await direct.exists("cut:k")).toBe(0);
  });
  it("answers 408 and closes a body that has not arrived within 10 s; a subscription open longer still delivers", async () => {
    const sub = client.subscribe<string>(["slow:chan"]);
    await new Promise((resolve) => sub.on("subscribe", resolve));
    const received = new Promise((resolve) => sub.on("message", ({ message }) => resolve(message)));
    const command = JSON.stringify(["SET", "slow:k", "v"]);
    const head = requestHead(["POST / HTTP/1.1", "Host: gw", `Authorization: Bearer ${gateway.token}`, `Content-Length: ${command.length}`]);
    const { status, closedAfterMs } = await rawRequest(Number(new URL(gateway.url).port), head + command.slice(0, 5), { closeAfterMs: 30_000 }).answer;
    expect(status).toBe(408);
    expect(closedAfterMs).toBeGreaterThan(9_000);
    expect(closedAfterMs).toBeLessThan(13_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await direct.publish("slow:chan", "still here");
    expect(await received).toBe("still here");
    await sub.unsubscribe();
    expect(await direct.exists("slow:k")).toBe(0);
  }, 30_000);
});

describe("when Redis fails", () => {
  it("answers 503 at once while Redis is down, and recovers when it is back", async () => {
    const ownRedis = await startTestRedis();
    const gw = await startTestGateway(ownRedis.url);
    const c = new Redis({ url: gw.url, token: gw.token, retry: false });
    await c.set("durable", "yes");

    ownRedis.process.signal("SIGKILL");
    await ownRedis.process.exited;
    const started = Date.now();
    const down = await raw(gw, "/", { json: ["GET", "durable"] });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(down.status).toBe(503);
    expect(down.json.error).toMatch(/Redis .*unreachable/);

    // A SIGKILLed redis-server loses nothing it acknowledged: AOF with fsync always.
    await ownRedis.restart();
    await expect.poll(async () => (await raw(gw, "/", { json: ["GET", "durable"] })).json, { timeout: 5000 }).toEqual({ result: "yes" });
    await gw.process.stop();
  });

  it("answers 504 when Redis is frozen instead of hanging, and recovers when it thaws", async () => {
    const ownRedis = await startTestRedis();
    const gw = await startTestGateway(ownRedis.url, { env: { GATEWAY_COMMAND_TIMEOUT_MS: "300" } });
    expect((await raw(gw, "/", { json: ["PING"] })).json).toEqual({ result: "PONG" });
    ownRedis.process.signal("SIGSTOP");
    try {
      const started = Date.now();
      const frozen = await raw(gw, "/pipeline", { json: [["PING"], ["PING"]] });
      expect(frozen.status).toBe(504);
      expect(frozen.json.error).toMatch(/did not answer within 300 ms/);
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      ownRedis.process.signal("SIGCONT");
    }
    await expect.poll(async () => (await raw(gw, "/", { json: ["PING"] })).json, { timeout: 5000 }).toEqual({ result: "PONG" });
    await gw.process.stop();
    await ownRedis.process.stop();
  });

  it("answers its very first request: it announces itself only once connected", async () => {
    for (let i = 0; i < 3; i++) {
      const gw = await startTestGateway(redis.url);
      expect(gw.process.output.join("\n")).toContain('"redis_ready":true');
      expect((await raw(gw, "/", { json: ["PING"] })).json).toEqual({ result: "PONG" });
      await gw.process.stop();
    }
  });

  it("starts while Redis is down, answers 503, and serves once Redis comes up", async () => {
    const { freePort } = await import("../../dev/ports.ts");
    const port = await freePort();
    const gw = await startTestGateway(`redis://127.0.0.1:${port}`);
    expect(gw.process.output.join("\n")).toContain('"redis_ready":false');
    expect((await raw(gw, "/", { json: ["PING"] })).status).toBe(503);
    const late = await startTestRedis({ port });
    await expect.poll(async () => (await raw(gw, "/", { json: ["PING"] })).json, { timeout: 5000 }).toEqual({ result: "PONG" });
    await gw.process.stop();
    await late.process.stop();
  });

  it("ends an open subscription stream when Redis dies, instead of leaving it silent", async () => {
    const ownRedis = await startTestRedis();
    const gw = await startTestGateway(ownRedis.url);
    const res = await fetch(`${gw.url}/subscribe/doomed`, {
      method: "POST",
      headers: { authorization: `Bearer ${gw.token}`, "content-type": "application/json" },
      body: "[]",
    });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: subscribe,doomed,1\n\n");
    ownRedis.process.signal("SIGKILL");
    const next = await Promise.race([reader.read(), new Promise((resolve) => setTimeout(() => resolve("still open"), 3000))]);
    expect(next).toEqual({ done: true, value: undefined });
    await gw.process.stop();
  });

  it("refuses to start without a token, saying why", async () => {
    await expect(startTestGateway(redis.url, { token: "" })).rejects.toThrow(/GATEWAY_TOKEN must be set/);
  });
});

// The token helper must never produce something the gateway itself would refuse.
it("test tokens are long enough for the gateway", () => expect(randomToken().length).toBeGreaterThanOrEqual(16));
