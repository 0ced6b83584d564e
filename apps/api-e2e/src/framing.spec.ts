import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import fc from 'fast-check';
import {
  type AgentCompletedPayload,
  type AgentProgressPayload,
  type LogBatchPayload,
  type LogCreatedPayload,
  SNAPSHOT_EVENT_TYPES,
  STORED_EVENT_TYPES,
  type StoredEvent,
  type WorkflowLogsResponse,
} from '@flowcast/shared-contract';
import { type ApiClient, removeDir, type RunningServer, startServer } from '@flowcast/testing-e2e';

jest.setTimeout(120_000);

/** One write of the agent: these bytes, to stdout (1) or stderr (2). Consecutive writes are a few ms apart. */
interface Write {
  fd: 1 | 2;
  bytes: Buffer;
}

/**
 * The agent: writes each piece of the plan file (base64) to its fd with a pause between pieces, so that the
 * server reads them as separate chunks (a character or a CRLF split across writes arrives split).
 */
const WRITER = `
const fs = require('node:fs');
const pause = new Int32Array(new SharedArrayBuffer(4));
for (const [fd, base64] of JSON.parse(fs.readFileSync(process.argv[1], 'utf8'))) {
  const bytes = Buffer.from(base64, 'base64');
  for (let at = 0; at < bytes.length; ) {
    try {
      at += fs.writeSync(fd, bytes, at);
    } catch (error) {
      if (error.code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  Atomics.wait(pause, 0, 0, 3);
}
`;

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The documented line splitting of the shell runner (docs/workflows.md, "Shell steps"): a stream's bytes
 * are decoded as UTF-8 as a whole (however they were chunked), each invalid sequence becoming U+FFFD, a BOM
 * kept as U+FEFF; lines end at LF, CRLF or a lone CR; the text after the last terminator is a line when it
 * is not empty. Nothing else is changed: NUL, U+2028, U+2029, U+0085 and other controls stay in the line.
 */
function expectedLines(bytes: Buffer): string[] {
  const lines = decoder.decode(bytes).split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const text = (value: string) => Buffer.from(value, 'utf8');
const bytes = (...values: number[]) => Buffer.from(values);
const BOM = bytes(0xef, 0xbb, 0xbf);

/** Byte sequences that break naive framing or decoding. */
const HARD_PIECES: Buffer[] = [
  text('\r'),
  text('\n'),
  text('\r\n'),
  text('\n\r'),
  text('\0'),
  text('\u2028'),
  text('\u2029'),
  text('\u0085'),
  text('\u001b[31m'),
  text('\t'),
  BOM,
  text('é'),
  text('€'),
  text('😀'),
  text('data: x'),
  text('id: 9'),
  text('event: y'),
  text(':'),
  text('"\\'),
  bytes(0xff),
  bytes(0xc3),
  bytes(0xe2, 0x82),
  bytes(0xf0, 0x9f, 0x98),
  bytes(0xed, 0xa0, 0x80),
  bytes(0xc0, 0x80),
  bytes(0xf4, 0x90, 0x80, 0x80),
];

const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HARD_PIECES) },
  { weight: 2, arbitrary: fc.string({ maxLength: 12, unit: 'binary' }).map(text) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 6 }).map((array) => Buffer.from(array)) },
);

/** A write's bytes, cut at arbitrary offsets into several writes (splitting characters and CRLFs). */
const writes: fc.Arbitrary<Write[]> = fc
  .array(
    fc.record({
      fd: fc.constantFrom<1 | 2>(1, 2),
      bytes: fc.array(piece, { maxLength: 24 }).map((pieces) => Buffer.concat(pieces)),
      cuts: fc.array(fc.nat(), { maxLength: 3 }),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((records) =>
    records.flatMap(({ fd, bytes: all, cuts }) => {
      const offsets = [...new Set(cuts.map((cut) => cut % (all.length + 1)))].sort((a, b) => a - b);
      const parts: Write[] = [];
      let from = 0;
      for (const offset of [...offsets, all.length]) {
        parts.push({ fd, bytes: all.subarray(from, offset) });
        from = offset;
      }
      return parts.filter((part) => part.bytes.length > 0);
    }),
  );

interface Received {
  id: number | null;
  type: string;
  data: unknown;
}

/**
 * Reads a stream (path and query under the server) with a real EventSource to its end: the server closes
 * after the final event, EventSource reconnects with the last id and is answered 204. `onSnapshot` runs
 * once the snapshot has arrived (its agent:state event).
 */
async function readToEnd(
  url: string,
  api: ApiClient,
  path: string,
  onSnapshot: () => Promise<void> = async () => undefined,
): Promise<{ events: Received[]; opens: number; errors: string[] }> {
  const source = new EventSource(`${url}${path}`, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: { ...(init?.headers as Record<string, string>), ...api.authHeaders },
      }),
  });
  const events: Received[] = [];
  const errors: string[] = [];
  let opens = 0;
  source.addEventListener('open', () => opens++);
  const ended = new Promise<void>((resolve) => {
    source.addEventListener('error', (event) => {
      const code = (event as { code?: number }).code;
      errors.push(source.readyState === EventSource.CLOSED ? `closed ${code}` : 'reconnecting');
      if (source.readyState === EventSource.CLOSED) resolve();
    });
  });
  const snapshotActions: Promise<void>[] = [];
  for (const type of [...SNAPSHOT_EVENT_TYPES, ...STORED_EVENT_TYPES, 'stream:reset', 'message']) {
    source.addEventListener(type, (event) => {
      events.push({
        id: event.lastEventId === '' ? null : Number(event.lastEventId),
        type: event.type,
        data: JSON.parse(event.data),
      });
      if (type === 'agent:state') snapshotActions.push(onSnapshot());
    });
  }
  const timer = setTimeout(() => source.close(), 60_000);
  try {
    await ended;
    await Promise.all(snapshotActions);
  } finally {
    clearTimeout(timer);
    source.close();
  }
  return { events, opens, errors };
}

function logLines(events: StoredEvent[]): { level: string; message: string }[] {
  return events.flatMap((event) => {
    if (event.type === 'log:created') {
      const { level, message } = event.data as LogCreatedPayload;
      return [{ level, message }];
    }
    if (event.type === 'log:batch')
      return (event.data as LogBatchPayload).lines.map(({ level, message }) => ({ level, message }));
    return [];
  });
}

async function allLogMessages(api: ApiClient, id: string): Promise<string[]> {
  const messages: string[] = [];
  for (let after = 0; ; ) {
    const page = (
      await api.request<WorkflowLogsResponse>('GET', `/api/workflows/${id}/logs?after=${after}&limit=1000`)
    ).body.items;
    if (page.length === 0) return messages;
    messages.push(...page.map((line) => line.message));
    after = page[page.length - 1].id;
  }
}

/**
 * Agent output with CR, LF, CRLF, NUL, U+2028, a BOM, invalid UTF-8 and 1 MB lines reaches an `eventsource`
 * client exactly as stored (issue 12, item 4), and what is stored is the documented line splitting of the
 * bytes the agent wrote.
 */
describe('agent output on the stream', () => {
  let server: RunningServer;
  let api: ApiClient;
  let work: string;
  let count = 0;

  beforeAll(async () => {
    server = await startServer({ env: { SSE_CLOSE_GRACE_MS: '100', SSE_RETRY_MS: '50' } });
    api = server.api;
    work = mkdtempSync(join(tmpdir(), 'flowcast-framing-'));
  });
  afterAll(async () => {
    await server.stop();
    removeDir(server.dataDir);
    removeDir(work);
  });

  /** Runs a shell step that writes `plan`, reads its stream with EventSource, and checks every claim. */
  async function check(plan: Write[]): Promise<void> {
    const file = join(work, `plan-${++count}.json`);
    writeFileSync(file, JSON.stringify(plan.map(({ fd, bytes: data }) => [fd, data.toString('base64')])));
    const workflow = await api.create({
      name: `framing ${count}`,
      agents: [
        {
          name: 'writer',
          role: 'shell',
          prompt: 'write bytes',
          runner: { type: 'shell', command: process.execPath, args: ['-e', WRITER, file] },
        },
      ],
    });
    const stream = `/api/workflows/${workflow.id}/stream`;
    const live = await readToEnd(server.url, api, stream, async () => {
      const started = await api.request('POST', `/api/workflows/${workflow.id}/start`);
      expect(started.status).toBe(202);
    });
    const stored = await api.allEvents(workflow.id);
    const expected = stored.map(({ id, type, data }) => ({ id, type, data }));
    // The server ends the response after the final event; EventSource reconnects and is told 204, no more.
    const oneConnection = { opens: 1, errors: ['reconnecting', 'closed 204'] };

    // Live: the snapshot (only its last event carries an id, 0 here), then every stored event once, in
    // order, with its id, type and data, on one connection.
    expect(live.events.slice(0, 2)).toMatchObject([
      { id: null, type: 'workflow:state' },
      { id: 0, type: 'agent:state' },
    ]);
    expect(live.events.slice(2)).toEqual(expected);
    expect(live).toMatchObject(oneConnection);

    // Replayed from the store after the end: the same events, byte for byte the same data.
    const replayed = await readToEnd(server.url, api, `${stream}?lastEventId=0`);
    expect(replayed.events).toEqual(expected);
    expect(replayed).toMatchObject(oneConnection);

    // What is stored: the documented splitting of each stream's bytes, stdout at info, stderr at warn.
    const out = expectedLines(
      Buffer.concat(plan.filter((write) => write.fd === 1).map((write) => write.bytes)),
    );
    const err = expectedLines(
      Buffer.concat(plan.filter((write) => write.fd === 2).map((write) => write.bytes)),
    );
    const lines = logLines(stored);
    expect(stored[stored.length - 1].type).toBe('workflow:completed');
    expect(lines.filter((line) => line.level === 'info').map((line) => line.message)).toEqual([
      'writer (shell) started step 1',
      ...out,
    ]);
    expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual(err);
    expect(lines.length).toBe(out.length + err.length + 1);
    expect(await allLogMessages(api, workflow.id)).toEqual(lines.map((line) => line.message));
    const completed = stored.find((event) => event.type === 'agent:completed')?.data as AgentCompletedPayload;
    expect(completed.output ?? '').toBe(out.slice(-20).join('\n'));

    // A snapshot after the end: the state, then the last 50 lines one by one, the last carrying the last id.
    const snapshot = await readToEnd(server.url, api, stream);
    expect(snapshot).toMatchObject(oneConnection);
    const snapshotLines = snapshot.events.slice(2);
    expect(snapshotLines.every((event) => event.type === 'log:created')).toBe(true);
    expect(snapshotLines.map((event) => (event.data as LogCreatedPayload).message)).toEqual(
      lines.slice(-50).map((line) => line.message),
    );
    expect(snapshot.events[snapshot.events.length - 1].id).toBe(stored[stored.length - 1].id);

    const progress = stored.filter((event) => event.type === 'agent:progress');
    for (const event of progress) {
      const { message, level } = event.data as AgentProgressPayload;
      expect(level === 'warn' ? err : out).toContain(message);
    }
  }

  it('keeps line terminators apart: LF, CRLF, lone CR, a CRLF split across writes, empty lines', async () => {
    await check([
      { fd: 1, bytes: text('lf\ncrlf\r\ncr\rcr-crlf\r\r\nlf-cr\n\rempty next\n\n') },
      { fd: 1, bytes: text('split crlf\r') },
      { fd: 1, bytes: text('\nlast without terminator') },
      { fd: 2, bytes: text('\r\n\r\n') },
      { fd: 2, bytes: text('only a cr\r') },
    ]);
  });

  it('keeps NUL, U+2028, U+2029, U+0085 and SSE field names inside a line', async () => {
    await check([
      { fd: 1, bytes: text('nul\0inside\0\nsep\u2028line\u2029para\u0085next\n') },
      { fd: 1, bytes: text('\ndata: not a field\nid: 99\nevent: nope\n: comment\nretry: 1\n') },
      { fd: 2, bytes: text('\u2028\0\u2029') },
    ]);
  });

  it('keeps a BOM at the start and in the middle of either stream', async () => {
    await check([
      { fd: 1, bytes: Buffer.concat([BOM, text('first\n'), BOM, text('second'), BOM, text('\n')]) },
      { fd: 2, bytes: Buffer.concat([BOM, text('warn'), BOM]) },
    ]);
  });

  it('turns invalid UTF-8 into U+FFFD and joins characters split across writes, even one cut at the end', async () => {
    await check([
      { fd: 1, bytes: bytes(0x61, 0xff, 0x62, 0xc0, 0x80, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80, 0x0a) },
      { fd: 1, bytes: bytes(0x65, 0x75, 0x72, 0x6f, 0x20, 0xe2) },
      { fd: 1, bytes: bytes(0x82, 0xac, 0x0a, 0xf0) },
      { fd: 1, bytes: bytes(0x9f) },
      { fd: 1, bytes: bytes(0x98) },
      { fd: 1, bytes: bytes(0x80, 0x0a, 0xe2, 0x82, 0x0a) },
      { fd: 2, bytes: bytes(0x61, 0xf0, 0x9f) },
      { fd: 2, bytes: bytes(0x98) },
    ]);
  });

  it('delivers 1 MB lines whole, on both streams', async () => {
    const unit = 'ab€😀\u2028\0"\\';
    const big = text(unit.repeat(Math.ceil(1_048_576 / Buffer.byteLength(unit))));
    await check([
      { fd: 1, bytes: Buffer.concat([big, text('\nafter the big line\n')]) },
      { fd: 2, bytes: Buffer.concat([text('before\n'), big]) },
    ]);
  });

  it('delivers any output exactly as stored, stored as documented', async () => {
    await fc.assert(
      fc.asyncProperty(writes, async (plan) => check(plan)),
      { numRuns: 15 },
    );
  });
});
