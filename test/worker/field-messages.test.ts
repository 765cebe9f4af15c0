import { describe, expect, it } from "vitest";
import { ADMIN_SECRET, call, newTeam } from "./api.ts";

/** Messages an outside tester found confusing (issue #15): each says what is wrong, once. */
const adminPost = (path: string, body: unknown) =>
  call(path, { method: "POST", headers: { authorization: `Bearer ${ADMIN_SECRET}`, "content-type": "application/json" }, body: JSON.stringify(body) });
const messageOf = async (res: Response) => ((await res.json()) as { error: { message: string } }).error.message;

describe("name rules", () => {
  it.each([["-"], ["_"], ["."], ["-a"]])("a member named %j is refused because of how it starts", async (member) => {
    const res = await adminPost("/admin/teams", { team: `t-${crypto.randomUUID().slice(0, 8)}`, members: [member] });
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toBe("members.0: must start with a letter or digit");
  });

  it("a team named -a likewise; a bad character is named; the rule itself for an empty or long name", async () => {
    const team = async (name: string) => messageOf(await adminPost("/admin/teams", { team: name, members: ["ana"] }));
    expect(await team("-a")).toBe("team: must start with a lowercase letter or digit");
    expect(await team("acme_x")).toBe(`team: must be 1-63 lowercase letters, digits or '-', starting with a lowercase letter or digit; "_" is not one`);
    expect(await team("")).toBe("team: must be 1-63 lowercase letters, digits or '-', starting with a lowercase letter or digit");
    expect(await team("a".repeat(64))).toBe("team: must be at most 63 characters");
    const member = await adminPost(`/admin/teams/t-${crypto.randomUUID().slice(0, 8)}/members`, { member: ".x" });
    expect(await messageOf(member)).toBe("member: must start with a letter or digit");
  });

  it("6000 members at creation: the limit in plain words, and where more go", async () => {
    const members = Array.from({ length: 6000 }, (_, i) => `m${i}`);
    const res = await adminPost("/admin/teams", { team: `t-${crypto.randomUUID().slice(0, 8)}`, members });
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toBe("members: names 6000 members; at most 100 can be named when a team is created (add more with POST /admin/teams/{team}/members)");
  });
});

describe("one message per field", () => {
  it("a goal's progress of 1e308 is told once", async () => {
    const t = await newTeam();
    const res = await t.post("/goals", { title: "huge", progress: 1e308 });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toBe("progress: must be from 0 to 100");
    expect(res.json.error.details.fields).toHaveLength(1);
  });

  it("/ws?last_seq=99999999999999999999 is told once, with the bound", async () => {
    const t = await newTeam();
    const res = await call(`/ws?token=${t.token}&last_seq=99999999999999999999`, { headers: { upgrade: "websocket" } });
    expect(res.status).toBe(400);
    expect(await messageOf(res)).toBe("last_seq: must be at most 9007199254740991");
  });
});

describe("two credentials", () => {
  it("/calendar.ics and /ws with both ?token= and Authorization: Bearer are 400 naming both, not one member's feed", async () => {
    const a = await newTeam(["ana"]);
    const b = await newTeam(["bo"]);
    for (const path of [`/calendar.ics?token=${a.token}`, `/ws?token=${a.token}`]) {
      const res = await call(path, { headers: { authorization: `Bearer ${b.token}`, upgrade: "websocket" } });
      expect(res.status, path).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; details: unknown } };
      expect(error.message).toBe("send one credential: both an Authorization header and ?token= were given; drop one of them");
      expect(error.details).toEqual({ credentials: ["Authorization", "token"] });
    }
    // Either alone still works.
    expect((await call(`/calendar.ics?token=${a.token}`)).status).toBe(200);
    expect((await call("/calendar.ics", { headers: { authorization: `Bearer ${b.token}` } })).status).toBe(200);
  });
});
