import { DurableObject } from "cloudflare:workers";
import { MAX_WEBHOOKS_PER_TEAM, type WebhookAttempt, type WebhookCreated, type WebhookEndpoint } from "../../shared/webhooks.ts";
import { configOf, type Env } from "../env.ts";
import { latestSeq, readFeed, type FeedEntry } from "../live/feed.ts";
import { mainStore } from "../storage/stores.ts";
import { attemptDelivery } from "./delivery.ts";
import { backlogProblem, decideAfterAttempt } from "./delivery-rules.ts";
import { normalizedEvents, wantsEvent } from "./event-filter.ts";
import { OutboxTables, type EndpointRow, type MessageRow } from "./outbox-tables.ts";
import { openSecret, sealSecret } from "./secret-box.ts";
import { newSigningSecret } from "./signature.ts";

/** A delivery started by a notice is backed by an alarm this much later, in case the object stops before it is done. */
const BACKSTOP_MS = 5_000;
/** Changes delivered to one endpoint per run before the run yields to a fresh one (via the alarm). */
const DRAIN_BATCH = 200;
/** Changes read from the feed per call. */
const FEED_BATCH = 500;

export type RegisterOutcome = { kind: "created"; webhook: WebhookCreated } | { kind: "too_many"; max: number };
export type RedeliverOutcome = { kind: "restarted"; from_seq: number } | { kind: "not_found" };

/**
 * One per team: its webhook endpoints and what each is still owed, in Durable Object storage, and
 * the delivery itself. A notice of new changes delivers at once; every retry, and whatever a run
 * cut short left, is driven by the object's alarm, which is what makes delivery durable: it is
 * stored with the object, survives a restart of the worker (checked under `wrangler dev`), and the
 * runtime retries it if a run fails. Deliveries run one run at a time per object (#deliverNow), so
 * each endpoint gets its changes one at a time, in seq order.
 */
export class WebhookOutbox extends DurableObject<Env> {
  readonly #tables: OutboxTables;
  /** Opened signing secrets by endpoint id (the box is decrypted once per object lifetime). */
  readonly #secrets = new Map<string, string>();
  /** The delivery run under way in this object, if any, and whether another round is wanted after it. */
  #running: Promise<void> | null = null;
  #again = false;
  /** When this object last read the feed's newest seq itself (see alarm). */
  #lastLook = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#tables = new OutboxTables(ctx.storage.sql);
  }

  // ---- from the routes ---------------------------------------------------------------------

  /** `feedAt`: the team's newest seq as the route read it; the endpoint gets every change after it. */
  async register(team: string, member: string, url: string, events: string[], feedAt: number, now: string): Promise<RegisterOutcome> {
    this.#tables.setMeta("team", team);
    if (this.#tables.endpoints().length >= MAX_WEBHOOKS_PER_TEAM) return { kind: "too_many", max: MAX_WEBHOOKS_PER_TEAM };
    const secretsKey = configOf(this.env).webhooks.secretsKey;
    if (secretsKey === undefined) throw new Error("WEBHOOK_SECRETS_KEY is not set"); // the route checks first
    const id = `wh_${randomAlphanumeric(20)}`;
    const secret = newSigningSecret();
    const box = await sealSecret(secretsKey, secret, `${team}/${id}`);
    // With no endpoint enabled the outbox kept no changes, so it may have been told of newer ones than the route read.
    const noneEnabled = this.#tables.activeEndpoints().length === 0;
    const from = (noneEnabled ? Math.max(feedAt, this.#tables.ingestedUpTo()) : feedAt) + 1;
    if (noneEnabled) this.#tables.setMeta("ingested_up_to", String(from - 1));
    this.#tables.addEndpoint({
      id, url, events: normalizedEvents(events).join(","), secret_box: box, created_at: now, created_by: member,
      next_seq: from, failed_attempts: 0, next_attempt_at: 0, disabled_at: null, disabled_reason: null,
    });
    this.#secrets.set(id, secret);
    await this.#armWithin(configOf(this.env).webhooks.catchUpEveryMs);
    return { kind: "created", webhook: { ...publicView(this.#tables.endpoint(id)!), secret } };
  }

  async list(): Promise<WebhookEndpoint[]> {
    return this.#tables.endpoints().map(publicView);
  }

  async endpoint(id: string): Promise<WebhookEndpoint | null> {
    const row = this.#tables.endpoint(id);
    return row === null ? null : publicView(row);
  }

  async remove(id: string): Promise<boolean> {
    const removed = this.#tables.removeEndpoint(id);
    this.#secrets.delete(id);
    this.#tables.prune();
    return removed;
  }

  async deliveries(id: string): Promise<WebhookAttempt[] | null> {
    return this.#tables.endpoint(id) === null ? null : this.#tables.attempts(id);
  }

  /**
   * Enables the endpoint again (if it was disabled) and sends it every change from `fromSeq` on,
   * in order, with a fresh retry schedule. `entries` are the feed's changes from there, as the
   * route read them: the outbox keeps only what an enabled endpoint still owes.
   */
  async redeliver(id: string, fromSeq: number, entries: FeedEntry[]): Promise<RedeliverOutcome> {
    if (this.#tables.endpoint(id) === null) return { kind: "not_found" };
    this.#tables.addMessages(entries.filter((e) => e.seq >= fromSeq).map(messageRow).filter((m) => m !== null));
    this.#tables.restart(id, fromSeq);
    await this.#startDelivery();
    return { kind: "restarted", from_seq: fromSeq };
  }

  // ---- from the change sink ----------------------------------------------------------------

  /**
   * After a write: the numbered changes the worker knows the text of, and the newest seq written.
   * Answers how many endpoints are enabled, so a worker can stop telling a team that has none.
   */
  async notify(team: string, entries: FeedEntry[], upTo: number): Promise<number> {
    // A team that never registered an endpoint: nothing to keep (so its object stores nothing).
    if (this.#tables.endpoints().length === 0) return 0;
    if (this.#tables.meta("team") !== team) this.#tables.setMeta("team", team);
    const enabled = this.#tables.activeEndpoints().length;
    const ingested = this.#tables.ingestedUpTo();
    if (enabled === 0) {
      if (upTo > ingested) this.#tables.setMeta("ingested_up_to", String(upTo)); // nobody is owed these
      return 0;
    }
    if (upTo <= ingested) return enabled;
    const known = new Map(entries.map((e) => [e.seq, e]));
    const complete = Array.from({ length: upTo - ingested }, (_, i) => known.get(ingested + 1 + i));
    if (complete.every((e) => e !== undefined)) this.#ingest(complete as FeedEntry[]);
    else await this.#catchUp(upTo).catch((error: unknown) => logError("webhook_feed_read_failed", team, error)); // the alarm tries again
    await this.#startDelivery();
    return enabled;
  }

  // ---- delivery ----------------------------------------------------------------------------

  /** Due retries, the backstop after a notice, and the periodic look at the feed. */
  override async alarm(): Promise<void> {
    const team = this.#tables.meta("team");
    if (team === null) return;
    const now = Date.now();
    const due = this.#dueAt();
    if (due === null || due > now || now - this.#lastLook >= configOf(this.env).webhooks.catchUpEveryMs) {
      // A look at the feed for changes whose notice never came (a crash, a failed read).
      this.#lastLook = now;
      try {
        const latest = await latestSeq(mainStore(this.env), team);
        if (latest > this.#tables.ingestedUpTo()) await this.#catchUp(latest);
      } catch (error) {
        logError("webhook_feed_read_failed", team, error);
      }
    }
    await this.#deliverNow();
  }

  /**
   * Delivers what is due, one run at a time per object (a notice or an alarm during a run makes it
   * go round once more), then arms the alarm for what is left. A run cut short by a restart leaves
   * the alarm armed, so the next object carries on from the tables.
   */
  #deliverNow(): Promise<void> {
    if (this.#running !== null) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      const team = this.#tables.meta("team");
      try {
        do {
          this.#again = false;
          const now = Date.now();
          const ready = this.#tables.activeEndpoints().filter((e) => e.next_attempt_at <= now);
          if (team !== null) await Promise.all(ready.map((endpoint) => this.#drain(team, endpoint.id)));
        } while (this.#again);
      } catch (error) {
        logError("webhook_delivery_failed", team ?? "", error);
      } finally {
        this.#running = null;
        await this.#armNext();
      }
    })();
    return this.#running;
  }

  /** Delivers to one endpoint, oldest change first, until it fails, is owed nothing, or the batch is done. */
  async #drain(team: string, endpointId: string): Promise<void> {
    const { retryUnitMs, timeoutMs } = configOf(this.env).webhooks;
    for (let sent = 0; sent < DRAIN_BATCH; ) {
      const endpoint = this.#tables.endpoint(endpointId);
      if (endpoint === null || endpoint.disabled_at !== null || endpoint.next_attempt_at > Date.now()) return;
      const events = endpoint.events.split(",");
      const batch = this.#tables.messagesFrom(endpoint.next_seq, FEED_BATCH);
      const message = batch.find((m) => wantsEvent(events, m.type));
      if (message === undefined) {
        // None of these is a type it wants: move past them (and, at the end, past all taken in).
        const full = batch.length === FEED_BATCH;
        this.#tables.advance(endpointId, endpoint.next_seq, full ? batch.at(-1)!.seq + 1 : Math.max(endpoint.next_seq, this.#tables.ingestedUpTo() + 1));
        if (full) continue;
        this.#tables.prune();
        return;
      }
      if (message.seq > endpoint.next_seq) this.#tables.advance(endpointId, endpoint.next_seq, message.seq);
      const secret = await this.#secretOf(team, endpoint).catch((error: unknown) => error as Error);
      const messageId = `msg_${team}_${message.seq}`;
      const at = Date.now();
      const { result, durationMs } =
        secret instanceof Error
          ? { result: { error: `cannot sign: ${secret.message}` }, durationMs: 0 }
          : await attemptDelivery({ url: endpoint.url, secret, messageId, body: message.body }, at, timeoutMs);
      if (this.#tables.endpoint(endpointId) === null) return; // removed meanwhile: nothing to record
      const decision = decideAfterAttempt(result, endpoint.failed_attempts, Date.now(), retryUnitMs, Math.random);
      const outcome = decision.kind === "delivered" ? "delivered" : decision.kind === "retry" ? "retrying" : "disabled";
      this.#tables.logAttempt(endpointId, {
        message_id: messageId, seq: message.seq, type: message.type, attempt: endpoint.failed_attempts + 1, at: new Date(at).toISOString(),
        status: "status" in result ? result.status : null, outcome, error: "error" in result ? result.error : null, duration_ms: durationMs,
      });
      switch (decision.kind) {
        case "delivered":
          this.#tables.advance(endpointId, message.seq, message.seq + 1);
          sent++;
          break;
        case "retry":
          this.#tables.scheduleRetry(endpointId, message.seq, endpoint.failed_attempts + 1, decision.atMs);
          return;
        case "disable":
          this.#disable(team, endpointId, `${decision.reason} (change ${message.seq})`);
          return;
        default: {
          const never: never = decision;
          throw new Error(`unknown decision ${JSON.stringify(never)}`);
        }
      }
    }
  }

  #disable(team: string, endpointId: string, reason: string): void {
    this.#tables.disable(endpointId, new Date().toISOString(), reason);
    this.#tables.prune();
    console.warn(JSON.stringify({ event: "webhook_disabled", team, endpoint: endpointId, reason }));
  }

  async #secretOf(team: string, endpoint: EndpointRow): Promise<string> {
    let secret = this.#secrets.get(endpoint.id);
    if (secret === undefined) {
      const key = configOf(this.env).webhooks.secretsKey;
      if (key === undefined) throw new Error("WEBHOOK_SECRETS_KEY is not set");
      secret = await openSecret(key, endpoint.secret_box, `${team}/${endpoint.id}`);
      this.#secrets.set(endpoint.id, secret);
    }
    return secret;
  }

  // ---- taking changes in from the feed -----------------------------------------------------

  /** Reads the feed from where the outbox stands up to `upTo`. */
  async #catchUp(upTo: number): Promise<void> {
    const team = this.#tables.meta("team")!;
    while (this.#tables.ingestedUpTo() < upTo) {
      const from = this.#tables.ingestedUpTo();
      const entries = await readFeed(mainStore(this.env), team, from, FEED_BATCH);
      if (entries.length === 0) return;
      if (this.#tables.ingestedUpTo() !== from) continue; // a notice took some in meanwhile
      this.#ingest(entries);
    }
  }

  #ingest(entries: FeedEntry[]): void {
    const rows = entries.map(messageRow).filter((m) => m !== null);
    this.#tables.addMessages(rows);
    const upTo = Math.max(this.#tables.ingestedUpTo(), ...entries.map((e) => e.seq));
    this.#tables.setMeta("ingested_up_to", String(upTo));
    const team = this.#tables.meta("team") ?? "";
    for (const endpoint of this.#tables.activeEndpoints()) {
      const problem = backlogProblem(endpoint.next_seq, upTo);
      if (problem !== null) this.#disable(team, endpoint.id, problem);
    }
  }

  // ---- the alarm ---------------------------------------------------------------------------

  #dueAt(): number | null {
    return this.#tables.earliestDue();
  }

  /** The next run: when the earliest attempt is due, and no later than the next look at the feed while any endpoint is enabled. */
  async #armNext(): Promise<void> {
    const now = Date.now();
    const due = this.#dueAt();
    const look = this.#tables.activeEndpoints().length > 0 ? now + configOf(this.env).webhooks.catchUpEveryMs : null;
    const next = Math.min(due ?? Infinity, look ?? Infinity);
    if (next === Infinity) await this.ctx.storage.deleteAlarm();
    else await this.ctx.storage.setAlarm(Math.max(next, now));
  }

  /** Delivers now, in the background, with the alarm armed as a backstop should this object not finish. */
  async #startDelivery(): Promise<void> {
    await this.#armWithin(BACKSTOP_MS);
    this.ctx.waitUntil(this.#deliverNow());
  }

  /** Makes sure a run comes within `ms`. */
  async #armWithin(ms: number): Promise<void> {
    const at = Date.now() + ms;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }
}

/** A feed entry as the body a receiver gets: Standard Webhooks' {"type", "timestamp", "data"}. */
function messageRow(entry: FeedEntry): MessageRow | null {
  let change: { type?: unknown; at?: unknown };
  try {
    change = JSON.parse(entry.text) as typeof change;
  } catch {
    return null; // not a change (nothing the worker writes): nothing to send
  }
  const type = typeof change.type === "string" ? change.type : "unknown";
  return { seq: entry.seq, type, body: JSON.stringify({ type, timestamp: change.at ?? null, data: change }) };
}

function publicView(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    events: row.events.split(","),
    created_at: row.created_at,
    created_by: row.created_by,
    next_seq: row.next_seq,
    failed_attempts: row.failed_attempts,
    next_attempt_at: row.disabled_at === null && row.failed_attempts > 0 ? new Date(row.next_attempt_at).toISOString() : null,
    disabled: row.disabled_at === null ? null : { at: row.disabled_at, reason: row.disabled_reason ?? "" },
  };
}

function randomAlphanumeric(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length * 2));
  let out = "";
  for (const byte of bytes) {
    if (byte >= 248) continue; // 248 = 62 * 4: keeps every letter equally likely
    out += alphabet[byte % 62];
    if (out.length === length) break;
  }
  return out.length === length ? out : out + randomAlphanumeric(length - out.length);
}

function logError(event: string, team: string, error: unknown): void {
  console.error(JSON.stringify({ event, team, error: String(error) }));
}
