import { describe, expect, it } from "vitest";
import { cachedMember, rememberMember } from "../../worker/auth/member-cache.ts";

describe("member cache", () => {
  it("remembers a token's member for 30 s, then asks the store again", () => {
    const member = { team: "t", member: "ana" };
    rememberMember("hash-1", member, 1_000);
    expect(cachedMember("hash-1", 1_000 + 29_999)).toEqual(member);
    expect(cachedMember("hash-1", 1_000 + 30_000)).toBeUndefined();
    expect(cachedMember("hash-1", 1_000 + 1)).toBeUndefined(); // expired entries are dropped
  });

  it("knows nothing of tokens it was not told about", () => {
    expect(cachedMember("never-seen")).toBeUndefined();
  });
});
