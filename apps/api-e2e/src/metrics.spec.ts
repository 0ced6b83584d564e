import {
  ApiClient,
  removeDir,
  RunningServer,
  simulatedAgent,
  SseReader,
  startServer,
} from '@flowcast/testing-e2e';

const METRICS_TOKEN = 'e2e-metrics-token-0123456789abcdef';
const MEMBER_PASSWORD = 'e2e-member-password';

interface Scrape {
  status: number;
  contentType: string | null;
  text: string;
  /** `name{labels}` → value, for every sample line. */
  values: Map<string, number>;
}

function parse(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

describe('GET /api/metrics', () => {
  let server: RunningServer;
  let api: ApiClient;
  const readers: SseReader[] = [];
  const open = (path: string, headers?: Record<string, string>) => {
    const reader = server.stream(path, headers);
    readers.push(reader);
    return reader;
  };

  const scrape = async (headers: Record<string, string>, query = ''): Promise<Scrape> => {
    const response = await fetch(`${server.url}/api/metrics${query}`, { headers });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text,
      values: response.ok ? parse(text) : new Map(),
    };
  };
  const asScraper = (query = '') => scrape({ Authorization: `Bearer ${METRICS_TOKEN}` }, query);
  /** A sample's value; a missing sample fails the test rather than reading as 0. */
  const value = (result: Scrape, sample: string): number => {
    const found = result.values.get(sample);
    if (found === undefined) throw new Error(`no sample ${sample} in:\n${result.text}`);
    return found;
  };

  beforeAll(async () => {
    server = await startServer({
      env: {
        METRICS_TOKEN,
        SSE_HEARTBEAT_MS: '200',
        SSE_CLOSE_GRACE_MS: '200',
      },
    });
    api = server.api;
  });
  afterEach(() => readers.splice(0).forEach((reader) => reader.close()));
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
  });

  describe('access', () => {
    it('is a JSON 401 without credentials', async () => {
      const response = await fetch(`${server.url}/api/metrics`);
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it('is a 401 for a wrong metrics token, and for the right one sent in the URL as well', async () => {
      expect((await scrape({ Authorization: `Bearer ${METRICS_TOKEN.slice(0, -1)}x` })).status).toBe(401);
      expect((await scrape({ Authorization: `Bearer ${METRICS_TOKEN}extra` })).status).toBe(401);
      expect((await asScraper(`?token=${METRICS_TOKEN}`)).status).toBe(401);
    });

    it('is a 403 for a member', async () => {
      const created = await api.request('POST', '/api/users', {
        username: 'metrics-member',
        password: MEMBER_PASSWORD,
        role: 'member',
      });
      expect(created.status).toBe(201);
      const member = await ApiClient.asUser(server.url, 'metrics-member', MEMBER_PASSWORD);
      const response = await member.request('GET', '/api/metrics');
      expect(response.status).toBe(403);
    });

    it('answers the Prometheus text format to an admin and to the metrics token', async () => {
      for (const result of [await scrape(api.authHeaders), await asScraper()]) {
        expect(result.status).toBe(200);
        // Express puts the charset first when it sends a string; the parameters are what counts.
        const [type, ...parameters] = (result.contentType ?? '').split(/;\s*/);
        expect({ type, parameters: parameters.sort() }).toEqual({
          type: 'text/plain',
          parameters: ['charset=utf-8', 'version=0.0.4'],
        });
        expect(result.text).toContain('# TYPE flowcast_sse_streams_opened_total counter');
        expect(result.text).toContain('# TYPE flowcast_sse_streams_open gauge');
        expect(result.text).toContain('# TYPE flowcast_process_cpu_user_seconds_total counter');
      }
    });

    it('never writes the metrics token to the log', () => {
      expect(server.output()).not.toContain(METRICS_TOKEN);
    });
  });

  it('counts stored and delivered events, streams, heartbeats and resumes of a watched run', async () => {
    const before = await asScraper();
    const workflow = await api.create({
      name: 'metrics',
      agents: [simulatedAgent('first', { durationMs: 200, progressMessages: 5 }), simulatedAgent('second')],
    });
    const path = `/api/workflows/${workflow.id}/stream`;

    // Two fresh streams (snapshots), idle long enough for a heartbeat, then the run.
    const watchers = [open(path), open(path)];
    await Promise.all(watchers.map((reader) => reader.waitFor((r) => r.comments.includes('heartbeat 1'))));
    const during = await asScraper();
    expect(value(during, 'flowcast_sse_streams_open')).toBe(2);
    expect(value(during, 'flowcast_sse_watched_workflows')).toBe(1);
    expect((await api.request('POST', `${path.replace('/stream', '')}/start`)).status).toBe(202);
    await Promise.all(watchers.map((reader) => reader.done));
    const stored = await api.allEvents(workflow.id);
    const n = stored.length;
    expect(watchers.map((reader) => reader.events.at(-1)?.event)).toEqual([
      'workflow:completed',
      'workflow:completed',
    ]);

    // A resume after a known id (replayed), one after an unknown id (reset), one with nothing newer (204).
    const replayed = open(path, { 'Last-Event-ID': String(stored[1].id) });
    const reset = open(path, { 'Last-Event-ID': 'not-an-id' });
    const noContent = open(path, { 'Last-Event-ID': String(stored[n - 1].id) });
    await Promise.all([replayed.done, reset.done, noContent.done]);
    expect([replayed.status, reset.status, noContent.status]).toEqual([200, 200, 204]);
    expect(replayed.ids).toEqual(stored.slice(2).map((event) => event.id));
    expect(reset.events[0].event).toBe('stream:reset');

    const after = await asScraper();
    const delta = (sample: string) => value(after, sample) - (before.values.get(sample) ?? 0);
    expect(delta('flowcast_events_stored_total')).toBe(n);
    expect(value(after, 'flowcast_event_batches_stored_total')).toBeGreaterThanOrEqual(1);
    expect(delta('flowcast_event_batches_stored_total')).toBeLessThanOrEqual(n);
    expect(delta('flowcast_sse_events_delivered_total')).toBeGreaterThanOrEqual(2 * n);
    expect(delta('flowcast_sse_bytes_written_total')).toBeGreaterThan(
      watchers.reduce((sum, reader) => sum + Buffer.byteLength(reader.body), 0),
    );
    expect(delta('flowcast_sse_heartbeats_total')).toBeGreaterThanOrEqual(2);
    expect(value(after, 'flowcast_sse_streams_open')).toBe(0);
    expect(value(after, 'flowcast_sse_watched_workflows')).toBe(0);
    expect(delta('flowcast_sse_streams_opened_total')).toBe(4);
    expect(delta('flowcast_sse_streams_closed_total{reason="finished"}')).toBe(4);
    expect(delta('flowcast_sse_streams_closed_total{reason="slow"}')).toBe(0);
    expect(value(after, 'flowcast_sse_slow_clients_dropped_total')).toBe(
      value(after, 'flowcast_sse_streams_closed_total{reason="slow"}'),
    );
    expect(delta('flowcast_sse_resumes_total{outcome="snapshot"}')).toBe(2);
    expect(delta('flowcast_sse_resumes_total{outcome="replayed"}')).toBe(1);
    expect(delta('flowcast_sse_resumes_total{outcome="reset"}')).toBe(1);
    expect(delta('flowcast_sse_resumes_total{outcome="no_content"}')).toBe(1);
    expect(value(after, 'flowcast_workflows{status="completed"}')).toBeGreaterThanOrEqual(1);
    expect(value(after, 'flowcast_workflows{status="running"}')).toBe(0);
    expect(value(after, 'flowcast_workflows_running')).toBe(0);
    expect(value(after, 'flowcast_workflows_queued')).toBe(0);
  });
});
