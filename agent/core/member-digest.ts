/**
 * A short fingerprint of a member list (ids and addresses, in id order), so a heartbeat can say
 * "the list is still the one you hold" without carrying it: the master sends the list itself only
 * to a follower whose last ack named another digest. Not a security measure (anyone with the team
 * key can sign any list anyway), only a content check: two FNV-1a lanes, 64 bits, pure and stable.
 */
import type { Member } from "./messages.ts";

export function memberDigest(members: readonly Member[]): string {
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ members.length;
  const mix = (code: number) => {
    low = Math.imul(low ^ code, 0x01000193) >>> 0;
    high = Math.imul(high ^ code, 0x01000193 + 0x2000) >>> 0;
  };
  for (const member of members) {
    for (const text of [member.id, member.address]) {
      mix(text.length); // length first: "ab"+"c" and "a"+"bc" differ
      for (let index = 0; index < text.length; index += 1) mix(text.charCodeAt(index));
    }
  }
  return `${high.toString(16).padStart(8, "0")}${low.toString(16).padStart(8, "0")}`;
}
