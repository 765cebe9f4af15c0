/** Half-open intervals [start, end) in UTC ms, as every busy and free time here is kept. */
export interface Interval {
  start: number;
  end: number;
}

/** Sorted, with overlapping and touching intervals joined, and empty ones dropped. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ start: interval.start, end: interval.end });
  }
  return merged;
}

/** The parts of merged intervals inside [from, to). */
export function clipIntervals(merged: readonly Interval[], from: number, to: number): Interval[] {
  const clipped: Interval[] = [];
  for (const interval of merged) {
    const start = Math.max(interval.start, from);
    const end = Math.min(interval.end, to);
    if (end > start) clipped.push({ start, end });
  }
  return clipped;
}

/** What of `base` no interval of `cut` covers; both merged (sorted, disjoint). */
export function subtractIntervals(base: readonly Interval[], cut: readonly Interval[]): Interval[] {
  const rest: Interval[] = [];
  let j = 0;
  for (const interval of base) {
    let start = interval.start;
    while (j < cut.length && cut[j]!.end <= start) j++;
    let k = j;
    while (k < cut.length && cut[k]!.start < interval.end) {
      if (cut[k]!.start > start) rest.push({ start, end: cut[k]!.start });
      start = Math.max(start, cut[k]!.end);
      k++;
    }
    if (start < interval.end) rest.push({ start, end: interval.end });
  }
  return rest;
}
