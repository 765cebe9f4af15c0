import type { Redis } from "@upstash/redis/cloudflare";
import { MAX_EVENT_LENGTH_MS, type Event } from "../../shared/calendar.ts";
import { formatInstant, parseInstant } from "../../shared/instant.ts";
import type { ChangeSink } from "../live/changes.ts";
import { isAfter, type Cursor } from "../storage/cursor.ts";
import { idemArgs, idemKeys } from "../idempotency/idempotency.ts";
import { outcomeOf, type CreateIdempotency, type CreateOutcome, type DeleteOutcome, type RecordStore, type SlotConflict, type UpdateOutcome } from "../records/outcomes.ts";
import { idempotencyKeys } from "../idempotency/keys.ts";
import { occurrenceView, seriesEntries } from "./occurrences.ts";
import { isOpenEnded, plannedHorizon } from "./horizon.ts";
import { quotaArg } from "../limits/quota-lua.ts";
import { CALENDAR_CHANNEL, calendarKeys } from "./keys.ts";
import { deleteEventScript, putEventScript, splitSeriesScript } from "./scripts.ts";

export type Change = "event.created" | "event.updated" | "event.deleted";

/** What a split answers: an update's outcomes, and the new series' id taken. */
export type SplitOutcome = UpdateOutcome | { kind: "exists" };

/** A calendar's member in the sweep's index of horizons. */
export function horizonMember(team: string, calendar: string): string {
  return JSON.stringify([team, calendar]);
}

const MAX_CONFLICTS_REPORTED = 10;

/** One team's calendar in Redis. Knows keys and scripts; knows nothing of HTTP. */
export class CalendarStore implements RecordStore<Event> {
  readonly #redis: Redis;
  readonly #team: string;
  readonly #keys: ReturnType<typeof calendarKeys>;
  readonly #changes: ChangeSink;
  readonly #quota: number | null;

  /** `quota`: how many events the team may have (null: no limit). */
  constructor(redis: Redis, team: string, changes: ChangeSink, quota: number | null = null) {
    this.#redis = redis;
    this.#team = team;
    this.#keys = calendarKeys(team);
    this.#changes = changes;
    this.#quota = quota;
  }

  async get(id: string): Promise<Event | null> {
    const raw = await this.#redis.get<string>(this.#keys.event(id));
    return raw === null ? null : (JSON.parse(raw) as Event);
  }

  /** The event and the transaction that holds it, if any, in one round trip. */
  async getWithLock(id: string): Promise<{ record: Event | null; lockedBy: string | null }> {
    const [raw, lock] = await this.#redis.mget<(string | null)[]>(this.#keys.event(id), this.#keys.lock(id));
    return { record: raw ? (JSON.parse(raw) as Event) : null, lockedBy: lock ?? null };
  }

  create(event: Event, by: string, idem?: CreateIdempotency): Promise<CreateOutcome> {
    return this.#put(event, undefined, by, idem, ["ok", "exists", "locked", "conflict", "quota_exceeded", "beyond_horizon", "replay", "key_reused"]);
  }

  update(event: Event, previous: Event, by: string): Promise<UpdateOutcome> {
    return this.#put(event, previous, by, undefined, ["ok", "missing", "stale", "locked", "conflict", "quota_exceeded", "beyond_horizon"]);
  }

  /**
   * Writes `event` if its slot is free, atomically. `previous` is the stored version being
   * replaced (compare-and-set on its version), or undefined to create. With `idem`, the key's
   * record is checked first (a replay or a reused key changes nothing) and `answer` is stored
   * with the write, in the same step.
   */
  async #put<K extends (CreateOutcome | UpdateOutcome)["kind"]>(event: Event, previous: Event | undefined, by: string, idem: CreateIdempotency | undefined, allowed: readonly K[]) {
    const change: Change = previous === undefined ? "event.created" : "event.updated";
    const oldCalendar = previous?.calendar ?? event.calendar;
    const message = this.#message(change, event.id, by, event);
    const reply = await this.#atHorizon(event, (reach) => this.#putOnce(event, previous, oldCalendar, message, idem, reach));
    if (reply[0] === "ok") await this.#changes.settle("calendar", reply.slice(1), [message]);
    return outcomeOf(reply, allowed, "put_event", async (ids) => withBookingOccurrences(event, await readConflicts(this.#redis, this.#team, ids)));
  }

  /**
   * Runs one write of `event`: a series without an end reaches its calendar's horizon (or sets
   * one), which the script checks is still that; if the sweep moved it meanwhile, again.
   */
  async #atHorizon(event: Event, write: (reach: number | null) => Promise<string[]>): Promise<string[]> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const reach = await this.#reach(event);
      if (typeof reach === "object" && reach !== null) return ["beyond_horizon", String(reach.beyond)];
      const reply = await write(reach);
      if (reply[0] !== "horizon_moved") return reply;
    }
    throw new Error(`the horizon of calendar ${event.calendar} kept moving during a write of ${event.id}`);
  }

  /**
   * How far an event's entries reach: null for one with an end; for one without, the horizon (its
   * calendar's, else the one it sets), announced in the sweep's index first. `beyond` when an
   * override changes an occurrence past the horizon (it could not be checked yet).
   */
  async #reach(event: Event): Promise<number | null | { beyond: number }> {
    if (!isOpenEnded(event)) return null;
    const stored = await this.#redis.get<string | number>(this.#keys.horizon(event.calendar));
    const horizon = stored === null ? plannedHorizon(Date.now()) : Number(stored);
    if ((event.overrides ?? []).some((o) => instantMs(o.occurrence_start) >= horizon)) return { beyond: horizon };
    await this.#redis.zadd(this.#keys.horizons, { score: horizon, member: horizonMember(this.#team, event.calendar) });
    return horizon;
  }


  async #putOnce(event: Event, previous: Event | undefined, oldCalendar: string, message: string, idem: CreateIdempotency | undefined, reach: number | null): Promise<string[]> {
    const k = this.#keys;
    return (await putEventScript.run(
      this.#redis,
      [
        k.event(event.id),
        k.starts(event.calendar),
        k.ends(event.calendar),
        k.teamStarts,
        k.starts(oldCalendar),
        k.ends(oldCalendar),
        k.maxLength,
        k.lock(event.id),
        k.occurrences(event.id),
        k.horizon(event.calendar),
        k.openSeries(event.calendar),
        k.horizon(oldCalendar),
        k.openSeries(oldCalendar),
        ...idemKeys(idem?.key, idempotencyKeys.memberPlaceholder(this.#team)),
        ...this.#changes.feedKeys(),
      ],
      [
        event.id,
        JSON.stringify(event),
        previous === undefined ? "create" : "update",
        previous === undefined ? "" : previous.version,
        MAX_CONFLICTS_REPORTED,
        CALENDAR_CHANNEL,
        message,
        ...idemArgs(idem?.key, idem?.answer),
        quotaArg(this.#quota),
        reach === null ? "" : "1",
        reach === null ? "" : String(reach),
        ...entriesOf(event, reach ?? undefined).flatMap((entry) => [entry.member, entry.start, entry.end]),
        this.#changes.inlineFlag("calendar"),
      ],
    )) as string[];
  }

  /**
   * "This and following": `before` replaces `previous` (compare-and-set on its version) and
   * `following` is created, in one atomic step; only `following`'s occurrences are checked (the
   * caller checked that the two do not overlap each other).
   */
  async split(before: Event, previous: Event, following: Event, by: string): Promise<SplitOutcome> {
    const messages = [this.#message("event.updated", before.id, by, before), this.#message("event.created", following.id, by, following)];
    const reply = await this.#atHorizon(following, (reach) => this.#splitOnce(before, previous, following, messages, reach));
    if (reply[0] === "ok") await this.#changes.settle("calendar", reply.slice(1), messages);
    return outcomeOf(reply, ["ok", "missing", "stale", "locked", "conflict", "exists", "quota_exceeded", "beyond_horizon"], "split_series", async (ids) => withBookingOccurrences(following, await readConflicts(this.#redis, this.#team, ids)));
  }

  async #splitOnce(before: Event, previous: Event, following: Event, messages: string[], reach: number | null): Promise<string[]> {
    const k = this.#keys;
    const beforeEntries = entriesOf(before);
    return (await splitSeriesScript.run(
      this.#redis,
      [
        k.event(before.id),
        k.event(following.id),
        k.starts(before.calendar),
        k.ends(before.calendar),
        k.starts(following.calendar),
        k.ends(following.calendar),
        k.teamStarts,
        k.maxLength,
        k.lock(before.id),
        k.lock(following.id),
        k.occurrences(before.id),
        k.occurrences(following.id),
        k.openSeries(before.calendar),
        k.horizon(before.calendar),
        k.openSeries(following.calendar),
        k.horizon(following.calendar),
        ...this.#changes.feedKeys(),
      ],
      [
        before.id,
        JSON.stringify(before),
        previous.version,
        following.id,
        JSON.stringify(following),
        MAX_CONFLICTS_REPORTED,
        CALENDAR_CHANNEL,
        messages[0]!,
        messages[1]!,
        quotaArg(this.#quota),
        beforeEntries.length,
        reach === null ? "" : "1",
        reach === null ? "" : String(reach),
        ...[...beforeEntries, ...entriesOf(following, reach ?? undefined)].flatMap((entry) => [entry.member, entry.start, entry.end]),
        this.#changes.inlineFlag("calendar"),
      ],
    )) as string[];
  }

  async delete(event: Event, by: string): Promise<DeleteOutcome> {
    const k = this.#keys;
    const message = this.#message("event.deleted", event.id, by);
    const reply = (await deleteEventScript.run(
      this.#redis,
      [k.event(event.id), k.starts(event.calendar), k.ends(event.calendar), k.teamStarts, k.lock(event.id), k.occurrences(event.id), k.openSeries(event.calendar), k.horizon(event.calendar), ...this.#changes.feedKeys()],
      [event.id, event.version, CALENDAR_CHANNEL, message, this.#changes.inlineFlag("calendar")],
    )) as string[];
    if (reply[0] === "ok") await this.#changes.settle("calendar", reply.slice(1), [message]);
    return outcomeOf(reply, ["ok", "missing", "stale", "locked"], "delete_event");
  }

  /**
   * Events overlapping [from, to), sorted by start (then id), at most `limit`, after `cursor`.
   * Reads only the window: on one calendar, entries never overlap, so nothing starting before
   * `from` can reach into the window except the last one; across calendars, no event is longer
   * than the team's longest booking (kept by the write script), so looking back that far is enough.
   */
  async list(options: { from: number; to: number; calendar?: string; limit: number; cursor?: Cursor }): Promise<{ events: Event[]; next: Cursor | null }> {
    const { from, to, limit, cursor } = options;
    const index = options.calendar === undefined ? this.#keys.teamStarts : this.#keys.starts(options.calendar);
    const lookback = options.calendar === undefined && cursor === undefined ? await this.#longestEvent() : 0;
    const start = cursor === undefined ? Math.max(0, from - lookback) : cursor.score;

    const candidates: Array<{ id: string; score: number }> = [];
    if (cursor === undefined && options.calendar !== undefined) {
      const before = (await this.#redis.zrange(index, `(${from}`, "-inf", { byScore: true, rev: true, offset: 0, count: 1, withScores: true })) as string[];
      if (before.length === 2) candidates.push({ id: before[0]!, score: Number(before[1]) });
    }

    const found: Array<{ event: Event; member: string }> = [];
    let offset = 0;
    const batch = Math.min(limit * 2 + 10, 1000);
    for (;;) {
      const page = (await this.#redis.zrange(index, start, `(${to}`, { byScore: true, offset, count: batch, withScores: true })) as string[];
      for (let i = 0; i < page.length; i += 2) candidates.push({ id: page[i]!, score: Number(page[i + 1]) });
      offset += page.length / 2;
      // A calendar's index also holds transactions' holds (busy time, "hold:<tx>:<n>"), which are no events.
      const fresh = candidates.splice(0).filter((c) => !c.id.startsWith("hold:") && isAfter(c.score, c.id, cursor));
      if (fresh.length > 0) {
        // An occurrence's entry "<series>@<start ms>" reads its series' record (once per page).
        const ids = [...new Set(fresh.map((c) => entryParts(c.id).eventId))];
        const raws = await this.#redis.mget<(string | null)[]>(...ids.map((id) => this.#keys.event(id)));
        const records = new Map(ids.map((id, i) => [id, raws[i] ?? null]));
        for (const candidate of fresh) {
          const { eventId, occurrenceStart } = entryParts(candidate.id);
          const raw = records.get(eventId);
          if (raw === null || raw === undefined) continue; // deleted between the two reads
          const stored = JSON.parse(raw) as Event;
          const event = occurrenceStart === undefined ? stored : occurrenceView(stored, occurrenceStart);
          if (instantMs(event.ends_at) > from && found.length < limit + 1) found.push({ event, member: candidate.id });
        }
      }
      if (found.length > limit || page.length < batch * 2) break;
    }
    const pageEvents = found.slice(0, limit);
    const last = pageEvents[pageEvents.length - 1];
    const next = found.length > limit && last !== undefined ? { score: instantMs(last.event.starts_at), id: last.member } : null;
    return { events: pageEvents.map((f) => f.event), next };
  }

  async #longestEvent(): Promise<number> {
    const stored = await this.#redis.get<string>(this.#keys.maxLength);
    // Teams whose events predate the counter fall back to the longest allowed.
    return stored === null ? MAX_EVENT_LENGTH_MS : Number(stored);
  }

  #message(type: Change, id: string, by: string, event?: Event): string {
    return JSON.stringify({ type, team: this.#team, id, by, at: new Date().toISOString(), ...(event ? { event } : {}) });
  }
}

/** A stored event's entries in the calendar's sorted sets: its id, or one per occurrence of a series (one without an end: those starting before `until`). */
export function entriesOf(event: Event, until?: number): Array<{ member: string; start: number; end: number }> {
  if (event.recurrence === undefined) return [{ member: event.id, start: instantMs(event.starts_at), end: instantMs(event.ends_at) }];
  return seriesEntries(event, until).map(({ occurrenceStart, start, end }) => ({ member: `${event.id}@${occurrenceStart}`, start, end }));
}

/** An entry's event id, and for an occurrence of a series, its start (ms). */
function entryParts(member: string): { eventId: string; occurrenceStart?: number } {
  const at = member.indexOf("@");
  return at < 0 ? { eventId: member } : { eventId: member.slice(0, at), occurrenceStart: Number(member.slice(at + 1)) };
}

/** For a series refused: which of its occurrences each conflict collides with (the first one). */
function withBookingOccurrences(event: Event, conflicts: SlotConflict[]): SlotConflict[] {
  if (event.recurrence === undefined) return conflicts;
  const occurrences = seriesEntries(event);
  return conflicts.map((conflict) => {
    if (conflict.starts_at === "") return conflict;
    const [s, e] = [instantMs(conflict.starts_at), instantMs(conflict.ends_at)];
    const hit = occurrences.find((o) => o.start < e && s < o.end);
    return hit === undefined ? conflict : { ...conflict, booking_occurrence: formatInstant(hit.occurrenceStart) };
  });
}

/**
 * The entries a script's {'conflict', id, ...} reply names, read in one round trip: events, and
 * holds (a hold's id is its member, whose record sits at event:<member> and names its transaction).
 * One removed since reads as a bare id.
 */
export async function readConflicts(redis: Redis, team: string, ids: string[]): Promise<SlotConflict[]> {
  const keys = calendarKeys(team);
  const parts = ids.map(entryParts);
  const raws = await redis.mget<(string | null)[]>(...parts.map((p) => keys.event(p.eventId)));
  return parts.map(({ eventId, occurrenceStart }, i) => {
    const stored = raws[i] ? (JSON.parse(raws[i]!) as Event & { tx?: string }) : undefined;
    // An occurrence names its series (id) and the occurrence (its interval, occurrence_start).
    const other = stored !== undefined && occurrenceStart !== undefined ? occurrenceView(stored, occurrenceStart) : stored;
    const conflict: SlotConflict = { id: eventId, title: other?.title, starts_at: other?.starts_at ?? "", ends_at: other?.ends_at ?? "" };
    if (other?.series_id !== undefined) Object.assign(conflict, { series_id: other.series_id, occurrence_start: other.occurrence_start });
    if (stored?.tx !== undefined) conflict.tx = stored.tx;
    return conflict;
  });
}

export function instantMs(text: string): number {
  const ms = parseInstant(text);
  if (typeof ms === "string") throw new Error(`stored instant ${text} ${ms}`);
  return ms;
}
