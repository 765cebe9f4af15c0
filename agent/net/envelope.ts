/**
 * The signed envelope every message travels in, on TCP and on UDP:
 *
 *   { v, from, to, boot, seq, nonce, sent, lamport, term, body, mac }
 *
 * `mac` is HMAC-SHA256 with the team key over the canonical JSON of everything else (canonical-json.ts),
 * base64url. `boot` identifies the sender's run (its start time in ms) and `seq` counts its messages
 * within that run, so receivers can refuse replays (replay-guard.ts). `to` binds the envelope to one
 * recipient (recipient-binding.ts): on TCP the challenge the receiving agent sent on that connection,
 * on UDP the recipient's node id and boot, so a captured envelope opens nowhere else and not after the
 * recipient restarts. `nonce` (random) and `sent` (the sender's clock, ms) let receivers refuse
 * copies within a short window (nonce-cache.ts). Checking the shape and the mac is pure; nothing here
 * throws on bad input.
 *
 * Sealed text is written as `{"mac":"…",` followed by the canonical JSON of the rest without its
 * opening brace: the bytes the mac is over, so the sender serialises once and a receiver checks the
 * mac over the bytes it got, with no canonical JSON on either side (about a fifth of a resting master's
 * CPU went to canonical JSON and serialising envelopes twice). Any other key order (another serialiser) is still checked the long way, over the canonical
 * JSON of what it parsed. Either way every signed field is under the mac, and only the key's holder
 * can produce bytes that pass.
 */
import { createHmac, timingSafeEqual, type KeyObject } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";
import type { DropReason } from "./drop-counters.ts";

/** 2: `to`, `nonce` and `sent` joined the signed fields (1 had none of them and is refused as malformed). */
export const WIRE_VERSION = 2;
export { MIN_TEAM_KEY_LENGTH } from "../../shared/team-key.ts";
const MAX_SENDER_ID_LENGTH = 128;
const MAC_BYTES = 32;
const MAX_BINDING_LENGTH = 256;
const MAX_NONCE_LENGTH = 64;

export interface EnvelopeFields {
  readonly from: string;
  /** The recipient binding (recipient-binding.ts). */
  readonly to: string;
  readonly boot: number;
  readonly seq: number;
  readonly nonce: string;
  /** The sender's clock when it sealed the envelope, ms. */
  readonly sent: number;
  readonly lamport: number;
  readonly term: number;
  readonly body: unknown;
}

export interface SignedEnvelope extends EnvelopeFields {
  readonly v: typeof WIRE_VERSION;
  readonly mac: string;
}

export type OpenResult = { readonly ok: true; readonly envelope: SignedEnvelope } | { readonly ok: false; readonly reason: DropReason };

export function teamKeyBytes(teamKey: string): Buffer {
  return Buffer.from(teamKey, "utf8");
}

/**
 * The team key as raw bytes, or imported once with createSecretKey: createHmac imports raw bytes
 * afresh on every call, which costs several times the MAC itself, and every message needs one.
 */
export type MacKey = Uint8Array | KeyObject;

function macOver(key: MacKey, unsigned: Omit<SignedEnvelope, "mac">): Buffer {
  return macOverText(key, canonicalJson(unsigned));
}

function macOverText(key: MacKey, text: string): Buffer {
  return createHmac("sha256", key).update(text).digest();
}

export function sealEnvelope(key: MacKey, fields: EnvelopeFields): SignedEnvelope {
  const unsigned = { v: WIRE_VERSION, ...fields } as const;
  return { ...unsigned, mac: macOver(key, unsigned).toString("base64url") };
}

/** The mac's text in front, then the signed canonical JSON: the bytes a receiver checks first (see above). */
const MAC_FIRST = '{"mac":"';
/** base64url of 32 bytes, unpadded. */
const MAC_TEXT_LENGTH = 43;

/** The wire text of a sealed envelope, the mac first (what sealEnvelope signs, serialised once). */
export function sealEnvelopeText(key: MacKey, fields: EnvelopeFields): string {
  const signed = canonicalJson({ v: WIRE_VERSION, ...fields });
  return `${MAC_FIRST}${macOverText(key, signed).toString("base64url")}",${signed.slice(1)}`;
}

/** The mac a frame starts with and the bytes after it (as the signed text), if it is in sealEnvelopeText's form. */
function macFirst(text: string): { readonly mac: Buffer; readonly signed: string } | null {
  const end = MAC_FIRST.length + MAC_TEXT_LENGTH;
  if (!text.startsWith(MAC_FIRST) || text.charCodeAt(end) !== 0x22 || text.charCodeAt(end + 1) !== 0x2c) return null;
  return { mac: Buffer.from(text.slice(MAC_FIRST.length, end), "base64url"), signed: `{${text.slice(end + 2)}` };
}

/** Parses and authenticates one frame or datagram. Replays are the caller's business (it keeps the state). */
export function openEnvelope(key: MacKey, text: string): OpenResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return drop("malformed");
  }
  if (!isRecord(value)) return drop("malformed");
  if (!("mac" in value) || value.mac === null || value.mac === "") return drop("unsigned");
  const { v, from, to, boot, seq, nonce, sent, lamport, term, body, mac } = value;
  if (v !== WIRE_VERSION || typeof mac !== "string") return drop("malformed");
  if (!isText(from, MAX_SENDER_ID_LENGTH) || !isText(to, MAX_BINDING_LENGTH) || !isText(nonce, MAX_NONCE_LENGTH)) return drop("malformed");
  if (!isCount(boot) || !isCount(seq) || !isCount(sent) || !isCount(lamport) || !isCount(term) || !isRecord(body)) return drop("malformed");
  const fields = { from, to, boot, seq, nonce, sent, lamport, term, body };
  const given = Buffer.from(mac, "base64url");
  // timingSafeEqual needs equal lengths; a wrong length is a wrong mac, and says nothing about the key.
  if (given.length !== MAC_BYTES) return drop("bad_mac");
  // The mac over the bytes as they came (our own senders' form), else over the canonical JSON.
  const first = macFirst(text);
  const authentic =
    (first !== null && first.mac.length === MAC_BYTES && first.mac.equals(given) && timingSafeEqual(given, macOverText(key, first.signed))) ||
    timingSafeEqual(given, macOver(key, { v: WIRE_VERSION, ...fields }));
  if (!authentic) return drop("bad_mac");
  return { ok: true, envelope: { v: WIRE_VERSION, ...fields, mac } };
}

function drop(reason: DropReason): OpenResult {
  return { ok: false, reason };
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isText(value: unknown, maxLength: number): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= maxLength;
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
