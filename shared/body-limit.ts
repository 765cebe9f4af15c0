/**
 * Request bodies are small JSON documents; anything bigger is a mistake or an attack. One number
 * for the worker (which enforces it) and the dev stack's front proxy (which refuses before
 * forwarding, so a huge or endless body never reaches wrangler).
 */
export const MAX_BODY_BYTES = 64 * 1024;

export function bodyTooLargeMessage(limit: number = MAX_BODY_BYTES): string {
  return `the body is larger than ${limit} bytes`;
}
