/**
 * Cron expressions as wrangler.toml's `[triggers] crons` holds them (five fields, UTC), so the dev
 * stack can fire the scheduled handler on the same schedule Cloudflare would: `wrangler dev` never
 * fires crons by itself. Supports numbers, names (JAN, MON), `*`, ranges, lists and steps; the
 * Quartz extras Cloudflare also accepts (L, W, #) are refused with a clear error.
 */
const FIELDS = [
  { name: "minute", min: 0, max: 59, names: [] as string[] },
  { name: "hour", min: 0, max: 23, names: [] },
  { name: "day of month", min: 1, max: 31, names: [] },
  { name: "month", min: 1, max: 12, names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] },
  { name: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
] as const;

export interface CronSchedule {
  readonly expression: string;
  matches(at: Date): boolean;
}

export function parseCron(expression: string): CronSchedule {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5) throw new Error(`cron "${expression}": expected 5 fields (minute hour day month weekday), got ${parts.length}`);
  const sets = parts.map((part, i) => parseField(part, FIELDS[i]!, expression));
  const [minutes, hours, days, months, weekdays] = sets as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (weekdays.has(7)) weekdays.add(0);
  // As in cron(8): when both day fields are restricted, either one matching is enough.
  const dayRestricted = parts[2] !== "*" && !parts[2]!.startsWith("*/");
  const weekdayRestricted = parts[4] !== "*" && !parts[4]!.startsWith("*/");
  return {
    expression,
    matches(at) {
      const dayOk = days.has(at.getUTCDate());
      const weekdayOk = weekdays.has(at.getUTCDay());
      const dayMatch = dayRestricted && weekdayRestricted ? dayOk || weekdayOk : dayOk && weekdayOk;
      return minutes.has(at.getUTCMinutes()) && hours.has(at.getUTCHours()) && months.has(at.getUTCMonth() + 1) && dayMatch;
    },
  };
}

function parseField(text: string, field: (typeof FIELDS)[number], expression: string): Set<number> {
  const values = new Set<number>();
  const bad = (why: string) => new Error(`cron "${expression}": ${field.name} "${text}": ${why}`);
  const value = (token: string): number => {
    const named = (field.names as readonly string[]).indexOf(token.toUpperCase());
    const n = named >= 0 ? named + (field.name === "month" ? 1 : 0) : /^\d+$/.test(token) ? Number(token) : NaN;
    if (!Number.isInteger(n)) throw bad(`"${token}" is not a number${field.names.length > 0 ? " or name" : ""}`);
    if (n < field.min || n > field.max) throw bad(`${n} is outside ${field.min}-${field.max}`);
    return n;
  };
  for (const item of text.split(",")) {
    const [range, stepText, extra] = item.split("/");
    if (extra !== undefined || range === undefined || range === "") throw bad("malformed");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad(`step "${stepText}" is not a positive whole number`);
    let from: number, to: number;
    if (range === "*") [from, to] = [field.min, field.max];
    else if (range.includes("-")) {
      const [a, b] = range.split("-");
      [from, to] = [value(a ?? ""), value(b ?? "")];
      if (from > to) throw bad(`range ${from}-${to} runs backwards`);
    } else [from, to] = [value(range), stepText === undefined ? value(range) : field.max];
    for (let n = from; n <= to; n += step) values.add(n);
  }
  return values;
}

/** The `crons = [...]` of wrangler.toml's [triggers] table (the only TOML we need to read). */
export function cronsOfWranglerToml(toml: string): string[] {
  const triggers = /^\[triggers\][^[]*?^\s*crons\s*=\s*\[([^\]]*)\]/ms.exec(toml);
  if (triggers === null) return [];
  return [...triggers[1]!.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2]!);
}
