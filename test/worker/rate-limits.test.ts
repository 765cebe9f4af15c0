import { describe, expect, it, vi } from "vitest";
import { ErrorBody } from "../../shared/errors.ts";
import { ADMIN_SECRET, call, client, newTeam } from "./api.ts";

/**
 * Rate limits through the real worker, gateway and Redis (@upstash/ratelimit's scripts included):
 * small limits set per request, a fresh client address per test (CF-Connecting-IP, which
 * Cloudflare and the dev stack's front proxy set). Windows are fixed and aligned to their length,
 * so each test starts at the beginning of one.
 */
const WINDOW_MS = 3000;
// A test waits for a window to start, and one to end.
vi.setConfig({ testTimeout: 20_000 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const windowStart = () => sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 50);
const address = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 6)}`;

function admin(ip: string, secret: string, overrides: Record<string, string>) {
  return call("/admin/teams", { headers: { authorization: `Bearer ${secret}`, "cf-connecting-ip": ip } }, overrides);
}

/** The RateLimit header's remaining count and wait, and the policy's limit and window. */
function rateHeaders(headers: Headers) {
  const rate = /^"(\w+)";r=(\d+);t=(\d+)$/.exec(headers.get("ratelimit") ?? "");
  const policy = /^"(\w+)";q=(\d+);w=(\d+)$/.exec(headers.get("ratelimit-policy") ?? "");
  return { name: rate?.[1], remaining: Number(rate?.[2]), wait: Number(rate?.[3]), policy: policy?.[1], limit: Number(policy?.[2]), window: Number(policy?.[3]) };
}

async function expectRateLimited(res: Response, limit: string) {
  expect(res.status).toBe(429);
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(WINDOW_MS / 1000);
  expect(rateHeaders(res.headers)).toMatchObject({ name: limit, remaining: 0, wait: retryAfter, policy: limit, limit: 3, window: 3 });
  const body = ErrorBody.parse(await res.json());
  expect(body.error.code).toBe("rate_limited");
  // One sentence: who may do how much, and when to come back.
  const sentence = {
    admin_failures: `this address may send 3 wrong admin secrets per 3 s and has sent them all; retry after ${retryAfter} s`,
    token_failures: `this address may send 3 unknown tokens per 3 s and has sent them all; retry after ${retryAfter} s`,
    writes: `this member may make 3 writes per 3 s and has made them all; reads still work, and writes again after ${retryAfter} s`,
  }[limit];
  expect(body.error.message).toBe(sentence);
  expect(body.error.details).toMatchObject({ limit, max: 3, window_seconds: 3, retry_after_seconds: retryAfter });
  return retryAfter;
}

describe("wrong admin secrets, per client address", () => {
  const limits = { RATE_LIMIT_ADMIN_FAILURES: "3/3s" };

  it("answer 401 three times, then 429 with Retry-After and RateLimit headers, even for the right secret; other addresses are not affected; the next window lets it in", async () => {
    const guesser = address();
    await windowStart();
    for (let i = 0; i < 3; i++) {
      const res = await admin(guesser, `wrong-guess-${i}`, limits);
      expect(res.status, `guess ${i}`).toBe(401);
      expect(rateHeaders(res.headers)).toMatchObject({ name: "admin_failures", remaining: 2 - i });
    }
    await expectRateLimited(await admin(guesser, "wrong-guess-3", limits), "admin_failures");
    // The right secret is refused too: a 200 would tell the guesser which guess was right.
    const blocked = await admin(guesser, ADMIN_SECRET, limits);
    const wait = await expectRateLimited(blocked, "admin_failures");
    expect((await admin(address(), ADMIN_SECRET, limits)).status).toBe(200);
    await sleep(wait * 1000 + 100);
    expect((await admin(guesser, ADMIN_SECRET, limits)).status).toBe(200);
  });

  it("fails closed: with the limiter's store out of reach, admin answers 503, not an open door", async () => {
    const res = await admin(address(), ADMIN_SECRET, { ...limits, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", STORE_TIMEOUT_MS: "1000" });
    expect(res.status).toBe(503);
    expect(ErrorBody.parse(await res.json()).error.code).toBe("dependency_unavailable");
  });

  it("can be turned off (RATE_LIMIT_ADMIN_FAILURES=off)", async () => {
    const guesser = address();
    for (let i = 0; i < 5; i++) expect((await admin(guesser, "wrong", { RATE_LIMIT_ADMIN_FAILURES: "off" })).status).toBe(401);
  });
});

describe("unknown member tokens, per client address", () => {
  const limits = { RATE_LIMIT_TOKEN_FAILURES: "3/3s" };

  it("answer 401 three times, then 429; a valid token from that address is still served, and another address's guesses are counted apart", async () => {
    const t = await newTeam();
    const guesser = address();
    await windowStart();
    for (let i = 0; i < 3; i++) {
      const res = await client(`gs_guess${i}`, limits).get("/events", { "cf-connecting-ip": guesser });
      expect(res.status, `guess ${i}`).toBe(401);
      expect(res.headers.get("www-authenticate")).toContain("Bearer");
      expect(rateHeaders(res.headers)).toMatchObject({ name: "token_failures", remaining: 2 - i });
    }
    const refused = await call("/goals", { headers: { authorization: "Bearer gs_guess3", "cf-connecting-ip": guesser } }, limits);
    await expectRateLimited(refused, "token_failures");
    // A valid token is proof enough: 256 random bits cannot be guessed, so it is never locked out.
    expect((await client(t.token, limits).get("/events", { "cf-connecting-ip": guesser })).status).toBe(200);
    expect((await client("gs_other", limits).get("/events", { "cf-connecting-ip": address() })).status).toBe(401);
  });
});

describe("writes, per member", () => {
  const limits = { RATE_LIMIT_WRITES: "3/3s" };

  it("answer 429 past the limit while reads are still served and other members still write; the next window lets them write again", async () => {
    const t = await newTeam(["ana", "bo"]);
    const ana = client(t.tokens.ana!, limits);
    await windowStart();
    for (let i = 0; i < 3; i++) {
      const res = await ana.post("/goals", { title: `goal ${i}` });
      expect(res.status, `write ${i}`).toBe(201);
      expect(rateHeaders(res.headers)).toMatchObject({ name: "writes", remaining: 2 - i, policy: "writes", limit: 3, window: 3 });
    }
    const refused = await call("/goals", { method: "POST", headers: { authorization: `Bearer ${t.tokens.ana}`, "content-type": "application/json" }, body: JSON.stringify({ title: "one too many" }) }, limits);
    const wait = await expectRateLimited(refused, "writes");
    // Refused before the write: nothing was stored.
    const read = await ana.get("/goals");
    expect(read.status).toBe(200);
    expect(read.json.goals.map((g: { title: string }) => g.title).sort()).toEqual(["goal 0", "goal 1", "goal 2"]);
    expect((await ana.get("/events")).status).toBe(200);
    expect((await client(t.tokens.bo!, limits).post("/goals", { title: "bo's" })).status).toBe(201);
    await sleep(wait * 1000 + 100);
    expect((await ana.post("/goals", { title: "next window" })).status).toBe(201);
  });

  it("fail open: with the limiter's store out of reach, a member whose token is known goes on writing to a store that is up", async () => {
    const t = await newTeam();
    const real = client(t.token, limits);
    expect((await real.get("/goals")).status).toBe(200); // the isolate now knows the token
    const { env } = await import("cloudflare:workers");
    const mainDown = { ...limits, UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", GOALS_REDIS_REST_URL: env.UPSTASH_REDIS_REST_URL!, GOALS_REDIS_REST_TOKEN: env.UPSTASH_REDIS_REST_TOKEN!, STORE_TIMEOUT_MS: "1000" };
    const res = await client(t.token, mainDown).post("/goals", { title: "written without a limiter" });
    expect(res.status).toBe(201);
    expect(res.headers.get("ratelimit")).toBeNull();
  });
});
