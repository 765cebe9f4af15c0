/**
 * Who is calling, for limits counted per client address: CF-Connecting-IP. In the cloud Cloudflare
 * sets it (a client's own is replaced); under `npm run dev` the front proxy (dev/front-proxy.ts) sets
 * it to the socket's peer, replacing any the client sent (plain `wrangler dev` would keep a client's
 * own). Without it (tests calling the worker directly) every caller shares the address "unknown".
 *
 * An IPv6 client counts by its /64: one subscriber usually holds a whole /64, and could otherwise
 * take a fresh address for every guess.
 */
export function clientAddress(header: string | undefined | null): string {
  const ip = header?.trim() ?? "";
  if (ip === "") return "unknown";
  if (!ip.includes(":")) return ip;
  const groups = expandIpv6(ip);
  return groups === null ? ip : `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros; null if it is not one. */
function expandIpv6(ip: string): string[] | null {
  const bare = ip.replace(/^\[|\]$/g, "").split("%")[0]!.toLowerCase();
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4) is two groups.
  const last = tail.length > 0 ? tail : head;
  if (last.length > 0 && last[last.length - 1]!.includes(".")) {
    const octets = last.pop()!.split(".").map(Number);
    if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255)) return null;
    last.push(((octets[0]! << 8) | octets[1]!).toString(16), ((octets[2]! << 8) | octets[3]!).toString(16));
  }
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}
