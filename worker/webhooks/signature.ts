import { base64, fromBase64 } from "../../shared/base64url.ts";

/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * keyed with the bytes the `whsec_` secret encodes. Any Standard Webhooks library verifies it.
 */
export const SECRET_PREFIX = "whsec_";
/** 32 random bytes (the spec asks for 24 to 64). */
const SECRET_BYTES = 32;

export function newSigningSecret(): string {
  return SECRET_PREFIX + base64(crypto.getRandomValues(new Uint8Array(SECRET_BYTES)));
}

export async function signatureHeader(secret: string, messageId: string, timestampSeconds: number, body: string): Promise<string> {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error("a signing secret starts with whsec_");
  const key = await crypto.subtle.importKey("raw", fromBase64(secret.slice(SECRET_PREFIX.length)), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signed = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${messageId}.${timestampSeconds}.${body}`));
  return `v1,${base64(new Uint8Array(signed))}`;
}
