import { describe, expect, it } from "vitest";
import { parseConfig } from "../../worker/env.ts";
import { clientAddress } from "../../worker/limits/client-address.ts";
import { parseQuota, parseRate } from "../../worker/limits/rate.ts";
import { rateLimitHeaders } from "../../worker/limits/rate-limiter.ts";

describe("parseRate", () => {
  it.each([
    ["10/1m", { limit: 10, windowMs: 60_000 }],
    [" 300 / 1m ", { limit: 300, windowMs: 60_000 }],
    ["5/10s", { limit: 5, windowMs: 10_000 }],
    ["1/500ms", { limit: 1, windowMs: 500 }],
    ["100/1h30m", { limit: 100, windowMs: 5_400_000 }],
  ])("reads %j", (text, rate) => {
    expect(parseRate(text)).toEqual(rate);
  });

  it("reads off (any case) as no limit", () => {
    expect(parseRate("off")).toBeNull();
    expect(parseRate("OFF")).toBeNull();
  });

  it.each([
    ["10", /not a rate/],
    ["ten/1m", /not a rate/],
    ["10/minute", /window "minute" that is not a duration/],
    ["0/1m", /allows no request/],
    ["-1/1m", /not a rate/],
    ["10/0s", /shorter than 1 ms/],
  ])("says what is wrong with %j", (text, problem) => {
    const parsed = parseRate(text);
    expect(parsed).toHaveProperty("problem");
    expect((parsed as { problem: string }).problem).toMatch(problem);
  });
});

describe("parseQuota", () => {
  it("reads a count of 1 or more, or off", () => {
    expect(parseQuota("10000")).toBe(10_000);
    expect(parseQuota(" 1 ")).toBe(1);
    expect(parseQuota("off")).toBeNull();
  });

  it.each(["0", "-5", "1.5", "many", "1e3", ""])("refuses %j", (text) => {
    expect(parseQuota(text)).toEqual({ problem: "must be a whole number of 1 or more, or off" });
  });
});

describe("clientAddress", () => {
  it("is the IPv4 address as sent, or unknown without one", () => {
    expect(clientAddress("203.0.113.7")).toBe("203.0.113.7");
    expect(clientAddress(" 203.0.113.7 ")).toBe("203.0.113.7");
    expect(clientAddress(undefined)).toBe("unknown");
    expect(clientAddress("")).toBe("unknown");
  });

  it("counts an IPv6 client by its /64, however the address is written", () => {
    const net = "2001:db8:1:2::/64";
    for (const ip of ["2001:db8:1:2::1", "2001:0db8:0001:0002:ffff:ffff:ffff:ffff", "2001:db8:1:2:0:0:0:9", "[2001:db8:1:2::1]", "2001:db8:1:2::1%eth0", "2001:db8:1:2::ffff:1.2.3.4"]) {
      expect(clientAddress(ip), ip).toBe(net);
    }
    expect(clientAddress("2001:db8:1:3::1")).toBe("2001:db8:1:3::/64");
    expect(clientAddress("::1")).toBe("0:0:0:0::/64");
  });

  it("keeps text that is no address as it is (it still counts, under its own name)", () => {
    expect(clientAddress("1:2:3")).toBe("1:2:3");
    expect(clientAddress("1::2::3")).toBe("1::2::3");
  });
});

describe("rateLimitHeaders", () => {
  const verdict = { name: "writes" as const, limit: 300, remaining: 12, windowMs: 60_000, resetAt: 1_000_000 + 20_500 };

  it("gives the policy and where the caller stands, the wait rounded up", () => {
    expect(rateLimitHeaders({ ...verdict, allowed: true }, 1_000_000)).toEqual({ "RateLimit-Policy": '"writes";q=300;w=60', RateLimit: '"writes";r=12;t=21' });
  });

  it("adds Retry-After to a refusal, never below 1 s", () => {
    expect(rateLimitHeaders({ ...verdict, allowed: false, remaining: 0 }, 1_000_000)).toMatchObject({ RateLimit: '"writes";r=0;t=21', "Retry-After": "21" });
    expect(rateLimitHeaders({ ...verdict, allowed: false, remaining: 0, resetAt: 1_000_000 }, 1_000_000)["Retry-After"]).toBe("1");
  });
});

describe("the limits' settings", () => {
  it("have the documented defaults", () => {
    const config = parseConfig({});
    expect(config.rateLimits).toEqual({
      admin_failures: { limit: 10, windowMs: 60_000 },
      token_failures: { limit: 30, windowMs: 60_000 },
      writes: { limit: 300, windowMs: 60_000 },
    });
    expect(config.quotas).toEqual({ events: 10_000, goals: 1000, open_transactions: 100 });
  });

  it("take values and off; empty means the default", () => {
    const config = parseConfig({ RATE_LIMIT_WRITES: "5/10s", RATE_LIMIT_TOKEN_FAILURES: "off", RATE_LIMIT_ADMIN_FAILURES: "", QUOTA_GOALS: "off", QUOTA_EVENTS: "20" });
    expect(config.rateLimits).toMatchObject({ writes: { limit: 5, windowMs: 10_000 }, token_failures: null, admin_failures: { limit: 10 } });
    expect(config.quotas).toMatchObject({ goals: null, events: 20 });
  });

  it("name the setting that is wrong", () => {
    expect(() => parseConfig({ RATE_LIMIT_WRITES: "300" })).toThrow(/^RATE_LIMIT_WRITES is "300", which is not a rate/);
    expect(() => parseConfig({ QUOTA_OPEN_TRANSACTIONS: "-1" })).toThrow(/^QUOTA_OPEN_TRANSACTIONS is "-1"; it must be a whole number/);
  });
});
