import { DestroyRef, inject, type Signal, signal } from '@angular/core';

/**
 * `Date.now()` as a signal that ticks every `periodMs` until the calling component (or service) is
 * destroyed: what a running workflow's or agent's elapsed time is computed from. Call it in an injection
 * context. A computed value that reads it only while something runs recomputes only then.
 */
export function tickingNow(periodMs = 1_000): Signal<number> {
  const now = signal(Date.now());
  const timer = setInterval(() => now.set(Date.now()), periodMs);
  inject(DestroyRef).onDestroy(() => clearInterval(timer));
  return now.asReadonly();
}

/** Milliseconds from `startedAt` to `completedAt`, or to `now` while it runs; null before it started. */
export function elapsedMs(
  startedAt: string | null,
  completedAt: string | null,
  now: () => number,
): number | null {
  if (startedAt === null) return null;
  const end = completedAt === null ? now() : Date.parse(completedAt);
  return Math.max(0, end - Date.parse(startedAt));
}
