import fc from 'fast-check';
import {
  applyListEvent,
  WORKFLOW_LIST_EVENT_TYPES,
  type WorkflowListEvent,
  type WorkflowListResponse,
  seedWorkflow,
  type WorkflowState,
  workflowSummary,
} from '@flowcast/shared-contract';
import { FakeEventSource } from '../testing/fake-event-source';
import { EVENT_SOURCE_STATE } from './event-source';
import { WorkflowListStream, type WorkflowListStreamOptions } from './workflow-list-stream';

const T0 = Date.UTC(2026, 0, 15, 9, 0, 0);
const STREAM_URL = '/api/workflows/stream';
const HEARTBEAT = 15_000;
const now = () => new Date().toISOString();

/** A new workflow's list entry (two agents), as the server makes it, with `overrides`. */
function workflow(id: string, overrides: Partial<WorkflowState> = {}): WorkflowState {
  const seed = seedWorkflow({
    id,
    name: `flow ${id}`,
    createdAt: new Date(T0).toISOString(),
    maxIterations: 1,
    budgetLimit: null,
    agents: [
      { agentName: 'dev', agentRole: 'developer' },
      { agentName: 'review', agentRole: 'reviewer' },
    ],
  });
  return { ...workflowSummary(seed), ...overrides };
}

const A = workflow('wf_a');
const B = workflow('wf_b');
const C = workflow('wf_c');

/** What the server sends: the payload plus `ts`, with an `id:` line when given. */
function emit(source: FakeEventSource, event: WorkflowListEvent): void {
  source.emit(event.type, event.data, event.id);
}

function list(id: string, items: WorkflowState[], nextCursor: string | null = null): WorkflowListEvent {
  return { id, type: 'workflow:list', data: { items, nextCursor, ts: now() } };
}

function created(id: string, state: WorkflowState): WorkflowListEvent {
  return { id, type: 'workflow:created', data: { ...state, ts: now() } };
}

function updated(id: string, state: WorkflowState): WorkflowListEvent {
  return { id, type: 'workflow:updated', data: { ...state, ts: now() } };
}

function reset(requestedId: string, latestId: string): WorkflowListEvent {
  return { type: 'stream:reset', data: { requestedId, latestId, reason: 'unknown-id', ts: now() } };
}

function setup(options: Partial<WorkflowListStreamOptions> = {}) {
  const sources: FakeEventSource[] = [];
  const fetchFirstPage = jest.fn<Promise<WorkflowListResponse>, []>();
  const stream = new WorkflowListStream({
    createEventSource: (url, init) => {
      const source = new FakeEventSource(url, init);
      sources.push(source);
      return source;
    },
    fetchFirstPage,
    random: () => 0.5,
    ...options,
  });
  const latest = () => sources[sources.length - 1];
  return { stream, sources, fetchFirstPage, latest };
}

/** Started, open, and the first page [B, A] received with id `p.1`. */
function live(options: Partial<WorkflowListStreamOptions> = {}) {
  const harness = setup(options);
  harness.stream.start();
  harness.latest().open();
  emit(harness.latest(), list('p.1', [B, A], 'cursor-after-a'));
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

/** Live, an update with id `p.2`, then five failed tries: polling. */
async function pollingAfterFiveFailures(polled: WorkflowListResponse) {
  const harness = live();
  harness.fetchFirstPage.mockResolvedValue(polled);
  emit(harness.latest(), updated('p.2', { ...A, status: 'running' }));
  harness.latest().fail();
  for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
    await jest.advanceTimersByTimeAsync(delay);
    harness.latest().fail();
  }
  await jest.advanceTimersByTimeAsync(0);
  return harness;
}

beforeEach(() => {
  jest.useFakeTimers();
  jest.setSystemTime(T0);
});

afterEach(() => {
  jest.clearAllTimers();
  jest.useRealTimers();
});

describe('WorkflowListStream', () => {
  describe('connecting', () => {
    it('opens the list stream with credentials and listens for every list event type', () => {
      const { stream, sources } = setup();
      stream.start();

      expect(sources).toHaveLength(1);
      expect(sources[0].url).toBe(STREAM_URL);
      expect(sources[0].init).toEqual({ withCredentials: true });
      expect(sources[0].listenedTypes).toEqual(
        expect.arrayContaining([...WORKFLOW_LIST_EVENT_TYPES, 'open', 'error']),
      );
      expect(stream.connection()).toBe('reconnecting');
      expect(stream.items()).toBeNull();
    });

    it('is live once the connection opens', () => {
      const { stream, latest } = setup();
      stream.start();
      latest().open();
      expect(stream.connection()).toBe('live');
    });

    it('polls the first page from the start where there is no EventSource', async () => {
      const { stream, fetchFirstPage } = setup({ createEventSource: null });
      fetchFirstPage.mockResolvedValue({ items: [A], nextCursor: null });
      stream.start();
      await jest.advanceTimersByTimeAsync(0);

      expect(stream.connection()).toBe('polling');
      expect(stream.items()).toEqual([A]);
      await jest.advanceTimersByTimeAsync(3_000);
      expect(fetchFirstPage).toHaveBeenCalledTimes(2);
      stream.close();
    });
  });

  describe('events', () => {
    it('fills the list from workflow:list, without the event time, and keeps its cursor', () => {
      const { stream, fetchFirstPage } = live();

      expect(stream.items()).toEqual([B, A]);
      expect(stream.nextCursor()).toBe('cursor-after-a');
      expect(stream.connection()).toBe('live');
      expect(fetchFirstPage).not.toHaveBeenCalled();
    });

    it('puts a created workflow first', () => {
      const { stream, latest } = live();
      emit(latest(), created('p.2', C));

      expect(stream.items()).toEqual([C, B, A]);
      expect(stream.nextCursor()).toBe('cursor-after-a');
    });

    it('replaces an updated workflow’s row where it is', () => {
      const { stream, latest } = live();
      const running = { ...A, status: 'running' as const, currentStep: 1, totalCost: 0.25 };
      emit(latest(), updated('p.2', running));

      expect(stream.items()).toEqual([B, running]);
    });

    it('replaces everything with the fresh workflow:list that follows a stream:reset', async () => {
      const { stream, sources, latest } = live();
      emit(latest(), created('p.2', C));
      latest().fail();
      const resumed = await expectNewSourceAfter(sources, 1_000);
      expect(resumed.url).toBe(`${STREAM_URL}?lastEventId=p.2`);

      resumed.open();
      emit(resumed, reset('p.2', 'q.9'));
      const other = workflow('wf_other', { status: 'completed' });
      emit(resumed, list('q.9', [other], null));

      expect(stream.items()).toEqual([other]);
      expect(stream.nextCursor()).toBeNull();
      resumed.fail();
      expect((await expectNewSourceAfter(sources, 1_000)).url).toBe(`${STREAM_URL}?lastEventId=q.9`);
    });

    it('asks for a fresh list when a connection is lost between stream:reset and its workflow:list', async () => {
      const { sources, latest } = live();
      latest().fail();
      await jest.advanceTimersByTimeAsync(1_000);
      emit(latest(), reset('p.1', 'q.1'));
      latest().fail();

      expect((await expectNewSourceAfter(sources, 1_000)).url).toBe(STREAM_URL);
    });

    it('ends in the list applyListEvent gives for the same events, however the connection was cut', () => {
      const events = [
        list('p.1', [B, A]),
        created('p.2', C),
        updated('p.3', { ...A, status: 'running' }),
        updated('p.4', { ...C, status: 'running' }),
        updated('p.5', { ...A, status: 'completed', totalCost: 1 }),
        created('p.6', workflow('wf_d')),
      ];
      const expected = events.reduce<WorkflowState[]>((items, event) => applyListEvent(items, event), []);
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: events.length }),
          fc.integer({ min: 0, max: 3 }),
          (cutAt, overlap) => {
            const { stream, latest } = setup();
            stream.start();
            events.slice(0, cutAt).forEach((event) => emit(latest(), event));
            latest().fail();
            jest.advanceTimersByTime(1_000);
            expect(latest().url).toBe(`${STREAM_URL}?lastEventId=p.${cutAt}`);
            // The resumed connection may repeat events already applied.
            events.slice(Math.max(1, cutAt - overlap)).forEach((event) => emit(latest(), event));

            expect(stream.items()).toEqual(expected);
            stream.close();
          },
        ),
      );
    });
  });

  describe('reconnecting', () => {
    it('retries after 1, 2, 4, 8 and 16 s, resuming from the last id, then polls', async () => {
      const { stream, sources, fetchFirstPage, latest } = live();
      fetchFirstPage.mockResolvedValue({ items: [B, A], nextCursor: null });
      emit(latest(), created('p.2', C));

      latest().fail();
      expect(sources[0].closed).toBe(true);
      expect(stream.connection()).toBe('reconnecting');
      for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
        const next = await expectNewSourceAfter(sources, delay);
        expect(next.url).toBe(`${STREAM_URL}?lastEventId=p.2`);
        expect(stream.connection()).toBe('reconnecting');
        next.fail(EVENT_SOURCE_STATE.closed);
      }

      expect(stream.connection()).toBe('polling');
      expect(fetchFirstPage).toHaveBeenCalledTimes(1);
      stream.close();
    });

    it('resumes after the server ends the stream (lifetime, shutdown) and keeps the list meanwhile', async () => {
      const { stream, sources, latest } = live();
      emit(latest(), updated('p.2', { ...B, status: 'running' }));
      latest().fail(); // the close after a `retry:` line

      expect(stream.items()).toEqual([{ ...B, status: 'running' }, A]);
      const resumed = await expectNewSourceAfter(sources, 1_000);
      expect(resumed.url).toBe(`${STREAM_URL}?lastEventId=p.2`);
      resumed.open();
      emit(resumed, created('p.3', C));
      expect(stream.items()?.map((item) => item.id)).toEqual(['wf_c', 'wf_b', 'wf_a']);
      expect(stream.connection()).toBe('live');
    });

    it('resets the retry count when a connection is answered', async () => {
      const { sources, latest } = live();
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      latest().fail();
      await expectNewSourceAfter(sources, 2_000);
      latest().open();
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
    });

    it('replaces a live connection silent for three heartbeats at once, resuming, without showing it', async () => {
      const { stream, sources, latest } = live();

      await jest.advanceTimersByTimeAsync(40_000);
      emit(latest(), created('p.2', C)); // an event restarts the clock
      await jest.advanceTimersByTimeAsync(3 * HEARTBEAT - 1);
      expect(sources[0].closed).toBe(false);
      await jest.advanceTimersByTimeAsync(1);

      // A quiet list, most likely: a new connection at once, resuming; the indicator stays live.
      expect(sources[0].closed).toBe(true);
      expect(sources).toHaveLength(2);
      expect(latest().url).toBe(`${STREAM_URL}?lastEventId=p.2`);
      expect(stream.connection()).toBe('live');
      latest().open();
      // Quiet for good: one refresh each three heartbeats, never a visible reconnection or a countdown.
      for (let round = 0; round < 10; round++) {
        await jest.advanceTimersByTimeAsync(3 * HEARTBEAT);
        latest().open();
        expect(stream.connection()).toBe('live');
      }
      expect(sources).toHaveLength(12);
      // Dead after all: the new connection fails, and that shows.
      latest().fail();
      expect(stream.connection()).toBe('reconnecting');
      const next = await expectNewSourceAfter(sources, 1_000);
      expect(next.url).toBe(`${STREAM_URL}?lastEventId=p.2`);
    });

    it('falls back to polling when every try stalls without an answer', async () => {
      const { stream, sources, fetchFirstPage } = live({ heartbeatMs: 1_000 });
      fetchFirstPage.mockResolvedValue({ items: [A], nextCursor: null });

      await jest.advanceTimersByTimeAsync(3_000); // the live connection falls silent: replaced at once
      expect(sources).toHaveLength(2);
      await jest.advanceTimersByTimeAsync(3_000); // the replacement is never answered: a failed try
      for (const delay of [1_000, 2_000, 4_000, 8_000, 16_000]) {
        await expectNewSourceAfter(sources, delay);
        await jest.advanceTimersByTimeAsync(3_000); // never answered
      }

      expect(stream.connection()).toBe('polling');
      expect(stream.items()).toEqual([A]);
      stream.close();
    });

    it('reconnects at once on reconnect(), with a fresh retry count', async () => {
      const { stream, sources, latest } = live();
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      latest().fail(); // the next try would be in 2 s

      stream.reconnect();
      expect(sources).toHaveLength(3);
      expect(latest().url).toBe(`${STREAM_URL}?lastEventId=p.1`);
      latest().fail();
      await expectNewSourceAfter(sources, 1_000);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(sources.filter((source) => !source.closed)).toHaveLength(1);
    });
  });

  describe('polling fallback', () => {
    it('polls the first page every 3 s and tries a fresh stream every 30 s in the background', async () => {
      const polled = { items: [C, B, A], nextCursor: 'polled-cursor' };
      const { stream, sources, fetchFirstPage } = await pollingAfterFiveFailures(polled);

      expect(stream.connection()).toBe('polling');
      expect(stream.items()).toEqual(polled.items);
      expect(stream.nextCursor()).toBe('polled-cursor');
      await jest.advanceTimersByTimeAsync(3_000);
      expect(fetchFirstPage).toHaveBeenCalledTimes(2);

      const count = sources.length;
      await jest.advanceTimersByTimeAsync(30_000 - 3_000 - 1);
      expect(sources).toHaveLength(count);
      await jest.advanceTimersByTimeAsync(1);
      expect(sources).toHaveLength(count + 1);
      // The polled page cannot be ordered against an opaque id: a fresh list replaces it.
      expect(sources[count].url).toBe(STREAM_URL);

      sources[count].fail();
      expect(stream.connection()).toBe('polling');
      await expectNewSourceAfter(sources, 30_000);
      stream.close();
    });

    it('goes back to the stream when a background connection delivers, and stops polling', async () => {
      const { stream, sources, fetchFirstPage, latest } = await pollingAfterFiveFailures({
        items: [A],
        nextCursor: null,
      });
      await jest.advanceTimersByTimeAsync(30_000);
      const background = latest();
      background.open();
      expect(stream.connection()).toBe('polling');

      emit(background, list('r.1', [C, B, A], 'c'));
      expect(stream.connection()).toBe('live');
      expect(stream.items()).toEqual([C, B, A]);
      expect(stream.nextCursor()).toBe('c');

      const polls = fetchFirstPage.mock.calls.length;
      await jest.advanceTimersByTimeAsync(30_000);
      expect(fetchFirstPage).toHaveBeenCalledTimes(polls);
      expect(sources.filter((source) => !source.closed)).toEqual([background]);

      background.fail(); // the retry count started again, resuming from the new stream's id
      expect((await expectNewSourceAfter(sources, 1_000)).url).toBe(`${STREAM_URL}?lastEventId=r.1`);
    });

    it('ignores a poll answer that arrives after the stream took over', async () => {
      const { stream, fetchFirstPage, latest } = await pollingAfterFiveFailures({
        items: [A],
        nextCursor: null,
      });
      let answer: (page: WorkflowListResponse) => void = () => undefined;
      fetchFirstPage.mockReturnValue(new Promise((resolve) => (answer = resolve)));
      await jest.advanceTimersByTimeAsync(27_000); // a poll is on its way when the background stream opens
      await jest.advanceTimersByTimeAsync(3_000);
      emit(latest(), list('r.1', [B, A]));

      answer({ items: [workflow('wf_stale')], nextCursor: null });
      await jest.advanceTimersByTimeAsync(0);
      expect(stream.items()).toEqual([B, A]);
    });

    it('keeps polling through a failed poll', async () => {
      const { stream, fetchFirstPage } = setup({ createEventSource: null });
      fetchFirstPage
        .mockRejectedValueOnce(new Error('502'))
        .mockResolvedValue({ items: [B], nextCursor: null });
      stream.start();
      await jest.advanceTimersByTimeAsync(0);
      expect(stream.items()).toBeNull();

      await jest.advanceTimersByTimeAsync(3_000);
      expect(stream.items()).toEqual([B]);
      stream.close();
    });
  });

  describe('close()', () => {
    it('closes the EventSource and clears every timer, polling included', async () => {
      const { stream, sources } = await pollingAfterFiveFailures({ items: [A], nextCursor: null });

      stream.close();
      expect(jest.getTimerCount()).toBe(0);
      expect(sources.every((source) => source.closed)).toBe(true);
      expect(stream.connection()).toBe('offline');
    });

    it('stops a live connection and its stall detector, for good', () => {
      const { stream, sources } = live();
      stream.close();
      expect(sources[0].closed).toBe(true);
      expect(jest.getTimerCount()).toBe(0);
      stream.reconnect();
      expect(sources).toHaveLength(1);
    });
  });
});
