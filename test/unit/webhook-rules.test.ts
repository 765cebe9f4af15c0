import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { DEVELOPMENT_WEBHOOK_SECRETS_KEY, parseConfig } from "../../worker/env.ts";
import { backlogProblem, decideAfterAttempt, MAX_BACKLOG } from "../../worker/webhooks/delivery-rules.ts";
import { endpointUrlProblem } from "../../worker/webhooks/endpoint-url.ts";
import { normalizedEvents, wantsEvent } from "../../worker/webhooks/event-filter.ts";
import { JITTER, MAX_ATTEMPTS, RETRY_DELAYS_IN_UNITS, retryDelayMs } from "../../worker/webhooks/retry-schedule.ts";
import { openSecret, sealSecret } from "../../worker/webhooks/secret-box.ts";
import { newSigningSecret, signatureHeader } from "../../worker/webhooks/signature.ts";

const HOUR = 3_600_000;
const lowest = () => 0;
const highest = () => 0.999999;

describe("the retry schedule", () => {
  it("is the spec's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then none", () => {
    const mid = () => 0.5; // no jitter
    expect(Array.from({ length: MAX_ATTEMPTS }, (_, i) => retryDelayMs(i + 1, 1000, mid))).toEqual([5000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000, null]);
  });

  it("spans at least 24 h even when every delay is jittered to its shortest, and stays within ±10%", () => {
    const total = (random: () => number) => RETRY_DELAYS_IN_UNITS.reduce((sum, _, i) => sum + retryDelayMs(i + 1, 1000, random)!, 0);
    expect(total(lowest)).toBeGreaterThanOrEqual(24 * HOUR);
    expect(total(lowest)).toBeCloseTo(total(() => 0.5) * (1 - JITTER), -3);
    expect(total(highest)).toBeCloseTo(total(() => 0.5) * (1 + JITTER), -3);
  });

  it("counts in the configured unit, so tests compress 24 h into seconds", () => {
    expect(retryDelayMs(2, 1, () => 0.5)).toBe(300);
    expect(retryDelayMs(3, 1, lowest)).toBe(1620);
  });

  it("refuses a failure count below 1", () => {
    expect(() => retryDelayMs(0, 1000, lowest)).toThrow(RangeError);
  });
});

describe("what follows an attempt", () => {
  const decide = (result: Parameters<typeof decideAfterAttempt>[0], failedBefore = 0) => decideAfterAttempt(result, failedBefore, 1_000_000, 1000, () => 0.5);

  it("any 2xx delivers", () => {
    expect(decide({ status: 200 })).toEqual({ kind: "delivered" });
    expect(decide({ status: 204 })).toEqual({ kind: "delivered" });
  });

  it("410 disables at once, whatever the schedule says", () => {
    expect(decide({ status: 410 })).toEqual({ kind: "disable", reason: "the receiver answered 410 Gone" });
  });

  it("other statuses, redirects and no answer retry on the schedule", () => {
    expect(decide({ status: 500 })).toEqual({ kind: "retry", atMs: 1_005_000 });
    expect(decide({ status: 302 }, 1)).toEqual({ kind: "retry", atMs: 1_300_000 });
    expect(decide({ error: "no answer within 15000 ms" }, 2)).toEqual({ kind: "retry", atMs: 2_800_000 });
  });

  it("disables once the schedule is used up, saying why", () => {
    expect(decide({ status: 503 }, MAX_ATTEMPTS - 1)).toEqual({ kind: "disable", reason: `all ${MAX_ATTEMPTS} attempts at one change failed; the last: HTTP 503` });
    expect(decide({ error: "could not reach it: refused" }, MAX_ATTEMPTS - 1)).toMatchObject({ kind: "disable", reason: expect.stringContaining("could not reach it: refused") });
  });

  it("disables an endpoint further behind than the backlog keeps", () => {
    expect(backlogProblem(1, MAX_BACKLOG)).toBeNull();
    expect(backlogProblem(1, MAX_BACKLOG + 1)).toBe(`${MAX_BACKLOG + 1} changes were waiting for it (at most ${MAX_BACKLOG} are kept per endpoint)`);
  });
});

describe("event filters", () => {
  it('"*" wants everything, a list only what it names', () => {
    expect(wantsEvent(["*"], "timer.state")).toBe(true);
    expect(wantsEvent(["event.created", "goal.deleted"], "goal.deleted")).toBe(true);
    expect(wantsEvent(["event.created"], "event.updated")).toBe(false);
  });

  it("are stored without duplicates, and as just * when it is listed", () => {
    expect(normalizedEvents(["goal.updated", "event.created", "goal.updated"])).toEqual(["event.created", "goal.updated"]);
    expect(normalizedEvents(["event.created", "*"])).toEqual(["*"]);
  });
});

describe("endpoint URLs", () => {
  it("accepts public http and https URLs", () => {
    for (const url of ["https://example.com/hooks", "http://hooks.example.org:8080/x?y=1", "https://[2606:4700::1111]/"]) expect(endpointUrlProblem(url, true)).toBeNull();
  });

  it("refuses other schemes, credentials, fragments and what is not a URL", () => {
    expect(endpointUrlProblem("ftp://example.com/", true)).toBe("must be http or https, not ftp");
    expect(endpointUrlProblem("javascript:alert(1)", true)).toBe("must be http or https, not javascript");
    expect(endpointUrlProblem("https://u:p@example.com/", true)).toMatch(/user name or password/);
    expect(endpointUrlProblem("https://example.com/#x", true)).toMatch(/fragment/);
    expect(endpointUrlProblem("example.com/hooks", true)).toMatch(/not a URL/);
    expect(endpointUrlProblem(`https://example.com/${"a".repeat(2000)}`, true)).toMatch(/at most 2000/);
    for (const url of [" https://example.com/", "https://example.com/ ", "https://exa\nmple.com/", "https://example.com/\tx", "https://example.com/\u0000"]) {
      expect(endpointUrlProblem(url, true), JSON.stringify(url)).toBe("must not contain spaces or control characters");
    }
  });

  it("in production refuses loopback, private, link-local and internal names (SSRF), in any spelling", () => {
    const internal = [
      "http://127.0.0.1:8080/", "http://localhost/", "http://api.localhost/", "http://2130706433/", "http://0x7f.1/", "http://[::1]/",
      "http://10.1.2.3/", "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.1.1/", "http://169.254.169.254/latest/meta-data",
      "http://100.64.0.1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.0.0.1]/", "http://[fd00::1]/", "http://[fe80::1]/",
      "http://printer.local/", "http://metadata.google.internal/", "http://intranet/",
    ];
    for (const url of internal) expect(endpointUrlProblem(url, true), url).toMatch(/must not point at a (loopback|private) address/);
    expect(endpointUrlProblem("http://172.32.0.1/", true)).toBeNull();
  });

  it("in development allows loopback, so a local receiver works, but still no private ranges", () => {
    expect(endpointUrlProblem("http://127.0.0.1:8080/", false)).toBeNull();
    expect(endpointUrlProblem("http://localhost:8080/", false)).toBeNull();
    expect(endpointUrlProblem("http://[::1]:8080/", false)).toBeNull();
    expect(endpointUrlProblem("http://10.0.0.1/", false)).toMatch(/private/);
  });
});

describe("signatures", () => {
  it("verify with the standardwebhooks package, and fail on any change", async () => {
    const secret = newSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: "event.created", timestamp: "2026-12-01T10:00:00Z", data: { seq: 1 } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { "webhook-id": "msg_team_1", "webhook-timestamp": String(timestamp), "webhook-signature": await signatureHeader(secret, "msg_team_1", timestamp, body) };
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace("1}", "2}"), headers)).toThrow();
    expect(() => new Webhook(newSigningSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, "webhook-id": "msg_team_2" })).toThrow();
  });
});

describe("stored secrets", () => {
  it("open with the same key for the same owner only", async () => {
    const box = await sealSecret("a-key-of-at-least-thirty-two-characters", "whsec_abc", "team/wh_1");
    expect(box).not.toContain("whsec_abc");
    expect(await openSecret("a-key-of-at-least-thirty-two-characters", box, "team/wh_1")).toBe("whsec_abc");
    await expect(openSecret("another-key-of-at-least-thirty-two-chars", box, "team/wh_1")).rejects.toThrow();
    await expect(openSecret("a-key-of-at-least-thirty-two-characters", box, "team/wh_2")).rejects.toThrow();
  });
});

describe("webhook settings", () => {
  it("default to seconds, 15 s and a look at the feed every 30 s; the unit may be a fraction of a ms and the look sooner outside production, not in production whatever they say", () => {
    expect(parseConfig({ GROUPSYNC_ENV: "development" }).webhooks).toEqual({ secretsKey: DEVELOPMENT_WEBHOOK_SECRETS_KEY, retryUnitMs: 1000, timeoutMs: 15_000, catchUpEveryMs: 30_000 });
    expect(parseConfig({ GROUPSYNC_ENV: "test", WEBHOOK_CATCH_UP_EVERY: "2s" }).webhooks.catchUpEveryMs).toBe(2000);
    expect(parseConfig({ WEBHOOK_CATCH_UP_EVERY: "2s" }).webhooks.catchUpEveryMs).toBe(30_000);
    expect(parseConfig({ GROUPSYNC_ENV: "test", WEBHOOK_RETRY_UNIT: "0.1ms", WEBHOOK_TIMEOUT: "2s" }).webhooks).toMatchObject({ retryUnitMs: 0.1, timeoutMs: 2000 });
    expect(parseConfig({ GROUPSYNC_ENV: "test", WEBHOOK_RETRY_UNIT: "10ms" }).webhooks.retryUnitMs).toBe(10);
    expect(parseConfig({ WEBHOOK_RETRY_UNIT: "1ms", WEBHOOK_CATCH_UP_EVERY: "1s", WEBHOOK_SECRETS_KEY: "k".repeat(32) }).webhooks).toEqual({ secretsKey: "k".repeat(32), retryUnitMs: 1000, timeoutMs: 15_000, catchUpEveryMs: 30_000 });
  });

  it("production has no secrets key unless one is set", () => {
    expect(parseConfig({}).webhooks.secretsKey).toBeUndefined();
  });
});
