import { base64url, fromBase64url } from "./base64url.ts";
import { canonicalJson } from "./canonical-json.ts";

/**
 * How an agent proves the team key to the worker's hub: every message it sends over `/ws` (but
 * `ping`) carries `at` (the worker's time as the agent estimates it, epoch ms) and `mac`,
 * HMAC-SHA256 under the team key over the canonical JSON of the message without `mac` plus the
 * socket's `nonce` (from the hub's `hello`). The nonce is new for every socket, so a message
 * captured from one socket is refused on any other; `at` bounds how long it counts at all.
 * The same key bytes and canonical JSON as the agents' P2P envelopes (agent/net/envelope.ts), in
 * Web Crypto, which both Node and workerd have.
 */
export const AGENT_PROOF_WINDOW_MS = 60_000;
const MAC_BYTES = 32;

/** Web Crypto's key type, named the way both Node's and workerd's typings know it. */
type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

const imported = new Map<string, Promise<HmacKey>>();

function hmacKey(teamKey: string): Promise<HmacKey> {
  let key = imported.get(teamKey);
  if (key === undefined) {
    // A few keys per process at most (a team's, a changed one): importing once saves a step per message.
    if (imported.size >= 16) imported.clear();
    key = crypto.subtle.importKey("raw", new TextEncoder().encode(teamKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    imported.set(teamKey, key);
  }
  return key;
}

function signedText(message: Record<string, unknown>, nonce: string): Uint8Array<ArrayBuffer> {
  const { mac: _mac, ...unsigned } = message;
  return new TextEncoder().encode(canonicalJson({ ...unsigned, nonce })) as Uint8Array<ArrayBuffer>;
}

/** The message with its `mac` for the socket whose hello carried `nonce`. */
export async function signAgentMessage<T extends Record<string, unknown>>(teamKey: string, nonce: string, message: T): Promise<T & { mac: string }> {
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(teamKey), signedText(message, nonce));
  return { ...message, mac: base64url(new Uint8Array(mac)) };
}

export type ProofCheck = "ok" | "bad_mac" | "stale";

/** Whether `message` was signed under `teamKey` for this socket, recently (`now` in the worker's clock). */
export async function checkAgentProof(teamKey: string, nonce: string, message: Readonly<Record<string, unknown>> & { readonly at: number; readonly mac: string }, now: number): Promise<ProofCheck> {
  const given = fromBase64url(message.mac);
  if (given === null || given.length !== MAC_BYTES) return "bad_mac";
  // verify compares in constant time.
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(teamKey), given, signedText(message, nonce));
  if (!valid) return "bad_mac";
  return Math.abs(now - message.at) > AGENT_PROOF_WINDOW_MS ? "stale" : "ok";
}
