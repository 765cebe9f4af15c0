import { describe, expect, it } from "vitest";
import { cachedMember, EXPIRE_MS, forgetMember, LAST_USED_EVERY_MS, lastUseDue, lookUpOnce, queueLastUse, REFRESH_AFTER_MS, rememberMember, takeLastUses } from "../../worker/auth/member-cache.ts";

const member = { team: "t", member: "ana" };

describe("member cache", () => {
  it("serves a token's member alone, then while checking it again once, and never after EXPIRE_MS (< 1 s)", () => {
    expect(EXPIRE_MS).toBeLessThan(1000);
    rememberMember("hash-1", member, 1_000);
    expect(cachedMember("hash-1", 1_000 + REFRESH_AFTER_MS - 1)).toEqual({ member, refresh: false });
    expect(cachedMember("hash-1", 1_000 + REFRESH_AFTER_MS)).toEqual({ member, refresh: true });
    // One background check at a time: the next request in the window does not start another.
    expect(cachedMember("hash-1", 1_000 + REFRESH_AFTER_MS + 1)).toEqual({ member, refresh: false });
    expect(cachedMember("hash-1", 1_000 + EXPIRE_MS)).toBeUndefined();
    expect(cachedMember("hash-1", 1_000 + 1)).toBeUndefined(); // expired entries are dropped
  });

  it("a check that found the token renews it; a revoked token is forgotten at once", () => {
    rememberMember("hash-2", member, 0);
    expect(cachedMember("hash-2", REFRESH_AFTER_MS)?.refresh).toBe(true);
    rememberMember("hash-2", member, REFRESH_AFTER_MS);
    expect(cachedMember("hash-2", REFRESH_AFTER_MS + EXPIRE_MS - 1)).toBeDefined();
    forgetMember("hash-2");
    expect(cachedMember("hash-2", REFRESH_AFTER_MS + 1)).toBeUndefined();
  });

  it("knows nothing of tokens it was not told about", () => {
    expect(cachedMember("never-seen")).toBeUndefined();
  });

  it("asks for a last-used write at most once a minute per token", () => {
    expect(lastUseDue("hash-3", 10_000)).toBe(true);
    expect(lastUseDue("hash-3", 10_000 + LAST_USED_EVERY_MS - 1)).toBe(false);
    expect(lastUseDue("hash-4", 10_001)).toBe(true);
    expect(lastUseDue("hash-3", 10_000 + LAST_USED_EVERY_MS)).toBe(true);
  });

  it("makes one store read for many lookups of one token at once, and remembers what it found", async () => {
    let reads = 0;
    let answer!: (found: typeof member | null) => void;
    const read = () => {
      reads++;
      return new Promise<typeof member | null>((resolve) => (answer = resolve));
    };
    const waiting = Array.from({ length: 500 }, () => lookUpOnce("hash-5", read, () => 5_000));
    expect(reads).toBe(1);
    answer(member);
    expect(await Promise.all(waiting)).toEqual(Array.from({ length: 500 }, () => member));
    expect(cachedMember("hash-5", 5_001)).toEqual({ member, refresh: false });
    // Once it answered, the next lookup reads again (a check, not a copy of an old answer).
    void lookUpOnce("hash-5", read);
    expect(reads).toBe(2);
    answer(null);
  });

  it("a read that fails fails every lookup waiting on it, and the next lookup reads again", async () => {
    let reads = 0;
    const failing = () => {
      reads++;
      return Promise.reject(new Error("store down"));
    };
    const results = await Promise.allSettled([lookUpOnce("hash-6", failing), lookUpOnce("hash-6", failing)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(reads).toBe(1);
    await lookUpOnce("hash-6", failing).catch(() => {});
    expect(reads).toBe(2);
  });

  it("a token forgotten (revoked) while its read is under way is not remembered by that read", async () => {
    let answer!: (found: typeof member | null) => void;
    const pending = lookUpOnce("hash-7", () => new Promise((resolve) => (answer = resolve)), () => 7_000);
    forgetMember("hash-7");
    answer(member);
    await pending;
    expect(cachedMember("hash-7", 7_001)).toBeUndefined();
  });

  it("an unknown token is not remembered", async () => {
    expect(await lookUpOnce("hash-8", async () => null)).toBeNull();
    expect(cachedMember("hash-8")).toBeUndefined();
  });

  it("batches last-used stamps: one set of fields per team, and only the first stamp schedules the write", () => {
    takeLastUses();
    expect(queueLastUse({ team: "t1", member: "ana" }, "2026-01-01T00:00:00.000Z")).toBe(true);
    expect(queueLastUse({ team: "t1", member: "bo" }, "2026-01-01T00:00:00.100Z")).toBe(false);
    expect(queueLastUse({ team: "t2", member: "cy" }, "2026-01-01T00:00:00.200Z")).toBe(false);
    expect(queueLastUse({ team: "t1", member: "ana" }, "2026-01-01T00:00:00.300Z")).toBe(false);
    expect(takeLastUses()).toEqual([
      ["t1", { ana: "2026-01-01T00:00:00.300Z", bo: "2026-01-01T00:00:00.100Z" }],
      ["t2", { cy: "2026-01-01T00:00:00.200Z" }],
    ]);
    expect(takeLastUses()).toEqual([]);
    expect(queueLastUse({ team: "t1", member: "ana" }, "2026-01-01T00:01:00.000Z")).toBe(true);
  });
});
