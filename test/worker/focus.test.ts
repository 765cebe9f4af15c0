import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { FocusSessionList, FocusStats, type FocusRound } from "../../shared/focus.ts";
import { putFocusDaysScript } from "../../worker/focus/focus-days-store.ts";
import { FOCUS_DAYS_VERSION, focusKeys, putTimerAndRounds } from "../../worker/focus/focus-store.ts";
import { focusStats, type GroupBy } from "../../worker/focus/focus-stats.ts";
import { mainStore } from "../../worker/storage/stores.ts";
import { call, newTeam } from "./api.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The changes a socket replays from the start of the team's feed. */
async function replayedTypes(token: string, until: (types: string[]) => boolean): Promise<string[]> {
  const res = await call(`/ws?token=${token}&last_seq=0`, { headers: { upgrade: "websocket" } });
  const ws = res.webSocket!;
  const types: string[] = [];
  ws.addEventListener("message", (event) => types.push((JSON.parse(String(event.data)) as { type: string }).type));
  ws.accept();
  for (let waited = 0; !until(types) && waited < 5000; waited += 50) await sleep(50);
  ws.close();
  return types;
}

async function sessions(t: Awaited<ReturnType<typeof newTeam>>, query = "") {
  const res = await t.get(`/focus/sessions${query}`);
  expect(res.status).toBe(200);
  return FocusSessionList.parse(res.json);
}

describe("focus history with the timer the worker keeps", () => {
  it("records a skipped and a stopped round once each, with how they ended", async () => {
    const t = await newTeam();
    await t.post("/pomo/start", { focus_minutes: 25 });
    await sleep(30);
    await t.post("/pomo/skip", undefined); // round 0 skipped: the break starts
    await t.post("/pomo/skip", undefined); // the break skipped: no round
    await sleep(30);
    await t.post("/pomo/stop", undefined); // round 1 cut by stop
    await t.post("/pomo/stop", undefined); // stopping an idle timer ends nothing
    const list = await sessions(t);
    expect(list.sessions.map((s) => [s.round, s.ended, s.recorded_by, s.term])).toEqual([[0, "skipped", "worker", 0], [1, "stopped", "worker", 0]]);
    for (const s of list.sessions) {
      expect(s.planned_ms).toBe(25 * 60_000);
      expect(s.actual_ms).toBeGreaterThanOrEqual(25);
      expect(s.actual_ms).toBeLessThan(5000);
      expect(Date.parse(s.ended_at) - Date.parse(s.started_at)).toBeGreaterThanOrEqual(s.actual_ms);
    }
    expect((await sessions(t)).sessions).toEqual(list.sessions);
  });

  it("records a round that ran out by its deadline once, however often the history is read, and the feed carries focus.completed", async () => {
    const t = await newTeam();
    await t.post("/pomo/start", { focus_minutes: 0.005, short_break_minutes: 60 }); // 300 ms of focus, then a long break
    await sleep(600);
    const first = await sessions(t);
    const second = await sessions(t);
    expect(first.sessions).toHaveLength(1);
    expect(first.sessions[0]).toMatchObject({ round: 0, ended: "completed", actual_ms: 300, planned_ms: 300 });
    expect(second.sessions).toEqual(first.sessions);
    await t.post("/pomo/skip", undefined); // the break: round 1 begins
    await t.post("/pomo/stop", undefined); // round 1 stopped at once: it began before the stop, so it counts
    const after = await sessions(t);
    expect(after.sessions.map((s) => s.ended)).toEqual(["completed", "stopped"]);
    const types = await replayedTypes(t.token, (seen) => seen.filter((x) => x === "focus.completed").length >= 2);
    expect(types.filter((x) => x === "focus.completed")).toHaveLength(2);
  });

  it("pages, filters by time and member, and refuses bad queries naming the field", async () => {
    const t = await newTeam();
    await t.post("/pomo/start", { focus_minutes: 25 });
    for (let i = 0; i < 5; i++) {
      await sleep(5);
      await t.post("/pomo/skip", undefined);
      await t.post("/pomo/skip", undefined);
    }
    const all = await sessions(t);
    expect(all.sessions.map((s) => s.round)).toEqual([0, 1, 2, 3, 4]);
    const paged = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof sessions>> = await sessions(t, `?limit=2${cursor === null ? "" : `&cursor=${cursor}`}`);
      expect(page.sessions.length).toBeLessThanOrEqual(2);
      paged.push(...page.sessions);
      cursor = page.next_cursor;
    } while (cursor !== null);
    expect(paged).toEqual(all.sessions);
    const third = all.sessions[2]!;
    expect((await sessions(t, `?from=${third.ended_at}`)).sessions.map((s) => s.round)).toEqual([2, 3, 4]);
    expect((await sessions(t, `?to=${third.ended_at}`)).sessions.map((s) => s.round)).toEqual([0, 1]);
    expect((await sessions(t, "?member=nobody")).sessions).toEqual([]);
    for (const [query, field] of [["?from=yesterday", "from"], ["?limit=0", "limit"], ["?cursor=nonsense", "cursor"], ["?colour=red", "colour"]] as const) {
      const res = await t.get(`/focus/sessions${query}`);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.json), query).toContain(field);
    }
  });

  it("keeps each team's history to itself", async () => {
    const a = await newTeam();
    const b = await newTeam();
    await a.post("/pomo/start", undefined);
    await a.post("/pomo/stop", undefined);
    expect((await sessions(b)).sessions).toEqual([]);
    expect((await call("/focus/sessions")).status).toBe(401);
  });
});

describe("a session started for a goal", () => {
  it("carries the goal in the timer and records it on each round, so stats by goal count it", async () => {
    const t = await newTeam();
    const goal = (await t.post("/goals", { title: "ship the launch" })).json as { id: string };
    const started = await t.post("/pomo/start", { focus_minutes: 25, goal: goal.id });
    expect(started.status).toBe(200);
    expect((started.json as { goal: string }).goal).toBe(goal.id);
    expect(((await t.get("/pomo/state")).json as { goal: string }).goal).toBe(goal.id);
    await sleep(10);
    await t.post("/pomo/skip", undefined);
    await t.post("/pomo/skip", undefined);
    await t.post("/pomo/stop", undefined); // round 0 skipped, round 1 stopped: both for the goal
    expect(((await t.get("/pomo/state")).json as { goal: string | null }).goal).toBeNull();
    await t.post("/pomo/start", {});
    await sleep(10);
    await t.post("/pomo/stop", undefined); // a round for no goal
    const rounds = (await sessions(t)).sessions;
    expect(rounds.map((r) => r.goal)).toEqual([goal.id, goal.id, null]);
    const byGoal = FocusStats.parse((await t.get("/focus/stats?group_by=goal")).json);
    expect(byGoal.groups.map((g) => [g.key, g.rounds])).toEqual([[goal.id, 2], [null, 1]]);
  });

  it("refuses a goal the team does not have, or an id of another form, naming the field", async () => {
    const t = await newTeam();
    const other = await newTeam();
    const theirs = (await other.post("/goals", { title: "not yours" })).json as { id: string };
    for (const goal of ["no-such-goal", theirs.id, "a/b", "x".repeat(129), 7, ""]) {
      const res = await t.post("/pomo/start", { goal });
      expect(res.status, JSON.stringify(goal)).toBe(400);
      expect(JSON.stringify(res.json), JSON.stringify(goal)).toContain('"field":"goal"');
    }
    expect(((await t.get("/pomo/state")).json as { phase: string }).phase).toBe("idle");
  });
});

describe("GET /focus/stats and the CSV exports", () => {
  it("sums what the history holds, per day, member and goal, as JSON and CSV", async () => {
    const t = await newTeam();
    await t.post("/pomo/start", { focus_minutes: 25 });
    for (let i = 0; i < 3; i++) {
      await sleep(10);
      await t.post("/pomo/skip", undefined);
      await t.post("/pomo/skip", undefined);
    }
    await t.post("/pomo/stop", undefined); // rounds 0-2 skipped, 3 stopped
    const listed = (await sessions(t)).sessions;
    expect(listed).toHaveLength(4);
    const focusMs = listed.reduce((sum, s) => sum + s.actual_ms, 0);
    const byDay = FocusStats.parse((await t.get("/focus/stats?group_by=day")).json);
    expect(byDay.total).toMatchObject({ key: null, rounds: 4, rounds_completed: 0, focus_ms: focusMs, longest_streak_days: 0, current_streak_days: 0 });
    expect(byDay.groups.map((g) => g.key)).toEqual([...new Set(listed.map((s) => s.ended_at.slice(0, 10)))]);
    const byGoal = FocusStats.parse((await t.get("/focus/stats?group_by=goal")).json);
    expect(byGoal.groups).toEqual([{ ...byDay.total }]); // every round so far is for no goal
    expect(FocusStats.parse((await t.get("/focus/stats?group_by=member")).json).groups).toEqual([]); // nobody had an agent or dashboard open

    const csv = await call("/focus/stats?group_by=day&format=csv", { headers: { authorization: `Bearer ${t.token}` } });
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trimEnd().split("\r\n");
    expect(lines[0]).toBe("day,rounds,rounds_completed,focus_ms,focus_minutes,longest_streak_days,current_streak_days");
    expect(lines.at(-1)).toBe(`total,4,0,${focusMs},${byDay.total.focus_minutes},0,0`);

    const page = await call("/focus/sessions?format=csv&limit=2", { headers: { authorization: `Bearer ${t.token}` } });
    const rows = (await page.text()).trimEnd().split("\r\n");
    expect(rows).toHaveLength(3);
    expect(rows[1]!.split(",")[0]).toBe(listed[0]!.id);
    expect(page.headers.get("next-cursor")).toBeTruthy();
  });

  it("answer what the rounds themselves give, for totals built from rounds recorded before them and kept up as rounds are recorded", async () => {
    const t = await newTeam();
    const redis = mainStore(env);
    const keys = focusKeys(t.team);
    const day = 86_400_000;
    const base = Date.UTC(2026, 5, 1);
    const round = (i: number): FocusRound => {
      const end = base + ((i * 7919) % 12) * day + ((i * 104_729) % day);
      return {
        id: `r${i}`, team: t.team, round: i % 4, started_at: new Date(end - 60_000).toISOString(), ended_at: new Date(end).toISOString(), planned_ms: 60_000, actual_ms: (i * 37) % 60_000,
        ended: (["completed", "completed", "skipped", "stopped"] as const)[i % 4]!, members: [["ana"], ["ana", "bo"], []][i % 3]!, agents: [], goal: [null, "g1", "g|2"][i % 3]!, term: 0, recorded_by: "worker",
      };
    };
    // Rounds stored as before per-day totals existed: no version key.
    for (let i = 0; i < 30; i++) {
      await redis.hset(keys.rounds, { [`r${i}`]: JSON.stringify(round(i)) });
      await redis.zadd(keys.byEnd, { score: Date.parse(round(i).ended_at), member: `r${i}` });
    }
    const all = async () => (await sessions(t, "?limit=100")).sessions;
    const check = async (query: string, groupBy: GroupBy, from: number, to: number) => {
      const res = await t.get(`/focus/stats?group_by=${groupBy}&from=${new Date(from).toISOString()}&to=${new Date(to).toISOString()}${query}`);
      expect(res.status).toBe(200);
      const mine = (await all()).filter((r) => Date.parse(r.ended_at) >= from && Date.parse(r.ended_at) < to);
      const { total, groups } = FocusStats.parse(res.json);
      expect({ total, groups }, `${groupBy} ${from}..${to}`).toEqual(focusStats(mine, groupBy, new Date(to - 1).toISOString().slice(0, 10)));
    };
    await check("", "member", base - day, base + 20 * day);
    expect(await redis.get(keys.daysVersion)).toBe(FOCUS_DAYS_VERSION);
    // Recorded from now on through the script that keeps the totals (a round already there counts once).
    for (let i = 25; i < 60; i += 5) await putTimerAndRounds(redis, t.team, null, [round(i), round(i + 1), round(i + 2), round(i + 3), round(i + 4)]);
    expect(await all()).toHaveLength(60);
    for (const groupBy of ["day", "member", "goal"] as const) {
      await check("", groupBy, base - day, base + 20 * day); // whole days only
      await check("", groupBy, base + 2 * day + 3_600_000, base + 9 * day + 7_200_000); // partial days at both ends
      await check("", groupBy, base + 4 * day + 1, base + 4 * day + 50_000_000); // within one day
    }
    // Totals counted while a round was recorded (the count no longer matches) are not stored.
    expect(await putFocusDaysScript.run(redis, [keys.rounds, keys.days, keys.daysVersion], ["0", 59])).toBe("changed");
    expect(await redis.get(keys.daysVersion)).toBe(FOCUS_DAYS_VERSION);
    // Totals of another version are built again from the rounds.
    await redis.set(keys.daysVersion, "0");
    await redis.hset(keys.days, { "2026-06-02|t|": "999 999 999" });
    await check("", "day", base - day, base + 20 * day);
    expect(await redis.get(keys.daysVersion)).toBe(FOCUS_DAYS_VERSION);
  });

  it("refuses a bad group_by or format, naming the field", async () => {
    const t = await newTeam();
    for (const [query, field] of [["?group_by=week", "group_by"], ["?format=xml", "format"], ["?to=soon", "to"]] as const) {
      const res = await t.get(`/focus/stats${query}`);
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.json), query).toContain(field);
    }
  });

  it("refuses a window whose to is not after its from, naming to (as /calendar.ics does)", async () => {
    const t = await newTeam();
    for (const path of ["/focus/stats", "/focus/sessions"]) {
      for (const [from, to] of [["2026-12-02T00:00:00.000Z", "2026-12-01T00:00:00.000Z"], ["2026-12-01T00:00:00.000Z", "2026-12-01T00:00:00.000Z"]]) {
        const res = await t.get(`${path}?from=${from}&to=${to}`);
        expect(res.status, `${path} ${from}..${to}`).toBe(400);
        expect((res.json as { error: { message: string } }).error.message).toBe(`to: must be after from (${from})`);
      }
      // A from alone later than now is an empty window, not a fault.
      expect((await t.get(`${path}?from=2099-01-01T00:00:00Z`)).status).toBe(200);
    }
  });
});
