import { FocusStats } from "../../shared/focus.ts";
import { parseCommandLine } from "../command-line.ts";
import { resolveAgentSettings } from "../config-file.ts";
import { printError } from "../terminal-text.ts";
import { workerClientFor, WorkerError } from "../worker-client.ts";

export const STATS_USAGE = `Usage: groupsync-agent stats [--json] [--config PATH]

  This week's focus figures (since Monday 00:00 here) from the worker's focus history
  (GET /focus/stats): rounds, completed, time focused and the streak of days, per day, per member
  and, once a session was started for a goal (start --goal), per goal.
  --json prints the three answers as they came.`;

/** Monday 00:00 of `now`'s week in this machine's time zone. */
export function weekStart(now: Date): Date {
  const start = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  start.setDate(start.getDate() - ((start.getDay() + 6) % 7));
  return start;
}

/** Minutes as the terminal shows them: 0m, 45m, 2h05m. */
/** Time focused, rounded down (97 s is 1m, never 2m: it must not claim time not spent); under a minute in seconds. */
export function minutes(ms: number): string {
  if (ms < 60_000) return `${Math.floor(ms / 1000)}s`;
  const total = Math.floor(ms / 60_000);
  return total < 60 ? `${total}m` : `${Math.floor(total / 60)}h${String(total % 60).padStart(2, "0")}m`;
}

function figures(b: FocusStats["total"]): string {
  return `${b.rounds} round${b.rounds === 1 ? "" : "s"}, ${b.rounds_completed} completed, ${minutes(b.focus_ms)} focused`;
}

/** The lines `stats` prints. Pure, so it is tested without a worker. */
export function weekLines(since: Date, byDay: FocusStats, byMember: FocusStats, byGoal?: FocusStats): string[] {
  const t = byDay.total;
  const lines = [`This week (since ${since.toDateString()}): ${figures(t)}; streak ${t.current_streak_days} day${t.current_streak_days === 1 ? "" : "s"} (longest ${t.longest_streak_days})`];
  if (t.rounds === 0) return [...lines, "  no focus rounds yet"];
  for (const day of byDay.groups) lines.push(`  ${day.key}  ${figures(day)}`);
  if (byMember.groups.length > 0) lines.push("By member:");
  const width = Math.max(0, ...byMember.groups.map((m) => (m.key ?? "").length));
  for (const member of byMember.groups) lines.push(`  ${(member.key ?? "").padEnd(width)}  ${figures(member)}`);
  // Only once some round was for a goal: a week of rounds for none says nothing by goal.
  const goals = byGoal?.groups ?? [];
  if (goals.some((goal) => goal.key !== null)) {
    lines.push("By goal:");
    const label = (key: string | null) => key ?? "(no goal)";
    const goalWidth = Math.max(0, ...goals.map((goal) => label(goal.key).length));
    for (const goal of goals) lines.push(`  ${label(goal.key).padEnd(goalWidth)}  ${figures(goal)}`);
  }
  return lines;
}

export async function statsCommand(args: string[], env: NodeJS.ProcessEnv, now = new Date()): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    console.log(STATS_USAGE);
    return 0;
  }
  const { values } = parseCommandLine(args, { config: { type: "string" }, json: { type: "boolean" } }, false);
  const client = workerClientFor(resolveAgentSettings({ config: values.config as string | undefined }, env));
  const since = weekStart(now);
  const query = `from=${encodeURIComponent(since.toISOString())}`;
  try {
    const [byDay, byMember, byGoal] = await Promise.all(
      ["day", "member", "goal"].map(async (group) => FocusStats.parse(await client.request("GET", `/focus/stats?${query}&group_by=${group}`))),
    );
    if (values.json) console.log(JSON.stringify({ day: byDay, member: byMember, goal: byGoal }));
    else for (const line of weekLines(since, byDay!, byMember!, byGoal)) console.log(line);
    return 0;
  } catch (error) {
    if (!(error instanceof WorkerError)) throw error;
    printError(`${error.code}: ${error.message}`);
    return 1;
  }
}
