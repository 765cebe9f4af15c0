import ical from "ical-generator";
import type { Event } from "../../shared/calendar.ts";

/**
 * The team calendar as an RFC 5545 feed. UIDs are stable (event id @ team), and SEQUENCE follows
 * the event's version, so a subscribed calendar app updates events instead of duplicating them.
 */
export function calendarFeed(team: string, events: Event[]): string {
  const calendar = ical({
    name: `GroupSync: ${team}`,
    prodId: { company: "GroupSync", product: "groupsync", language: "EN" },
    ttl: 300,
  });
  for (const event of events) {
    calendar.createEvent({
      // An occurrence of a series is listed as an event of its own, so it needs a UID of its own.
      id: `${event.series_id === undefined ? event.id : `${event.id}-${Date.parse(event.starts_at)}`}@${team}.groupsync`,
      start: new Date(event.starts_at),
      end: new Date(event.ends_at),
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
  return calendar.toString();
}

