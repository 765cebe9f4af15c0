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

  it("refuses CLIENT REPLY but allows other CLIENT subcommands", () => {
    expect(refusalFor(["CLIENT", "REPLY", "OFF"])).not.toBeNull();
    expect(refusalFor(["CLIENT", "ID"])).toBeNull();
  });

  it("allows ordinary commands", () => {
    expect(refusalFor(["EVALSHA", "abc", "0"])).toBeNull();
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
