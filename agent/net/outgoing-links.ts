/**
 * Outgoing TCP connections, one per peer address, opened on first use and reopened after a failure
 * with a short backoff. Sending never blocks and never throws: while a link is down its messages are
 * dropped, because the core resends everything that matters (heartbeats every beat, joins, commands
 * and elections on their own timers) and a queue would only deliver stale state late.
 *
 * After a partition: a link whose peer fell silent is replaced rather than trusted (link-health.ts:
 * the kernel may hold our frames for seconds behind dropped ones), and while a connection attempt
 * hangs (SYNs dropped, which the kernel retries only after 1 s) another starts every
 * `reattemptMs` (150 ms), so a SYN soon after the network heals gets through.
 */
import { createConnection, type Socket } from "node:net";
import { heard, linkSuspect, NEVER_HEARD, type PeerHearing } from "./link-health.ts";
import { formatHostPort, type HostPort } from "./peer-address.ts";

export interface OutgoingLinksOptions {
  readonly connectTimeoutMs?: number;
  /** First wait before reconnecting after a failure; doubles up to maxBackoffMs, reset on success. */
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Bytes allowed to wait for a peer that does not read (e.g. frozen by SIGSTOP). Beyond this the
   * connection is dropped rather than buffering without bound; what it held is stale anyway.
   */
  readonly maxBufferedBytes?: number;
  /** A link unused this long is closed. */
  readonly idleCloseMs?: number;
  /** A peer silent this long (see heardFrom) makes its open link suspect (link-health.ts). */
  readonly staleMs?: number;
  /** While connecting, another attempt starts after this long, up to MAX_ATTEMPTS at once. */
  readonly reattemptMs?: number;
}

/** Attempts pending at once: a new one every reattemptMs, each given the connect timeout (1 s). */
const MAX_ATTEMPTS = 8;

interface Link {
  readonly target: HostPort;
  /** The connected socket, if any. */
  socket: Socket | null;
  connectedAt: number;
  /** Connections being opened: the first to connect becomes `socket`, the others are closed. */
  attempts: Set<Socket>;
  lastAttemptAt: number;
  /** Frames written while connecting, sent on connect. */
  queue: string[];
  queuedBytes: number;
  retryAt: number;
  backoffMs: number;
  lastUsedAt: number;
  closing: boolean;
}

export interface LinkStats {
  sent: number;
  /** Dropped because the link was down or backed up. */
  unsent: number;
  connectFailures: number;
  /** Open links replaced because their peer had fallen silent (link-health.ts). */
  replaced: number;
}

export class OutgoingLinks {
  readonly stats: LinkStats = { sent: 0, unsent: 0, connectFailures: 0, replaced: 0 };
  readonly #links = new Map<string, Link>();
  readonly #hearing = new Map<string, PeerHearing>();
  readonly #connectTimeoutMs: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxBufferedBytes: number;
  readonly #idleCloseMs: number;
  readonly #staleMs: number;
  readonly #reattemptMs: number;
  #closed = false;

  constructor(options: OutgoingLinksOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#minBackoffMs = options.minBackoffMs ?? 50;
    this.#maxBackoffMs = options.maxBackoffMs ?? 500;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
    this.#idleCloseMs = options.idleCloseMs ?? 30_000;
    // Four heartbeats (core config), longer than the master's 300 ms window for counting a member live.
    this.#staleMs = options.staleMs ?? 400;
    // Under the core's 200 ms probe interval, so every probe to a member cut off sends a fresh SYN.
    this.#reattemptMs = options.reattemptMs ?? 150;
  }

  /** A signed frame from the peer listening at `target` arrived (on its own connection to us). */
  heardFrom(target: HostPort, now = Date.now()): void {
    const key = formatHostPort(target);
    this.#hearing.set(key, heard(this.#hearing.get(key) ?? NEVER_HEARD, now, this.#staleMs));
  }

  /** Queues one frame for `target`; false if it was dropped at once. */
  send(target: HostPort, frame: string, now = Date.now()): boolean {
    if (this.#closed) return false;
    const key = formatHostPort(target);
    let link = this.#links.get(key);
    if (link === undefined) {
      link = { target, socket: null, connectedAt: 0, attempts: new Set(), lastAttemptAt: 0, queue: [], queuedBytes: 0, retryAt: 0, backoffMs: this.#minBackoffMs, lastUsedAt: now, closing: false };
      this.#links.set(key, link);
    }
    link.lastUsedAt = now;
    if (link.socket !== null && linkSuspect(this.#hearing.get(key) ?? NEVER_HEARD, link.connectedAt, now, this.#staleMs)) {
      const suspect = link.socket;
      link.socket = null;
      link.retryAt = now;
      suspect.destroy(); // What it still holds may never arrive; the core resends what matters.
      this.stats.replaced += 1;
    }
    const socket = link.socket;
    if (socket === null) {
      if (link.attempts.size === 0) {
        if (now < link.retryAt) return this.#unsent();
        this.#connect(link, now);
      } else if (now - link.lastAttemptAt >= this.#reattemptMs && link.attempts.size < MAX_ATTEMPTS) {
        this.#connect(link, now);
      }
      if (link.queuedBytes + frame.length > this.#maxBufferedBytes) return this.#unsent();
      link.queue.push(frame);
      link.queuedBytes += frame.length;
      return true;
    }
    if (socket.writableLength > this.#maxBufferedBytes) {
      socket.destroy();
      return this.#unsent();
    }
    socket.write(frame);
    this.stats.sent += 1;
    return true;
  }

  /** Closes links nobody used for a while (peers that left, old addresses of restarted peers). */
  sweep(now = Date.now()): void {
    for (const [key, link] of this.#links) {
      if (now - link.lastUsedAt < this.#idleCloseMs) continue;
      link.socket?.destroy();
      for (const attempt of link.attempts) attempt.destroy();
      this.#links.delete(key);
    }
    for (const [key, hearing] of this.#hearing) {
      if (!this.#links.has(key) && now - (hearing.heardAt ?? 0) >= this.#idleCloseMs) this.#hearing.delete(key);
    }
  }

  /** Sends what is queued, closes every link, and resolves once they are closed or after `timeoutMs`. */
  async close(timeoutMs = 500): Promise<void> {
    this.#closed = true;
    const closing: Promise<void>[] = [];
    for (const link of this.#links.values()) {
      link.closing = true;
      // A pending attempt that connects sends the queue, then ends (see #connect).
      for (const socket of [...(link.socket === null ? [] : [link.socket]), ...link.attempts]) {
        closing.push(new Promise((resolve) => socket.once("close", () => resolve())));
      }
      link.socket?.end();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const link of this.#links.values()) {
      link.socket?.destroy();
      for (const attempt of link.attempts) attempt.destroy();
    }
    this.#links.clear();
  }

  #connect(link: Link, now: number): void {
    const socket = createConnection({ host: link.target.host, port: link.target.port });
    link.attempts.add(socket);
    link.lastAttemptAt = now;
    socket.setNoDelay(true);
    socket.setTimeout(this.#connectTimeoutMs, () => {
      if (link.attempts.has(socket)) socket.destroy();
    });
    socket.on("connect", () => {
      if (!link.attempts.delete(socket)) return;
      for (const other of link.attempts) other.destroy(); // The first to connect wins.
      link.attempts.clear();
      link.socket = socket;
      link.connectedAt = Date.now();
      link.backoffMs = this.#minBackoffMs;
      socket.setTimeout(0);
      for (const frame of link.queue) socket.write(frame);
      this.stats.sent += link.queue.length;
      link.queue = [];
      link.queuedBytes = 0;
      if (link.closing) socket.end();
    });
    // Peers never answer on this connection; read and discard so nothing backs up.
    socket.on("data", () => {});
    socket.on("error", () => {}); // "close" follows and does the bookkeeping.
    socket.on("close", () => {
      if (link.attempts.delete(socket)) {
        this.stats.connectFailures += 1;
        if (link.attempts.size > 0 || link.socket !== null) return; // Another attempt may still connect.
      } else if (link.socket !== socket) {
        return; // Replaced as suspect, or lost the race to another attempt.
      }
      link.socket = null;
      this.stats.unsent += link.queue.length;
      link.queue = [];
      link.queuedBytes = 0;
      link.retryAt = Date.now() + link.backoffMs;
      link.backoffMs = Math.min(link.backoffMs * 2, this.#maxBackoffMs);
    });
  }

  #unsent(): false {
    this.stats.unsent += 1;
    return false;
  }
}
