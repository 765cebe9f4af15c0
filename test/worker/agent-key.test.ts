import { describe, expect, it } from "vitest";
import { call, client, newTeam } from "./api.ts";

/** GET/PUT /team/agent-key: the key the team's agents prove to the hub, for members of that team only. */
describe("/team/agent-key", () => {
  it("needs a member token", async () => {
    expect((await call("/team/agent-key")).status).toBe(401);
    const wrong = await client("gs_not-a-token").get("/team/agent-key");
    expect(wrong.status).toBe(401);
    expect(wrong.json.error.code).toBe("unauthorized");
    expect((await client("gs_not-a-token").put("/team/agent-key", { team_key: "a-strong-enough-key-0123456789" })).status).toBe(401);
  });

  it("is made on first use: 32 random bytes, the same for every member of the team, never cached, another team's differs", async () => {
    const t = await newTeam(["ana", "bo"]);
    const first = await t.get("/team/agent-key");
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-store");
    expect(first.json.team_key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await t.as("bo").get("/team/agent-key")).json.team_key).toBe(first.json.team_key);
    const other = await newTeam(["cy"]);
    expect((await other.get("/team/agent-key")).json.team_key).not.toBe(first.json.team_key);
  });

  it("is made once when many members ask at the same time", async () => {
    const t = await newTeam(["ana", "bo"]);
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => t.as(i % 2 === 0 ? "ana" : "bo").get("/team/agent-key")));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((a) => a.json.team_key)).size).toBe(1);
  });

  it("PUT gives the worker the team's own key; a weak or missing one is a 400 naming team_key", async () => {
    const t = await newTeam();
    const loneSurrogates = Array.from({ length: 16 }, (_, i) => String.fromCharCode(0xd800 + i)).join("");
    const controls = Array.from({ length: 16 }, (_, i) => String.fromCharCode(1 + i)).join("");
    const nuls = "\u0000".repeat(8) + "abcdefgh";
    for (const body of [{}, { team_key: "short" }, { team_key: "aaaaaaaaaaaaaaaaaaaaaaaa" }, { team_key: 42 }, { team_key: loneSurrogates }, { team_key: controls }, { team_key: nuls }, { team_key: "0123456789abcdef".repeat(125) }]) {
      const res = await t.put("/team/agent-key", body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.json.error.details.fields[0].field).toBe("team_key");
    }
    expect((await t.put("/team/agent-key", { team_key: "our-own-key-0123456789abcdef", extra: 1 })).status).toBe(400);
    const put = await t.put("/team/agent-key", { team_key: "our-own-key-0123456789abcdef" });
    expect(put.status).toBe(200);
    expect(put.headers.get("cache-control")).toBe("no-store");
    expect((await t.as("bo").get("/team/agent-key")).json.team_key).toBe("our-own-key-0123456789abcdef");
  });

  it("PUT with If-None-Match: * sets the key only while the team has none", async () => {
    const t = await newTeam();
    const offered = await t.put("/team/agent-key", { team_key: "first-agents-key-0123456789" }, { "if-none-match": "*" });
    expect(offered.status).toBe(200);
    const second = await t.put("/team/agent-key", { team_key: "second-agents-key-0123456789" }, { "if-none-match": "*" });
    expect(second.status).toBe(412);
    expect(second.json.error.code).toBe("precondition_failed");
    expect((await t.get("/team/agent-key")).json.team_key).toBe("first-agents-key-0123456789");
  });
});
