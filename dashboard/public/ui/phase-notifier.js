// @ts-check
/**
 * Browser notifications when the team timer changes phase (focus over, break over), with the
 * member's permission, asked for on their click and never on load. The mute switch silences them
 * like the chime; a visible, focused page gets none (the strip shows it). See lib/phase-notice.js.
 *
 * @typedef {import("../lib/types.js").TeamTimer} TeamTimer
 */
import { phaseNotice, shouldNotify } from "../lib/phase-notice.js";
import { byId } from "./dom.js";

export class PhaseNotifier {
  #button = byId("notify-button", HTMLButtonElement);
  #status = byId("notify-status", HTMLElement);
  #isMuted;

  /** @param {{ isMuted: () => boolean }} options */
  constructor({ isMuted }) {
    this.#isMuted = isMuted;
    this.#showPermission();
    this.#button.addEventListener("click", () => void this.#ask());
  }

  /** Called with each timer change: notifies of a phase change if it should. @param {TeamTimer | null} before @param {TeamTimer | null} after */
  timerChanged(before, after) {
    if (before === null || after === null || typeof Notification === "undefined") return;
    const notice = phaseNotice(before, after);
    if (notice === null) return;
    if (!shouldNotify({ permission: Notification.permission, muted: this.#isMuted(), visible: document.visibilityState === "visible", focused: document.hasFocus() })) return;
    try {
      new Notification(notice.title, { body: notice.body, tag: notice.tag, silent: true }); // silent: the page's own chime is the sound
    } catch { /* some browsers allow notifications only from a service worker: the strip still shows it */ }
  }

  async #ask() {
    if (typeof Notification === "undefined") return;
    await Notification.requestPermission();
    this.#showPermission();
  }

  #showPermission() {
    if (typeof Notification === "undefined") {
      this.#button.hidden = true;
      this.#status.textContent = "This browser cannot show notifications.";
      return;
    }
    const permission = Notification.permission;
    this.#button.hidden = permission !== "default";
    this.#status.textContent = {
      granted: "Phase notifications are on while the page is in the background (the sound switch silences them too).",
      denied: "Notifications are blocked for this site in the browser's settings.",
      default: "Get a notification when a focus round or break ends.",
    }[permission] ?? "";
  }
}
