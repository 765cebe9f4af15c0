import { describe, expect, it } from "vitest";
import { dependencyFailure, dependencyOutage, WriteOutcomeUnknown } from "../../worker/storage/dependency-failure.ts";

/** As @upstash/redis builds them: the server's error text, then the command. */
function upstashError(text: string): Error {
  const error = new Error(`${text}, command was: [["get","k"]]`);
  error.name = "UpstashError";
  return error;
}

describe("dependencyFailure", () => {
  it.each([
    ["the gateway saying Redis is down", upstashError("Redis at redis://127.0.0.1:6380/ is unreachable")],
    ["the gateway timing out", upstashError("Redis did not answer within 10000 ms")],
    ["Redis loading its AOF after a restart", upstashError("LOADING Redis is loading the dataset in memory")],
    ["Redis out of memory", upstashError("OOM command not allowed when used memory > 'maxmemory'")],
    ["a wrong token", upstashError("Unauthorized")],
    ["a network failure", new TypeError("fetch failed")],
    ["workerd losing the connection", new Error("Network connection lost.")],
  ])("counts %s as an outage (503)", (_name, error) => {
    expect(dependencyFailure(error)).not.toBeNull();
  });

  it.each([
    ["a Redis command error", upstashError("ERR wrong number of arguments for 'get' command")],
    ["a type error in Redis", upstashError("WRONGTYPE Operation against a key holding the wrong kind of value")],
    ["a Lua error", upstashError("ERR user_script:3: attempt to compare nil with number")],
    ["a plain bug", new Error("undefined is not a function")],
    ["not an error at all", "oops"],
  ])("counts %s as a bug (500)", (_name, error) => {
    expect(dependencyFailure(error)).toBeNull();
  });

  it.each([
    ["Redis loading its AOF", upstashError("LOADING Redis is loading the dataset in memory"), "no"],
    ["Redis busy with a script", upstashError("BUSY Redis is busy running a script"), "no"],
    ["the gateway without a connection to Redis", upstashError("Redis at redis://127.0.0.1:6380/ is unreachable"), "no"],
    ["a refused connection", new Error("connect ECONNREFUSED 127.0.0.1:8079"), "no"],
    ["the gateway timing out", upstashError("Redis did not answer within 10000 ms"), "maybe"],
    ["the connection to Redis lost mid-command", upstashError("Redis is unreachable: Socket closed unexpectedly"), "maybe"],
    ["workerd losing the connection", new Error("Network connection lost."), "maybe"],
    ["the worker's own timeout", Object.assign(new Error("The operation timed out"), { name: "TimeoutError" }), "maybe"],
  ])("says whether the store may have run the command: %s", (_name, error, ran) => {
    expect(dependencyOutage(error)?.ran).toBe(ran);
  });

  it.each([
    ["the gateway without a connection to Redis", upstashError("Redis at redis://gateway:***@127.0.0.1:6380 is unreachable"), "the store is unavailable (the gateway cannot reach Redis)"],
    ["the connection lost mid-command", upstashError("Redis is unreachable: Socket closed unexpectedly by 10.1.2.3:6380"), "the store is unavailable (the gateway lost its connection to Redis)"],
    ["Redis loading", upstashError("LOADING Redis is loading the dataset in memory"), "the store is unavailable (Redis answered LOADING)"],
    ["a wrong token", upstashError("Unauthorized"), "the store is unavailable (the gateway refused the worker's credentials)"],
    ["an unknown proxy page", upstashError("<html>502 Bad Gateway at lb-7.internal</html>"), "the store is unavailable"],
  ])("tells the client no address, user or raw reply: %s", (_name, error, reason) => {
    expect(dependencyOutage(error)?.reason).toBe(reason);
  });

  it("a write whose outcome is unknown is an outage that may have run", () => {
    const error = new WriteOutcomeUnknown("put_event", upstashError("Redis did not answer within 10000 ms"));
    expect(dependencyOutage(error)).toEqual({ reason: "the store is unavailable (Redis did not answer within 10000 ms)", ran: "maybe" });
  });
});
