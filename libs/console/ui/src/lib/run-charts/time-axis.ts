import { scaleLinear, type ScaleLinear } from 'd3-scale';
import type { RunHistory } from '@flowcast/shared-contract';
import { formatDuration } from '../format/duration';

export interface Tick {
  /** Where the tick is, in the SVG's user units. */
  at: number;
  label: string;
}

/** The shortest time axis, so that the first second of a run is not drawn over a zero-width scale. */
const MIN_EXTENT_MS = 1_000;

/**
 * How far a run's time axis reaches, in ms since the workflow started: its end once it has ended, else now
 * (which ticks), and never short of the last thing drawn. `now` is read only while the run goes on, so a
 * computed value over a finished run stops recomputing.
 */
export function runExtentMs(history: RunHistory, now: () => number): number {
  let extent = MIN_EXTENT_MS;
  if (history.endMs !== null) extent = Math.max(extent, history.endMs);
  else if (history.startedAt !== null) extent = Math.max(extent, now() - Date.parse(history.startedAt));
  for (const bar of history.bars) extent = Math.max(extent, bar.endMs ?? bar.startMs);
  for (const point of history.costPoints) extent = Math.max(extent, point.atMs);
  return extent;
}

/** The x scale of both run charts (ms since the start → user units) and its ticks, as durations. */
export function timeAxis(
  extentMs: number,
  range: [number, number],
): {
  x: ScaleLinear<number, number>;
  ticks: Tick[];
} {
  const x = scaleLinear().domain([0, extentMs]).range(range);
  const ticks = x.ticks(5).map((ms) => ({ at: x(ms), label: ms === 0 ? '0' : formatDuration(ms) }));
  return { x, ticks };
}
