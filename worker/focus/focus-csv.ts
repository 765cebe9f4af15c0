/** CSV exports of focus history and figures (RFC 4180: CRLF lines, fields quoted when they need it). */
import type { FocusRound, FocusStats } from "../../shared/focus.ts";

function field(value: string | number | null): string {
  const text = value === null ? "" : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet: quoted with a ' first.
  const safe = /^[=+\-@\t\r]/.test(text) && typeof value === "string" ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replaceAll('"', '""')}"` : safe;
}

function csv(header: string[], rows: (string | number | null)[][]): string {
  return [header, ...rows].map((row) => row.map(field).join(",")).join("\r\n") + "\r\n";
}

export function sessionsCsv(rounds: readonly FocusRound[]): string {
  const header = ["id", "round", "started_at", "ended_at", "planned_ms", "actual_ms", "ended", "members", "agents", "goal", "term", "recorded_by"];
  return csv(header, rounds.map((r) => [r.id, r.round, r.started_at, r.ended_at, r.planned_ms, r.actual_ms, r.ended, r.members.join(" "), r.agents.join(" "), r.goal, r.term, r.recorded_by]));
}

export function statsCsv(stats: FocusStats): string {
  const header = [stats.group_by, "rounds", "rounds_completed", "focus_ms", "focus_minutes", "longest_streak_days", "current_streak_days"];
  const row = (b: FocusStats["total"], key: string | null) => [key, b.rounds, b.rounds_completed, b.focus_ms, b.focus_minutes, b.longest_streak_days, b.current_streak_days];
  return csv(header, [...stats.groups.map((b) => row(b, b.key)), row(stats.total, "total")]);
}

export function csvResponse(text: string, filename: string, nextCursor: string | null = null): Response {
  const headers: Record<string, string> = { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="${filename}"` };
  if (nextCursor !== null) headers["next-cursor"] = nextCursor;
  return new Response(text, { headers });
}
