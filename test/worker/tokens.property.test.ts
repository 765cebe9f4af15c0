import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ADMIN_SECRET, call, newTeam } from "./api.ts";

/**
 * Random requests at the token routes (admin and /me/token): hostile team and member names,
 * bodies, Authorization and Idempotency-Key headers. Never a 5xx, and a member of another team
 * keeps a working token throughout (nothing random reaches outside the team it names).
 */
const hostile = fc.oneof(fc.string(), fc.constantFrom("", "ana", "bo", "local", "..", "a%2Fb", "%00", "x".repeat(80), "Ana", "😀"));
const method = fc.oneof({ arbitrary: fc.constantFrom("GET", "POST", "DELETE"), weight: 6 }, { arbitrary: fc.constantFrom("PUT", "PATCH"), weight: 1 });
const body = fc.oneof(fc.constant(undefined), fc.json(), fc.string(), fc.constantFrom("{}", '{"member":"cy"}', '{"member":""}', '{"team":"x","members":["a"]}', "{"));
const authorization = fc.oneof(
  { arbitrary: fc.constant(`Bearer ${ADMIN_SECRET}`), weight: 6 },
  { arbitrary: fc.oneof(fc.constant(undefined), fc.string(), fc.constantFrom("Bearer", "Basic abc", `Bearer ${ADMIN_SECRET}, Bearer x`, "Bearer gs_nope")), weight: 1 },
);
const idemKey = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 300 }), fc.constantFrom("k1", "k2"));

describe("token routes under random input", () => {
  it("never answer 5xx, and leave other teams' tokens working", async () => {
    const bystander = await newTeam(["zoe"]);
    const target = await newTeam(["ana", "bo"]);
    const path = fc.oneof(
      fc.constant("/admin/teams"),
      fc.constant("/me/token"),
      fc.tuple(fc.oneof(fc.constant(target.team), hostile), fc.constantFrom("", "/members", "/members/")).map(([team, rest]) => `/admin/teams/${encodeURIComponent(team)}${rest}`),
      fc
        .tuple(fc.oneof(fc.constant(target.team), hostile), fc.oneof(fc.constantFrom("ana", "bo", "cy"), hostile), fc.constantFrom("", "/token"))
        .map(([team, member, rest]) => `/admin/teams/${encodeURIComponent(team)}/members/${encodeURIComponent(member)}${rest}`),
      fc.tuple(fc.constantFrom("cursor", "limit", "x"), fc.string()).map(([name, value]) => `/admin/teams?${name}=${encodeURIComponent(value)}`),
    );
    await fc.assert(
      fc.asyncProperty(method, path, body, authorization, idemKey, async (m, p, b, auth, key) => {
        const headers: Record<string, string> = {};
        if (auth !== undefined) headers.authorization = auth;
        if (key !== undefined) headers["idempotency-key"] = key;
        let res: Response;
        try {
          res = await call(p, { method: m, headers, body: m === "GET" ? undefined : b });
        } catch (error) {
          // The test's own Request cannot carry this header value (not a worker answer).
          if (error instanceof TypeError) return;
          throw error;
        }
        await res.body?.cancel();
        expect(res.status, `${m} ${p}`).toBeLessThan(500);
      }),
      { numRuns: 1000 },
    );
    expect((await bystander.get("/events")).status).toBe(200);
  });
});
