// @ts-check
/**
 * Overlapping events side by side: the column-packing layout calendars use. Events that overlap,
 * directly or through others, form a cluster that shares the day's width among as many columns as
 * its busiest moment needs; each event takes the leftmost column free at its start, then widens to
 * the right over the columns no event of its cluster uses during its time.
 *
 * No DOM here.
 *
 * @typedef {{ start: number, end: number }} Interval half-open [start, end)
 * @typedef {{ column: number, span: number, columns: number }} Slot
 *   left edge at column / columns of the width, width span / columns
 */

/**
 * @template {Interval} T
 * @param {readonly T[]} items
 * @returns {Map<T, Slot>}
 */
export function packColumns(items) {
  const sorted = [...items].sort((a, b) => a.start - b.start || b.end - a.end);
  /** @type {Map<T, Slot>} */
  const slots = new Map();
  /** @type {T[][]} the current cluster's columns, each a list of its events by start */
  let columns = [];
  let clusterEnd = -Infinity;

  const closeCluster = () => {
    columns.forEach((events, column) => {
      for (const event of events) {
        let span = 1;
        // Widen over the next columns while none of their events overlaps this one.
        while (column + span < columns.length && !(columns[column + span] ?? []).some((other) => other.start < event.end && event.start < other.end)) span++;
        slots.set(event, { column, span, columns: columns.length });
      }
    });
    columns = [];
    clusterEnd = -Infinity;
  };

  for (const item of sorted) {
    if (item.start >= clusterEnd) closeCluster();
    let column = columns.findIndex((events) => (events.at(-1)?.end ?? -Infinity) <= item.start);
    if (column === -1) column = columns.push([]) - 1;
    columns[column]?.push(item);
    clusterEnd = Math.max(clusterEnd, item.end);
  }
  closeCluster();
  return slots;
}
