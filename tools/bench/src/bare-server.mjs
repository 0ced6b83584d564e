// The floor: a bare node:http SSE fan-out server. One Set of responses per channel, one frame string per
// event written to every response, an in-memory log for replay, a shared heartbeat timer. No auth, no
// store. Driven over IPC by the bench (emit events, report).
import { createServer } from 'node:http';

const channels = new Map(); // name -> { clients: Set<res>, log: string[] }
let nextId = 0;

function channel(name) {
  let found = channels.get(name);
  if (!found) {
    found = { clients: new Set(), log: [] };
    channels.set(name, found);
  }
  return found;
}

function frameFor(name, id, emitAt) {
  // Shaped and sized like a Flowcast log:created frame.
  const data = JSON.stringify({
    level: 'info',
    message: emitAt.toFixed(3),
    timestamp: new Date().toISOString(),
    workflowId: name,
    ts: new Date().toISOString(),
  });
  return `id: ${id}\nevent: log:created\ndata: ${data}\n\n`;
}

const server = createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  const match = /^\/stream\/([\w-]+)$/.exec(url.pathname);
  if (!match) {
    res.writeHead(404).end();
    return;
  }
  const ch = channel(match[1]);
  res.writeHead(200, {
    'Content-Type': 'text/event-stream',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
  });
  res.socket.setNoDelay(true);
  const after = Number(req.headers['last-event-id'] ?? -1);
  let head = ': connected\n\nretry: 3000\n\n';
  if (after >= 0) head += ch.log.slice(after).join('');
  else head += `event: snapshot\ndata: {}\nid: ${ch.log.length}\n\n`;
  res.write(head);
  ch.clients.add(res);
  res.on('close', () => ch.clients.delete(res));
});

setInterval(() => {
  for (const ch of channels.values()) for (const res of ch.clients) res.write(': heartbeat\n\n');
}, 15_000).unref();

process.on('message', (message) => {
  if (message.cmd === 'emit') {
    const ch = channel(message.channel);
    const id = ch.log.length + 1;
    const frame = frameFor(message.channel, id, message.emitAt ?? performance.timeOrigin + performance.now());
    ch.log.push(frame);
    nextId = id;
    for (const res of ch.clients) res.write(frame);
  } else if (message.cmd === 'run') {
    // Emit ratePerSec events a second on every channel for durationMs, as a workflow printing timestamps
    // would. With `independent`, each channel has its own timer starting at a random phase, as separate
    // workflows (separate processes) do; otherwise all channels emit in one tick.
    const emit = (names) => {
      const emitAt = performance.timeOrigin + performance.now();
      for (const name of names) {
        const ch = channel(name);
        const frame = frameFor(name, ch.log.length + 1, emitAt);
        ch.log.push(frame);
        for (const res of ch.clients) res.write(frame);
      }
    };
    const period = 1000 / message.ratePerSec;
    const timers = [];
    if (message.independent) {
      for (const name of message.channels) {
        const start = setTimeout(
          () => timers.push(setInterval(() => emit([name]), period)),
          Math.random() * period,
        );
        timers.push(start);
      }
    } else timers.push(setInterval(() => emit(message.channels), period));
    setTimeout(() => timers.forEach((timer) => clearInterval(timer)), message.durationMs);
  } else if (message.cmd === 'fill') {
    const ch = channel(message.channel);
    for (let i = 0; i < message.count; i++) ch.log.push(frameFor(message.channel, ch.log.length + 1, 0));
    process.send({ filled: ch.log.length });
  }
});

process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, pid: process.pid }));
void nextId;
