import type { Env } from "../env.ts";
import { mainStore, type Participant } from "../storage/stores.ts";
import { appendToFeed, feedInline, feedKeys, numbered, type FeedEntry, type PendingChange } from "./feed.ts";
import { hubFor } from "./hub-stub.ts";
import { notifyWebhooks } from "../webhooks/notify.ts";

/** Lets the hub's delivery outlive the request without delaying its answer (ctx.waitUntil). */
export type WaitUntil = (promise: Promise<unknown>) => void;

/**
 * Where a team's writes send their changes: the feed (inline in their script, or appended after)
 * and then the realtime hub. The write is acknowledged once its changes are in the feed; telling
 * the hub happens in the background, and a hub that misses a poke still catches up from the feed.
 */
export class ChangeSink {
  readonly #env: Env;
  readonly #team: string;
  readonly #waitUntil: WaitUntil | undefined;

  constructor(env: Env, team: string, waitUntil?: WaitUntil) {
    this.#env = env;
    this.#team = team;
    this.#waitUntil = waitUntil;
  }

  /** The two feed KEYS a write script takes last. */
  feedKeys(): [string, string] {
    const k = feedKeys(this.#team);
    return [k.stream, k.seq];
  }

  /** The feed flag a write script takes as its last ARGV. */
  inlineFlag(participant: Participant): string {
    return feedInline(this.#env, participant) ? "1" : "";
  }

  /**
   * Settles what a write script reported after its head (see FEED_REPLY_LUA): seqs when the feed is
   * inline, else channel/message pairs to append now. `messages` are the texts the caller passed to
   * the script, when it knows them, so the hub need not read them back.
   */
  async settle(participant: Participant, tail: unknown[], messages?: string[]): Promise<void> {
    if (tail.length === 0) return;
    let entries: FeedEntry[];
    if (feedInline(this.#env, participant)) {
      const seqs = tail.map(Number);
      entries = seqs.map((seq, i) => ({ seq, text: messages?.[i] === undefined ? "" : numbered(seq, messages[i]!) }));
    } else {
      const pending: PendingChange[] = [];
      for (let i = 0; i + 1 < tail.length; i += 2) pending.push({ channel: String(tail[i]), message: String(tail[i + 1]) });
      entries = await this.#appendOrLog(pending);
    }
    this.#deliver(entries);
  }

  /** Appends changes that have no participant script of their own (transactions, timer, members). */
  async append(changes: PendingChange[]): Promise<FeedEntry[]> {
    const entries = await appendToFeed(mainStore(this.#env), this.#team, changes);
    this.#deliver(entries);
    return entries;
  }

  async #appendOrLog(pending: PendingChange[]): Promise<FeedEntry[]> {
    try {
      return await appendToFeed(mainStore(this.#env), this.#team, pending);
    } catch (error) {
      // The write itself is done and acknowledged; only its live message is lost (clients that
      // reload see the change). This happens only when a participant has its own Redis.
      console.error(JSON.stringify({ event: "feed_append_failed", team: this.#team, error: String(error) }));
      return [];
    }
  }

  #deliver(entries: FeedEntry[]): void {
    notifyWebhooks(this.#env, this.#team, entries, this.#waitUntil);
    if (entries.length === 0 || this.#env.TEAM_HUB === undefined) return;
    // A hub that just said it holds no sockets is not woken again for a moment. A socket opened
    // through this isolate ends that at once (hubGotSocket); one opened through another isolate
    // makes the hub read the feed itself once that moment is over (its alarm), so it still gets this.
    const idleUntil = idleHubs.get(this.#team);
    if (idleUntil !== undefined && Date.now() < idleUntil) return;
    const upTo = Math.max(...entries.map((e) => e.seq));
    const known = entries.filter((e) => e.text !== "");
    const opened = socketsOpened.get(this.#team);
    const delivery = hubFor(this.#env, this.#team)
      .deliver(this.#team, known, upTo)
      .then((sockets) => {
        forgetOldIdleHubs();
        // "None" counted before a socket this isolate opened meanwhile was accepted is already wrong.
        if (sockets === 0 && socketsOpened.get(this.#team) === opened) idleHubs.set(this.#team, Date.now() + IDLE_HUB_SKIP_MS);
        else idleHubs.delete(this.#team);
      })
      .catch((error: unknown) => console.error(JSON.stringify({ event: "hub_delivery_failed", team: this.#team, error: String(error) })));
    if (this.#waitUntil) this.#waitUntil(delivery);
  }
}

/** How long a worker isolate leaves a hub with no sockets alone (less than team-hub.ts's CATCH_UP_AFTER_CONNECT_MS). */
export const IDLE_HUB_SKIP_MS = 1000;
/** Per isolate: team -> until when its hub is known to hold no sockets. Bounded by the teams that write. */
const idleHubs = new Map<string, number>();
/** Per isolate: team -> how many sockets this isolate has seen its hub accept (a generation, not a count). */
const socketsOpened = new Map<string, number>();

/**
 * From GET /ws once the hub accepted a socket: this isolate pokes that hub again from the next
 * change on, so a socket that has had its hello gets changes at once, not at the hub's catch-up.
 */
export function hubGotSocket(team: string): void {
  idleHubs.delete(team);
  if (socketsOpened.size >= 10_000) socketsOpened.clear(); // a lost generation only means one more poke
  socketsOpened.set(team, (socketsOpened.get(team) ?? 0) + 1);
}

function forgetOldIdleHubs(): void {
  if (idleHubs.size < 10_000) return;
  const now = Date.now();
  for (const [team, until] of idleHubs) if (until < now) idleHubs.delete(team);
}
