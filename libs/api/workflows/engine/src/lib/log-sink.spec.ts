import fc from 'fast-check';
import type { LogBatchPayload, LogCreatedPayload, LogLevel, NewEvent } from '@flowcast/shared-contract';
import { LogSink, MAX_BATCH_CHARS, MAX_BATCH_LINES } from './log-sink';

const THRESHOLD = 5;
const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function sink(threshold = THRESHOLD) {
  const events: NewEvent[] = [];
  const logs = new LogSink(threshold, (event) => events.push(event));
  /** Every line the events carry, in order, as `message` strings. */
  const messages = () =>
    events.flatMap((event) =>
      event.type === 'log:created'
        ? [event.payload.message]
        : event.type === 'log:batch'
          ? event.payload.lines.map((line) => line.message)
          : [],
    );
  const batches = () =>
    events
      .filter((e): e is Extract<NewEvent, { type: 'log:batch' }> => e.type === 'log:batch')
      .map((e) => e.payload);
  const singles = () =>
    events
      .filter((e): e is Extract<NewEvent, { type: 'log:created' }> => e.type === 'log:created')
      .map((e) => e.payload);
  return { logs, events, messages, batches, singles };
}

describe('LogSink', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('below the threshold', () => {
    it('sends every line at once as its own log:created with the time it was written, naming its agent', () => {
      const { logs, events } = sink();
      logs.write('info', 'one', 'agent-1');
      jest.advanceTimersByTime(7);
      logs.write('warn', 'two', 'agent-1', { exitCode: 3 });
      expect(events).toEqual<NewEvent[]>([
        {
          type: 'log:created',
          payload: {
            level: 'info',
            message: 'one',
            timestamp: new Date(T0).toISOString(),
            metadata: { agentName: 'agent-1' },
          },
        },
        {
          type: 'log:created',
          payload: {
            level: 'warn',
            message: 'two',
            timestamp: new Date(T0 + 7).toISOString(),
            metadata: { exitCode: 3, agentName: 'agent-1' },
          },
        },
      ]);
      logs.write('info', 'workflow-wide');
      expect(events[2].payload).toEqual({
        level: 'info',
        message: 'workflow-wide',
        timestamp: new Date(T0 + 7).toISOString(),
      });
      expect('metadata' in (events[2].payload as LogCreatedPayload)).toBe(false);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('sends up to threshold lines per second singly, second after second', () => {
      const { logs, events } = sink();
      for (let second = 0; second < 3; second++) {
        for (let i = 0; i < THRESHOLD; i++) logs.write('info', `s${second}-${i}`);
        jest.advanceTimersByTime(1_000);
      }
      expect(events).toHaveLength(3 * THRESHOLD);
      expect(events.every((event) => event.type === 'log:created')).toBe(true);
    });
  });

  describe('above the threshold', () => {
    it('gathers the lines beyond the threshold into one log:batch sent 100 ms later', () => {
      const { logs, events, singles, batches, messages } = sink();
      for (let i = 0; i < 20; i++) logs.write('info', `line ${i}`, 'agent-1');
      expect(singles()).toHaveLength(THRESHOLD);
      expect(batches()).toHaveLength(0);
      jest.advanceTimersByTime(99);
      expect(batches()).toHaveLength(0);
      jest.advanceTimersByTime(1);
      expect(events.map((event) => event.type)).toEqual([
        ...Array(THRESHOLD).fill('log:created'),
        'log:batch',
      ]);
      expect(batches()[0]).toEqual<LogBatchPayload>({
        agentName: 'agent-1',
        lines: Array.from({ length: 20 - THRESHOLD }, (_, i) => ({
          level: 'info',
          message: `line ${i + THRESHOLD}`,
          timestamp: new Date(T0).toISOString(),
        })),
      });
      expect(messages()).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}`));
    });

    it('keeps order: once lines are being gathered, every later line joins them, even in a new second', () => {
      const { logs, messages, events } = sink();
      for (let i = 0; i <= THRESHOLD; i++) logs.write('info', `a${i}`);
      jest.setSystemTime(T0 + 1_000); // a fresh rate window, but the gathered line has not gone out yet
      logs.write('info', 'b0');
      expect(events.at(-1)?.type).toBe('log:created');
      expect(messages()).not.toContain('b0');
      jest.advanceTimersByTime(100);
      expect(messages()).toEqual([...Array.from({ length: THRESHOLD + 1 }, (_, i) => `a${i}`), 'b0']);
    });

    it('goes back to single log:created lines once the rate falls and the gathered lines are out', () => {
      const { logs, events } = sink();
      for (let i = 0; i < 3 * THRESHOLD; i++) logs.write('info', `a${i}`);
      jest.advanceTimersByTime(1_000);
      logs.write('info', 'calm');
      expect(events.at(-1)).toEqual({
        type: 'log:created',
        payload: { level: 'info', message: 'calm', timestamp: new Date(T0 + 1_000).toISOString() },
      });
    });

    it(`sends a full batch at once when it reaches ${MAX_BATCH_LINES} lines, and never a bigger one`, () => {
      const { logs, batches, singles, messages } = sink();
      const total = THRESHOLD + 2 * MAX_BATCH_LINES + 123;
      for (let i = 0; i < total; i++) logs.write('debug', `l${i}`, 'agent-1');
      expect(batches().map((batch) => batch.lines.length)).toEqual([MAX_BATCH_LINES, MAX_BATCH_LINES]);
      jest.advanceTimersByTime(100);
      expect(batches().map((batch) => batch.lines.length)).toEqual([MAX_BATCH_LINES, MAX_BATCH_LINES, 123]);
      expect(singles()).toHaveLength(THRESHOLD);
      expect(messages()).toEqual(Array.from({ length: total }, (_, i) => `l${i}`));
    });

    it('sends a batch at once when its lines reach 1 Mi characters, so long lines make no giant event', () => {
      const { logs, batches, messages } = sink();
      for (let i = 0; i < THRESHOLD; i++) logs.write('info', `l${i}`);
      const long = 'x'.repeat(300 * 1024);
      for (let i = 0; i < 7; i++) logs.write('info', `${i}${long}`);
      // 4 lines of 300 Ki reach 1 Mi: sent at once; the other 3 wait for the window.
      expect(batches().map((batch) => batch.lines.length)).toEqual([4]);
      jest.advanceTimersByTime(100);
      expect(batches().map((batch) => batch.lines.length)).toEqual([4, 3]);
      for (const batch of batches()) {
        const chars = batch.lines.reduce((sum, line) => sum + line.message.length, 0);
        expect(chars).toBeLessThan(MAX_BATCH_CHARS + long.length + 1);
      }
      expect(
        messages()
          .slice(THRESHOLD)
          .map((message) => message[0]),
      ).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    });

    it('names the agent of a batch only when every line of it came from that one agent', () => {
      const { logs, batches } = sink(1);
      logs.write('info', 'single', 'a');
      logs.write('info', 'x', 'a');
      logs.write('info', 'y', 'a');
      logs.flush();
      logs.write('info', 'x', 'a');
      logs.write('info', 'y', 'b');
      logs.flush();
      logs.write('info', 'x', undefined);
      logs.write('info', 'y', 'a');
      logs.flush();
      logs.write('info', 'x', 'a');
      logs.write('info', 'y', undefined);
      logs.flush();
      logs.write('info', 'x');
      logs.flush();
      expect(batches().map((batch) => batch.agentName)).toEqual([
        'a',
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      expect(batches().map((batch) => 'agentName' in batch)).toEqual([true, false, false, false, false]);
    });

    it('carries only level, message and timestamp in a batch line', () => {
      const { logs, batches } = sink(0);
      logs.write('error', 'boom', 'a', { code: 1 });
      logs.flush();
      expect(batches()[0].lines).toEqual([
        { level: 'error', message: 'boom', timestamp: new Date(T0).toISOString() },
      ]);
    });
  });

  describe('flush', () => {
    it('sends the gathered lines at once and cancels the pending timer, so nothing goes out twice', () => {
      const { logs, events, messages } = sink(0);
      logs.write('info', 'a');
      logs.write('info', 'b');
      expect(events).toHaveLength(0);
      logs.flush();
      expect(events).toHaveLength(1);
      expect(jest.getTimerCount()).toBe(0);
      jest.advanceTimersByTime(1_000);
      expect(messages()).toEqual(['a', 'b']);
    });

    it('sends nothing when nothing is gathered', () => {
      const { logs, events } = sink();
      logs.flush();
      logs.write('info', 'a');
      logs.flush();
      expect(events).toHaveLength(1);
    });
  });

  it('loses no line and keeps their order for any pattern of writes, pauses and flushes', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('write' as const),
        level: fc.constantFrom<LogLevel>('debug', 'info', 'warn', 'error'),
        agent: fc.constantFrom('a', 'b', undefined),
      }),
      fc.record({ kind: fc.constant('burst' as const), count: fc.integer({ min: 1, max: 700 }) }),
      fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 60 }), fc.array(step, { maxLength: 40 }), (threshold, steps) => {
        const { logs, events, messages } = sink(threshold);
        const written: string[] = [];
        const write = (level: LogLevel, agent?: string) => {
          const message = `m${written.length}`;
          written.push(message);
          logs.write(level, message, agent);
        };
        for (const s of steps) {
          if (s.kind === 'write') write(s.level, s.agent);
          else if (s.kind === 'burst') for (let i = 0; i < s.count; i++) write('info', 'a');
          else if (s.kind === 'wait') jest.advanceTimersByTime(s.ms);
          else logs.flush();
        }
        jest.advanceTimersByTime(100);
        expect(messages()).toEqual(written);
        for (const event of events) {
          if (event.type === 'log:batch') {
            expect(event.payload.lines.length).toBeGreaterThan(0);
            expect(event.payload.lines.length).toBeLessThanOrEqual(MAX_BATCH_LINES);
          }
        }
        // Rate windows are one second long, so no span of one second carries more than two windows' singles.
        const singleTimes = events
          .filter((event) => event.type === 'log:created')
          .map((event) => Date.parse((event.payload as LogCreatedPayload).timestamp));
        for (const t of singleTimes) {
          const inSpan = singleTimes.filter((other) => other > t - 1_000 && other <= t).length;
          expect(inSpan).toBeLessThanOrEqual(2 * threshold);
        }
        expect(jest.getTimerCount()).toBe(0);
        jest.setSystemTime(T0);
      }),
      { numRuns: 150 },
    );
  });
});
