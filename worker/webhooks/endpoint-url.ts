import { textProblem } from "../../shared/fields.ts";
import { MAX_WEBHOOK_URL_LENGTH } from "../../shared/webhooks.ts";

/**
 * Checks a webhook URL: http or https, a host, no credentials in it, and (in production) not a
 * loopback, private, link-local or otherwise internal address, so the worker cannot be made to
 * post to the network it runs next to (SSRF). Development allows loopback so a local receiver works.
 * Returns the problem, or null. Names that only resolve to such addresses are not caught here: the
 * worker cannot resolve names itself, and on Cloudflare its fetch() cannot reach private networks.
 */
export function endpointUrlProblem(text: string, production: boolean): string | null {
  if (text.length > MAX_WEBHOOK_URL_LENGTH) return `must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`;
  // The URL parser would quietly drop these (leading spaces, a tab or newline inside), so what is
  // stored and shown would differ from what was typed.
  if (/[\u0000-\u0020\u007f-\u009f]/.test(text)) return "must not contain spaces or control characters";
  // What is left for textProblem is a lone surrogate, which has no UTF-8 form: the URL parser would
  // put U+FFFD in its place, and a store keeping it raw hands back text no client can encode.
  const textIssue = textProblem(text);
  if (textIssue !== null) return textIssue;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "is not a URL (write it like https://example.com/hooks)";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return `must be http or https, not ${url.protocol.slice(0, -1)}`;
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password (the signature authenticates the sender)";
  if (url.hash !== "") return "must not have a #fragment";
  const host = url.hostname.toLowerCase();
  if (host === "") return "needs a host";
  const internal = internalHost(host);
  if (internal === null) return null;
  if (!production && internal === "loopback") return null;
  return `must not point at a ${internal} address (${host})${internal === "loopback" ? "; loopback is allowed only in development" : ""}`;
}

/** "loopback", "private" (and other non-public ranges), or null for a public address or name. */
function internalHost(host: string): "loopback" | "private" | null {
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host.endsWith(".local") || host.endsWith(".internal") || host.endsWith(".home.arpa")) return "private";
  const v4 = ipv4(host);
  if (v4 !== null) return internalIpv4(v4);
  if (host.startsWith("[") && host.endsWith("]")) return internalIpv6(host.slice(1, -1));
  if (/^[0-9.]+$/.test(host) || !host.includes(".")) return "private"; // odd numeric forms, single-label names
  return null;
}

function ipv4(host: string): number[] | null {
  const parts = host.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null;
  const bytes = parts.map(Number);
  return bytes.every((b) => b <= 255) ? bytes : null;
}

function internalIpv4([a, b]: number[]): "loopback" | "private" | null {
  if (a === 127) return "loopback";
  if (a === 0 || a === 10 || a! >= 224) return "private"; // this network, RFC 1918, multicast and reserved
  if (a === 169 && b === 254) return "private"; // link-local (cloud metadata services)
  if (a === 172 && b! >= 16 && b! <= 31) return "private";
  if (a === 192 && b === 168) return "private";
  if (a === 100 && b! >= 64 && b! <= 127) return "private"; // carrier-grade NAT
  if (a === 198 && (b === 18 || b === 19)) return "private"; // benchmarking
  return null;
}

/** The URL parser has already normalised the text (lowercase, compressed, ::ffff:a.b.c.d as hex). */
function internalIpv6(address: string): "loopback" | "private" | null {
  if (address === "::1") return "loopback";
  if (address === "::") return "private";
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return internalIpv4([high >> 8, high & 255, low >> 8, low & 255]);
  }
  const first = parseInt(address.split(":")[0] || "0", 16);
  if ((first & 0xfe00) === 0xfc00) return "private"; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return "private"; // link-local fe80::/10
  if ((first & 0xff00) === 0xff00) return "private"; // multicast
  return null;
}
