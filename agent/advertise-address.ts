/**
 * Where `start` tells other members (and the invite) to reach it when --host is not given: an
 * address of this machine that another machine can reach, not the loopback one.
 */
import type { NetworkInterfaceInfo } from "node:os";

/**
 * The first external IPv4 address, else the first external IPv6 one that is not link-local
 * (those need a zone to be dialled); null when the machine has only loopback.
 */
export function pickAdvertiseAddress(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string | null {
  const external = Object.values(interfaces).flatMap((list) => list ?? []).filter((info) => !info.internal);
  const v4 = external.find((info) => info.family === "IPv4");
  if (v4 !== undefined) return v4.address;
  const v6 = external.find((info) => info.family === "IPv6" && !/^fe80:/i.test(info.address));
  return v6?.address ?? null;
}
