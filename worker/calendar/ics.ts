import ical from "ical-generator";
import type { Event } from "../../shared/calendar.ts";
import { MAX_INSTANT_MS, parseInstant } from "../../shared/instant.ts";
import { MAX_OCCURRENCES_PER_SERIES, occurrencesOf } from "./event-record.ts";
import { expandSeries } from "./recurrence/expand.ts";
import { parseRecurrence } from "./recurrence/recurrence-lines.ts";
import { utcToLocal } from "./recurrence/zone-time.ts";
import { localText, vtimezone } from "./vtimezone.ts";

/** How often a subscribed calendar app should fetch the feed again, in seconds (REFRESH-INTERVAL and X-PUBLISHED-TTL). */
export const FEED_REFRESH_SECONDS = 15 * 60;

/** An event as the feed reads it: `time_zone` (an IANA name) when the event has one. */
export type FeedEvent = Event & { time_zone?: string };

/**
 * The team calendar as an RFC 5545 feed. UIDs are stable (event id @ team), and SEQUENCE follows
 * the event's version, so a subscribed calendar app updates events instead of duplicating them.
 * An event with a time zone keeps it (DTSTART;TZID=...: its wall-clock time there), so the app
 * shows it as booked; others are in UTC. `truncated` says the window held more than was sent.
 * A stored series (recurrence, no series_id) is one VEVENT with RRULE, EXDATE and RDATE lines that
 * expand to exactly the occurrences the API lists (seriesLines); an occurrence passed on its own
 * (series_id) is an event of its own. Each zone used gets a VTIMEZONE.
 */
export function calendarFeed(team: string, events: FeedEvent[], options: { truncated?: boolean } = {}): string {
  const calendar = ical({
    name: `GroupSync: ${team}`,
    prodId: { company: "GroupSync", product: "groupsync", language: "EN" },
    ttl: FEED_REFRESH_SECONDS,
  });
  // ttl is written as RFC 7986's REFRESH-INTERVAL and the older X-PUBLISHED-TTL that Outlook and Google read.
  if (options.truncated) calendar.x([{ key: "X-GROUPSYNC-TRUNCATED", value: "TRUE" }]);
  const extraLines: string[][] = [];
  const zones = new Map<string, { from: number; to: number }>();
  for (const event of withRdatesApart(events)) {
    const zone = usableZone(event.time_zone);
    const isSeries = event.recurrence !== undefined && event.series_id === undefined;
    const lines = isSeries ? seriesLines(event, zone).lines : [];
    extraLines.push(lines);
    if (zone !== undefined) {
      const span = zones.get(zone) ?? { from: Infinity, to: -Infinity };
      const last = isSeries ? Math.max(...occurrencesOf(event).map((o) => o.end)) : Date.parse(event.ends_at);
      zones.set(zone, { from: Math.min(span.from, Date.parse(event.starts_at)), to: Math.max(span.to, last) });
    }
    calendar.createEvent({
      // An occurrence of a series is listed as an event of its own, so it needs a UID of its own.
      id: `${event.series_id === undefined ? event.id : `${event.id}-${Date.parse(event.starts_at)}`}@${team}.groupsync`,
      ...(zone === undefined
        ? { start: new Date(event.starts_at), end: new Date(event.ends_at) }
        : { start: wallClock(event.starts_at, zone), end: wallClock(event.ends_at, zone), timezone: zone }),
      summary: event.title,
      description: event.description || undefined,
      stamp: new Date(event.updated_at),
      created: new Date(event.created_at),
      lastModified: new Date(event.updated_at),
      sequence: event.version - 1,
      categories: [{ name: event.calendar }],
      x: [{ key: "X-GROUPSYNC-CREATED-BY", value: event.created_by }],
    });
  }
  // ical-generator folds long lines one character at a time, which for a big feed is most of the
  // work (5000 events with 2 KB descriptions: 10 s, nearly all of it string building and garbage
  // collection). So the events are rendered without the calendar, folded here, and put into the
  // calendar's frame, after its properties (where RFC 5545 wants components).
  const rendered = calendar.events().map((event, i) => withLines(event.toString(), extraLines[i]!));
  const timezones = [...zones].sort(([a], [b]) => a.localeCompare(b)).map(([zone, span]) => vtimezone(zone, span.from, span.to));
  const body = foldLines([...timezones, ...rendered].join(""));
  calendar.clear();
  const frame = calendar.toString();
  const end = frame.lastIndexOf("END:VCALENDAR");
  const feed = frame.slice(0, end) + body + frame.slice(end);
  // RFC 5545 3.1: every content line ends with CRLF, END:VCALENDAR too (ical-generator leaves it bare).
  return feed.endsWith("\r\n") ? feed : `${feed}\r\n`;
}

/**
 * Each series, then each of its RDATE starts as an occurrence of its own (series_id set, as a
 * listing shows it): node-ical, like some other readers, ignores RDATE, so the feed writes those
 * starts as events rather than lose them.
 */
function withRdatesApart(events: FeedEvent[]): FeedEvent[] {
  return events.flatMap((event) => {
    if (event.recurrence === undefined || event.series_id !== undefined) return [event];
    const { added } = seriesLines(event, usableZone(event.time_zone));
    const length = Date.parse(event.ends_at) - Date.parse(event.starts_at);
    const views = added.map((start) => ({ ...event, starts_at: new Date(start).toISOString(), ends_at: new Date(start + length).toISOString(), series_id: event.id, occurrence_start: new Date(start).toISOString() }));
    return [event, ...views];
  });
}

/** A rendered VEVENT with more properties before its END. */
function withLines(vevent: string, lines: string[]): string {
  if (lines.length === 0) return vevent;
  const end = vevent.lastIndexOf("END:VEVENT");
  return vevent.slice(0, end) + lines.map((line) => `${line}\r\n`).join("") + vevent.slice(end);
}

/**
 * A stored series as RFC 5545 lines, written from what it expands to rather than as it was sent,
 * so any reader gets the same occurrences: the rule with COUNT (the number of starts the rule
 * makes, DTSTART among them; no UNTIL to read differently) and EXDATE for each of those starts
 * the series leaves out (an EXDATE;VALUE=DATE becomes the starts it removed). Dates carry the
 * event's TZID (its wall clock), or are UTC. `added`: the starts the rule does not make (RDATEs),
 * which the feed writes as events of their own.
 */
export function seriesLines(event: Event, zone: string | undefined): { lines: string[]; added: number[] } {
  const seriesZone = event.time_zone ?? "UTC";
  const recurrence = parseRecurrence(event.recurrence!, seriesZone);
  if (Array.isArray(recurrence)) throw new Error(`stored series ${event.id} has invalid recurrence: ${recurrence[0]?.message}`);
  const start = parseInstant(event.starts_at) as number;
  const durationMs = (parseInstant(event.ends_at) as number) - start;
  const listed = new Set(occurrencesOf(event).map((o) => o.start));
  const ruleStarts = expandSeries({ start, durationMs, zone: seriesZone, recurrence: { rule: recurrence.rule, exdates: [], rdates: [] } }, { from: start, to: MAX_INSTANT_MS }, 2 * MAX_OCCURRENCES_PER_SERIES).occurrences.map((o) => o.start);
  const made = new Set(ruleStarts);
  const dates = (starts: number[]) => (zone === undefined ? `:${starts.map(utcText).join(",")}` : `;TZID=${zone}:${starts.map((s) => localText(utcToLocal(zone, s))).join(",")}`);
  const lines: string[] = [];
  const rule = recurrence.rule;
  if (rule !== null) {
    const parts = [`FREQ=${rule.freq}`];
    if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
    if (rule.byDay !== undefined) parts.push(`BYDAY=${rule.byDay.map((d) => `${d.pos === 0 ? "" : d.pos}${d.day}`).join(",")}`);
    if (rule.byMonthDay !== undefined) parts.push(`BYMONTHDAY=${rule.byMonthDay.join(",")}`);
    if (rule.byMonth !== undefined) parts.push(`BYMONTH=${rule.byMonth.join(",")}`);
    if (rule.wkst !== undefined) parts.push(`WKST=${rule.wkst}`);
    parts.push(`COUNT=${ruleStarts.length}`);
    lines.push(`RRULE:${parts.join(";")}`);
  }
  const excluded = ruleStarts.filter((s) => !listed.has(s));
  if (excluded.length > 0) lines.push(`EXDATE${dates(excluded)}`);
  const added = [...listed].filter((s) => !made.has(s)).sort((a, b) => a - b);
  return { lines, added };
}

/** An instant as an RFC 5545 UTC DATE-TIME, "20260329T010000Z". */
function utcText(instant: number): string {
  return `${localText(instant)}Z`;
}

/** Longest content of one physical line, in octets; with the continuation's space, 75 (RFC 5545 3.1). */
const FOLD_OCTETS = 74;

/**
 * RFC 5545 3.1 folding: a line longer than 75 octets goes on in lines that start with a space, and
 * never splits a UTF-8 character. Builds each line from slices, not character by character.
 */
export function foldLines(text: string): string {
  return text
    .split("\r\n")
    .map((line) => (line.length * 3 <= FOLD_OCTETS ? line : foldLine(line)))
    .join("\r\n");
}

function foldLine(line: string): string {
  const pieces: string[] = [];
  let start = 0;
  let octets = 0;
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i);
    const pair = code >= 0xd800 && code <= 0xdbff && i + 1 < line.length;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (octets + size > FOLD_OCTETS) {
      pieces.push(line.slice(start, i));
      start = i;
      octets = 0;
    }
    octets += size;
    if (pair) i++;
  }
  pieces.push(line.slice(start));
  return pieces.join("\r\n ");
}

/** A zone the runtime knows, other than UTC (which needs no TZID); anything else reads as UTC. */
function usableZone(zone: string | undefined): string | undefined {
  if (zone === undefined || zone === "UTC" || zone === "Etc/UTC") return undefined;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
    return zone;
  } catch {
    return undefined;
  }
}

/** The wall-clock time of an instant in a zone, "2026-12-02T10:00:00", as ical-generator takes it with a TZID. */
function wallClock(instant: string, zone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" }).formatToParts(new Date(instant));
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part("year")}-${part("month")}-${part("day")}T${part("hour")}:${part("minute")}:${part("second")}`;
}
