import { ExpansionTooLong, expandSeries } from "../calendar/recurrence/expand.ts";
import { parseRecurrence } from "../calendar/recurrence/recurrence-lines.ts";
import { canonicalZone, localToUtc } from "../calendar/recurrence/zone-time.ts";
import { mergeIntervals, type Interval } from "./intervals.ts";

const DAY_MS = 86_400_000;
/** The most busy intervals kept from one calendar (the earliest in the horizon). */
export const MAX_EXTERNAL_INTERVALS = 20_000;
/** The most occurrences taken from one recurring event inside the horizon. */
const MAX_OCCURRENCES_PER_EVENT = 2000;

export interface ExternalBusy {
  /** Merged busy time inside the horizon. */
  busy: Interval[];
  /** VEVENTs that counted as busy (a recurring one once). */
  events: number;
  /** VEVENTs left out: unreadable dates, or a rule we do not expand (then only its first occurrence counts). */
  skipped: number;
}

interface Property {
  name: string;
  params: Record<string, string>;
  value: string;
}

/**
 * An external calendar's (RFC 5545 text) busy time inside [from, to): every VEVENT that is not
 * cancelled or transparent (TRANSP:TRANSPARENT is "free" in calendar apps), a recurring one
 * expanded by the same code as our own series (RRULE, EXDATE, RDATE on its TZID's wall clock),
 * an override (RECURRENCE-ID) replacing the occurrence it names. A TZID that is no IANA name
 * (Outlook writes Windows names) and floating times are read in the calendar's X-WR-TIMEZONE, else
 * UTC. Pure and defensive: anything unreadable is skipped and counted, never thrown.
 */
export function externalBusy(text: string, from: number, to: number): ExternalBusy {
  const lines = unfold(text);
  const calendarZone = zoneOf(lines.find((l) => l.name === "X-WR-TIMEZONE")?.value, "UTC");
  const vevents = components(lines, "VEVENT");
  const overrides = new Map<string, Array<{ recurrenceId: number; props: Property[] }>>();
  const masters: Property[][] = [];
  let skipped = 0;
  for (const props of vevents) {
    const rid = props.find((p) => p.name === "RECURRENCE-ID");
    if (rid === undefined) {
      masters.push(props);
      continue;
    }
    const at = dateOf(rid, calendarZone);
    const uid = props.find((p) => p.name === "UID")?.value ?? "";
    if (at === null) skipped++;
    else overrides.set(uid, [...(overrides.get(uid) ?? []), { recurrenceId: at.instant, props }]);
  }

  const busy: Interval[] = [];
  let events = 0;
  const take = (props: Property[], replaced: Set<number>): boolean => {
    const read = readEvent(props, calendarZone);
    if (read === null) return false;
    if (!read.busy) return true;
    const { start, length, zone } = read;
    const recurrenceLines = props.filter((p) => ["RRULE", "EXDATE", "RDATE"].includes(p.name)).map(lineText);
    let starts = [start];
    if (recurrenceLines.length > 0) {
      const recurrence = parseRecurrence(recurrenceLines, zone);
      if (Array.isArray(recurrence)) skipped++; // a rule we do not read: its first occurrence still counts
      else {
        try {
          starts = expandSeries({ start, durationMs: length, zone, recurrence }, { from, to }, MAX_OCCURRENCES_PER_EVENT).occurrences.map((o) => o.start);
        } catch (error) {
          if (!(error instanceof ExpansionTooLong)) throw error;
          skipped++;
        }
      }
    }
    for (const s of starts) if (!replaced.has(s) && s < to && s + length > from) busy.push({ start: s, end: s + length });
    events++;
    return true;
  };
  for (const props of masters) {
    const uid = props.find((p) => p.name === "UID")?.value ?? "";
    const own = overrides.get(uid) ?? [];
    overrides.delete(uid);
    if (!take(props, new Set(own.map((o) => o.recurrenceId)))) skipped++;
    for (const override of own) if (!take(override.props, new Set())) skipped++;
  }
  // Overrides whose series is not in the file are events of their own.
  for (const own of overrides.values()) for (const override of own) if (!take(override.props, new Set())) skipped++;
  const merged = mergeIntervals(busy);
  return { busy: merged.slice(0, MAX_EXTERNAL_INTERVALS), events, skipped };
}

/** A VEVENT's start, length and zone, and whether it blocks time; null when its dates are unreadable. */
function readEvent(props: Property[], calendarZone: string): { start: number; length: number; zone: string; busy: boolean } | null {
  const dtstart = props.find((p) => p.name === "DTSTART");
  if (dtstart === undefined) return null;
  const start = dateOf(dtstart, calendarZone);
  if (start === null) return null;
  let end: number | null = null;
  const dtend = props.find((p) => p.name === "DTEND");
  const duration = props.find((p) => p.name === "DURATION");
  if (dtend !== undefined) end = dateOf(dtend, calendarZone)?.instant ?? null;
  else if (duration !== undefined) {
    const ms = durationMs(duration.value);
    end = ms === null ? null : start.instant + ms;
  } else end = start.instant + (start.dateOnly ? DAY_MS : 0);
  if (end === null || end < start.instant) return null;
  const status = props.find((p) => p.name === "STATUS")?.value.toUpperCase();
  const transparent = props.find((p) => p.name === "TRANSP")?.value.toUpperCase() === "TRANSPARENT";
  return { start: start.instant, length: end - start.instant, zone: start.zone, busy: status !== "CANCELLED" && !transparent && end > start.instant };
}

const DATE = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;

/** A DATE or DATE-TIME property's instant (a date is its midnight), and the zone its wall clock is in. */
function dateOf(prop: Property, calendarZone: string): { instant: number; zone: string; dateOnly: boolean } | null {
  const match = DATE.exec(prop.value.trim());
  if (match === null) return null;
  const [, y, mo, d, h, mi, s, z] = match;
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0));
  if (Number.isNaN(local)) return null;
  if (z === "Z") return { instant: local, zone: "UTC", dateOnly: false };
  const zone = zoneOf(prop.params.TZID, calendarZone);
  return { instant: localToUtc(zone, local), zone, dateOnly: h === undefined };
}

function zoneOf(name: string | undefined, fallback: string): string {
  if (name === undefined) return fallback;
  return canonicalZone(name.replace(/^"|"$/g, "").trim()) ?? fallback;
}

/** RFC 5545 DURATION ("PT1H30M", "P1D", "P2W"); null if unreadable. */
function durationMs(text: string): number | null {
  const match = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text.trim());
  if (match === null || text.trim() === "P" || text.trim().endsWith("T")) return null;
  const [, sign, w, d, h, m, s] = match;
  const ms = ((Number(w ?? 0) * 7 + Number(d ?? 0)) * 24 * 3600 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return sign === "-" ? null : ms;
}

/** Content lines, unfolded (a line starting with a space or tab continues the previous one). */
function unfold(text: string): Property[] {
  const physical = text.split(/\r?\n/);
  const logical: string[] = [];
  for (const line of physical) {
    if ((line.startsWith(" ") || line.startsWith("\t")) && logical.length > 0) logical[logical.length - 1] += line.slice(1);
    else if (line !== "") logical.push(line);
  }
  return logical.flatMap((line) => {
    const prop = propertyOf(line);
    return prop === null ? [] : [prop];
  });
}

/** NAME;PARAM=VALUE;...:VALUE, where a quoted parameter value may hold ':' and ';'. */
function propertyOf(line: string): Property | null {
  let i = 0;
  let quoted = false;
  const parts: string[] = [];
  let current = "";
  for (; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '"') quoted = !quoted;
    if (!quoted && (ch === ";" || ch === ":")) {
      parts.push(current);
      current = "";
      if (ch === ":") break;
      continue;
    }
    current += ch;
  }
  if (i >= line.length) return null;
  const [name, ...rawParams] = parts;
  const params: Record<string, string> = {};
  for (const param of rawParams) {
    const eq = param.indexOf("=");
    if (eq > 0) params[param.slice(0, eq).toUpperCase()] = param.slice(eq + 1);
  }
  return { name: name!.trim().toUpperCase(), params, value: line.slice(i + 1) };
}

/** The properties of each top-level component of this kind (nested ones, such as VALARM, left out). */
function components(lines: Property[], kind: string): Property[][] {
  const found: Property[][] = [];
  let current: Property[] | null = null;
  let depth = 0;
  for (const line of lines) {
    if (line.name === "BEGIN") {
      if (current !== null) depth++;
      else if (line.value.trim().toUpperCase() === kind) current = [];
    } else if (line.name === "END") {
      if (current === null) continue;
      if (depth > 0) depth--;
      else {
        found.push(current);
        current = null;
      }
    } else if (current !== null && depth === 0) current.push(line);
  }
  return found;
}

/** A property back as a line for parseRecurrence (params kept: TZID, VALUE). */
function lineText(prop: Property): string {
  const params = Object.entries(prop.params).map(([k, v]) => `;${k}=${v.replace(/^"|"$/g, "")}`).join("");
  return `${prop.name}${params}:${prop.value}`;
}
