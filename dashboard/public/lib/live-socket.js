// @ts-check
/**
 * The live feed's WebSocket: connects, hands each message on, and when the connection drops,
 * reconnects with backoff asking for everything after the last seq it saw (`last_seq`), so no
 * change is missed and none is applied twice.
 *
 * @typedef {import("./types.js").HubMessage} HubMessage
 * @typedef {"connecting" | "live" | "reconnecting" | "offline"} LiveStatus
 */
import { reconnectDelayMs } from "./live-state.js";

/** Keeps idle connections from being closed by proxies, and finds dead ones. */
const PING_EVERY_MS = 25_000;

export class LiveSocket {
  #urlFor;
  #lastSeq;
  #onMessage;
  #onStatus;
  /** @type {WebSocket | null} */
  #socket = null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  #retryTimer = null;
  /** @type {ReturnType<typeof setInterval> | null} */
  #pingTimer = null;
  #attempt = 0;
  #stopped = true;
  /** @type {LiveStatus} */
  status = "offline";

  /**
   * @param {{
   *   urlFor: (lastSeq: number | null) => string,
   *   lastSeq: () => number | null,
   *   onMessage: (message: HubMessage, context: { resuming: boolean, openedAtMs: number }) => void,
   *   onStatus: (status: LiveStatus) => void,
   * }} options `lastSeq`: null for a fresh start (the page will load everything over REST);
   *   `openedAtMs` lets the page read hello's `server_time` as a clock sample
   */
  constructor({ urlFor, lastSeq, onMessage, onStatus }) {
    this.#urlFor = urlFor;
    this.#lastSeq = lastSeq;
    this.#onMessage = onMessage;
    this.#onStatus = onStatus;
  }

  start() {
    this.#stopped = false;
    this.#connect();
  }

  stop() {
    this.#stopped = true;
    this.#clearTimers();
    this.#socket?.close(1000, "page closed the feed");
    this.#socket = null;
    this.#setStatus("offline");
  }

  /** Drops the connection and opens a new one now (new token, or a change went missing). */
  restart() {
    this.#clearTimers();
    const socket = this.#socket;
    this.#socket = null;
    socket?.close(1000, "reconnecting");
    this.#attempt = 0;
    if (!this.#stopped) this.#connect();
  }

  /** Reconnects now instead of waiting out the backoff (the network came back, the tab is visible). */
  nudge() {
    if (this.#stopped || this.#retryTimer === null) return;
    this.#clearTimers();
    this.#connect();
  }

  #connect() {
    const lastSeq = this.#lastSeq();
    const resuming = lastSeq !== null;
    this.#setStatus(this.#attempt === 0 && !resuming ? "connecting" : "reconnecting");
    /** @type {WebSocket} */
    let socket;
    const openedAtMs = Date.now();
    try {
      socket = new WebSocket(this.#urlFor(lastSeq));
    } catch {
      this.#scheduleRetry();
      return;
    }
    this.#socket = socket;
    socket.addEventListener("message", (event) => {
      if (socket !== this.#socket) return;
      /** @type {HubMessage} */
      let message;
      try {
        message = JSON.parse(String(event.data));
      } catch {
        return; // not ours to interpret; the hub only sends JSON
      }
      if (typeof message?.type !== "string") return;
      if (message.type === "hello") {
        this.#attempt = 0;
        this.#setStatus("live");
      }
      this.#onMessage(message, { resuming, openedAtMs });
    });
    socket.addEventListener("open", () => {
      if (socket !== this.#socket) return;
      this.#pingTimer = setInterval(() => {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
      }, PING_EVERY_MS);
    });
    socket.addEventListener("close", () => {
      if (socket !== this.#socket) return;
      this.#socket = null;
      this.#clearTimers();
      if (!this.#stopped) this.#scheduleRetry();
    });
  }

  #scheduleRetry() {
    this.#setStatus(this.#attempt >= 3 ? "offline" : "reconnecting");
    const delay = reconnectDelayMs(this.#attempt++, Math.random());
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect();
    }, delay);
  }

  #clearTimers() {
    if (this.#retryTimer !== null) clearTimeout(this.#retryTimer);
    if (this.#pingTimer !== null) clearInterval(this.#pingTimer);
    this.#retryTimer = null;
    this.#pingTimer = null;
  }

  /** @param {LiveStatus} status */
  #setStatus(status) {
    if (status === this.status) return;
    this.status = status;
    this.#onStatus(status);
  }
}
