/**
 * Outgoing TCP connections, one per peer address, opened on first use and reopened after a failure
 * with a short backoff. Sending never blocks and never throws: while a link is down its messages are
 * dropped, because the core resends everything that matters (heartbeats every beat, joins, commands
 * and elections on their own timers) and a queue would only deliver stale state late.
 *
 * A link is up once the peer's hello arrived (handshake.ts): frames are sealed only then, for the
 * challenge it carries (recipient-binding.ts), so callers hand over a `seal` function, not bytes.
 */
import { createConnection, type Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "./frames.ts";
import { parseHello, parseRefusal } from "./handshake.ts";
import { formatHostPort, type HostPort } from "./peer-address.ts";
import { tcpBinding } from "./recipient-binding.ts";

/** Seals one message for the recipient binding given (the link's challenge); returns the envelope's JSON. */
export type Sealer = (to: string) => string;

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
  /** Messages held while a link waits for its hello; more are dropped. */
  readonly maxQueued?: number;
  /** A link unused this long is closed. */
  readonly idleCloseMs?: number;
  /** The peer closed the link saying why (handshake.ts), e.g. "bad_mac": our team key is not its. */
  readonly onRefused?: (target: HostPort, reason: string) => void;
}

interface Link {
  readonly target: HostPort;
  socket: Socket | null;
  /** The peer's challenge once its hello arrived: the link is up. */
  challenge: string | null;
  /** Messages given while connecting, sealed and sent when the hello arrives. */
  queue: Sealer[];
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
  readonly #maxQueued: number;
  readonly #idleCloseMs: number;
  readonly #onRefused: (target: HostPort, reason: string) => void;
  #closed = false;

  constructor(options: OutgoingLinksOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#minBackoffMs = options.minBackoffMs ?? 50;
    this.#maxBackoffMs = options.maxBackoffMs ?? 500;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
    this.#maxQueued = options.maxQueued ?? 256;
    this.#idleCloseMs = options.idleCloseMs ?? 30_000;
    this.#onRefused = options.onRefused ?? (() => {});
  }

  /** Sends one message to `target` (sealed now if the link is up, else once it is); false if it was dropped at once. */
  send(target: HostPort, seal: Sealer, now = Date.now()): boolean {
    if (this.#closed) return false;
    const key = formatHostPort(target);
    let link = this.#links.get(key);
    if (link === undefined) {
      link = { target, socket: null, challenge: null, queue: [], retryAt: 0, backoffMs: this.#minBackoffMs, lastUsedAt: now, closing: false };
      this.#links.set(key, link);
    }
    link.lastUsedAt = now;
    if (link.socket === null) {
      if (now < link.retryAt) return this.#unsent();
      this.#connect(link);
    }
    const socket = link.socket!;
    if (link.challenge === null) {
      if (link.queue.length >= this.#maxQueued) return this.#unsent();
      link.queue.push(seal);
      return true;
    }
    if (socket.writableLength > this.#maxBufferedBytes) {
      socket.destroy();
      return this.#unsent();
    }
    socket.write(encodeFrame(seal(tcpBinding(link.challenge))));
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
      if (link.challenge !== null) socket.end();
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
    link.challenge = null;
    socket.setNoDelay(true);
    // Connecting and being greeted must both happen within the connect timeout.
    socket.setTimeout(this.#connectTimeoutMs, () => {
      if (link.challenge === null) socket.destroy();
    });
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      // The peer's first frame is its hello; after that it only ever says why it closes the link.
      if (link.socket !== socket) return;
      const { frames, oversize } = decoder.push(chunk);
      if (link.challenge !== null) {
        for (const frame of frames) {
          const reason = parseRefusal(frame);
          if (reason !== null) this.#onRefused(link.target, reason);
        }
        return;
      }
      const challenge = frames.length > 0 ? parseHello(frames[0]!) : null;
      if (challenge === null) {
        if (frames.length > 0 || oversize) socket.destroy(); // not an agent of this version
        return;
      }
      link.challenge = challenge;
      link.backoffMs = this.#minBackoffMs;
      socket.setTimeout(0);
      for (const seal of link.queue) socket.write(encodeFrame(seal(tcpBinding(challenge))));
      this.stats.sent += link.queue.length;
      link.queue = [];
      if (link.closing) socket.end();
    });
    socket.on("error", () => {}); // "close" follows and does the bookkeeping.
    socket.on("close", () => {
      if (link.socket !== socket) return;
      if (link.challenge === null) this.stats.connectFailures += 1;
      this.stats.unsent += link.queue.length;
      link.socket = null;
      link.challenge = null;
      link.queue = [];
      link.retryAt = Date.now() + link.backoffMs;
      link.backoffMs = Math.min(link.backoffMs * 2, this.#maxBackoffMs);
    });
  }

  #unsent(): false {
    this.stats.unsent += 1;
    return false;
  }
}
