import { describe, expect, it } from "vitest";
import { cachedMember, EXPIRE_MS, forgetMember, LAST_USED_EVERY_MS, lastUseDue, REFRESH_AFTER_MS, rememberMember } from "../../worker/auth/member-cache.ts";

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
});
