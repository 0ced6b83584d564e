// The load generator, in its own process: opens many SSE connections with raw node:http, parses the
// stream incrementally, and counts events, latency (emit time travels in the payload), gaps and
// duplicates per connection. Driven over IPC by the bench.
import { request, Agent } from 'node:http';

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
const EMIT_AT = /"message":"(\d+\.\d+)"/;

const state = {
  opened: 0,
  failed: 0,
  statuses: {},
  firstFrame: 0, // connections that got their first event (snapshot or replay)
  events: 0,
  gaps: 0,
  duplicates: 0,
  latencies: [],
  connections: [],
};

function now() {
  return performance.timeOrigin + performance.now();
}

function open({ url, headers, lastEventId }) {
  const conn = { lastId: lastEventId ?? null, buffer: '', got: 0, req: null, id: null, data: '', event: '' };
  state.connections.push(conn);
  const req = request(
    url,
    {
      agent,
      headers: {
        Accept: 'text/event-stream',
        ...headers,
        ...(lastEventId !== undefined ? { 'Last-Event-ID': String(lastEventId) } : {}),
      },
    },
    (res) => {
      state.statuses[res.statusCode] = (state.statuses[res.statusCode] ?? 0) + 1;
      if (res.statusCode !== 200) {
        state.failed++;
        res.resume();
        return;
      }
      state.opened++;
      res.setEncoding('utf8');
      res.on('data', (chunk) => parse(conn, chunk));
      res.on('error', () => undefined);
    },
  );
  req.on('error', () => state.failed++);
  req.end();
  conn.req = req;
}

function parse(conn, chunk) {
  conn.buffer += chunk;
  let index;
  while ((index = conn.buffer.indexOf('\n')) !== -1) {
    const line = conn.buffer.slice(0, index);
    conn.buffer = conn.buffer.slice(index + 1);
    if (line === '') {
      if (conn.event !== '') dispatch(conn);
      conn.id = null;
      conn.event = '';
      conn.data = '';
    } else if (line.startsWith('id: ')) conn.id = Number(line.slice(4));
    else if (line.startsWith('event: ')) conn.event = line.slice(7);
    else if (line.startsWith('data: ')) conn.data = line.slice(6);
  }
}

function dispatch(conn) {
  if (conn.got === 0) state.firstFrame++;
  conn.got++;
  if (conn.id === null) return; // snapshot events without an id
  if (conn.lastId !== null) {
    if (conn.id <= conn.lastId) state.duplicates++;
    else if (conn.id !== conn.lastId + 1) state.gaps++;
  }
  // The snapshot's id-carrying last event sets the cursor; it is not a stored event delivered live.
  const isSnapshotTail = conn.event === 'agent:state' || conn.event === 'snapshot';
  conn.lastId = conn.id;
  if (isSnapshotTail) return;
  state.events++;
  // Only log lines carry their emit time (an agent:progress repeats a line on purpose later, coalesced).
  const match = conn.event === 'log:created' ? EMIT_AT.exec(conn.data) : null;
  if (match && state.sampleLatency) {
    const emitted = Number(match[1]);
    if (emitted > 1e12) state.latencies.push(now() - emitted);
  }
}

function report() {
  return {
    opened: state.opened,
    failed: state.failed,
    statuses: state.statuses,
    firstFrame: state.firstFrame,
    events: state.events,
    gaps: state.gaps,
    duplicates: state.duplicates,
    latencies: state.latencies.length,
  };
}

process.on('message', (message) => {
  switch (message.cmd) {
    case 'open':
      for (let i = 0; i < message.count; i++) open(message);
      process.send({ reply: message.tag, ...report() });
      break;
    case 'report':
      process.send({ reply: message.tag, ...report() });
      break;
    case 'latency-start':
      state.latencies = [];
      state.sampleLatency = true;
      process.send({ reply: message.tag });
      break;
    case 'latency-stop': {
      state.sampleLatency = false;
      const sorted = state.latencies.sort((a, b) => a - b);
      const pick = (p) =>
        sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : null;
      process.send({
        reply: message.tag,
        samples: sorted.length,
        p50: pick(0.5),
        p99: pick(0.99),
        max: sorted.at(-1) ?? null,
      });
      break;
    }
    case 'close':
      for (const conn of state.connections) conn.req?.destroy();
      state.connections = [];
      process.send({ reply: message.tag });
      break;
    case 'exit':
      process.exit(0);
  }
});
process.send({ ready: true });
