import { base64url } from "../../shared/base64url.ts";

/**
 * Member tokens: "gs_" + 32 random bytes (base64url). Only their SHA-256 is stored; a fast hash
 * is right for random, high-entropy secrets (as for API tokens generally), unlike passwords.
 */
export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return `gs_${base64url(bytes)}`;
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares two secrets in time that does not depend on where they differ. */
export async function secretsEqual(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([presented, expected].map((s) => crypto.subtle.digest("SHA-256", new TextEncoder().encode(s))));
  return crypto.subtle.timingSafeEqual(a!, b!);
}

export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1] ?? null;
}

/**
 * The Authorization header as sent: absent, a bearer token, or present but not one (`Basic abc`,
 * `Bearer` alone, two headers, which arrive joined by ", "). Malformed is never "no token".
 */
export type Authorization = { kind: "none" } | { kind: "bearer"; token: string } | { kind: "malformed" };

export function authorizationOf(header: string | undefined | null): Authorization {
  if (header === undefined || header === null) return { kind: "none" };
  const token = bearerToken(header);
  if (token === null || token.endsWith(",")) return { kind: "malformed" };
  return { kind: "bearer", token };
}

