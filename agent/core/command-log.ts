/**
 * A node's command log: the commands in effect in its timer (oldest first, as the master ordered
 * them), the stamps of every command it knows was applied (so whoever is master next drops a resend),
 * the commands recent merges overrode, and what it last reported for each stamp, so each change is
 * reported once. Entries are known by stamp: after a merge the two sides' sequence numbers overlap.
 * No clock and no I/O: the election core decides when, this only keeps the books.
 */
import { stampKey } from "../../shared/lamport.ts";
import type { AppliedCommand, OverriddenCommand } from "./messages.ts";

/** Stamps of applied commands remembered to drop resends; far more than can be in flight at once. */
const APPLIED_KEYS_KEPT = 1024;
/** Applied commands kept locally for `entries`. */
const LOG_KEPT = 256;
/** Overridden commands each heartbeat repeats, so members that missed one still report it. */
const OVERRIDDEN_SENT = 32;
/** What this node last reported for each command stamp: applied or overridden. */
const REPORTS_KEPT = 2048;

export class CommandLog {
  #entries: AppliedCommand[] = [];
  readonly #keys = new Set<string>();
  readonly #appliedKeys = new Set<string>();
  readonly #reports = new Map<string, "applied" | "overridden">();
  #overridden: OverriddenCommand[] = [];

  /** The commands in effect, oldest first. */
  get entries(): readonly AppliedCommand[] {
    return this.#entries;
  }

  /** Commands recent merges left out, as the master ships them. */
  get overridden(): readonly OverriddenCommand[] {
    return this.#overridden;
  }

  get size(): number {
    return this.#entries.length;
  }

  /** The last `count` entries, as snapshots carry them. */
  recent(count: number): AppliedCommand[] {
    return this.#entries.slice(-count);
  }

  /** True if a command with this stamp key was applied, here or by any master we heard. */
  wasApplied(key: string): boolean {
    return this.#appliedKeys.has(key);
  }

  rememberApplied(key: string): void {
    this.#appliedKeys.add(key);
    if (this.#appliedKeys.size > APPLIED_KEYS_KEPT) {
      const oldest = this.#appliedKeys.values().next().value;
      if (oldest !== undefined) this.#appliedKeys.delete(oldest);
    }
  }

  /** The applied stamps whose command no merge overrode: our side's history when judging an offer. */
  appliedNotOverridden(): Set<string> {
    return new Set([...this.#appliedKeys].filter((key) => this.#reports.get(key) !== "overridden"));
  }

  /** Adds an entry unless it is there already; true when it is news to report (not reported applied before). */
  add(entry: AppliedCommand): boolean {
    const key = stampKey(entry.stamp);
    if (!this.#appliedKeys.has(key)) this.rememberApplied(key);
    if (this.#keys.has(key)) return false;
    this.#entries.push(entry);
    this.#keys.add(key);
    if (this.#entries.length > LOG_KEPT) {
      for (const dropped of this.#entries.slice(0, this.#entries.length - LOG_KEPT)) this.#keys.delete(stampKey(dropped.stamp));
      this.#entries = this.#entries.slice(-LOG_KEPT);
    }
    return this.#report(key, "applied");
  }

  /** Takes an overridden command out of the entries; true when it is news to report (once per stamp). */
  markOverridden(record: OverriddenCommand): boolean {
    const key = stampKey(record.entry.stamp);
    if (!this.#appliedKeys.has(key)) this.rememberApplied(key);
    if (this.#keys.has(key)) {
      this.#entries = this.#entries.filter((entry) => stampKey(entry.stamp) !== key);
      this.#keys.delete(key);
    }
    return this.#report(key, "overridden");
  }

  /** The master's list of overridden commands replaces ours. */
  replaceOverridden(overridden: readonly OverriddenCommand[]): void {
    this.#overridden = [...overridden];
  }

  /** A merge's new overridden records join ours (once each, the latest OVERRIDDEN_SENT, none still in effect). */
  keepOverridden(records: readonly OverriddenCommand[]): void {
    const known = (record: OverriddenCommand) => this.#overridden.some((o) => stampKey(o.entry.stamp) === stampKey(record.entry.stamp));
    this.#overridden = [...this.#overridden, ...records.filter((record) => !known(record))]
      .filter((record) => !this.#keys.has(stampKey(record.entry.stamp)))
      .slice(-OVERRIDDEN_SENT);
  }

  /**
   * Makes room for the master's latest entries at the end, in its order: usually our entries already
   * end with them, or with all but the newest, and nothing moves; otherwise they are taken out, so
   * adding them (add) puts them last, in the master's order.
   */
  makeRoomAtEnd(latest: readonly AppliedCommand[]): void {
    const keys = latest.map((entry) => stampKey(entry.stamp));
    let known = 0;
    while (known < keys.length && this.#keys.has(keys[known]!)) known += 1;
    const tail = this.#entries.slice(-known || this.#entries.length);
    const inPlace = known === 0 ? true : tail.length === known && tail.every((entry, i) => stampKey(entry.stamp) === keys[i]);
    if (!inPlace || keys.slice(known).some((key) => this.#keys.has(key))) {
      const moved = new Set(keys);
      this.#entries = this.#entries.filter((entry) => !moved.has(stampKey(entry.stamp)));
      for (const key of moved) this.#keys.delete(key);
    }
  }

  #report(key: string, report: "applied" | "overridden"): boolean {
    if (this.#reports.get(key) === report) return false;
    this.#reports.delete(key);
    this.#reports.set(key, report);
    if (this.#reports.size > REPORTS_KEPT) this.#reports.delete(this.#reports.keys().next().value!);
    return true;
  }
}
