import ical from "ical-generator";
import type { Event } from "../../shared/calendar.ts";

/** How often a subscribed calendar app should fetch the feed again, in seconds (REFRESH-INTERVAL and X-PUBLISHED-TTL). */
export const FEED_REFRESH_SECONDS = 15 * 60;

/** An event as the feed reads it: `time_zone` (an IANA name) when the event has one. */
export type FeedEvent = Event & { time_zone?: string };

/**
 * The team calendar as an RFC 5545 feed. UIDs are stable (event id @ team), and SEQUENCE follows
 * the event's version, so a subscribed calendar app updates events instead of duplicating them.
 * An event with a time zone keeps it (DTSTART;TZID=...: its wall-clock time there), so the app
 * shows it as booked; others are in UTC. `truncated` says the window held more than was sent.
 */
export function calendarFeed(team: string, events: FeedEvent[], options: { truncated?: boolean } = {}): string {
  const calendar = ical({
    name: `GroupSync: ${team}`,
    prodId: { company: "GroupSync", product: "groupsync", language: "EN" },
    ttl: FEED_REFRESH_SECONDS,
  });
  // ttl is written as RFC 7986's REFRESH-INTERVAL and the older X-PUBLISHED-TTL that Outlook and Google read.
  if (options.truncated) calendar.x([{ key: "X-GROUPSYNC-TRUNCATED", value: "TRUE" }]);
  for (const event of events) {
    const zone = usableZone(event.time_zone);
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
  const body = foldLines(calendar.events().map((event) => event.toString()).join(""));
  calendar.clear(); // NB: a VTIMEZONE generator would need the events' zones before this
  const frame = calendar.toString();
  const end = frame.lastIndexOf("END:VCALENDAR");
  return frame.slice(0, end) + body + frame.slice(end);
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
