/**
 * Lamport logical clocks: a number that only grows, bumped on every local event or send and pushed
 * past every number received. If event a could have caused event b, a's time is smaller; pairing the
 * time with the node id turns that partial order into a total one every node computes identically.
 */

export interface LamportStamp {
  readonly time: number;
  readonly nodeId: string;
}

export class LamportClock {
  #time: number;

  constructor(start = 0) {
    this.#time = start;
  }

  get time(): number {
    return this.#time;
  }

  /** A local event or a send: the new time, to stamp it with. */
  tick(): number {
    this.#time += 1;
    return this.#time;
  }

  /** A message stamped `remote` arrived: jump past it, so whatever we do next is ordered after it. */
  receive(remote: number): number {
    this.#time = Math.max(this.#time, remote) + 1;
    return this.#time;
  }
}

/** Total order: by time, ties broken by node id (compared by code unit, so no locale can change it). */
export function compareStamps(a: LamportStamp, b: LamportStamp): number {
  if (a.time !== b.time) return a.time - b.time;
  return a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : 0;
}

/** A stamp as a string, unique per event since a node never reuses a time: handy as a map key. */
export function stampKey(stamp: LamportStamp): string {
  return `${stamp.time}@${stamp.nodeId}`;
}
