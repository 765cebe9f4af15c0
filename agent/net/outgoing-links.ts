/**
 * Outgoing TCP connections, one per peer address, opened on first use and reopened after a failure
 * with a short backoff. Sending never blocks and never throws: while a link is down its messages are
 * dropped, because the core resends everything that matters (heartbeats every beat, joins, commands
 * and elections on their own timers) and a queue would only deliver stale state late.
 */
import { createConnection, type Socket } from "node:net";
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
}

interface Link {
  readonly target: HostPort;
  socket: Socket | null;
  connected: boolean;
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
}

export class OutgoingLinks {
  readonly stats: LinkStats = { sent: 0, unsent: 0, connectFailures: 0 };
  readonly #links = new Map<string, Link>();
  readonly #connectTimeoutMs: number;
  readonly #minBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxBufferedBytes: number;
  readonly #idleCloseMs: number;
  #closed = false;

  constructor(options: OutgoingLinksOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#minBackoffMs = options.minBackoffMs ?? 50;
    this.#maxBackoffMs = options.maxBackoffMs ?? 500;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
    this.#idleCloseMs = options.idleCloseMs ?? 30_000;
  }

  /** Queues one frame for `target`; false if it was dropped at once. */
  send(target: HostPort, frame: string, now = Date.now()): boolean {
    if (this.#closed) return false;
    const key = formatHostPort(target);
    let link = this.#links.get(key);
    if (link === undefined) {
      link = { target, socket: null, connected: false, queue: [], queuedBytes: 0, retryAt: 0, backoffMs: this.#minBackoffMs, lastUsedAt: now, closing: false };
      this.#links.set(key, link);
    }
    link.lastUsedAt = now;
    if (link.socket === null) {
      if (now < link.retryAt) return this.#unsent();
      this.#connect(link);
    }
    const socket = link.socket!;
    if (!link.connected) {
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
      this.#links.delete(key);
    }
  }

  /** Sends what is queued, closes every link, and resolves once they are closed or after `timeoutMs`. */
  async close(timeoutMs = 500): Promise<void> {
    this.#closed = true;
    const closing: Promise<void>[] = [];
    for (const link of this.#links.values()) {
      const socket = link.socket;
      if (socket === null) continue;
      link.closing = true;
      closing.push(new Promise((resolve) => socket.once("close", () => resolve())));
      if (link.connected) socket.end();
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closing), new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    for (const link of this.#links.values()) link.socket?.destroy();
    this.#links.clear();
  }

  #connect(link: Link): void {
    const socket = createConnection({ host: link.target.host, port: link.target.port });
    link.socket = socket;
    link.connected = false;
    socket.setNoDelay(true);
    socket.setTimeout(this.#connectTimeoutMs, () => {
      if (!link.connected) socket.destroy();
    });
    socket.on("connect", () => {
      if (link.socket !== socket) return;
      link.connected = true;
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
      if (link.socket !== socket) return;
      if (!link.connected) this.stats.connectFailures += 1;
      this.stats.unsent += link.queue.length;
      link.socket = null;
      link.connected = false;
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
