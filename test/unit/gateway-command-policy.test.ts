import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { isBlocking, parseCommand, parseCommandList, refusalFor as refusalWith, type Command } from "../../gateway/command-policy.ts";
import { SHIPPED_SCRIPT_SHA1S } from "../../gateway/shipped-scripts.ts";
import { RATELIMIT_SCRIPT_SHA1S } from "../../worker/limits/ratelimit-scripts.ts";
import { ALL_SCRIPTS } from "../../worker/storage/all-scripts.ts";

/** The policy the gateway runs by default: only GroupSync's own scripts. */
const refusalFor = (command: Command) => refusalWith(command, SHIPPED_SCRIPT_SHA1S);
const sha1 = (text: string) => createHash("sha1").update(text).digest("hex");

describe("parseCommand", () => {
  it("accepts strings, numbers and booleans as arguments", () => {
    expect(parseCommand(["SET", "k", 1.5, true])).toEqual(["SET", "k", "1.5", "true"]);
  });

  it.each([
    [{ cmd: "GET" }, /JSON array/],
    ["GET k", /JSON array/],
    [[], /empty/],
    [[""], /name is empty/],
    [["SET", "k", { a: 1 }], /argument 2 .* object/],
    [["SET", "k", null], /argument 2 .* null/],
    [["SET", ["nested"]], /argument 1 .* array/],
    [["SET", "k", Number.NaN], /argument 2 .* number/],
  ])("rejects %j with a message naming the problem", (input, message) => {
    const result = parseCommand(input);
    expect(typeof result).toBe("string");
    expect(result).toMatch(message);
  });
});

describe("parseCommandList", () => {
  it("names the command at fault", () => {
    expect(parseCommandList([["GET", "a"], ["GET", {}]])).toMatch(/argument 1 .*\(command 1\)/);
    expect(parseCommandList([])).toMatch(/no commands/);
    expect(parseCommandList(["GET", "a"])).toMatch(/JSON array/);
  });
});

describe("refusalFor", () => {
  it.each(["SELECT", "subscribe", "MULTI", "WATCH", "HELLO", "QUIT", "MONITOR"])("refuses %s, which would change the shared connection", (name) => {
    expect(refusalFor([name, "x"])).toMatch(/^ERR Command is not available/);
  });

  it("refuses CLIENT REPLY as connection state, and every other CLIENT subcommand as administration", () => {
    expect(refusalFor(["CLIENT", "REPLY", "OFF"])).toMatch(/not available: 'CLIENT REPLY'/);
    expect(refusalFor(["CLIENT", "KILL", "127.0.0.1:1"])).toMatch(/not allowed through the gateway: 'CLIENT'/);
  });

  it.each(["FLUSHALL", "flushdb", "CONFIG", "SHUTDOWN", "DEBUG", "KEYS", "SAVE", "BGSAVE", "BGREWRITEAOF", "REPLICAOF", "SLAVEOF", "ACL", "MODULE", "FUNCTION", "MIGRATE", "SWAPDB", "CLUSTER", "FAILOVER", "SLOWLOG", "LATENCY", "OBJECT", "MEMORY", "INFO", "NOSUCHCOMMAND"])(
    "refuses %s: the token is not a key to the server",
    (name) => {
      expect(refusalFor([name, "x"])).toBe(`ERR Command is not allowed through the gateway: '${name.toUpperCase()}' (server administration is not available over REST)`);
    },
  );

  it("allows SCRIPT LOAD and EXISTS but not FLUSH or KILL", () => {
    expect(refusalFor(["SCRIPT", "LOAD", ALL_SCRIPTS[0]!.source])).toBeNull();
    expect(refusalFor(["script", "exists", "abc"])).toBeNull();
    expect(refusalFor(["SCRIPT", "FLUSH"])).toMatch(/'SCRIPT FLUSH' \(only LOAD, EXISTS\)/);
    expect(refusalFor(["SCRIPT", "KILL"])).toMatch(/'SCRIPT KILL'/);
  });

  it("allows the data commands the worker and its clients use", () => {
    for (const command of [["EVALSHA", ALL_SCRIPTS[0]!.sha1, "0"], ["EVAL", ALL_SCRIPTS[1]!.source, "0"], ["GET", "k"], ["SET", "k", "v"], ["ZRANGE", "z", "0", "-1"], ["ZCARD", "z"], ["XRANGE", "s", "-", "+"], ["XADD", "s", "*", "f", "v"], ["PUBLISH", "c", "m"], ["SCAN", "0"], ["PING"], ["DBSIZE"], ["BLPOP", "q", "1"]]) {
      expect(refusalFor(command), command.join(" ")).toBeNull();
    }
  });
});

describe("Lua scripts: only the ones GroupSync ships", () => {
  it.each(ALL_SCRIPTS.map((s) => [s.name, s] as const))("runs the worker's %s by source and by SHA-1, and loads it", (_name, script) => {
    expect(refusalFor(["EVAL", script.source, "0"])).toBeNull();
    expect(refusalFor(["evalsha", script.sha1.toUpperCase(), "0"])).toBeNull();
    expect(refusalFor(["SCRIPT", "LOAD", script.source])).toBeNull();
  });

  it.each(["return 1", "while true do end", "return redis.call('FLUSHALL')", `${ALL_SCRIPTS[0]!.source} `])("refuses any other script by source, SHA-1 or load (%j)", (source) => {
    for (const command of [["EVAL", source, "0"], ["EVAL_RO", source, "0"], ["EVALSHA", sha1(source), "0"], ["EVALSHA_RO", sha1(source), "0"], ["SCRIPT", "LOAD", source]]) {
      const refusal = refusalFor(command);
      expect(refusal, command[0]).toMatch(/^ERR Script is not allowed through the gateway: .* of script [0-9a-f]{40} \(only the Lua scripts GroupSync ships/);
      expect(refusal).not.toContain("NOSCRIPT");
    }
  });

  it("runs every script when told to (GATEWAY_SCRIPTS=any, for protocol tests)", () => {
    expect(refusalWith(["EVAL", "return 1", "0"], "any")).toBeNull();
  });

  it("knows the @upstash/ratelimit scripts the worker's limiter sends, as the installed library has them", () => {
    // The library's SHA-1s are the ones it sends with EVALSHA; its sources' own hashes are what EVAL and SCRIPT LOAD are checked by.
    const dist = readFileSync(createRequire(import.meta.url).resolve("@upstash/ratelimit").replace(/index\.js$/, "index.mjs"), "utf8");
    const source = (name: string) => new RegExp(`var ${name} = \`([\\s\\S]*?)\`;`).exec(dist)![1]!;
    expect(sha1(source("fixedWindowLimitScript"))).toBe(RATELIMIT_SCRIPT_SHA1S.fixedWindowLimit);
    expect(sha1(source("fixedWindowRemainingTokensScript"))).toBe(RATELIMIT_SCRIPT_SHA1S.fixedWindowRemaining);
    expect(dist).toContain(`hash: "${RATELIMIT_SCRIPT_SHA1S.fixedWindowLimit}"`);
    expect(dist).toContain(`hash: "${RATELIMIT_SCRIPT_SHA1S.fixedWindowRemaining}"`);
    for (const sha of Object.values(RATELIMIT_SCRIPT_SHA1S)) expect(refusalFor(["EVALSHA", sha, "1", "k"])).toBeNull();
  });
});

describe("isBlocking", () => {
  it("recognises blocking commands and XREAD ... BLOCK", () => {
    expect(isBlocking(["blpop", "q", "1"])).toBe(true);
    expect(isBlocking(["XREAD", "BLOCK", "100", "STREAMS", "s", "$"])).toBe(true);
    expect(isBlocking(["XREAD", "COUNT", "1", "STREAMS", "s", "0"])).toBe(false);
    expect(isBlocking(["LPOP", "q"])).toBe(false);
  });
});
