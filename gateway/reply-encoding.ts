/**
 * Turns node-redis RESP2 replies into the JSON that the Upstash REST protocol carries.
 *
 * With `Upstash-Encoding: base64`, @upstash/redis base64-decodes every string it receives
 * (nested arrays included), so every string leaves here base64-encoded; numbers and null
 * pass through. Bulk strings arrive as Buffers so binary values keep their exact bytes.
 */
export type UpstashEntry = { result: unknown } | { error: string };

export function encodeReply(reply: unknown, base64: boolean): unknown {
  if (reply === null || reply === undefined) return null;
  if (Buffer.isBuffer(reply)) return base64 ? reply.toString("base64") : reply.toString("utf8");
  if (typeof reply === "string") return base64 ? Buffer.from(reply, "utf8").toString("base64") : reply;
  if (typeof reply === "number") return reply;
  if (typeof reply === "bigint") return Number(reply);
  if (reply instanceof Error) return encodeReply(reply.message, base64);
  if (Array.isArray(reply)) return reply.map((item) => encodeReply(item, base64));
  // RESP2 has no other types; anything else is a programming error worth seeing.
  throw new TypeError(`unexpected reply type: ${Object.prototype.toString.call(reply)}`);
}

/** One slot of a /pipeline or /multi-exec answer: a Redis error stays an error, never a result. */
export function toEntry(reply: unknown, base64: boolean): UpstashEntry {
  if (reply instanceof Error) return { error: reply.message };
  return { result: encodeReply(reply, base64) };
}
