import { describe, expect, it } from "vitest";
import { IssuedTokens } from "../../shared/teams.ts";
import { ADMIN_SECRET, call, client, newTeam } from "./api.ts";

const admin = (path: string, body: unknown, secret = ADMIN_SECRET) =>
  call(path, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("/admin", () => {
  it("creates a team and one working token per member, shown once", async () => {
    const team = `adm-${crypto.randomUUID().slice(0, 8)}`;
    const res = await admin("/admin/teams", { team, members: ["ana", "bo"] });
    expect(res.status).toBe(201);
    const issued = IssuedTokens.parse(await res.json());
    expect(Object.keys(issued.tokens).sort()).toEqual(["ana", "bo"]);
    expect(issued.tokens.ana).toMatch(/^gs_[A-Za-z0-9_-]{43}$/);
    expect((await client(issued.tokens.bo!).get("/events")).status).toBe(200);
  });

  it("refuses a team that exists, without touching its tokens", async () => {
    const t = await newTeam();
    const res = await admin("/admin/teams", { team: t.team, members: ["mallory"] });
    expect(res.status).toBe(409);
    expect(((await res.json()) as any).error.code).toBe("team_exists");
    expect((await t.get("/events")).status).toBe(200);
  });

  it("adds a member to a team, refusing a duplicate and an unknown team", async () => {
    const t = await newTeam(["ana"]);
    const res = await admin(`/admin/teams/${t.team}/members`, { member: "cy" });
    expect(res.status).toBe(201);
    const { tokens } = IssuedTokens.parse(await res.json());
    expect((await client(tokens.cy!).post("/goals", { title: "hi" })).json.created_by).toBe("cy");
    expect((await admin(`/admin/teams/${t.team}/members`, { member: "cy" })).status).toBe(409);
    expect((await admin("/admin/teams/no-such-team/members", { member: "cy" })).status).toBe(404);
  });

  it("needs the admin secret: a member token or a wrong secret gets 401", async () => {
    const t = await newTeam();
    expect((await admin("/admin/teams", { team: "x1", members: ["a"] }, "wrong")).status).toBe(401);
    expect((await admin("/admin/teams", { team: "x1", members: ["a"] }, t.token)).status).toBe(401);
    expect((await admin("/admin/teams", { team: "x1", members: ["a"] }, "")).status).toBe(401);
  });

  it.each([
    [{ team: "Has Spaces", members: ["a"] }, "team"],
    [{ team: "ok", members: [] }, "members"],
    [{ team: "ok", members: ["bad/name"] }, "members.0"],
    [{ team: "ok" }, "members"],
  ])("validates %j", async (body, field) => {
    const res = await admin("/admin/teams", body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.details.fields[0].field).toBe(field);
  });

  it("refuses a member listed twice, naming the member (each member gets one token)", async () => {
    const team = `adm-${crypto.randomUUID().slice(0, 8)}`;
    const res = await admin("/admin/teams", { team, members: ["ana", "bo", "ana"] });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error;
    expect(error.details.fields).toEqual([{ field: "members.2", message: "ana is listed more than once; list each member once" }]);
    // Nothing was created: the same name with the list fixed is a new team.
    expect((await admin("/admin/teams", { team, members: ["ana", "bo"] })).status).toBe(201);
  });
});
