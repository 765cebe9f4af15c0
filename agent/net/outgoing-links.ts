/**
 * Outgoing TCP connections, one per peer address, opened on first use and reopened after a failure
 * with a short backoff. Sending never blocks and never throws: while a link is down its messages are
 * dropped, because the core resends everything that matters (heartbeats every beat, joins, commands
 * and elections on their own timers) and a queue would only deliver stale state late.
 *
 * A link is up once the peer's hello arrived (handshake.ts): frames are sealed only then, for the
 * challenge it carries (recipient-binding.ts), so callers hand over a `seal` function, not bytes.
 *
 * After a partition: a link whose peer fell silent is replaced rather than trusted (link-health.ts:
 * the kernel may hold our frames for seconds behind dropped ones), and while a connection attempt
 * hangs (SYNs dropped, which the kernel retries only after 1 s) another starts every
 * `reattemptMs` (150 ms), so a SYN soon after the network heals gets through.
 */
import { createConnection, type Socket } from "node:net";
import { FrameDecoder, encodeFrame } from "./frames.ts";
import { parseHello, parseRefusal } from "./handshake.ts";
import { heard, linkSuspect, NEVER_HEARD, type PeerHearing } from "./link-health.ts";
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
  /** A peer silent this long (see heardFrom) makes its open link suspect (link-health.ts). */
  readonly staleMs?: number;
  /** While connecting, another attempt starts after this long, up to MAX_ATTEMPTS at once. */
  readonly reattemptMs?: number;
  /** The peer closed the link saying why (handshake.ts), e.g. "bad_mac": our team key is not its. */
  readonly onRefused?: (target: HostPort, reason: string) => void;
}

/** Attempts pending at once: a new one every reattemptMs, each given the connect timeout (1 s). */
const MAX_ATTEMPTS = 8;

interface Link {
  readonly target: HostPort;
  /** The socket whose peer greeted us (the link is up), if any. */
  socket: Socket | null;
  /** The challenge that socket's hello carried: every frame on it is sealed for this. */
  challenge: string | null;
  connectedAt: number;
  /** Connections being opened or waiting for their hello: the first greeted becomes `socket`. */
  attempts: Set<Socket>;
  lastAttemptAt: number;
  /** Messages given while connecting, sealed and sent when a hello arrives. */
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
  readonly #maxQueued: number;
  readonly #idleCloseMs: number;
  readonly #staleMs: number;
  readonly #reattemptMs: number;
  readonly #onRefused: (target: HostPort, reason: string) => void;
  #closed = false;

  constructor(options: OutgoingLinksOptions = {}) {
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.#minBackoffMs = options.minBackoffMs ?? 50;
    this.#maxBackoffMs = options.maxBackoffMs ?? 500;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
    this.#maxQueued = options.maxQueued ?? 256;
    this.#idleCloseMs = options.idleCloseMs ?? 30_000;
    // Four heartbeats (core config), longer than the master's 300 ms window for counting a member live.
    this.#staleMs = options.staleMs ?? 400;
    // Under the core's 200 ms probe interval, so every probe to a member cut off sends a fresh SYN.
    this.#reattemptMs = options.reattemptMs ?? 150;
    this.#onRefused = options.onRefused ?? (() => {});
  }

  /** A signed frame from the peer listening at `target` arrived (on its own connection to us). */
  heardFrom(target: HostPort, now = Date.now()): void {
    const key = formatHostPort(target);
    this.#hearing.set(key, heard(this.#hearing.get(key) ?? NEVER_HEARD, now, this.#staleMs));
  }

  /** Sends one message to `target` (sealed now if the link is up, else once it is); false if it was dropped at once. */
  send(target: HostPort, seal: Sealer, now = Date.now()): boolean {
    if (this.#closed) return false;
    const key = formatHostPort(target);
    let link = this.#links.get(key);
    if (link === undefined) {
      link = { target, socket: null, challenge: null, connectedAt: 0, attempts: new Set(), lastAttemptAt: 0, queue: [], retryAt: 0, backoffMs: this.#minBackoffMs, lastUsedAt: now, closing: false };
      this.#links.set(key, link);
    }
    link.lastUsedAt = now;
    if (link.socket !== null && linkSuspect(this.#hearing.get(key) ?? NEVER_HEARD, link.connectedAt, now, this.#staleMs)) {
      const suspect = link.socket;
      link.socket = null;
      link.challenge = null;
      link.retryAt = now;
      suspect.destroy(); // What it still holds may never arrive; the core resends what matters.
      this.stats.replaced += 1;
    }
    const socket = link.socket;
    if (socket === null || link.challenge === null) {
      if (link.attempts.size === 0) {
        if (now < link.retryAt) return this.#unsent();
        this.#connect(link, now);
      } else if (now - link.lastAttemptAt >= this.#reattemptMs && link.attempts.size < MAX_ATTEMPTS) {
        this.#connect(link, now);
      }
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
      // A pending attempt that is greeted sends the queue, then ends (see #connect).
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
    // Connecting and being greeted must both happen within the connect timeout.
    socket.setTimeout(this.#connectTimeoutMs, () => {
      if (link.attempts.has(socket)) socket.destroy();
    });
    const decoder = new FrameDecoder();
    socket.on("data", (chunk: Buffer) => {
      const { frames, oversize } = decoder.push(chunk);
      // Once up, the peer only ever says why it closes the link.
      if (link.socket === socket) {
        for (const frame of frames) {
          const reason = parseRefusal(frame);
          if (reason !== null) this.#onRefused(link.target, reason);
        }
        return;
      }
      if (!link.attempts.has(socket)) return;
      // The peer's first frame is its hello.
      const challenge = frames.length > 0 ? parseHello(frames[0]!) : null;
      if (challenge === null) {
        if (frames.length > 0 || oversize) socket.destroy(); // not an agent of this version
        return;
      }
      link.attempts.delete(socket);
      for (const other of link.attempts) other.destroy(); // The first greeted wins.
      link.attempts.clear();
      link.socket = socket;
      link.challenge = challenge;
      link.connectedAt = Date.now();
      link.backoffMs = this.#minBackoffMs;
      socket.setTimeout(0);
      for (const seal of link.queue) socket.write(encodeFrame(seal(tcpBinding(challenge))));
      this.stats.sent += link.queue.length;
      link.queue = [];
      if (link.closing) socket.end();
    });
    socket.on("error", () => {}); // "close" follows and does the bookkeeping.
    socket.on("close", () => {
      if (link.attempts.delete(socket)) {
        this.stats.connectFailures += 1;
        if (link.attempts.size > 0 || link.socket !== null) return; // Another attempt may still be greeted.
      } else if (link.socket !== socket) {
        return; // Replaced as suspect, or lost the race to another attempt.
      }
      link.socket = null;
      link.challenge = null;
      this.stats.unsent += link.queue.length;
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
