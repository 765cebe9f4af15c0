import type { Redis } from "@upstash/redis/cloudflare";
import type { Availability, WeeklyHours } from "../../shared/people.ts";
import { peopleKeys } from "./keys.ts";

/** Members' working hours in Redis. Knows keys, not HTTP. */
export class AvailabilityStore {
  readonly #redis: Redis;
  readonly #keys: ReturnType<typeof peopleKeys>;

  constructor(redis: Redis, team: string) {
    this.#redis = redis;
    this.#keys = peopleKeys(team);
  }

  async get(member: string): Promise<Availability | null> {
    return (await this.getMany([member]))[0] ?? null;
  }

  /** Each member's record (null where none is set), in one round trip. */
  async getMany(members: string[]): Promise<Array<Availability | null>> {
    if (members.length === 0) return [];
    const raws = await this.#redis.mget<(string | null)[]>(...members.map((m) => this.#keys.availability(m)));
    return raws.map((raw) => (raw === null ? null : (typeof raw === "string" ? JSON.parse(raw) : raw) as Availability));
  }

  /** Sets the member's hours; the version counts writes (last writer wins: only the member writes here). */
  async put(member: string, hours: WeeklyHours, now: string): Promise<Availability> {
    const previous = await this.get(member);
    const record: Availability = { member, time_zone: hours.time_zone, weekly: hours.weekly, updated_at: now, version: (previous?.version ?? 0) + 1 };
    await this.#redis.set(this.#keys.availability(member), JSON.stringify(record));
    return record;
  }

  async delete(member: string): Promise<boolean> {
    return (await this.#redis.del(this.#keys.availability(member))) > 0;
  }
}
