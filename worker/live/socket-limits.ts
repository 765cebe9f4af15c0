import { MAX_CLIENT_MESSAGE_BYTES, MESSAGE_BURST, MESSAGES_PER_SECOND } from "../../shared/live.ts";

/**
 * What one socket may send (shared/live.ts): messages of at most MAX_CLIENT_MESSAGE_BYTES, at a
 * rate a token bucket allows. Pure, with the clock passed in: the hub asks before doing any work
 * for a message, so a flood costs it one subtraction per frame until the socket is closed.
 */
export class MessageBudget {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #at: number;

  constructor(now: number, burst = MESSAGE_BURST, perSecond = MESSAGES_PER_SECOND) {
    this.#burst = burst;
    this.#perMs = perSecond / 1000;
    this.#tokens = burst;
    this.#at = now;
  }

  /** Whether one more message fits now; takes it if so. */
  take(now: number): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + Math.max(0, now - this.#at) * this.#perMs);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** Whether a frame is over MAX_CLIENT_MESSAGE_BYTES (binary frames count their bytes, text its UTF-8). */
export function tooBig(data: string | ArrayBuffer, limit = MAX_CLIENT_MESSAGE_BYTES): boolean {
  if (typeof data !== "string") return data.byteLength > limit;
  // UTF-8 takes 1 to 3 bytes per UTF-16 unit: encode only when the length alone cannot tell.
  if (data.length > limit) return true;
  if (data.length * 3 <= limit) return false;
  return new TextEncoder().encode(data).length > limit;
}

/**
 * Whether a text frame was not valid UTF-8. The runtime hands the hub text already decoded, with
 * each invalid byte sequence replaced by U+FFFD, so the hub cannot tell those from a U+FFFD the
 * client sent: it takes any U+FFFD as invalid. Nothing in the protocol needs one (JSON can write it
 * as the escape \ufffd, which is plain ASCII).
 */
export function notUtf8(data: string | ArrayBuffer): boolean {
  return typeof data === "string" && data.includes("\uFFFD");
}
