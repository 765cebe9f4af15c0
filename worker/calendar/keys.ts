/**
 * Calendar keys. Every key of a team carries the hash tag {team}, so a team's keys live in one
 * slot and a Lua script may touch them together.
 *   event:<id>          the event, as JSON
 *   cal:<name>:start    sorted set: event id -> start (ms); on one calendar no two entries overlap
 *   cal:<name>:end      sorted set: event id -> end (ms)
 *   events:start        sorted set over all the team's calendars, for listing
 *   events:maxlen       the longest event the team ever booked (ms), how far a listing looks back
 */
export const calendarKeys = (team: string) => {
  const base = `gs:{${team}}`;
  return {
    event: (id: string) => `${base}:event:${id}`,
    starts: (calendar: string) => `${base}:cal:${calendar}:start`,
    ends: (calendar: string) => `${base}:cal:${calendar}:end`,
    teamStarts: `${base}:events:start`,
    maxLength: `${base}:events:maxlen`,
  };
};

/** Redis channel the original named; every change is published there (payload names the team). */
export const CALENDAR_CHANNEL = "calendar_events";
