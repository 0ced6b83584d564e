import { EventSource } from 'eventsource';
import type { StoredEvent } from '@flowcast/shared-contract';
import { ApiClient, removeDir, RunningServer, simulatedAgent, startServer } from '@flowcast/testing-e2e';

/** A deterministic pseudo-random sequence, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1_664_525 + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('resuming a stream by last event id', () => {
  let server: RunningServer;
  let api: ApiClient;

  beforeAll(async () => {
    // Log lines one event each (no batching), so that a short run stores a thousand events.
    server = await startServer({
      env: {
        LOG_BATCH_THRESHOLD: '1000000',
        SSE_CLOSE_GRACE_MS: '200',
        SSE_RETRY_MS: '50',
        SSE_MAX_STREAMS_PER_USER: '100',
      },
    });
    api = server.api;
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  it('delivers a 1,000-event workflow exactly once, in order, to a client that drops 20 times and resumes', async () => {
    const workflow = await api.create({
      name: 'thousand',
      agents: [simulatedAgent('writer', { durationMs: 3_000, progressMessages: 1_000 })],
    });
    const received: number[] = [];
    const data = new Map<number, string>();
    const next = random(20261128);
    let cursor: number | undefined;
    let started = false;
    for (let drop = 0; drop <= 20; drop++) {
      const reader = server.stream(
        `/api/workflows/${workflow.id}/stream`,
        cursor === undefined ? {} : { 'Last-Event-ID': String(cursor) },
      );
      await reader.waitFor((r) => r.status !== 0);
      if (!started) {
        started = true;
        await reader.waitFor((r) => r.events.length >= 2);
        await api.request('POST', `/api/workflows/${workflow.id}/start`);
      }
      const seen = received.length;
      // Disconnect after a random number of new events (the last round reads to the end).
      const take = drop === 20 ? Infinity : 5 + Math.floor(next() * 60);
      if (drop === 20) await reader.done;
      else
        await reader.waitFor(
          (r) => r.ended || r.events.filter((event) => event.id !== undefined).length >= take,
        );
      reader.close();
      for (const event of reader.events) {
        if (event.id === undefined || event.event === 'workflow:state' || event.event === 'agent:state')
          continue;
        if (cursor === undefined && event.event === 'log:created' && Number(event.id) === 0) continue;
        received.push(Number(event.id));
        data.set(Number(event.id), event.data);
      }
      if (received.length > seen) cursor = received[received.length - 1];
      if (reader.status === 204) break;
    }
    const stored = await api.allEvents(workflow.id);
    expect(stored.length).toBeGreaterThanOrEqual(1_000);
    expect(received).toEqual(stored.map((event) => event.id));
    expect(stored.every((event) => data.get(event.id) === JSON.stringify(event.data))).toBe(true);
  });

  it('lets a native EventSource ride through server-ended streams (lifetime cap) without a gap or a duplicate', async () => {
    const capped = await startServer({
      env: {
        LOG_BATCH_THRESHOLD: '1000000',
        SSE_MAX_LIFETIME_MS: '1000',
        SSE_HEARTBEAT_MS: '400',
        SSE_RETRY_MS: '20',
        SSE_CLOSE_GRACE_MS: '100',
      },
    });
    try {
      const cappedApi = capped.api;
      const workflow = await cappedApi.create({
        name: 'lifetime',
        agents: [simulatedAgent('slow-writer', { durationMs: 4_000, progressMessages: 400 })],
      });
      const source = new EventSource(`${capped.url}/api/workflows/${workflow.id}/stream`, {
        fetch: (input, init) =>
          fetch(input, {
            ...init,
            headers: { ...(init?.headers as Record<string, string>), ...cappedApi.authHeaders },
          }),
      });
      const ids: number[] = [];
      let opens = 0;
      source.addEventListener('open', () => opens++);
      const finished = new Promise<void>((resolve, reject) => {
        source.addEventListener('workflow:completed', () => resolve());
        source.addEventListener('error', () => {
          if (source.readyState === EventSource.CLOSED) reject(new Error('EventSource gave up'));
        });
      });
      for (const type of [
        'workflow:started',
        'workflow:running',
        'agent:started',
        'agent:progress',
        'agent:completed',
        'log:created',
        'workflow:completed',
      ]) {
        source.addEventListener(type, (event) => {
          if (
            event.lastEventId !== '' &&
            !(type === 'log:created' && ids.length === 0 && event.lastEventId === '0')
          )
            ids.push(Number(event.lastEventId));
        });
      }
      await new Promise<void>((resolve) => source.addEventListener('open', () => resolve(), { once: true }));
      await cappedApi.request('POST', `/api/workflows/${workflow.id}/start`);
      await finished;
      source.close();
      const stored = await cappedApi.allEvents(workflow.id);
      expect(opens).toBeGreaterThanOrEqual(3);
      // The snapshot's id-carrying event is agent:state (id 0) here, which is not listened to above.
      expect(ids).toEqual(stored.map((event) => event.id));
    } finally {
      await capped.stop();
      removeDir(capped.dataDir);
    }
  });

  it('delivers events stored while a replay is being read exactly once, to every resuming client', async () => {
    const workflow = await api.create(
      {
        name: 'replay-race',
        agents: [
          simulatedAgent('burst', { durationMs: 500, progressMessages: 1_500 }),
          simulatedAgent('trickle', { durationMs: 2_500, progressMessages: 500 }),
        ],
      },
      true,
    );
    // Let a long history build up, then resume from 0 many times while new events keep arriving.
    const early = server.stream(`/api/workflows/${workflow.id}/stream`, {
      'Last-Event-ID': '0',
    });
    await early.waitFor((r) => r.ids.length >= 1_500);
    early.close();
    const readers = Array.from({ length: 20 }, (_, index) =>
      server.stream(`/api/workflows/${workflow.id}/stream`, {
        'Last-Event-ID': String(index * 50),
      }),
    );
    await Promise.all(readers.map((reader) => reader.done));
    const stored: StoredEvent[] = await api.allEvents(workflow.id);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    readers.forEach((reader, index) => {
      expect(reader.ids).toEqual(stored.filter((event) => event.id > index * 50).map((event) => event.id));
    });
  });
});
