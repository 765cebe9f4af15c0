/** Durations and clock times for people: 24m05s, 1h02m00s, 14:25:03. */

export function formatDuration(ms: number): string {
  const totalSeconds = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const mmss = `${String(minutes).padStart(hours > 0 ? 2 : 1, "0")}m${String(seconds).padStart(2, "0")}s`;
  return hours > 0 ? `${hours}h${mmss}` : mmss;
}

/** Local wall-clock time of day. */
export function formatClockTime(epochMs: number): string {
  return new Date(epochMs).toTimeString().slice(0, 8);
}
