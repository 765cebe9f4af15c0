/**
 * An invite: everything another machine needs to join a session, on one line that survives a chat
 * message. `gsi_` + base64url of
 *   version (1 byte) | host length (1) | host (ASCII) | TCP port (2, big-endian) | key length (2) | key (UTF-8) | checksum (4)
 * where the checksum is the first 4 bytes of SHA-256 over everything before it, so a mistyped or
 * cut-off invite is told apart from a valid one with a clear sentence instead of a failed join.
 * The key is the team's secret: an invite is to be passed on like a password.
 */
import { createHash } from "node:crypto";
import { formatHostPort, parseHostPort, type HostPort } from "./net/peer-address.ts";
import { weakTeamKeyReason } from "./net/team-key-strength.ts";

export const INVITE_PREFIX = "gsi_";
export const INVITE_VERSION = 1;
const CHECKSUM_BYTES = 4;

export interface Invite {
  readonly target: HostPort;
  readonly teamKey: string;
}

export function encodeInvite(invite: Invite): string {
  const host = Buffer.from(invite.target.host, "ascii");
  const key = Buffer.from(invite.teamKey, "utf8");
  if (host.length > 255 || key.length > 65535) throw new RangeError("host or key too long for an invite");
  const header = Buffer.alloc(2);
  header.writeUInt8(INVITE_VERSION, 0);
  header.writeUInt8(host.length, 1);
  const port = Buffer.alloc(4);
  port.writeUInt16BE(invite.target.port, 0);
  port.writeUInt16BE(key.length, 2);
  const body = Buffer.concat([header, host, port, key]);
  return INVITE_PREFIX + Buffer.concat([body, checksum(body)]).toString("base64url");
}

/** The invite in `text`, or why it is not one (a sentence to print after "--invite: "). */
export function decodeInvite(text: string): Invite | { readonly error: string } {
  const trimmed = text.trim();
  if (!trimmed.startsWith(INVITE_PREFIX)) return { error: `'${abbreviate(trimmed)}' is not an invite (an invite starts with ${INVITE_PREFIX})` };
  const encoded = trimmed.slice(INVITE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { error: "the invite has characters no invite has; copy the whole line again" };
  const bytes = Buffer.from(encoded, "base64url");
  const damaged = { error: "the invite is damaged or cut off (its checksum does not match); copy the whole line again" };
  if (bytes.length < 2 + CHECKSUM_BYTES) return damaged;
  const body = bytes.subarray(0, bytes.length - CHECKSUM_BYTES);
  if (!checksum(body).equals(bytes.subarray(bytes.length - CHECKSUM_BYTES))) return damaged;
  const version = body.readUInt8(0);
  if (version !== INVITE_VERSION) return { error: `the invite is of version ${version}, this agent reads version ${INVITE_VERSION}; update groupsync-agent` };
  const hostLength = body.readUInt8(1);
  if (body.length < 2 + hostLength + 4) return damaged;
  const host = body.subarray(2, 2 + hostLength).toString("ascii");
  const port = body.readUInt16BE(2 + hostLength);
  const keyLength = body.readUInt16BE(4 + hostLength);
  if (body.length !== 6 + hostLength + keyLength) return damaged;
  const teamKey = body.subarray(6 + hostLength).toString("utf8");
  const target = parseHostPort(formatHostPort({ host, port }));
  if (target === null) return { error: `the invite names '${host}:${port}', which is not host:port` };
  const weak = weakTeamKeyReason(teamKey);
  if (weak !== null) return { error: `the invite's team key ${weak}` };
  return { target, teamKey };
}

function checksum(body: Buffer): Buffer {
  return createHash("sha256").update(body).digest().subarray(0, CHECKSUM_BYTES);
}

function abbreviate(text: string): string {
  return text.length > 24 ? `${text.slice(0, 20)}…` : text;
}
