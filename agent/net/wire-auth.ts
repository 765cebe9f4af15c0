/**
 * One node's side of the authenticated wire: seals outgoing bodies (numbering them and stamping
 * them with a Lamport time) and opens incoming frames (mac, shape, replay, Lamport receive). Pure
 * apart from the HMAC: no sockets, so tests drive it directly.
 */
import { createSecretKey, type KeyObject } from "node:crypto";
import { LamportClock } from "../../shared/lamport.ts";
import type { DropReason } from "./drop-counters.ts";
import { openEnvelope, sealEnvelope, teamKeyBytes, type SignedEnvelope } from "./envelope.ts";
import { ReplayGuard } from "./replay-guard.ts";
import { parseWireBody, type WireBody } from "./wire-body.ts";

export interface WireAuthOptions {
  readonly teamKey: string;
  /** Who signs what this side sends. */
  readonly senderId: string;
  /** This run's identity; later runs must use larger values (the start time in ms does). */
  readonly boot?: number;
  readonly replayWindow?: number;
}

export interface OpenedMessage {
  readonly envelope: SignedEnvelope;
  readonly body: WireBody;
}

export type OpenedResult = { readonly ok: true; readonly opened: OpenedMessage } | { readonly ok: false; readonly reason: DropReason };

export class WireAuth {
  readonly senderId: string;
  readonly boot: number;
  /**
   * The transport's Lamport clock. Core messages carry the core's own time (the core already ticked
   * for them); the transport clock is moved past it, and past every time received, so the stamps on
   * what the transport originates itself (ticks, control traffic) are ordered after both.
   */
  readonly lamport = new LamportClock();
  readonly #key: KeyObject;
  readonly #guard: ReplayGuard;
  #seq = 0;

  constructor(options: WireAuthOptions) {
    this.#key = createSecretKey(teamKeyBytes(options.teamKey)); // imported once: see MacKey
    this.senderId = options.senderId;
    this.boot = options.boot ?? Date.now();
    this.#guard = new ReplayGuard(options.replayWindow);
  }

  /**
   * The JSON text of a signed envelope for `body` (no newline: frame it for TCP, send as is over UDP).
   * A core message brings its own term and Lamport time; `term` is for everything else.
   */
  seal(body: WireBody, term: number): string {
    this.#seq += 1;
    let lamport: number;
    if (body.kind === "core") {
      lamport = body.message.lamport;
      term = body.message.term;
      this.lamport.receive(lamport);
    } else {
      lamport = this.lamport.tick();
    }
    return JSON.stringify(sealEnvelope(this.#key, { from: this.senderId, boot: this.boot, seq: this.#seq, lamport, term, body }));
  }

  /** The seq the next `seal` will use (a control client matches the reply against it). */
  get nextSeq(): number {
    return this.#seq + 1;
  }

  open(text: string): OpenedResult {
    const result = openEnvelope(this.#key, text);
    if (!result.ok) return result;
    const { envelope } = result;
    const body = parseWireBody(envelope.body);
    if (body === null) return { ok: false, reason: "malformed" };
    // The envelope speaks for the core message inside it; they must agree.
    if (body.kind === "core") {
      const { message } = body;
      if (message.from !== envelope.from || message.term !== envelope.term || message.lamport !== envelope.lamport) {
        return { ok: false, reason: "malformed" };
      }
    }
    if (this.#guard.check(envelope.from, envelope.boot, envelope.seq) === "replay") return { ok: false, reason: "replay" };
    this.lamport.receive(envelope.lamport);
    return { ok: true, opened: { envelope, body } };
  }
}
