import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ALL_SCRIPTS } from "../../worker/storage/all-scripts.ts";

describe("Lua scripts", () => {
  it.each(ALL_SCRIPTS.map((s) => [s.name, s] as const))("%s carries the SHA-1 of its source", (_name, script) => {
    const actual = createHash("sha1").update(script.source).digest("hex");
    expect(script.sha1, `update the precomputed SHA-1 of ${script.name} to ${actual}`).toBe(actual);
  });

  it("have unique names", () => {
    expect(new Set(ALL_SCRIPTS.map((s) => s.name)).size).toBe(ALL_SCRIPTS.length);
  });
});
