import type { Redis } from "@upstash/redis/cloudflare";
import { z } from "zod";
import { EventPatch, EventWrite, OccurrencePatch, type Event } from "../../shared/calendar.ts";
import { InstantText } from "../../shared/fields.ts";
import { parseInstant } from "../../shared/instant.ts";
import type { ChangeSink } from "../live/changes.ts";
import { ResourceParticipant } from "../tx/resource-participant.ts";
import { builtFromData, InvalidOp, requireTarget, validateData } from "../tx/op-input.ts";
import { cancelledSeries, isOccurrence, keptOverrides, overriddenSeries } from "./occurrences.ts";
import { isOpenEnded } from "./horizon.ts";
import { prepareOutcome, type OpRequest, type PreparedOp, type PrepareOutcome } from "../tx/participant.ts";
import { quotaArg } from "../limits/quota-lua.ts";
import { buildEvent, patchedEventFields } from "./event-record.ts";
import { CALENDAR_CHANNEL, calendarKeys } from "./keys.ts";
import { applyEventHoldsScript, prepareEventScript, releaseEventHoldsScript } from "./scripts.ts";
import { entriesOf, readConflicts } from "./store.ts";

/** What the calendar holds for one prepared op: enough to apply it later without re-validating. */
interface CalendarHold {
  kind: "create" | "update" | "delete";
  eventId: string;
  calendar: string;
  startsAt: string;
  endsAt: string;
  /** The entries the op writes (none for a delete): the event's, or one per occurrence of a series. */
  entries: Array<{ member: string; start: number; end: number }>;
  /** The event as it will be stored (create, update). */
  event?: string;
  /** The event as it is stored now (update, delete). */
  previous?: string;
  expectedVersion?: number;
}

/** How many overlapping entries a refused hold reports. */
const MAX_CONFLICTS_REPORTED = 10;

/**
 * The calendar as a transaction participant: an op holds its slot (a hold sits in the calendar's
 * sorted sets, so it is busy time for every other booking) and locks its event id.
 */
export class CalendarParticipant extends ResourceParticipant<ReturnType<typeof calendarKeys>> {
  readonly name = "calendar" as const;
  readonly noun = "event";

  readonly #quota: number | null;

  /** `quota`: how many events the team may have (null: no limit), checked when a create is prepared. */
  constructor(store: Redis, team: string, changes: ChangeSink, quota: number | null = null) {
    super(store, team, changes, calendarKeys(team), "calendar.");
    this.#quota = quota;
  }

  prepare(op: OpRequest): PreparedOp {
    const { input, tx, n, leaseEnd } = op;
    const now = new Date(op.now).toISOString();
    if (input.type === "calendar.create") {
      const data = validateData(EventWrite, input.data);
      const id = input.id ?? data.id ?? crypto.randomUUID();
      const event = notOpenEnded(builtFromData(buildEvent(data, { id, created_by: op.member, created_at: now, updated_at: now, version: 1 })));
      return { id, attempt: () => this.#hold(tx, n, holdFor("create", event), leaseEnd, op.earlierCreates) };
    }
    const id = requireTarget(input);
    const next = this.#nextVersion(input.type, input.data);
    // Every attempt reads the event again: a retry after a stale read, or after resolving the
    // transaction in the way (which may have changed or removed it), must hold what is there now.
    const attempt = async (): Promise<PrepareOutcome> => {
      const raw = await this.store.get<string>(this.keys.event(id));
      if (raw === null) return { kind: "missing" };
      const current = JSON.parse(raw) as Event;
      // A delete holds nothing new: the event's entries keep their time until the commit frees them all.
      const hold = next === null ? holdFor("delete", current) : holdFor("update", notOpenEnded(next(current, now)));
      return this.#hold(tx, n, { ...hold, previous: raw, expectedVersion: current.version }, leaseEnd, op.earlierCreates);
    };
    return { id, attempt };
  }

  /**
   * How an update op makes the event's next version (null for a delete): a patch of the event or
   * series (a rewritten series keeps its overrides, as PATCH /events/{id} does), or one occurrence
   * changed or cancelled, as PATCH and DELETE /events/{id}/occurrences/{occurrence_start} do.
   */
  #nextVersion(type: string, data: unknown): ((current: Event, now: string) => Event) | null {
    const meta = (current: Event, now: string) => ({ id: current.id, created_by: current.created_by, created_at: current.created_at, updated_at: now, version: current.version + 1 });
    switch (type) {
      case "calendar.update": {
        const patch = validateData(EventPatch, data);
        if (patch.from_occurrence !== undefined) throw new InvalidOp([{ field: "data.from_occurrence", message: "splitting a series (this and following) is not taken in a transaction; use PATCH /events/{id}" }]);
        return (current, now) => builtFromData(keptOverrides(builtFromData(buildEvent(patchedEventFields(current, patch), meta(current, now))), current, "starts_at"));
      }
      case "calendar.update_occurrence": {
        const { occurrence_start, ...patch } = validateData(OccurrenceOp.extend(OccurrencePatch.shape), data);
        const start = parseInstant(occurrence_start) as number;
        return (current, now) => builtFromData(overriddenSeries(occurrenceOfOp(current, start), start, patch, now));
      }
      case "calendar.cancel_occurrence": {
        const start = parseInstant(validateData(OccurrenceOp, data).occurrence_start) as number;
        return (current, now) => builtFromData(cancelledSeries(occurrenceOfOp(current, start), start, now));
      }
      default:
        return null;
    }
  }

  async #hold(tx: string, n: number, hold: CalendarHold, leaseEnd: number, earlierCreates: number): Promise<PrepareOutcome> {
    const k = this.keys;
    // Unique even if two ops of one transaction are prepared at once: a hold is never overwritten.
    const slot = `${n}.${crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36)}`;
    const member = `hold:${tx}:${slot}`;
    // One busy member per entry: an occurrence's carries its start, as the entry's own does.
    const holds = hold.entries.map((entry) => (entry.member === hold.eventId ? member : `${member}${entry.member.slice(hold.eventId.length)}`));
    const record = {
      id: member,
      member,
      tx,
      n,
      kind: hold.kind,
      event_id: hold.eventId,
      title: "(held by a transaction in progress)",
      calendar: hold.calendar,
      starts_at: hold.startsAt,
      ends_at: hold.endsAt,
      entries: hold.entries,
      holds,
      event: hold.event,
      previous: hold.previous,
    };
    const reply = (await prepareEventScript.runAfter(
      this.store,
      this.announce(leaseEnd),
      [k.event(hold.eventId), k.starts(hold.calendar), k.ends(hold.calendar), k.hold(tx, slot), k.lock(hold.eventId), k.txHolds(tx), k.leases, k.teamStarts, k.horizon(hold.calendar), k.occurrences(hold.eventId)],
      [
        hold.kind,
        hold.eventId,
        JSON.stringify(record),
        tx,
        leaseEnd,
        MAX_CONFLICTS_REPORTED,
        hold.expectedVersion ?? "",
        quotaArg(this.#quota),
        earlierCreates,
        ...hold.entries.flatMap((entry, i) => [holds[i]!, entry.start, entry.end]),
      ],
    )) as string[];
    if (reply[0] === "conflict") return { kind: "conflict", conflicts: await readConflicts(this.store, this.team, reply.slice(1)) };
    return prepareOutcome(reply);
  }

  async apply(tx: string, by: string, now: number): Promise<void> {
    const k = this.keys;
    await this.overHolds(tx, async (holdKeys) => {
      const keys = [k.txHolds(tx), k.leases, k.teamStarts, k.maxLength];
      for (const { key, hold } of await this.#holds(holdKeys)) {
        if (hold === null) {
          keys.push(key, key, key, key, key, key, key, key); // gone already: the script only forgets it
          continue;
        }
        const previous = hold.kind === "create" ? hold.calendar : (JSON.parse(hold.previous!) as Event).calendar;
        keys.push(key, k.event(hold.event_id), k.starts(hold.calendar), k.ends(hold.calendar), k.starts(previous), k.ends(previous), k.lock(hold.event_id), k.occurrences(hold.event_id));
      }
      const reply = (await applyEventHoldsScript.run(
        this.store,
        [...keys, ...this.changes.feedKeys()],
        [tx, CALENDAR_CHANNEL, this.team, by, new Date(now).toISOString(), this.changes.inlineFlag("calendar")],
      )) as unknown[];
      await this.changes.settle("calendar", reply.slice(2));
      return Number(reply[1]);
    });
  }

  async release(tx: string): Promise<void> {
    const k = this.keys;
    await this.overHolds(tx, async (holdKeys) => {
      const keys = [k.txHolds(tx), k.leases];
      for (const { key, hold } of await this.#holds(holdKeys)) {
        if (hold === null) keys.push(key, key, key, key);
        else keys.push(key, k.starts(hold.calendar), k.ends(hold.calendar), k.lock(hold.event_id));
      }
      const reply = (await releaseEventHoldsScript.run(this.store, keys, [tx])) as number[];
      return Number(reply[1]);
    });
  }

  /** The hold records behind `holdKeys` (null for one applied or released since). */
  async #holds(holdKeys: string[]): Promise<Array<{ key: string; hold: HoldRecord | null }>> {
    if (holdKeys.length === 0) return [];
    const raws = await this.store.mget<(string | null)[]>(...holdKeys);
    return holdKeys.map((key, i) => ({ key, hold: raws[i] ? (JSON.parse(raws[i]!) as HoldRecord) : null }));
  }
}

/** A hold as stored (see #hold): the fields that name the keys applying or releasing it touches. */
interface HoldRecord {
  kind: CalendarHold["kind"];
  event_id: string;
  calendar: string;
  previous?: string;
}

/**
 * A series without an end is materialised up to its calendar's horizon, which only a plain write
 * sets and tracks (see horizon.ts): such a series is not created or kept in a transaction.
 */
function notOpenEnded(event: Event): Event {
  if (isOpenEnded(event)) {
    throw new InvalidOp([{ field: "data.recurrence", message: `event ${event.id} would be a series without an end; those are not created or changed in a transaction: give COUNT or UNTIL, or use /events` }]);
  }
  return event;
}

/** The series, if `start` is one of its occurrences; else InvalidOp naming data.occurrence_start. */
function occurrenceOfOp(series: Event, start: number): Event {
  if (!isOccurrence(series, start)) {
    const what = series.recurrence === undefined ? `event ${series.id} is no series` : `the series ${series.id} has no occurrence starting at ${new Date(start).toISOString()}`;
    throw new InvalidOp([{ field: "data.occurrence_start", message: `names no occurrence: ${what}` }]);
  }
  return series;
}

/** The op data naming one occurrence of a series. */
const OccurrenceOp = z.strictObject({ occurrence_start: InstantText });

function holdFor(kind: "create" | "update" | "delete", event: Event): Omit<CalendarHold, "previous" | "expectedVersion"> {
  const entries = kind === "delete" ? [] : entriesOf(event);
  return { kind, eventId: event.id, calendar: event.calendar, startsAt: event.starts_at, endsAt: event.ends_at, entries, event: kind === "delete" ? undefined : JSON.stringify(event) };
}
