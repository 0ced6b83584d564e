import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';
import { loadSqliteDriver } from '@flowcast/shared-sqlite-driver';
import fc from 'fast-check';
import {
  type ApiClient,
  removeDir,
  type RunningServer,
  simulatedAgent,
  startServer,
} from '@flowcast/testing-e2e';

jest.setTimeout(180_000);

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request over a raw socket (any method, path, headers and body bytes); a stream is cut after its head. */
function send(
  url: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${options.path}`,
      { method: options.method, headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' });
          res.destroy();
          return;
        }
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Writes bytes to a fresh connection and reads until the server closes it (or 2 s pass). */
function raw(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const done = () => resolve(text);
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.end(bytes);
  });
}

/**
 * Properties over every input edge of the booted app (issue 12, item 4): never a 500; every 4xx is JSON with
 * its status and a message, and a 400 names the field; a refused request writes nothing (row counts of
 * every table unchanged, read from the store file itself).
 */
describe('fuzzing the booted app', () => {
  let server: RunningServer;
  let api: ApiClient;
  let store: SqliteDatabase.Database;
  let existing: string;

  const counts = () =>
    store
      .prepare(
        `select (select count(*) from workflows) as workflows, (select count(*) from events) as events,
                (select count(*) from users) as users, (select count(*) from sessions) as sessions,
                (select count(*) from api_tokens) as tokens,
                (select group_concat(id || ':' || last_seq || ':' || status) from workflows) as states`,
      )
      .get();

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100' } });
    api = server.api;
    const Sqlite = loadSqliteDriver();
    store = new Sqlite(join(server.dataDir, 'flowcast.db'), { readonly: true });
    const workflow = await api.create(
      { name: 'fuzzed', agents: [simulatedAgent('a', { durationMs: 20 })] },
      true,
    );
    await api.waitForEnd(workflow.id);
    existing = workflow.id;
  });

  afterAll(async () => {
    store?.close();
    await server?.stop();
    if (server) removeDir(server.dataDir);
  });

  /** What every answer must be; for a refusal, also that nothing was written. */
  async function check(answer: Answer, before: unknown): Promise<void> {
    expect(answer.status).toBeGreaterThanOrEqual(200);
    expect(answer.status).toBeLessThan(500);
    if (answer.status < 400) return;
    expect(String(answer.headers['content-type'])).toMatch(/^application\/json/);
    const body = JSON.parse(answer.body) as {
      statusCode: number;
      message: string;
      fields?: { field: string }[];
    };
    expect(body.statusCode).toBe(answer.status);
    expect(typeof body.message).toBe('string');
    if (answer.status === 400) {
      expect(body.fields?.length).toBeGreaterThan(0);
      // The path of the field (a key the client sent may be part of it: `agents. ` names that key).
      for (const field of body.fields ?? []) expect(field.field).toMatch(/^\S/);
    }
    expect(counts()).toEqual(before);
  }

  const auth = () => api.authHeaders;
  const runs = { numRuns: 150 };

  it('answers any JSON as a workflow definition with 201 or a JSON refusal that writes nothing', async () => {
    const valid = { name: 'x', agents: [simulatedAgent('a', { durationMs: 1 })] };
    const definition = fc.oneof(
      fc.jsonValue(),
      fc.record({ name: fc.jsonValue(), agents: fc.jsonValue() }, { requiredKeys: [] }),
      fc.record({
        name: fc.string({ maxLength: 300 }),
        maxIterations: fc.oneof(fc.integer(), fc.double(), fc.string()),
        budgetLimit: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
        agents: fc.array(
          fc.record(
            {
              name: fc.string({ maxLength: 80 }),
              role: fc.string({ maxLength: 40 }),
              prompt: fc.string({ maxLength: 40 }),
              runner: fc.oneof(
                fc.jsonValue(),
                fc.record({
                  type: fc.constantFrom('simulated', 'shell', 'claude-code', 'nope'),
                  durationMs: fc.oneof(fc.integer({ min: -10, max: 10 }), fc.string()),
                  command: fc.string({ maxLength: 10 }),
                }),
              ),
              extra: fc.jsonValue(),
            },
            { requiredKeys: [] },
          ),
          { maxLength: 3 },
        ),
      }),
      fc.constant(valid),
    );
    await fc.assert(
      fc.asyncProperty(definition, async (body) => {
        const before = counts();
        const answer = await send(server.url, {
          method: 'POST',
          path: '/api/workflows',
          headers: { ...auth(), 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        await check(answer, before);
        if (answer.status !== 201) return;
        // Created (never started): one more workflow, no event.
        const after = counts() as { workflows: number; events: number };
        expect(after.workflows).toBe((before as { workflows: number }).workflows + 1);
        expect(after.events).toBe((before as { events: number }).events);
      }),
      runs,
    );
  });

  it('answers any id, cursor, limit, after, types and Last-Event-ID without a 500, writing nothing when it refuses', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 20 }),
      fc.constantFrom(
        '',
        '0',
        '-1',
        '1e3',
        '99999999999999999999',
        'NaN',
        ' 7 ',
        '0x10',
        '%',
        '../..',
        existing,
      ),
    );
    const route = fc.constantFrom(
      (id: string) => ({ method: 'GET', path: `/api/workflows/${id}` }),
      (id: string) => ({ method: 'GET', path: `/api/workflows/${id}/events` }),
      (id: string) => ({ method: 'GET', path: `/api/workflows/${id}/logs` }),
      (id: string) => ({ method: 'GET', path: `/api/workflows/${id}/stream` }),
      (id: string) => ({ method: 'POST', path: `/api/workflows/${id}/start` }),
      (id: string) => ({ method: 'POST', path: `/api/workflows/${id}/cancel` }),
      (id: string) => ({ method: 'POST', path: `/api/workflows/${id}/rerun` }),
      () => ({ method: 'GET', path: '/api/workflows' }),
    );
    const query = fc.dictionary(
      fc.constantFrom('cursor', 'limit', 'after', 'types', 'lastEventId', 'start', 'unknown', 'access_token'),
      text,
      { maxKeys: 3 },
    );
    await fc.assert(
      fc.asyncProperty(route, text, query, fc.option(text), async (pick, id, params, lastEventId) => {
        const target = pick(encodeURIComponent(id));
        // A rerun that starts would go on writing events while later requests are checked: never started.
        const rerun = target.path.endsWith('/rerun');
        if (rerun) delete params['start'];
        const search = new URLSearchParams(params).toString();
        const headers: Record<string, string> = { ...auth() };
        if (lastEventId !== null && /^[\x20-\x7e]*$/.test(lastEventId))
          headers['Last-Event-ID'] = lastEventId;
        const before = counts();
        const answer = await send(server.url, {
          method: target.method,
          path: `${target.path}${search ? `?${search}` : ''}`,
          headers,
        });
        // A start or cancel of the (finished) workflow and every read change nothing either way; a rerun
        // that is taken (201) creates one workflow and nothing else.
        await check(answer, before);
        if (rerun && answer.status === 201) {
          const after = counts() as { workflows: number; events: number };
          const earlier = before as { workflows: number; events: number };
          expect([after.workflows, after.events]).toEqual([earlier.workflows + 1, earlier.events]);
        } else if (answer.status < 400) expect(counts()).toEqual(before);
      }),
      runs,
    );
  });

  it('answers bytes that are not HTTP with a JSON 400, and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 300 }), async (bytes) => {
        const before = counts();
        const answer = await raw(
          server.port,
          Buffer.concat([
            Buffer.from('GET /api/health HTTP/1.1\r\nHost: x\r\n'),
            bytes,
            Buffer.from('\r\n\r\n'),
          ]),
        );
        // Either the bytes happened to make a valid request (200 from the health check) or a JSON 400/431.
        if (!answer.startsWith('HTTP/1.1 200')) {
          expect(answer).toMatch(/^HTTP\/1\.1 (400|431) /);
          const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
            statusCode: number;
            fields: unknown[];
          };
          expect([400, 431]).toContain(json.statusCode);
          expect(json.fields.length).toBe(1);
        }
        expect(counts()).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });

  it('answers any Authorization, Cookie and Content-Type, and oversized bodies, with a JSON refusal or success', async () => {
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 120,
    });
    const headers = fc.record(
      {
        Authorization: fc.oneof(
          printable,
          printable.map((value) => `Bearer ${value}`),
          fc.constant(auth().Authorization),
        ),
        Cookie: fc.oneof(
          printable,
          printable.map((value) => `flowcast_session=${value}`),
        ),
        'Content-Type': fc.oneof(
          printable,
          fc.constantFrom('application/json', 'text/plain', 'application/json; charset=latin1'),
        ),
        'X-Requested-With': fc.constantFrom('flowcast', 'other'),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value) ?? 'null')),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.integer({ min: 1_048_577, max: 1_100_000 }).map((size) => Buffer.alloc(size, 'a')),
    );
    const route = fc.constantFrom(
      { method: 'POST', path: '/api/workflows' },
      { method: 'POST', path: '/api/auth/login' },
      { method: 'POST', path: '/api/auth/logout' },
      { method: 'POST', path: '/api/auth/tokens' },
      { method: 'POST', path: '/api/users' },
      { method: 'GET', path: '/api/auth/me' },
      { method: 'GET', path: '/api/workflows' },
    );
    await fc.assert(
      fc.asyncProperty(route, headers, body, async (target, extra, payload) => {
        const before = counts();
        // A GET carries no body (its bytes would be read as the next request: that case is the one above).
        const answer = await send(server.url, {
          ...target,
          headers: extra,
          body: target.method === 'GET' ? undefined : payload,
        });
        await check(answer, before);
      }),
      { numRuns: 120 },
    );
  });
});
