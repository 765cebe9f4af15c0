/** The calendar store's index of teams that may hold leases (see below). */
export const CALENDAR_HOLDING_TEAMS = "gs:tx:holding-teams";
/** The calendar store's index of calendars that hold series without an end (see below). */
export const CALENDAR_HORIZONS = "gs:calendar:horizons";

/**
 * Calendar keys. Every key of a team carries the hash tag {team}, so a team's keys live in one
 * slot and a Lua script may touch them together.
 *   event:<id>          the event, as JSON
 *   cal:<name>:start    sorted set: event id -> start (ms); on one calendar no two entries overlap.
 *                       A series has one entry per occurrence, "<id>@<start ms>" (ids never hold '@')
 *   cal:<name>:end      sorted set: event id -> end (ms)
 *   events:start        sorted set over all the team's calendars, for listing
 *   occurrences:<id>    sorted set: a series' entries -> start (ms), so a rewrite or delete removes them all
 *   events:maxlen       the longest event the team ever booked (ms), how far a listing looks back
 *   cal:<name>:horizon  while the calendar holds series without an end: how far they are materialised
 *                       (ms); nothing on the calendar may end after it (see horizon.ts)
 *   cal:<name>:open     set: the ids of those series
 * and for two-phase commit (the calendar participant):
 *   event:hold:<tx>:<n> a hold: op n of transaction tx, prepared; its member hold:<tx>:<n> sits in
 *                       the calendar's sorted sets, so it is busy time for every other booking
 *   event-lock:<id>     the transaction that holds event <id> (for update, delete, or a created id)
 *   tx-holds:<tx>       the hold keys of a transaction
 *   leases              sorted set: transaction -> lease end (ms). A lease is a value, never a TTL:
 *                       recovery resolves an expired one by the coordinator's decision.
 * and one key per calendar store, outside every team's hash tag (no team's script may touch it):
 *   gs:tx:holding-teams sorted set: team -> latest lease end (ms) announced on this store. A team is
 *                       added before it writes a lease here, and dropped by the scheduled sweep once
 *                       its leases are gone: the sweep's list of teams to look at.
 *   gs:calendar:horizons sorted set: JSON [team, calendar] -> the horizon announced (ms), added before a
 *                       series without an end is written; the sweep's list of horizons to move on.
 */
export const calendarKeys = (team: string) => {
  const base = `gs:{${team}}`;
  return {
    event: (id: string) => `${base}:event:${id}`,
    starts: (calendar: string) => `${base}:cal:${calendar}:start`,
    ends: (calendar: string) => `${base}:cal:${calendar}:end`,
    occurrences: (id: string) => `${base}:occurrences:${id}`,
    teamStarts: `${base}:events:start`,
    maxLength: `${base}:events:maxlen`,
    horizon: (calendar: string) => `${base}:cal:${calendar}:horizon`,
    openSeries: (calendar: string) => `${base}:cal:${calendar}:open`,
    horizons: CALENDAR_HORIZONS,
    hold: (tx: string, slot: string) => `${base}:event:hold:${tx}:${slot}`,
    lock: (id: string) => `${base}:event-lock:${id}`,
    txHolds: (tx: string) => `${base}:tx-holds:${tx}`,
    leases: `${base}:leases`,
    holdingTeams: CALENDAR_HOLDING_TEAMS,
  };
};

/** Redis channel the original named; every change is published there (payload names the team). */
export const CALENDAR_CHANNEL = "calendar_events";
