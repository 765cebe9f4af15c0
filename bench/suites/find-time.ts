import { httpSender, percentile, type LoadResult } from "../load.ts";
import { checkBelow, round, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext, Check } from "../run.ts";
import { median } from "../load.ts";
import { sideBySide } from "../side-by-side.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MEMBERS = 20;
const EVENTS_PER_MEMBER = 200;
const SERIES_PER_MEMBER = 5;
const WINDOW_DAYS = 90;
const ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Europe/Helsinki"];

/**
 * POST /find-time (issue #17) for 20 members over 90 days, each with 200 events and 5 weekly
 * series on their personal calendar and 09:00-17:00 working hours in one of four zones, against a
 * plain GET /events of one week on the same team, side by side. Target: find-time's p95 at most 5x.
 */
export async function findTimeSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[]; notes: string[]; checks: Check[] }> {
  const members = Array.from({ length: MEMBERS }, (_, i) => `m${String(i).padStart(2, "0")}`);
  const res = await fetch(`${ctx.workerUrl}/admin/teams`, {
    method: "POST",
    headers: { authorization: `Bearer ${ctx.adminSecret}`, "content-type": "application/json" },
    body: JSON.stringify({ team: "bench-find-time", members }),
  });
  if (res.status !== 201) throw new Error(`creating the team: ${res.status} ${await res.text()}`);
  const tokens = ((await res.json()) as { tokens: Record<string, string> }).tokens;
  const auth = (member: string) => ({ authorization: `Bearer ${tokens[member]!}`, "content-type": "application/json" });
  const base = Date.UTC(2042, 0, 6); // a Monday

  const writes: Array<() => Promise<void>> = [];
  members.forEach((member, m) => {
    const calendar = `member.${member}`;
    const post = (body: object) => async () => {
      const answer = await fetch(`${ctx.workerUrl}/events`, { method: "POST", headers: auth(member), body: JSON.stringify({ calendar, ...body }) });
      if (answer.status !== 201) throw new Error(`seeding ${member}: ${answer.status} ${await answer.text()}`);
      await answer.arrayBuffer();
    };
    writes.push(async () => {
      const put = await fetch(`${ctx.workerUrl}/members/${member}/availability`, {
        method: "PUT",
        headers: auth(member),
        body: JSON.stringify({ time_zone: ZONES[m % ZONES.length], weekly: [{ days: ["MO", "TU", "WE", "TH", "FR"], start: "09:00", end: "17:00" }] }),
      });
      if (put.status !== 200) throw new Error(`availability of ${member}: ${put.status} ${await put.text()}`);
      await put.arrayBuffer();
    });
    // Up to three events a day (08:00, 11:00, 14:00 UTC and a member's half-hour shift), an hour each.
    for (let k = 0; k < EVENTS_PER_MEMBER; k++) {
      const start = base + Math.floor((k * WINDOW_DAYS) / EVENTS_PER_MEMBER) * DAY + (8 + (k % 3) * 3) * HOUR + (m % 2) * HOUR / 2;
      writes.push(post({ title: `busy ${k}`, starts_at: new Date(start).toISOString(), ends_at: new Date(start + HOUR).toISOString() }));
    }
    // Weekly series on the first five days at 17:00 UTC, a quarter's worth each.
    for (let j = 0; j < SERIES_PER_MEMBER; j++) {
      const start = base + j * DAY + 17 * HOUR;
      writes.push(post({ title: `series ${j}`, starts_at: new Date(start).toISOString(), ends_at: new Date(start + HOUR / 2).toISOString(), recurrence: ["RRULE:FREQ=WEEKLY;COUNT=13"] }));
    }
  });
  const seeding = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < writes.length) await writes[next++]!();
  }));
  const seedSeconds = (performance.now() - seeding) / 1000;

  const findTime = httpSender({
    url: `${ctx.workerUrl}/find-time`,
    method: "POST",
    headers: auth(members[0]!),
    body: JSON.stringify({ members, duration_minutes: 60, from: new Date(base).toISOString(), to: new Date(base + WINDOW_DAYS * DAY).toISOString(), limit: 5 }),
    concurrency: 1,
  });
  const week = httpSender({
    url: `${ctx.workerUrl}/events?from=${new Date(base + 14 * DAY).toISOString()}&to=${new Date(base + 21 * DAY).toISOString()}`,
    headers: auth(members[0]!),
    concurrency: 1,
  });
  const measured = await sideBySide(ctx, 1, { findTime: findTime.send, week: week.send });
  findTime.close();
  week.close();

  const p95 = (rounds: LoadResult[]) => median(rounds.map((r) => percentile(r.latencies, 95)));
  const ratio = round(median(measured.findTime.map((r, i) => percentile(r.latencies, 95) / percentile(measured.week[i]!.latencies, 95))));
  return {
    rows: [summarise("find-time", `POST /find-time, ${MEMBERS} members x ${WINDOW_DAYS} days`, 1, measured.findTime), summarise("find-time", "GET /events, one week (beside it)", 1, measured.week)],
    ratios: [{ suite: "find-time", name: "find-time over GET /events of one week, p95", value: ratio, explains: "target <= 5" }],
    notes: [`find-time: seeded ${writes.length} writes (${MEMBERS} members x (${EVENTS_PER_MEMBER} events + ${SERIES_PER_MEMBER} series of 13) + availability) in ${round(seedSeconds)} s`],
    checks: [
      checkBelow("find-time", "POST /find-time p95 (median of rounds)", p95(measured.findTime), "ms", null),
      checkBelow("find-time", "GET /events one week p95 (median of rounds)", p95(measured.week), "ms", null),
      { suite: "find-time", name: "find-time p95 over GET /events one week p95", value: ratio, unit: "x", target: "<= 5 x", pass: ratio <= 5 },
    ],
  };
}
