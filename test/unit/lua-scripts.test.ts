import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ALL_SCRIPTS } from "../../worker/storage/all-scripts.ts";

describe("Lua scripts", () => {
  it.each(ALL_SCRIPTS.map((s) => [s.name, s] as const))("%s carries the SHA-1 of its source", (_name, script) => {
    const actual = createHash("sha1").update(script.source).digest("hex");
    expect(script.sha1, `update the precomputed SHA-1 of ${script.name} to ${actual}`).toBe(actual);
  });

  // Every key a script touches comes in KEYS from the worker's keys modules, never built inside Lua
  // from a prefix (which hides keys from Redis Cluster's slot check and from the keys modules).
  it.each(ALL_SCRIPTS.map((s) => [s.name, s] as const))("%s builds no key by concatenation", (_name, script) => {
    const keyArguments = [...script.source.matchAll(/redis\.call\('(\w+)',\s*([^,)]+)/g)].filter(([, command]) => command !== "PUBLISH").map(([, , key]) => key!.trim());
    expect(keyArguments.length).toBeGreaterThan(0);
    for (const key of keyArguments) expect(key, `a key built inside ${script.name}`).not.toMatch(/\.\.|prefix/);
  });

  it("have unique names", () => {
    expect(new Set(ALL_SCRIPTS.map((s) => s.name)).size).toBe(ALL_SCRIPTS.length);
  });
});
