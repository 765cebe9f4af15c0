import type { Redis } from "@upstash/redis/cloudflare";
import type { ExternalCalendar } from "../../shared/people.ts";
import { configOf, type Env } from "../env.ts";
import { mainStore } from "../storage/stores.ts";
import { externalBusy } from "./ics-busy.ts";
import { fetchIcs } from "./ics-fetch.ts";
import { EXTERNAL_DUE, peopleKeys } from "./keys.ts";

const DAY_MS = 86_400_000;
/** How often a subscription is fetched again (the feed's own REFRESH-INTERVAL is the same). */
export const EXTERNAL_REFRESH_MS = 15 * 60_000;
/** The busy time kept from an external calendar: a month back to a year ahead of its fetch. */
const HORIZON_PAST_MS = 31 * DAY_MS;
const HORIZON_FUTURE_MS = 366 * DAY_MS;

/** A member's external calendars in Redis, and fetching them. Knows keys, not HTTP. */
export class ExternalCalendars {
  readonly #redis: Redis;
  readonly #team: string;
  readonly #keys: ReturnType<typeof peopleKeys>;

  constructor(redis: Redis, team: string) {
    this.#redis = redis;
    this.#team = team;
    this.#keys = peopleKeys(team);
  }

  async list(member: string): Promise<ExternalCalendar[]> {
    const raw = (await this.#redis.hgetall(this.#keys.subscriptions(member))) as unknown;
    const values = Array.isArray(raw) ? raw.filter((_, i) => i % 2 === 1) : Object.values((raw ?? {}) as Record<string, unknown>);
    return values.map((v) => (typeof v === "string" ? JSON.parse(v) : v) as ExternalCalendar).sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  async get(member: string, id: string): Promise<ExternalCalendar | null> {
    const raw = await this.#redis.hget<string>(this.#keys.subscriptions(member), id);
    return raw === null || raw === undefined ? null : ((typeof raw === "string" ? JSON.parse(raw) : raw) as ExternalCalendar);
  }

  async add(member: string, url: string, now: string): Promise<ExternalCalendar> {
    const record: ExternalCalendar = { id: `cal_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`, member, url, created_at: now, etag: null, last_fetch: null };
    await this.#save(record);
    return record;
  }

  async remove(member: string, id: string): Promise<boolean> {
    const [removed] = await this.#redis
      .pipeline()
      .hdel(this.#keys.subscriptions(member), id)
      .del(this.#keys.externalBusy(member, id))
      .zrem(EXTERNAL_DUE, dueMember(this.#team, member, id))
      .exec<[number, number, number]>();
    return removed > 0;
  }

  /**
   * Fetches the calendar now (ETag-aware) and keeps its busy time; a failed fetch keeps the busy
   * time of the last good one and says why. Next due in EXTERNAL_REFRESH_MS either way.
   */
  async refresh(record: ExternalCalendar, production: boolean, nowMs: number, fetcher?: typeof fetch): Promise<ExternalCalendar> {
    const fetched = await fetchIcs(record.url, record.etag, production, fetcher);
    const at = new Date(nowMs).toISOString();
    let next: ExternalCalendar;
    if (fetched.kind === "fetched") {
      const read = externalBusy(fetched.text, nowMs - HORIZON_PAST_MS, nowMs + HORIZON_FUTURE_MS);
      await this.#redis.set(this.#keys.externalBusy(record.member, record.id), JSON.stringify(read.busy.map((b) => [b.start, b.end])));
      next = { ...record, etag: fetched.etag, last_fetch: { at, outcome: "fetched", events: read.events, skipped: read.skipped, busy_intervals: read.busy.length } };
    } else if (fetched.kind === "not_modified") {
      next = { ...record, last_fetch: { ...(record.last_fetch ?? {}), at, outcome: "not_modified", error: undefined } };
    } else {
      next = { ...record, last_fetch: { ...(record.last_fetch ?? {}), at, outcome: "failed", error: fetched.error } };
    }
    // Removed meanwhile: leave it removed.
    if ((await this.get(record.member, record.id)) === null) return next;
    await this.#save(next, nowMs + EXTERNAL_REFRESH_MS);
    return next;
  }

  async #save(record: ExternalCalendar, dueMs = 0): Promise<void> {
    await this.#redis
      .pipeline()
      .hset(this.#keys.subscriptions(record.member), { [record.id]: JSON.stringify(record) })
      .zadd(EXTERNAL_DUE, { score: dueMs, member: dueMember(this.#team, record.member, record.id) })
      .exec();
  }
}

const dueMember = (team: string, member: string, id: string) => `${team}/${member}/${id}`;

/** The scheduled refresh: fetches up to `limit` calendars that are due, in parallel; how many it fetched. */
export async function refreshDueCalendars(redis: Redis, production: boolean, nowMs: number, limit = 25): Promise<number> {
  const due = (await redis.zrange(EXTERNAL_DUE, "-inf", nowMs, { byScore: true, offset: 0, count: limit })) as string[];
  const done = await Promise.all(
    due.map(async (entry) => {
      const [team, member, id] = String(entry).split("/");
      const calendars = new ExternalCalendars(redis, team!);
      const record = await calendars.get(member!, id!);
      if (record === null) {
        await redis.zrem(EXTERNAL_DUE, entry);
        return 0;
      }
      await calendars.refresh(record, production, nowMs);
      return 1;
    }),
  );
  return done.reduce<number>((a, b) => a + b, 0);
}

/** For the cron handler: one bounded round of due fetches; a store outage waits for the next run. */
export async function refreshExternalCalendars(env: Env): Promise<void> {
  try {
    const fetched = await refreshDueCalendars(mainStore(env), configOf(env).production, Date.now());
    if (fetched > 0) console.log(JSON.stringify({ event: "external_calendars_refreshed", fetched }));
  } catch (error) {
    console.warn(JSON.stringify({ event: "external_calendars_postponed", error: String(error), retry: "next scheduled run" }));
  }
}
