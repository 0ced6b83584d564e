import fc from 'fast-check';
import {
  foldWorkflow,
  seedWorkflow,
  snapshotEvents,
  type LogCreatedPayload,
  type StoredEvent,
  type StoredEventType,
  type WorkflowDetail,
  type WorkflowEventMap,
} from '@flowcast/shared-contract';
import { FakeEventSource } from '../testing/fake-event-source';
import { EVENT_SOURCE_STATE } from './event-source';
import {
  STREAM_EVENT_TYPES,
  WorkflowStream,
  type StreamNotice,
  type WorkflowStreamOptions,
} from './workflow-stream';

const WF = 'wf_AbCdEfGhIjKlMnOp';
const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const STREAM_URL = `/api/workflows/${WF}/stream`;
const HEARTBEAT = 15_000;

const SEED: WorkflowDetail = seedWorkflow({
  id: WF,
  name: 'Fix login bug',
  createdAt: new Date(T0 - 60_000).toISOString(),
  maxIterations: 1,
  budgetLimit: 5,
  agents: [
    { agentName: 'agent-1', agentRole: 'developer' },
    { agentName: 'agent-2', agentRole: 'reviewer' },
  ],
});

const now = () => new Date().toISOString();

function stored<K extends StoredEventType>(
  id: number,
  type: K,
  payload: WorkflowEventMap[K],
  ts = now(),
): StoredEvent {
  return { id, type, data: { ...payload, workflowId: WF, ts } } as StoredEvent;
}

/** A whole run: ids 1…12, with log lines (one batch of three), a budget warning and the end. */
function run(ts?: string): StoredEvent[] {
  const line = (message: string) => ({ level: 'info' as const, message, timestamp: ts ?? now() });
  return [
    stored(1, 'workflow:started', { name: 'Fix login bug', totalSteps: 2, budgetLimit: 5 }, ts),
    stored(2, 'workflow:running', { currentAgent: 'agent-1', currentStep: 1, iterations: 1 }, ts),
    stored(
      3,
      'agent:started',
      { agentName: 'agent-1', agentRole: 'developer', stepNumber: 1, prompt: 'Fix' },
      ts,
    ),
    stored(4, 'log:created', line('reading the code'), ts),
    stored(5, 'agent:progress', { agentName: 'agent-1', message: 'half way', level: 'info' }, ts),
    stored(6, 'log:batch', { agentName: 'agent-1', lines: [line('a'), line('b'), line('c')] }, ts),
    stored(7, 'budget:warning', { currentCost: 4, budgetLimit: 5, percentageUsed: 80 }, ts),
    stored(8, 'agent:completed', { agentName: 'agent-1', stepNumber: 1, duration: 900, cost: 4 }, ts),
    stored(9, 'workflow:running', { currentAgent: 'agent-2', currentStep: 2, totalCost: 4 }, ts),
    stored(
      10,
      'agent:started',
      { agentName: 'agent-2', agentRole: 'reviewer', stepNumber: 2, prompt: 'Review' },
      ts,
    ),
    stored(11, 'agent:completed', { agentName: 'agent-2', stepNumber: 2, duration: 300, cost: 0.5 }, ts),
    stored(12, 'workflow:completed', { duration: 1_500, totalCost: 4.5, iterations: 1, currentStep: 2 }, ts),
  ];
}

function send(source: FakeEventSource, events: StoredEvent[]): void {
  for (const event of events) source.emit(event.type, event.data, event.id);
}

/** What the server sends on a connection without a cursor: the state, the agents, the log lines; one id. */
function sendSnapshot(source: FakeEventSource, view: WorkflowDetail, lines: LogCreatedPayload[] = []): void {
  const ts = now();
  const frames: { type: string; data: unknown }[] = [
    ...snapshotEvents(view, ts).map(({ type, data }) => ({ type, data })),
    ...lines.map((line) => ({ type: 'log:created', data: { ...line, workflowId: WF, ts } })),
  ];
  frames.forEach((frame, index) =>
    source.emit(frame.type, frame.data, index === frames.length - 1 ? view.lastEventId : undefined),
  );
}

function logLine(message: string): LogCreatedPayload {
  return { level: 'info', message, timestamp: now() };
}

function setup(options: Partial<WorkflowStreamOptions> = {}) {
  const sources: FakeEventSource[] = [];
  const fetchDetail = jest.fn<Promise<WorkflowDetail>, [string]>();
  const stream = new WorkflowStream({
    workflowId: WF,
    createEventSource: (url, init) => {
      const source = new FakeEventSource(url, init);
      sources.push(source);
      return source;
    },
    fetchDetail,
    random: () => 0.5,
    ...options,
  });
  const notices: StreamNotice[] = [];
  stream.notices$.subscribe((notice) => notices.push(notice));
  const latest = () => sources[sources.length - 1];
  return { stream, sources, fetchDetail, notices, latest };
}

/** Starts a stream and brings it live on the seed (a pending workflow, id 0). */
function live(options: Partial<WorkflowStreamOptions> = {}) {
  const harness = setup(options);
  harness.stream.start();
  harness.latest().open();
  sendSnapshot(harness.latest(), SEED);
  return harness;
}

/** Advances to just before `ms` (nothing new yet), then to `ms` (a new EventSource). */
async function expectNewSourceAfter(sources: FakeEventSource[], ms: number): Promise<FakeEventSource> {
  const count = sources.length;
  await jest.advanceTimersByTimeAsync(ms - 1);
  expect(sources).toHaveLength(count);
  await jest.advanceTimersByTimeAsync(1);
  expect(sources).toHaveLength(count + 1);
  return sources[count];
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(T0);
});

afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

describe('WorkflowStream', () => {
  describe('connecting', () => {
    it('opens the workflow stream with credentials and listens for every event type of the contract', () => {
      const { stream, sources } = setup();
      stream.start();

      expect(sources).toHaveLength(1);
      expect(sources[0].url).toBe(STREAM_URL);
      expect(sources[0].init).toEqual({ withCredentials: true });
      expect(sources[0].listenedTypes).toEqual(
        expect.arrayContaining([...STREAM_EVENT_TYPES, 'open', 'error']),
      );
      expect(STREAM_EVENT_TYPES).toHaveLength(16);
      expect(stream.connection()).toBe('reconnecting');
    });

    it('is live once the connection opens', () => {
      const { stream, latest } = setup();
      stream.start();
      latest().open();
      expect(stream.connection()).toBe('live');
    });

    it('polls from the start where there is no EventSource', async () => {
      const { stream, fetchDetail } = setup({ createEventSource: null });
      fetchDetail.mockResolvedValue({ ...SEED, status: 'running' });
      stream.start();
      await jest.advanceTimersByTimeAsync(0);

      expect(stream.connection()).toBe('polling');
      expect(stream.view()?.status).toBe('running');
      await jest.advanceTimersByTimeAsync(3_000);
      expect(fetchDetail).toHaveBeenCalledTimes(2);
      stream.close();
    });
  });

  describe('snapshot', () => {
    it('replaces the state with the snapshot folded from a blank seed, with the snapshot id', () => {
      const { stream, latest } = setup();
      const view = foldWorkflow(SEED, run().slice(0, 9));
      stream.start();
      sendSnapshot(latest(), view, [logLine('one'), logLine('two')]);

      expect(stream.view()).toEqual(view);
      expect(stream.view()?.lastEventId).toBe(9);
      expect(stream.logs().map((entry) => [entry.key, entry.message])).toEqual([
        ['snapshot:9:0', 'one'],
        ['snapshot:9:1', 'two'],
      ]);
      expect(stream.connection()).toBe('live');
    });

    it('shows nothing until the snapshot’s last (id-carrying) event has arrived', () => {
      const { stream, latest } = setup();
      stream.start();
      const [state] = snapshotEvents(SEED, now());
      latest().emit(state.type, state.data);

      expect(stream.view()).toBeNull();
    });

    it('treats a snapshot that carries id 0 (a workflow without events) as complete', () => {
      const { stream } = live();
      expect(stream.view()).toEqual(SEED);
    });
  });

  describe('live events', () => {
    it('folds events in order through the shared reducer and appends their log lines', () => {
      const { stream, latest } = live();
      const events = run();
      send(latest(), events);

      expect(stream.view()).toEqual(foldWorkflow(SEED, events));
      expect(stream.logs().map((entry) => entry.key)).toEqual(['4:0', '6:0', '6:1', '6:2']);
      expect(stream.logs()[1]).toEqual({
        key: '6:0',
        level: 'info',
        message: 'a',
        timestamp: expect.any(String),
        agentName: 'agent-1',
      });
    });

    it('drops an event whose id is not newer than the last applied one', () => {
      const { stream, latest } = live();
      const events = run();
      send(latest(), events.slice(0, 6));
      latest().fail();
      jest.advanceTimersByTime(1_000);
      const resumed = latest();
      expect(resumed.url).toBe(`${STREAM_URL}?lastEventId=6`);

      // A replay that overlaps what was applied: 4 and 6 again, then the rest.
      send(resumed, [events[3], events[5], ...events.slice(6, 8)]);

      expect(stream.view()).toEqual(foldWorkflow(SEED, events.slice(0, 8)));
      expect(stream.logs().map((entry) => entry.key)).toEqual(['4:0', '6:0', '6:1', '6:2']);
    });

    it('drops an event repeated without a new id (lastEventId unchanged)', () => {
      const { stream, latest } = live();
      const [, , agentStarted, logCreated] = run();
      send(latest(), [agentStarted, logCreated]);
      latest().emit(logCreated.type, logCreated.data);

      expect(stream.logs()).toHaveLength(1);
    });

    it('holds the newest 100,000 log lines, counting each line of a log:batch', () => {
      const { stream, latest } = setup();
      stream.start();
      sendSnapshot(
        latest(),
        { ...SEED, lastEventId: 50 },
        Array.from({ length: 50 }, (_, n) => logLine(`snapshot ${n}`)),
      );
      const batch = (id: number) =>
        stored(id, 'log:batch', {
          lines: Array.from({ length: 500 }, (_, n) => ({
            level: 'info' as const,
            message: `batch ${id}.${n}`,
            timestamp: now(),
          })),
        });
      // 50 + 201 × 500 = 100,550 lines: the snapshot's 50 and the first batch's 500 are gone.
      send(
        latest(),
        Array.from({ length: 201 }, (_, n) => batch(51 + n)),
      );

      const logs = stream.logs();
      expect(logs).toHaveLength(100_000);
      expect(logs[0]).toMatchObject({ key: '52:0', message: 'batch 52.0' });
      expect(logs[99_999]).toMatchObject({ key: '251:499', message: 'batch 251.499' });
      expect(stream.log.atStart()).toBe(false);
    });

    it('publishes each applied event with its id on applied$, neither the snapshot nor a dropped repeat', () => {
      const { stream, latest } = setup();
      const applied: { id: number; type: string }[] = [];
      stream.applied$.subscribe(({ id, type }) => applied.push({ id, type }));
      stream.start();
      const events = run();
      sendSnapshot(latest(), foldWorkflow(SEED, events.slice(0, 3)), [logLine('in the snapshot')]);
      send(latest(), [events[2], ...events.slice(3, 5)]);
      latest().fail();
      jest.advanceTimersByTime(1_000);
      // The resume replays 5 again, then goes on.
      send(latest(), events.slice(4, 7));

      expect(applied).toEqual(events.slice(3, 7).map(({ id, type }) => ({ id, type })));
    });

    it('honours a smaller maxLogLines', () => {
      const { stream, latest } = live({ maxLogLines: 2 });
      send(latest(), [
        stored(1, 'log:created', logLine('1')),
        stored(2, 'log:created', logLine('2')),
        stored(3, 'log:created', logLine('3')),
      ]);
      expect(stream.logs().map((entry) => entry.message)).toEqual(['2', '3']);
    });
  });

  describe('stream:reset', () => {
    it('replaces the state and the log lines with the fresh snapshot instead of merging', () => {
      const { stream, latest } = live();
      send(latest(), run().slice(0, 6));
      latest().fail();
      jest.advanceTimersByTime(1_000);
      const resumed = latest();

      // The server cannot serve id 6 (say the store was reset): a reset, then a snapshot of another history.
      const other = foldWorkflow(
        seedWorkflow({
          id: WF,
          name: 'Other',
          createdAt: now(),
          maxIterations: 2,
          budgetLimit: null,
          agents: [],
        }),
        [
          stored(1, 'workflow:started', { name: 'Other', totalSteps: 1 }),
          stored(2, 'workflow:running', { currentStep: 1 }),
        ],
      );
      resumed.emit('stream:reset', {
        requestedId: '6',
        latestId: 2,
        reason: 'unknown-id',
        workflowId: WF,
        ts: now(),
      });
      sendSnapshot(resumed, other, [logLine('fresh')]);

      expect(stream.view()).toEqual(other);
      expect(stream.logs().map((entry) => entry.message)).toEqual(['fresh']);
      send(resumed, [stored(3, 'log:created', logLine('after'))]);
      expect(stream.view()?.lastEventId).toBe(3);
      expect(stream.logs().map((entry) => entry.message)).toEqual(['fresh', 'after']);
    });

    it('forgets the last applied id, so a connection lost before the snapshot ends asks for a new one', () => {
      const { latest } = live();
      send(latest(), run().slice(0, 3));
      latest().fail();
      jest.advanceTimersByTime(1_000);
      latest().emit('stream:reset', {
        requestedId: '3',
        latestId: 1,
        reason: 'expired',
        workflowId: WF,
        ts: now(),
      });
      latest().fail();
      jest.advanceTimersByTime(2_000);

      expect(latest().url).toBe(STREAM_URL);
    });
  });

  describe('reconnecting', () => {
    it('retries after 1, 2, 4, 8 and 16 s, resuming from the last applied id, then polls', async () => {
      const { stream, sources, fetchDetail, latest } = live();
      fetchDetail.mockResolvedValue({ ...SEED, status: 'running' });
      send(latest(), run().slice(0, 3));

      latest().fail();
      expect(stream.connection()).toBe('reconnecting');
      for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
        const next = await expectNewSourceAfter(sources, delay);
        expect(next.url).toBe(`${STREAM_URL}?lastEventId=3`);
        expect(stream.connection()).toBe('reconnecting');
        next.fail();
      }

      expect(stream.connection()).toBe('polling');
      expect(fetchDetail).toHaveBeenCalledWith(WF);
      stream.close();
    });

    it('closes the failed EventSource itself, whatever its readyState', () => {
      const { sources, latest } = live();
      latest().fail(EVENT_SOURCE_STATE.connecting);
      expect(sources[0].closed).toBe(true);

      jest.advanceTimersByTime(1_000);
      latest().fail(EVENT_SOURCE_STATE.closed);
      expect(sources[1].closed).toBe(true);
      jest.advanceTimersByTime(2_000);
      expect(sources).toHaveLength(3);
    });

    it('spreads each delay by ±20 % with the jitter', async () => {
      const low = live({ random: () => 0 });
      low.latest().fail();
      await expectNewSourceAfter(low.sources, 800);
      low.stream.close();

      const high = live({ random: () => 0.999_999 });
      high.latest().fail();
      await expectNewSourceAfter(high.sources, 1_200);
      high.latest().fail();
      await expectNewSourceAfter(high.sources, 2_400);
      high.stream.close();
    });

    it('resets the retry count when a connection is answered (opens) or delivers an event', async () => {
      const { sources, latest } = live();
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      latest().fail();
      await expectNewSourceAfter(sources, 2_000);
      latest().fail();
      await expectNewSourceAfter(sources, 4_000);
      // Answered, then lost: the next try starts the backoff again (a quiet workflow never counts down).
      latest().open();
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      latest().fail();
      await expectNewSourceAfter(sources, 2_000);

      send(latest(), [stored(1, 'workflow:started', { name: 'Fix login bug', totalSteps: 2 })]);
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
    });

    it('reconnects at once on reconnect() and resets the retry count', async () => {
      const { stream, sources, latest } = live();
      send(latest(), run().slice(0, 2));
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      latest().fail();
      await expectNewSourceAfter(sources, 2_000);
      latest().fail(); // the next try would be in 4 s

      stream.reconnect();
      expect(sources).toHaveLength(4);
      expect(latest().url).toBe(`${STREAM_URL}?lastEventId=2`);
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      // The abandoned 4 s timer does not open a second connection.
      await jest.advanceTimersByTimeAsync(10_000);
      expect(sources.filter((source) => !source.closed)).toHaveLength(1);
    });

    it('replaces a live connection silent for three heartbeats at once, resuming, without showing it', async () => {
      const { stream, sources, latest } = live();
      send(latest(), run().slice(0, 2));

      await jest.advanceTimersByTimeAsync(40_000);
      send(latest(), run().slice(2, 3)); // an event restarts the clock
      await jest.advanceTimersByTimeAsync(3 * HEARTBEAT - 1);
      expect(sources[0].closed).toBe(false);
      await jest.advanceTimersByTimeAsync(1);

      // A quiet workflow, most likely: a new connection at once, resuming; the indicator stays live.
      expect(sources[0].closed).toBe(true);
      expect(sources).toHaveLength(2);
      expect(latest().url).toBe(`${STREAM_URL}?lastEventId=3`);
      expect(stream.connection()).toBe('live');
      // It was dead after all: the new connection fails, and that shows.
      latest().fail();
      expect(stream.connection()).toBe('reconnecting');
      const next = await expectNewSourceAfter(sources, 1_000);
      expect(next.url).toBe(`${STREAM_URL}?lastEventId=3`);
    });

    it('measures the silence with the configured heartbeat', async () => {
      const { sources } = live({ heartbeatMs: 1_000 });
      await jest.advanceTimersByTimeAsync(3_000);
      expect(sources[0].closed).toBe(true);
    });
  });

  describe('polling fallback', () => {
    /** Live up to id 3, then five failed tries: polling. */
    async function pollingAfterFiveFailures(polled: WorkflowDetail) {
      const harness = live();
      harness.fetchDetail.mockResolvedValue(polled);
      send(harness.latest(), run().slice(0, 3));
      harness.latest().fail();
      for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
        await jest.advanceTimersByTimeAsync(delay);
        harness.latest().fail();
      }
      await jest.advanceTimersByTimeAsync(0);
      return harness;
    }

    it('polls GET every 3 s, shows the polled state and tries the stream every 30 s in the background', async () => {
      const polled = foldWorkflow(SEED, run().slice(0, 5));
      const { stream, sources, fetchDetail } = await pollingAfterFiveFailures(polled);

      expect(stream.connection()).toBe('polling');
      expect(stream.view()).toEqual(polled);
      // Once when the first retry was refused (is it gone?), once when polling began.
      expect(fetchDetail).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(3_000);
      expect(fetchDetail).toHaveBeenCalledTimes(3);

      const count = sources.length;
      await jest.advanceTimersByTimeAsync(30_000 - 3_000 - 1);
      expect(sources).toHaveLength(count);
      await jest.advanceTimersByTimeAsync(1);
      expect(sources).toHaveLength(count + 1);
      expect(sources[count].url).toBe(`${STREAM_URL}?lastEventId=3`);

      sources[count].fail();
      expect(stream.connection()).toBe('polling');
      const again = await expectNewSourceAfter(sources, 30_000);
      expect(again.url).toBe(`${STREAM_URL}?lastEventId=3`);
      stream.close();
    });

    it('goes live when a background stream delivers, and resumes without losing log lines', async () => {
      const events = run();
      const polled = foldWorkflow(SEED, events.slice(0, 6));
      const { stream, sources, fetchDetail, latest } = await pollingAfterFiveFailures(polled);
      await jest.advanceTimersByTimeAsync(30_000);
      const background = latest();
      background.open();
      expect(stream.connection()).toBe('polling');

      send(background, events.slice(3, 4));
      expect(stream.connection()).toBe('live');
      // The stream has not yet reached what the poll showed: the polled state stays.
      expect(stream.view()).toEqual(polled);
      send(background, events.slice(4, 7));
      expect(stream.view()).toEqual(foldWorkflow(SEED, events.slice(0, 7)));
      expect(stream.logs().map((entry) => entry.key)).toEqual(['4:0', '6:0', '6:1', '6:2']);

      const polls = fetchDetail.mock.calls.length;
      await jest.advanceTimersByTimeAsync(30_000);
      expect(fetchDetail).toHaveBeenCalledTimes(polls);
      expect(sources.filter((source) => !source.closed)).toEqual([background]);

      background.fail(); // the retry count started again
      await expectNewSourceAfter(sources, 1_000);
    });

    it('stops everything when a poll returns a finished workflow', async () => {
      const { stream, sources, fetchDetail } = await pollingAfterFiveFailures(
        foldWorkflow(SEED, run().slice(0, 3)),
      );
      fetchDetail.mockResolvedValue(foldWorkflow(SEED, run()));
      await jest.advanceTimersByTimeAsync(3_000);

      expect(stream.view()?.status).toBe('completed');
      expect(stream.connection()).toBe('ended');
      expect(stream.finished()).toBe(true);
      const count = sources.length;
      await jest.advanceTimersByTimeAsync(120_000);
      expect(sources).toHaveLength(count);
      expect(fetchDetail).toHaveBeenCalledTimes(3);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('ignores a poll answer that arrives after the stream took over', async () => {
      const events = run();
      const { stream, fetchDetail, latest } = await pollingAfterFiveFailures(
        foldWorkflow(SEED, events.slice(0, 3)),
      );
      let answer: (detail: WorkflowDetail) => void = () => undefined;
      fetchDetail.mockReturnValue(new Promise((resolve) => (answer = resolve)));
      await jest.advanceTimersByTimeAsync(27_000); // a poll is on its way when the background stream opens
      await jest.advanceTimersByTimeAsync(3_000);
      send(latest(), events.slice(3, 5));

      answer(foldWorkflow(SEED, events.slice(0, 4)));
      await jest.advanceTimersByTimeAsync(0);
      expect(stream.view()).toEqual(foldWorkflow(SEED, events.slice(0, 5)));
    });

    it('stops polling on reconnect()', async () => {
      const { stream, fetchDetail, sources, latest } = await pollingAfterFiveFailures(
        foldWorkflow(SEED, run().slice(0, 3)),
      );
      const polls = fetchDetail.mock.calls.length;
      stream.reconnect();

      expect(stream.connection()).toBe('reconnecting');
      expect(latest().url).toBe(`${STREAM_URL}?lastEventId=3`);
      latest().open();
      await jest.advanceTimersByTimeAsync(40_000);
      expect(fetchDetail).toHaveBeenCalledTimes(polls);
      expect(sources.filter((source) => !source.closed)).toHaveLength(1);
    });
  });

  describe('a deleted workflow', () => {
    const notFound = Object.assign(new Error('Http failure response: 404 Not Found'), { status: 404 });

    it('asks once when the first retry is refused, and stops for good on a 404', async () => {
      const { stream, sources, fetchDetail, latest } = live();
      send(latest(), run().slice(0, 3));
      fetchDetail.mockRejectedValue(notFound);
      latest().fail(); // the server ended the stream (the workflow was deleted)
      expect(fetchDetail).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1_000);
      latest().fail(EVENT_SOURCE_STATE.closed); // the reconnection is refused: a 404
      await jest.advanceTimersByTimeAsync(0);

      expect(fetchDetail).toHaveBeenCalledTimes(1);
      expect(stream.gone()).toBe(true);
      expect(stream.connection()).toBe('ended');
      await jest.advanceTimersByTimeAsync(600_000);
      expect(sources).toHaveLength(2);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('goes on reconnecting when the refusal was not a 404 (the server is down)', async () => {
      const { stream, sources, fetchDetail, latest } = live();
      send(latest(), run().slice(0, 3));
      fetchDetail.mockRejectedValue(Object.assign(new Error('offline'), { status: 0 }));
      latest().fail();
      await jest.advanceTimersByTimeAsync(1_000);
      latest().fail();
      await jest.advanceTimersByTimeAsync(0);
      expect(stream.gone()).toBe(false);
      expect(stream.connection()).toBe('reconnecting');
      await expectNewSourceAfter(sources, 2_000);
      stream.close();
    });

    it('stops for good when a poll answers 404', async () => {
      const harness = live();
      send(harness.latest(), run().slice(0, 3));
      harness.fetchDetail.mockResolvedValue(foldWorkflow(SEED, run().slice(0, 3)));
      harness.latest().fail();
      for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
        await jest.advanceTimersByTimeAsync(delay);
        harness.latest().fail();
      }
      await jest.advanceTimersByTimeAsync(0);
      expect(harness.stream.connection()).toBe('polling');
      harness.fetchDetail.mockRejectedValue(notFound);
      await jest.advanceTimersByTimeAsync(3_000);
      expect(harness.stream.gone()).toBe(true);
      expect(harness.stream.connection()).toBe('ended');
      expect(jest.getTimerCount()).toBe(0);
    });
  });

  describe('the end of a workflow', () => {
    it('does not reconnect when the server ends a finished workflow’s stream', async () => {
      const { stream, sources, latest } = live();
      send(latest(), run());
      expect(stream.connection()).toBe('live');
      expect(stream.finished()).toBe(false);

      latest().fail(); // the close after SSE_CLOSE_GRACE_MS
      expect(stream.connection()).toBe('ended');
      expect(stream.finished()).toBe(true);
      expect(sources[0].closed).toBe(true);
      await jest.advanceTimersByTimeAsync(600_000);
      expect(sources).toHaveLength(1);
      expect(jest.getTimerCount()).toBe(0);
    });

    it('shows a finished workflow’s final snapshot and stops when the server closes', async () => {
      const { stream, sources, latest } = setup();
      const final = foldWorkflow(SEED, run());
      stream.start();
      latest().open();
      sendSnapshot(latest(), final, [logLine('done')]);
      latest().fail();

      expect(stream.view()).toEqual(final);
      expect(stream.finished()).toBe(true);
      await jest.advanceTimersByTimeAsync(600_000);
      expect(sources).toHaveLength(1);
    });

    it('takes a 204 (CLOSED) answer to a resume as final when the view has finished', async () => {
      const { stream, sources, latest } = live();
      send(latest(), run());
      stream.reconnect();
      expect(latest().url).toBe(`${STREAM_URL}?lastEventId=12`);

      latest().fail(EVENT_SOURCE_STATE.closed);
      expect(stream.finished()).toBe(true);
      expect(stream.connection()).toBe('ended');
      await jest.advanceTimersByTimeAsync(600_000);
      expect(sources).toHaveLength(2);
    });

    it('stops instead of reconnecting when a finished workflow’s stream falls silent', async () => {
      const { stream, sources, latest } = live();
      send(latest(), run());
      await jest.advanceTimersByTimeAsync(3 * HEARTBEAT);

      expect(stream.finished()).toBe(true);
      expect(sources).toHaveLength(1);
    });
  });

  describe('notices', () => {
    it('announces live events: the budget warning and the end', () => {
      const { notices, latest } = live();
      send(latest(), run());

      expect(notices).toEqual([
        { kind: 'budget-warning', message: 'Fix login bug has used 80 % of its $5.00 budget.' },
        { kind: 'completed', message: 'Fix login bug completed ($4.50).' },
      ]);
    });

    it('announces failures and cancellations', () => {
      const failed = live();
      send(failed.latest(), [
        stored(1, 'workflow:failed', { duration: 1, totalCost: 0, iterations: 1, error: 'interrupted' }),
      ]);
      const cancelled = live();
      send(cancelled.latest(), [
        stored(1, 'workflow:cancelled', { duration: 1, totalCost: 0, iterations: 1 }),
      ]);

      expect(failed.notices).toEqual([{ kind: 'failed', message: 'Fix login bug failed: interrupted' }]);
      expect(cancelled.notices).toEqual([{ kind: 'cancelled', message: 'Fix login bug was cancelled.' }]);
    });

    it('announces nothing for a snapshot, even of a finished workflow', () => {
      const { stream, notices, latest } = setup();
      stream.start();
      sendSnapshot(latest(), foldWorkflow(SEED, run()));
      expect(notices).toEqual([]);
    });

    it('announces nothing for a replay of events older than the connection', () => {
      const { notices, latest } = live();
      const events = run();
      send(latest(), events.slice(0, 3));
      latest().fail();
      const during = new Date(Date.now() + 500).toISOString();
      jest.advanceTimersByTime(1_000);

      // 7 and 12 happened while the client was away: replayed, not news.
      send(latest(), run(during).slice(3));
      expect(notices).toEqual([]);
    });

    it('announces a live event that follows a replay on a resumed connection', () => {
      const { notices, latest } = live();
      send(latest(), run().slice(0, 3));
      latest().fail();
      const during = new Date(Date.now() + 500).toISOString();
      jest.advanceTimersByTime(1_000);
      send(latest(), run(during).slice(3, 11));
      jest.advanceTimersByTime(200);
      send(latest(), run().slice(11));

      expect(notices).toEqual([{ kind: 'completed', message: 'Fix login bug completed ($4.50).' }]);
    });
  });

  describe('one reducer', () => {
    it('ends in the state foldWorkflow gives for the same events, however the connection was cut', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 12 }),
          fc.integer({ min: 0, max: 12 }),
          fc.integer({ min: 0, max: 4 }),
          (snapshotAt, cutAt, overlap) => {
            const events = run();
            const { stream, latest } = setup();
            stream.start();
            sendSnapshot(latest(), foldWorkflow(SEED, events.slice(0, snapshotAt)));
            const cut = Math.max(cutAt, snapshotAt);
            send(latest(), events.slice(snapshotAt, cut));
            latest().fail();
            jest.advanceTimersByTime(1_000);
            // The resumed connection may repeat events already applied.
            send(latest(), events.slice(Math.max(0, cut - overlap)));

            expect(stream.view()).toEqual(foldWorkflow(SEED, events));
            stream.close();
          },
        ),
      );
    });
  });

  describe('close()', () => {
    it('closes the EventSource, clears every timer and completes the notices and applied$', async () => {
      const { stream, sources, fetchDetail, latest } = live();
      fetchDetail.mockResolvedValue(SEED);
      let completed = false;
      let appliedCompleted = false;
      stream.notices$.subscribe({ complete: () => (completed = true) });
      stream.applied$.subscribe({ complete: () => (appliedCompleted = true) });
      latest().fail();
      for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
        await jest.advanceTimersByTimeAsync(delay);
        latest().fail();
      }
      await jest.advanceTimersByTimeAsync(0);
      expect(stream.connection()).toBe('polling');

      stream.close();
      expect(jest.getTimerCount()).toBe(0);
      expect(sources.every((source) => source.closed)).toBe(true);
      expect(stream.connection()).toBe('offline');
      expect(completed).toBe(true);
      expect(appliedCompleted).toBe(true);
    });

    it('stops a live connection and its stall detector', () => {
      const { stream, sources } = live();
      stream.close();
      expect(sources[0].closed).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
      stream.reconnect();
      expect(sources).toHaveLength(1);
    });
  });
});
