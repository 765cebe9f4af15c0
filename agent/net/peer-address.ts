/**
 * How agents find each other. A member's address, as the core stores and gossips it, is
 * `host:tcpPort/udpPort` (e.g. `127.0.0.1:7420/7420`, `[::1]:7420/7421`): TCP for the protocol,
 * UDP for timer ticks. Where a user names an agent (`join host:port`, `--peer host:port`) the UDP
 * part is left out.
 */

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export interface PeerAddress extends HostPort {
  /** Null when the address came from a user and names only the TCP port. */
  readonly udpPort: number | null;
}

const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})(?:\/(\d{1,5}))?$/;

function toPort(text: string | undefined): number | null {
  if (text === undefined) return null;
  const port = Number(text);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? port : null;
}

export function parsePeerAddress(text: string): PeerAddress | null {
  const match = ADDRESS.exec(text.trim());
  if (match === null) return null;
  const [, v6, name, tcp, udp] = match;
  const host = v6 ?? name;
  const port = toPort(tcp);
  const udpPort = toPort(udp);
  if (host === undefined || port === null || (udp !== undefined && udpPort === null)) return null;
  return { host, port, udpPort };
}

/** `host:port` as a user writes it; null if it is not one (or carries a UDP part). */
export function parseHostPort(text: string): HostPort | null {
  const address = parsePeerAddress(text);
  return address === null || address.udpPort !== null ? null : { host: address.host, port: address.port };
}

function hostPart(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}

export function formatHostPort({ host, port }: HostPort): string {
  return `${hostPart(host)}:${port}`;
}

export function formatPeerAddress(host: string, tcpPort: number, udpPort: number): string {
  return `${hostPart(host)}:${tcpPort}/${udpPort}`;
}
