// @ts-check
/**
 * Crowded hours: past as many columns as the day's width can show with readable titles, a cluster
 * of overlapping events keeps its first columns and folds the rest into "+N more" chips in a
 * narrow strip at its right edge (as Google Calendar and Cal.com fold what does not fit into "+N
 * more"), so a title is never squeezed down to "Q…". Each chip covers events of the folded columns
 * that overlap one another, from the earliest start to the latest end among them.
 *
 * No DOM here.
 *
 * @typedef {{ startMinute: number, endMinute: number, column: number, span: number, columns: number }} Packed
 *   a piece as packColumns placed it (lib/week.js's Placement is one)
 * @typedef {{ width: number, minEventWidth: number, moreWidth: number }} Room
 *   the day column's width, the least an event may have, and the chips' strip (all in pixels)
 */

/**
 * @template {Packed} P
 * @param {readonly P[]} placements one day's pieces, packed
 * @param {Room} room
 * @returns {{ shown: (P & { reserve: boolean })[], more: { startMinute: number, endMinute: number, placements: P[] }[] }}
 *   the pieces drawn (reserve: their cluster leaves the strip for its chips) and the chips
 */
export function foldOverflow(placements, room) {
  // Not laid out yet (a hidden tab): nothing to measure, so nothing is folded.
  const width = room.width > 0 ? room.width : Infinity;
  const fits = Math.max(1, Math.floor(width / room.minEventWidth));
  const keep = Math.max(1, Math.floor((width - room.moreWidth) / room.minEventWidth));
  /** @type {(P & { reserve: boolean })[]} */
  const shown = [];
  /** @type {{ startMinute: number, endMinute: number, placements: P[] }[]} */
  const more = [];
  for (const cluster of clusters(placements)) {
    const columns = cluster[0]?.columns ?? 1;
    if (columns <= fits) {
      for (const placement of cluster) shown.push({ ...placement, reserve: false });
      continue;
    }
    /** @type {P[]} */
    const folded = [];
    for (const placement of cluster) {
      if (placement.column >= keep) folded.push(placement);
      else shown.push({ ...placement, columns: keep, span: Math.min(placement.span, keep - placement.column), reserve: true });
    }
    for (const group of clusters(folded)) {
      more.push({ startMinute: Math.min(...group.map((p) => p.startMinute)), endMinute: Math.max(...group.map((p) => p.endMinute)), placements: group });
    }
  }
  return { shown, more };
}

/**
 * Pieces that overlap, directly or through others, as lists in order of start.
 * @template {Packed} P @param {readonly P[]} placements @returns {P[][]}
 */
function clusters(placements) {
  const sorted = [...placements].sort((a, b) => a.startMinute - b.startMinute || b.endMinute - a.endMinute);
  /** @type {P[][]} */
  const groups = [];
  let end = -Infinity;
  for (const placement of sorted) {
    if (placement.startMinute >= end) groups.push([]);
    groups.at(-1)?.push(placement);
    end = Math.max(end, placement.endMinute);
  }
  return groups;
}
