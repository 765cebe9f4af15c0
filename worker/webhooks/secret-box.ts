import { base64, fromBase64 } from "../../shared/base64url.ts";

/**
 * Signing secrets must be readable again to sign each delivery, so they cannot be stored hashed like
 * tokens. They are stored encrypted (AES-256-GCM, a key derived with HKDF from the worker secret
 * WEBHOOK_SECRETS_KEY), bound to their team and endpoint id: a copy of the Durable Object's storage
 * alone does not reveal them, nor can a box be moved to another endpoint.
 */
export async function sealSecret(keyText: string, secret: string, owner: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encode(owner) }, await boxKey(keyText), encode(secret));
  return `v1.${base64(iv)}.${base64(new Uint8Array(sealed))}`;
}

/** The secret sealSecret boxed for this owner; throws when the key or the owner differ. */
export async function openSecret(keyText: string, box: string, owner: string): Promise<string> {
  const [version, iv, sealed] = box.split(".");
  if (version !== "v1" || iv === undefined || sealed === undefined) throw new Error("not a sealed webhook secret");
  const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64(iv), additionalData: encode(owner) }, await boxKey(keyText), fromBase64(sealed));
  return new TextDecoder().decode(plain);
}

/** CryptoKey, named so both workerd's and Node's types accept it. */
type BoxKey = Awaited<ReturnType<typeof crypto.subtle.deriveKey>>;

const keys = new Map<string, Promise<BoxKey>>();

function boxKey(keyText: string): Promise<BoxKey> {
  let key = keys.get(keyText);
  if (key === undefined) {
    key = crypto.subtle
      .importKey("raw", encode(keyText), "HKDF", false, ["deriveKey"])
      .then((material) =>
        crypto.subtle.deriveKey({ name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encode("groupsync webhook secrets v1") }, material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]),
      );
    keys.set(keyText, key);
  }
  return key;
}

function encode(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text) as Uint8Array<ArrayBuffer>;
}
