/**
 * Money is counted in whole micro-dollars (millionths of a dollar) wherever it is added up — by the engine,
 * the reducer, a budget check — so that sums are exact: 1.25 + 1.25 is 2.5, and the agents' costs add up to
 * the workflow's total to the last micro-dollar. Payloads and the state carry dollars (`fromMicros`), the
 * nearest double to a value with at most six decimals.
 */
export const MICROS_PER_DOLLAR = 1_000_000;

/** Dollars as whole micro-dollars (rounded to the nearest). */
export function toMicros(dollars: number): number {
  return Math.round(dollars * MICROS_PER_DOLLAR);
}

/** Whole micro-dollars as dollars. */
export function fromMicros(micros: number): number {
  return micros / MICROS_PER_DOLLAR;
}
