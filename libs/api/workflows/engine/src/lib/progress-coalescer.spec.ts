import fc from 'fast-check';
import { ProgressCoalescer } from './progress-coalescer';

const INTERVAL = 1_000;

interface Delivery {
  key: string;
  value: string;
  at: number;
}

/** A coalescer whose deliveries are recorded with the (fake) time they happened at. */
function recording(intervalMs = INTERVAL, graceMs = 0) {
  const deliveries: Delivery[] = [];
  const coalescer = new ProgressCoalescer<string>(
    intervalMs,
    (key, value) => deliveries.push({ key, value, at: performance.now() }),
    graceMs,
  );
  const values = (key: string) => deliveries.filter((d) => d.key === key).map((d) => d.value);
  return { coalescer, deliveries, values };
}

describe('ProgressCoalescer', () => {
  beforeEach(() => {
    // Modern fake timers also fake performance.now(), which the coalescer measures its windows with.
    jest.useFakeTimers();
  });

  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('fakes performance.now together with the timers (the tests below rely on it)', () => {
    const before = performance.now();
    jest.advanceTimersByTime(1_234);
    expect(performance.now() - before).toBe(1_234);
  });

  it('delivers the first value of a key at once', () => {
    const { coalescer, deliveries } = recording();
    const start = performance.now();
    coalescer.push('agent-1', 'a');
    expect(deliveries).toEqual([{ key: 'agent-1', value: 'a', at: start }]);
  });

  it('holds later values of the window and delivers only the last one, exactly when the window ends', () => {
    const { coalescer, values, deliveries } = recording();
    const start = performance.now();
    coalescer.push('agent-1', 'a');
    jest.advanceTimersByTime(100);
    coalescer.push('agent-1', 'b');
    jest.advanceTimersByTime(100);
    coalescer.push('agent-1', 'c');
    jest.advanceTimersByTime(799);
    expect(values('agent-1')).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(values('agent-1')).toEqual(['a', 'c']);
    expect(deliveries[1].at - start).toBe(INTERVAL);
    jest.advanceTimersByTime(10 * INTERVAL);
    expect(values('agent-1')).toEqual(['a', 'c']);
  });

  it('delivers at once again when a value comes after a quiet interval', () => {
    const { coalescer, values } = recording();
    coalescer.push('k', 'a');
    jest.advanceTimersByTime(INTERVAL);
    coalescer.push('k', 'b');
    expect(values('k')).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1_500);
    coalescer.push('k', 'c');
    expect(values('k')).toEqual(['a', 'b', 'c']);
  });

  it('measures the next window from the delayed delivery, not from the push before it', () => {
    const { coalescer, deliveries } = recording();
    coalescer.push('k', 'a'); // t=0, delivered
    jest.advanceTimersByTime(500);
    coalescer.push('k', 'b'); // held until t=1000
    jest.advanceTimersByTime(500);
    coalescer.push('k', 'c'); // t=1000, just after b: held until t=2000
    jest.advanceTimersByTime(999);
    expect(deliveries.map((d) => d.value)).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1);
    expect(deliveries.map((d) => [d.value, d.at - deliveries[0].at])).toEqual([
      ['a', 0],
      ['b', 1_000],
      ['c', 2_000],
    ]);
  });

  it('coalesces each key on its own', () => {
    const { coalescer, values } = recording();
    coalescer.push('agent-1', '1a');
    coalescer.push('agent-2', '2a');
    coalescer.push('agent-1', '1b');
    coalescer.push('agent-2', '2b');
    coalescer.push('agent-2', '2c');
    expect(values('agent-1')).toEqual(['1a']);
    expect(values('agent-2')).toEqual(['2a']);
    jest.advanceTimersByTime(INTERVAL);
    expect(values('agent-1')).toEqual(['1a', '1b']);
    expect(values('agent-2')).toEqual(['2a', '2c']);
  });

  it('never lets two values through inside one interval, even when a timer fires a little early', () => {
    const { coalescer, values } = recording();
    const fakeNow = performance.now.bind(performance);
    let skew = 0;
    jest.spyOn(performance, 'now').mockImplementation(() => fakeNow() - skew);
    coalescer.push('k', 'a');
    coalescer.push('k', 'b');
    skew = 1; // the clock reads 1 ms behind the timer that ends the window
    jest.advanceTimersByTime(INTERVAL);
    expect(values('k')).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(values('k')).toEqual(['a', 'b']);
  });

  it('with a grace, sends a value whose window is over together with the next one, then holds that one', () => {
    const { coalescer, deliveries } = recording(INTERVAL, 500);
    coalescer.push('k', 'a'); // t=0, delivered
    jest.advanceTimersByTime(500);
    coalescer.push('k', 'b'); // held: its window ends at t=1000
    jest.advanceTimersByTime(497);
    coalescer.push('k', 'c'); // t=997, still inside the window: replaces b
    jest.advanceTimersByTime(400);
    expect(deliveries.map((d) => d.value)).toEqual(['a']); // t=1397: the window is over, within the grace
    coalescer.push('k', 'd'); // c goes now, with d's push; d is held until t=2397 (+ grace)
    expect(deliveries.map((d) => [d.value, d.at])).toEqual([
      ['a', 0],
      ['c', 1_397],
    ]);
    jest.advanceTimersByTime(1_499);
    expect(deliveries).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(deliveries.map((d) => [d.value, d.at])).toEqual([
      ['a', 0],
      ['c', 1_397],
      ['d', 2_897],
    ]);
  });

  it('with a grace and nothing more pushed, sends the last value at its window’s end plus the grace', () => {
    const { coalescer, deliveries } = recording(INTERVAL, 500);
    coalescer.push('k', 'a');
    coalescer.push('k', 'b');
    jest.advanceTimersByTime(1_499);
    expect(deliveries.map((d) => d.value)).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(deliveries.map((d) => [d.value, d.at])).toEqual([
      ['a', 0],
      ['b', 1_500],
    ]);
  });

  it('with a grace, flush still delivers as soon as the window is over', async () => {
    const { coalescer, deliveries } = recording(INTERVAL, 500);
    coalescer.push('k', 'a');
    coalescer.push('k', 'b');
    const flushed = coalescer.flush('k');
    await jest.advanceTimersByTimeAsync(1_000);
    await flushed;
    expect(deliveries.map((d) => [d.value, d.at])).toEqual([
      ['a', 0],
      ['b', 1_000],
    ]);
  });

  it.each([0, 500])(
    'sends at most one value per key per interval and always the last value of each window (any schedule, grace %i ms)',
    (grace) => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({ key: fc.constantFrom('a', 'b', 'c'), gap: fc.integer({ min: 0, max: 2_500 }) }),
            { minLength: 1, maxLength: 60 },
          ),
          (pushes) => {
            const { coalescer, deliveries } = recording(INTERVAL, grace);
            const pushed: Delivery[] = [];
            pushes.forEach(({ key, gap }, index) => {
              jest.advanceTimersByTime(gap);
              const value = `${key}${index}`;
              pushed.push({ key, value, at: performance.now() });
              coalescer.push(key, value);
            });
            jest.advanceTimersByTime(INTERVAL + grace);
            for (const key of ['a', 'b', 'c']) {
              const sent = deliveries.filter((d) => d.key === key);
              const all = pushed.filter((p) => p.key === key);
              // At most one per interval.
              for (let i = 1; i < sent.length; i++)
                expect(sent[i].at - sent[i - 1].at).toBeGreaterThanOrEqual(INTERVAL);
              // The last value pushed always arrives, and is the last one sent.
              expect(sent.at(-1)?.value).toBe(all.at(-1)?.value);
              // Values arrive in push order, never before they were pushed, and none is invented.
              const order = sent.map((d) => all.findIndex((p) => p.value === d.value));
              expect(order.every((index, i) => index >= 0 && (i === 0 || index > order[i - 1]))).toBe(true);
              sent.forEach((d, i) => expect(d.at).toBeGreaterThanOrEqual(all[order[i]].at));
              // Whatever a delivery superseded was pushed while that key's window was closed.
              for (const [i, p] of all.entries()) {
                if (sent.some((d) => d.value === p.value)) continue;
                const next = all[i + 1];
                expect(next).toBeDefined();
                const lastBefore = sent.filter((d) => d.at <= p.at).at(-1);
                expect(lastBefore).toBeDefined();
                expect(p.at - (lastBefore as Delivery).at).toBeLessThan(INTERVAL);
              }
            }
            coalescer.dispose();
          },
        ),
        { numRuns: 100 },
      );
    },
  );

  describe('flush', () => {
    it('resolves at once when nothing is pending', async () => {
      const { coalescer, values } = recording();
      coalescer.push('k', 'a');
      await coalescer.flush('k');
      await coalescer.flush('other');
      expect(values('k')).toEqual(['a']);
    });

    it('delivers the pending value once its window opens and only then resolves', async () => {
      const { coalescer, deliveries } = recording();
      const start = performance.now();
      coalescer.push('k', 'a');
      jest.advanceTimersByTime(300);
      coalescer.push('k', 'b');
      let resolved = false;
      const flushed = coalescer.flush('k').then(() => (resolved = true));
      await jest.advanceTimersByTimeAsync(699);
      expect(resolved).toBe(false);
      expect(deliveries.map((d) => d.value)).toEqual(['a']);
      await jest.advanceTimersByTimeAsync(1);
      await flushed;
      expect(deliveries.map((d) => [d.value, d.at - start])).toEqual([
        ['a', 0],
        ['b', INTERVAL],
      ]);
    });

    it('delivers the pending value exactly once although its own timer fires at the same moment', async () => {
      const { coalescer, values } = recording();
      coalescer.push('k', 'a');
      coalescer.push('k', 'b');
      const flushed = coalescer.flush('k');
      await jest.advanceTimersByTimeAsync(INTERVAL);
      await flushed;
      await jest.advanceTimersByTimeAsync(5 * INTERVAL);
      expect(values('k')).toEqual(['a', 'b']);
    });

    it('flushes one key without touching another', async () => {
      const { coalescer, values } = recording();
      coalescer.push('x', 'x1');
      coalescer.push('y', 'y1');
      jest.advanceTimersByTime(500);
      coalescer.push('x', 'x2');
      coalescer.push('y', 'y2');
      const flushed = coalescer.flush('x');
      await jest.advanceTimersByTimeAsync(500);
      await flushed;
      expect(values('x')).toEqual(['x1', 'x2']);
      expect(values('y')).toEqual(['y1', 'y2']);
      coalescer.push('y', 'y3');
      coalescer.dispose();
    });
  });

  describe('dispose', () => {
    it('drops every pending value for good', () => {
      const { coalescer, deliveries } = recording();
      coalescer.push('a', 'a1');
      coalescer.push('a', 'a2');
      coalescer.push('b', 'b1');
      coalescer.push('b', 'b2');
      coalescer.dispose();
      jest.advanceTimersByTime(10 * INTERVAL);
      expect(deliveries.map((d) => d.value)).toEqual(['a1', 'b1']);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('leaves the coalescer usable, still keeping to the interval', () => {
      const { coalescer, values } = recording();
      coalescer.push('k', 'a');
      coalescer.push('k', 'b');
      coalescer.dispose();
      coalescer.push('k', 'c');
      expect(values('k')).toEqual(['a']);
      jest.advanceTimersByTime(INTERVAL);
      expect(values('k')).toEqual(['a', 'c']);
    });
  });
});
