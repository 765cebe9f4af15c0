import { Redis } from "@upstash/redis";
import type { FocusRound } from "../../shared/focus.ts";
import { focusKeys } from "../../worker/focus/focus-store.ts";
import { httpSender } from "../load.ts";
import { checkBelow, ratioOfRounds, summarise, type Ratio, type Row } from "../report.ts";
import type { BenchContext, Check } from "../run.ts";
import { p50Latency, sideBySide } from "../side-by-side.ts";
import { teamToken } from "./calendar-api.ts";

const ROUNDS = 25_000;
const MEMBERS = Array.from({ length: 10 }, (_, i) => `m${i}`);
const DAY = 86_400_000;

/**
 * GET /focus/stats over a year of a 10-member team's history (25,000 rounds, written straight into
 * the focus keys) against one GET /goals, in the same run: issue #18's target is p50 ≤ 3×.
 */
export async function focusStatsSuite(ctx: BenchContext): Promise<{ rows: Row[]; ratios: Ratio[]; checks: Check[]; notes: string[] }> {
  const team = `focus-bench-${Date.now().toString(36)}`;
  const token = await teamToken(ctx, team);
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  for (let i = 0; i < 3; i++) await fetch(`${ctx.workerUrl}/goals`, { method: "POST", headers, body: JSON.stringify({ title: `goal ${i}` }) });
  const redis = new Redis({ url: ctx.gatewayUrl, token: ctx.gatewayToken, automaticDeserialization: false });
  const keys = focusKeys(team);
  const end = Date.now();
  const start = end - 365 * DAY;
  for (let first = 0; first < ROUNDS; first += 500) {
    const pipeline = redis.pipeline();
    for (let i = first; i < Math.min(ROUNDS, first + 500); i++) {
      const endedAt = start + Math.floor((i * 365 * DAY) / ROUNDS);
      const round: FocusRound = {
        id: `b${i}`, team, round: i % 8, started_at: new Date(endedAt - 1_500_000).toISOString(), ended_at: new Date(endedAt).toISOString(),
        planned_ms: 1_500_000, actual_ms: i % 5 === 0 ? 600_000 : 1_500_000, ended: i % 5 === 0 ? "skipped" : "completed",
        members: [MEMBERS[i % 10]!, MEMBERS[(i * 7 + 3) % 10]!], agents: [], goal: i % 3 === 0 ? null : `g${i % 4}`, term: 1, recorded_by: "bench",
      };
      pipeline.hset(keys.rounds, { [round.id]: JSON.stringify(round) });
      pipeline.zadd(keys.byEnd, { score: endedAt, member: round.id });
    }
    await pipeline.exec();
  }
  const from = encodeURIComponent(new Date(start).toISOString());
  const stats = httpSender({ url: `${ctx.workerUrl}/focus/stats?from=${from}&group_by=member`, headers, concurrency: 1 });
  const goals = httpSender({ url: `${ctx.workerUrl}/goals`, headers, concurrency: 1 });
  const results = await sideBySide(ctx, 1, { stats: stats.send, goals: goals.send });
  stats.close();
  goals.close();
  const ratio = ratioOfRounds(results.stats, results.goals, p50Latency);
  return {
    rows: [summarise("focus", `GET /focus/stats, a year (${ROUNDS} rounds, 10 members)`, 1, results.stats), summarise("focus", "GET /goals (3 goals)", 1, results.goals)],
    ratios: [{ suite: "focus", name: "/focus/stats over /goals p50 latency, 1 in flight", value: ratio, explains: "what a year of focus figures costs next to the cheapest list" }],
    checks: [checkBelow("focus", "/focus/stats over /goals p50", ratio, "×", 3)],
    notes: [],
  };
}
