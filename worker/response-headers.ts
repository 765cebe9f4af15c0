import type { Context } from "hono";

/**
 * Sets headers on the answer a route gave. Some answers have headers that cannot change (one
 * fetched from a Durable Object, say): those are copied first. A WebSocket upgrade (101) is left
 * as it is, since its socket cannot be carried over to a copy, and a browser reads no headers of it.
 */
export function setResponseHeaders(c: Context, headers: Record<string, string>, vary?: string): void {
  if (c.res.status === 101) return;
  try {
    apply(c.res.headers, headers, vary);
  } catch {
    c.res = new Response(c.res.body, c.res);
    apply(c.res.headers, headers, vary);
  }
}

function apply(target: Headers, headers: Record<string, string>, vary: string | undefined): void {
  for (const [name, value] of Object.entries(headers)) target.set(name, value);
  if (vary === undefined) return;
  const listed = (target.get("vary") ?? "").split(",").map((v) => v.trim()).filter((v) => v !== "");
  if (!listed.some((v) => v.toLowerCase() === vary.toLowerCase() || v === "*")) target.set("Vary", [...listed, vary].join(", "));
}
