import { describe, expect, it } from "vitest";
import { isBlocking, parseCommand, parseCommandList, refusalFor } from "../../gateway/command-policy.ts";

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
    expect(refusalFor(["SCRIPT", "LOAD", "return 1"])).toBeNull();
    expect(refusalFor(["script", "exists", "abc"])).toBeNull();
    expect(refusalFor(["SCRIPT", "FLUSH"])).toMatch(/'SCRIPT FLUSH' \(only LOAD, EXISTS\)/);
    expect(refusalFor(["SCRIPT", "KILL"])).toMatch(/'SCRIPT KILL'/);
  });

  it("allows the data commands the worker and its clients use", () => {
    for (const command of [["EVALSHA", "abc", "0"], ["EVAL", "return 1", "0"], ["GET", "k"], ["SET", "k", "v"], ["ZRANGE", "z", "0", "-1"], ["ZCARD", "z"], ["XRANGE", "s", "-", "+"], ["XADD", "s", "*", "f", "v"], ["PUBLISH", "c", "m"], ["SCAN", "0"], ["PING"], ["DBSIZE"], ["BLPOP", "q", "1"]]) {
      expect(refusalFor(command), command.join(" ")).toBeNull();
    }
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
