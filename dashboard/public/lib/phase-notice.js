// @ts-check
/**
 * When the team timer moves from one phase to the next (focus over, break over), what the browser
 * notification says, and whether to show one at all.
 *
 * No DOM here.
 *
 * @typedef {import("./types.js").TeamTimer} TeamTimer
 */

/**
 * The notice for a phase change: only between running phases (starting from idle or stopping is the
 * member's own click, not news). Null when the phase did not change.
 * @param {TeamTimer} before @param {TeamTimer} after
 * @returns {{ title: string, body: string, tag: string } | null}
 */
export function phaseNotice(before, after) {
  if (before.phase === after.phase || before.phase === "idle" || after.phase === "idle") return null;
  const minutes = Math.round(after.duration_ms / 60_000);
  const tag = `groupsync-phase-${after.ends_at ?? after.phase}`;
  if (before.phase === "focus") {
    const kind = after.phase === "long_break" ? "long break" : "break";
    return { title: "Focus over: time for a break", body: `A ${minutes}-minute ${kind} starts now.`, tag };
  }
  return { title: "Break over: back to focus", body: `A ${minutes}-minute focus round starts now.`, tag };
}

/**
 * A notification is shown only with the member's permission, with sound on (the mute switch silences
 * both), and when the page is not in front of them: a visible, focused page shows the change itself.
 * @param {{ permission: string, muted: boolean, visible: boolean, focused: boolean }} page
 */
export function shouldNotify({ permission, muted, visible, focused }) {
  return permission === "granted" && !muted && !(visible && focused);
}
