/**
 * How often a crashed child may be restarted before the stack gives up: a child that dies again
 * and again (a port someone else took, a broken config) should stop the stack with a clear line,
 * not spin. The clock is injected so the rule is tested without waiting.
 */
export class RestartBudget {
  readonly #crashes: number[] = [];

  readonly maxRestarts: number;
  readonly windowMs: number;
  readonly #now: () => number;

  constructor(maxRestarts: number, windowMs: number, now: () => number = Date.now) {
    this.maxRestarts = maxRestarts;
    this.windowMs = windowMs;
    this.#now = now;
  }

  /** Records a crash; true if it may be restarted (at most maxRestarts crashes within windowMs). */
  allowRestart(): boolean {
    const at = this.#now();
    while (this.#crashes.length > 0 && at - this.#crashes[0]! >= this.windowMs) this.#crashes.shift();
    this.#crashes.push(at);
    return this.#crashes.length <= this.maxRestarts;
  }

  /** Crashes counted in the current window. */
  get recentCrashes(): number {
    return this.#crashes.length;
  }
}
