/** About 1 s doubling to 30 s, as the console's stream client waits (CONTRACT §7). */
const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/**
 * The wait before retry number `attempt` (1, 2, …), with ±25 % jitter so that many clients cut off by one
 * server restart do not all come back in the same instant.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + random() * 0.5));
}
