/**
 * The hub's open sockets (accepted, not closing) by member, and which of them proved to be agents:
 * the caps are checked and the agent list read without walking every socket, so a burst of n joins
 * costs the hub O(n), not O(n²). Pure; the hub rebuilds it from the runtime's list after hibernation.
 */
export class SocketRoster<Socket> {
  readonly #memberOf = new Map<Socket, string>();
  readonly #perMember = new Map<string, number>();
  readonly #agents = new Set<Socket>();

  add(socket: Socket, member: string, agent = false): void {
    if (this.#memberOf.has(socket)) return;
    this.#memberOf.set(socket, member);
    this.#perMember.set(member, (this.#perMember.get(member) ?? 0) + 1);
    if (agent) this.#agents.add(socket);
  }

  /** The socket is closing or closed; removing it twice is harmless. */
  remove(socket: Socket): void {
    const member = this.#memberOf.get(socket);
    if (member === undefined) return;
    this.#memberOf.delete(socket);
    this.#agents.delete(socket);
    const left = (this.#perMember.get(member) ?? 1) - 1;
    if (left === 0) this.#perMember.delete(member);
    else this.#perMember.set(member, left);
  }

  /** The socket proved the team key (its first heartbeat): it is an agent from now on. */
  markAgent(socket: Socket): void {
    if (this.#memberOf.has(socket)) this.#agents.add(socket);
  }

  get size(): number {
    return this.#memberOf.size;
  }

  countOf(member: string): number {
    return this.#perMember.get(member) ?? 0;
  }

  /** The open sockets that are agents, in the order they became agents. */
  agents(): Socket[] {
    return [...this.#agents];
  }
}
