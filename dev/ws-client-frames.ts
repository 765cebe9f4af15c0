import { MESSAGE_BURST, MESSAGES_PER_SECOND } from "../shared/live.ts";
import { MessageBudget } from "../worker/live/socket-limits.ts";

/**
 * The messages a WebSocket client sends, as its bytes stream through the front proxy, held to the
 * hub's documented rate (shared/live.ts, the same token bucket as the hub's). The hub closes a
 * flooding socket at once, but the runtime still dispatches every frame already queued on the
 * connection (50,000 of them for a flood); here the messages past the rate are let through up to
 * `margin` more (whole frames), so the hub answers as documented (`rate_limited`, 1008) even when
 * it sees them more spread out than the proxy did (its bucket refills meanwhile), and nothing after.
 *
 * Only frame headers are read (RFC 6455 5.2): no unmasking, no copy of payloads. Pure, with the
 * clock passed in.
 */
export class ClientFrameGate {
  readonly #budget: MessageBudget;
  /** Header bytes of a frame not complete yet (a header may be split across chunks). */
  #header: number[] = [];
  /** Payload bytes of the current frame still to come. */
  #payloadLeft = 0;
  /** Messages past the rate so far; the last one forwarded is margin + 1. */
  #over = 0;
  readonly #margin: number;
  /** The last message to forward is still arriving: forward it to its end, then nothing. */
  #lastMessage = false;
  #shut = false;
  /** Bytes read and not forwarded, after the gate shut. */
  dropped = 0;

  constructor(now: number, burst = MESSAGE_BURST, perSecond = MESSAGES_PER_SECOND, margin = burst) {
    this.#budget = new MessageBudget(now, burst, perSecond);
    this.#margin = margin;
  }

  /** Whether the client went past the rate (and nothing more of it is forwarded). */
  get shut(): boolean {
    return this.#shut;
  }

  /** How many bytes of `chunk`, from its start, to forward upstream. */
  forwardable(chunk: Uint8Array, now: number): number {
    if (this.#shut) {
      this.dropped += chunk.length;
      return 0;
    }
    let at = 0;
    while (at < chunk.length) {
      if (this.#payloadLeft > 0) {
        const skip = Math.min(this.#payloadLeft, chunk.length - at);
        this.#payloadLeft -= skip;
        at += skip;
      } else {
        this.#header.push(chunk[at++]!);
        const length = headerLength(this.#header);
        if (length === null || this.#header.length < length) continue;
        const frame = parseHeader(this.#header);
        this.#header = [];
        this.#payloadLeft = frame.payload;
        // A data frame with FIN ends a message; control frames (close, ping, pong) are not messages.
        if (frame.fin && frame.opcode < 8 && !this.#lastMessage && !this.#budget.take(now) && ++this.#over > this.#margin) this.#lastMessage = true;
      }
      if (this.#lastMessage && this.#payloadLeft === 0 && this.#header.length === 0) {
        this.#shut = true;
        this.dropped += chunk.length - at;
        return at;
      }
    }
    return chunk.length;
  }
}

/** A frame header's length once its first two bytes are known (2, plus 2 or 8 of length, plus 4 of mask). */
function headerLength(header: number[]): number | null {
  if (header.length < 2) return null;
  const length7 = header[1]! & 0x7f;
  return 2 + (length7 === 126 ? 2 : length7 === 127 ? 8 : 0) + (header[1]! & 0x80 ? 4 : 0);
}

function parseHeader(header: number[]): { fin: boolean; opcode: number; payload: number } {
  const length7 = header[1]! & 0x7f;
  let payload = length7;
  if (length7 === 126) payload = (header[2]! << 8) | header[3]!;
  else if (length7 === 127) payload = header.slice(2, 10).reduce((sum, byte) => sum * 256 + byte, 0);
  return { fin: (header[0]! & 0x80) !== 0, opcode: header[0]! & 0x0f, payload };
}
