import { WEBHOOK_ATTEMPTS_KEPT, type WebhookAttempt } from "../../shared/webhooks.ts";

/** An endpoint's row: its settings and where its delivery stands. */
export type EndpointRow = {
  id: string;
  url: string;
  /** Comma-separated event types, or "*". */
  events: string;
  secret_box: string;
  created_at: string;
  created_by: string;
  /** The first change not yet delivered to it. */
  next_seq: number;
  /** Failed attempts at next_seq's change. */
  failed_attempts: number;
  /** Epoch ms; the next attempt is not made before it. */
  next_attempt_at: number;
  disabled_at: string | null;
  disabled_reason: string | null;
};

export type MessageRow = {
  seq: number;
  type: string;
  /** The delivery body as sent: {"type", "timestamp", "data": the change}. */
  body: string;
};

/** Attempts kept per endpoint in its delivery log. */
export const LOG_LENGTH = WEBHOOK_ATTEMPTS_KEPT;

/**
 * The outbox's SQLite tables (Durable Object storage): endpoints, the changes still owed to at
 * least one of them (one copy each, whatever the number of endpoints), and each endpoint's log.
 * Every method is one synchronous statement or a few, so none interleaves with another request.
 */
export class OutboxTables {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS endpoints (
      id TEXT PRIMARY KEY, url TEXT NOT NULL, events TEXT NOT NULL, secret_box TEXT NOT NULL,
      created_at TEXT NOT NULL, created_by TEXT NOT NULL,
      next_seq INTEGER NOT NULL, failed_attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL DEFAULT 0,
      disabled_at TEXT, disabled_reason TEXT)`);
    sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, type TEXT NOT NULL, body TEXT NOT NULL)");
    sql.exec(`CREATE TABLE IF NOT EXISTS attempts (
      n INTEGER PRIMARY KEY AUTOINCREMENT, endpoint_id TEXT NOT NULL, message_id TEXT NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL,
      attempt INTEGER NOT NULL, at TEXT NOT NULL, status INTEGER, outcome TEXT NOT NULL, error TEXT, duration_ms REAL NOT NULL)`);
    sql.exec("CREATE INDEX IF NOT EXISTS attempts_by_endpoint ON attempts (endpoint_id, n)");
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
  }

  // ---- meta: the team's name and how far the feed has been taken in ----

  meta(key: "team" | "ingested_up_to"): string | null {
    const row = this.#sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0];
    return row?.value ?? null;
  }

  setMeta(key: "team" | "ingested_up_to", value: string): void {
    this.#sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  ingestedUpTo(): number {
    return Number(this.meta("ingested_up_to") ?? 0);
  }

  // ---- endpoints ----

  endpoints(): EndpointRow[] {
    return this.#sql.exec<EndpointRow>("SELECT * FROM endpoints ORDER BY created_at, id").toArray() as EndpointRow[];
  }

  endpoint(id: string): EndpointRow | null {
    return (this.#sql.exec<EndpointRow>("SELECT * FROM endpoints WHERE id = ?", id).toArray()[0] as EndpointRow | undefined) ?? null;
  }

  activeEndpoints(): EndpointRow[] {
    return this.#sql.exec<EndpointRow>("SELECT * FROM endpoints WHERE disabled_at IS NULL").toArray() as EndpointRow[];
  }

  addEndpoint(row: EndpointRow): void {
    this.#sql.exec(
      "INSERT INTO endpoints (id, url, events, secret_box, created_at, created_by, next_seq, failed_attempts, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0)",
      row.id, row.url, row.events, row.secret_box, row.created_at, row.created_by, row.next_seq,
    );
  }

  removeEndpoint(id: string): boolean {
    const removed = this.#sql.exec("DELETE FROM endpoints WHERE id = ?", id).rowsWritten > 0;
    this.#sql.exec("DELETE FROM attempts WHERE endpoint_id = ?", id);
    return removed;
  }

  /** Moves an endpoint past `seq` (delivered or not wanted), if it is still at it. */
  advance(id: string, atSeq: number, toSeq: number): void {
    this.#sql.exec("UPDATE endpoints SET next_seq = ?, failed_attempts = 0, next_attempt_at = 0 WHERE id = ? AND next_seq = ?", toSeq, id, atSeq);
  }

  scheduleRetry(id: string, atSeq: number, failedAttempts: number, atMs: number): void {
    this.#sql.exec("UPDATE endpoints SET failed_attempts = ?, next_attempt_at = ? WHERE id = ? AND next_seq = ?", failedAttempts, atMs, id, atSeq);
  }

  disable(id: string, at: string, reason: string): void {
    this.#sql.exec("UPDATE endpoints SET disabled_at = ?, disabled_reason = ?, next_attempt_at = 0 WHERE id = ? AND disabled_at IS NULL", at, reason, id);
  }

  /** Enabled again, starting over at `fromSeq` with a fresh schedule. */
  restart(id: string, fromSeq: number): void {
    this.#sql.exec("UPDATE endpoints SET next_seq = ?, failed_attempts = 0, next_attempt_at = 0, disabled_at = NULL, disabled_reason = NULL WHERE id = ?", fromSeq, id);
  }

  // ---- messages ----

  addMessages(messages: MessageRow[]): void {
    for (const m of messages) this.#sql.exec("INSERT OR IGNORE INTO messages (seq, type, body) VALUES (?, ?, ?)", m.seq, m.type, m.body);
  }

  /** The stored changes from `fromSeq` on, oldest first. */
  messagesFrom(fromSeq: number, limit: number): MessageRow[] {
    return this.#sql.exec<MessageRow>("SELECT seq, type, body FROM messages WHERE seq >= ? ORDER BY seq LIMIT ?", fromSeq, limit).toArray() as MessageRow[];
  }

  oldestMessageSeq(): number | null {
    const row = this.#sql.exec<{ seq: number | null }>("SELECT MIN(seq) AS seq FROM messages").one();
    return row.seq;
  }

  /** Drops the changes every enabled endpoint is past (all of them when none is enabled). */
  prune(): void {
    this.#sql.exec("DELETE FROM messages WHERE seq < COALESCE((SELECT MIN(next_seq) FROM endpoints WHERE disabled_at IS NULL), 9007199254740991)");
  }

  /** Epoch ms of the earliest attempt due among enabled endpoints that have a stored change waiting, or null. */
  earliestDue(): number | null {
    const row = this.#sql
      .exec<{ due: number | null }>("SELECT MIN(e.next_attempt_at) AS due FROM endpoints e WHERE e.disabled_at IS NULL AND EXISTS (SELECT 1 FROM messages m WHERE m.seq >= e.next_seq)")
      .one();
    return row.due;
  }

  // ---- the delivery log ----

  logAttempt(endpointId: string, attempt: WebhookAttempt): void {
    this.#sql.exec(
      "INSERT INTO attempts (endpoint_id, message_id, seq, type, attempt, at, status, outcome, error, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      endpointId, attempt.message_id, attempt.seq, attempt.type, attempt.attempt, attempt.at, attempt.status, attempt.outcome, attempt.error, attempt.duration_ms,
    );
    this.#sql.exec(
      "DELETE FROM attempts WHERE endpoint_id = ? AND n <= (SELECT n FROM attempts WHERE endpoint_id = ? ORDER BY n DESC LIMIT 1 OFFSET ?)",
      endpointId, endpointId, LOG_LENGTH,
    );
  }

  /** Newest first. */
  attempts(endpointId: string): WebhookAttempt[] {
    return this.#sql
      .exec<Record<string, SqlStorageValue>>("SELECT message_id, seq, type, attempt, at, status, outcome, error, duration_ms FROM attempts WHERE endpoint_id = ? ORDER BY n DESC", endpointId)
      .toArray() as unknown as WebhookAttempt[];
  }
}
