/**
 * Lets through at most one value per key per interval; the last value of every window is always
 * delivered (never dropped, never early): at the window's end, or — with a grace — at the moment the key's
 * next value comes, if that is within `graceMs` of the window's end, so that both go out in the same tick
 * (one commit, one write to every stream) instead of one tick each.
 */
export class ProgressCoalescer<T> {
  private readonly lastSent = new Map<string, number>();
  private readonly pending = new Map<string, { value: T; timer: NodeJS.Timeout }>();

  constructor(
    private readonly intervalMs: number,
    private readonly send: (key: string, value: T) => void,
    private readonly graceMs = 0,
  ) {}

  push(key: string, value: T): void {
    const waiting = this.pending.get(key);
    if (waiting) {
      if (this.waitFor(key) > 0) {
        waiting.value = value; // still inside its window: the newer value replaces it
        return;
      }
      // Its window is over (its timer is waiting out the grace): it goes now, and this value starts anew.
      this.fire(key);
    }
    const wait = this.waitFor(key);
    if (wait <= 0) {
      this.deliver(key, value);
      return;
    }
    const timer = setTimeout(() => this.fire(key), Math.ceil(wait + this.graceMs));
    this.pending.set(key, { value, timer });
  }

  /** Delivers the key's pending value, waiting for its window to open; resolves when nothing is pending. */
  async flush(key: string): Promise<void> {
    while (this.pending.has(key)) {
      const wait = this.waitFor(key);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait)));
      else this.fire(key);
    }
  }

  /** Drops everything pending (the values are superseded). */
  dispose(): void {
    for (const { timer } of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
  }

  private waitFor(key: string): number {
    const last = this.lastSent.get(key);
    return last === undefined ? 0 : last + this.intervalMs - performance.now();
  }

  private fire(key: string): void {
    const waiting = this.pending.get(key);
    if (!waiting) return;
    const wait = this.waitFor(key);
    if (wait > 0) {
      // Timers may fire a hair early; never let two values through inside one interval.
      clearTimeout(waiting.timer);
      waiting.timer = setTimeout(() => this.fire(key), Math.ceil(wait));
      return;
    }
    clearTimeout(waiting.timer);
    this.pending.delete(key);
    this.deliver(key, waiting.value);
  }

  private deliver(key: string, value: T): void {
    this.lastSent.set(key, performance.now());
    this.send(key, value);
  }
}
