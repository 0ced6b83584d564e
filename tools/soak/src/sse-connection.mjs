// One SSE request over raw node:http (no EventSource: the soak decides when to stop reading, when to hang
// up and which id to resume from), parsing the wire format incrementally. A frame is dispatched only at
// its blank line, so a connection cut in the middle of a frame drops that frame, as EventSource does.
import { request } from 'node:http';

export class SseConnection {
  /** HTTP status, 0 until the response head arrives. */
  status = 0;
  /** Events dispatched on this connection. */
  events = 0;
  /** Set once the response (or the request) has ended, for whatever reason. */
  ended = false;
  buffer = '';
  frame = { id: null, type: null, data: null };
  waiters = [];
  req = null;
  res = null;

  /**
   * @param {string} url
   * @param {Record<string, string>} headers
   * @param {(event: { id: number | null, type: string, data: string }) => void} onEvent
   */
  constructor(url, headers, onEvent) {
    this.onEvent = onEvent;
    this.done = new Promise((resolveDone) => {
      const finish = () => {
        if (!this.ended) {
          this.ended = true;
          this.wake();
        }
        resolveDone();
      };
      this.req = request(
        url,
        { agent: false, headers: { Accept: 'text/event-stream', ...headers } },
        (res) => {
          this.res = res;
          this.status = res.statusCode ?? 0;
          res.setEncoding('utf8');
          res.on('data', (chunk) => this.feed(chunk));
          res.on('end', finish);
          res.on('close', finish);
          res.on('error', finish);
          this.wake();
        },
      );
      this.req.on('error', finish);
      this.req.on('close', () => {
        if (!this.res) finish();
      });
      this.req.end();
    });
  }

  /** Resolves when `predicate()` holds (checked after every chunk), the connection ends, or `ms` pass. */
  async until(predicate, ms) {
    const deadline = performance.now() + ms;
    while (!predicate() && !this.ended) {
      const left = deadline - performance.now();
      if (left <= 0) return;
      await new Promise((resolveWait) => {
        const timer = setTimeout(resolveWait, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolveWait();
        });
      });
    }
  }

  /**
   * Whether the response ended as HTTP says it should (the last chunk arrived): false for one the server
   * cut off (a slow client's socket is destroyed) or that the client hung up on.
   */
  get complete() {
    return this.res?.complete === true;
  }

  /** Stops reading: the server's writes fill the socket buffers, then its own queue. */
  pause() {
    this.res?.pause();
    this.res?.socket?.pause();
  }

  resume() {
    this.res?.socket?.resume();
    this.res?.resume();
  }

  /** Hangs up from the client side. */
  close() {
    this.req.destroy();
  }

  feed(chunk) {
    this.buffer += chunk;
    let index;
    while ((index = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, index);
      this.buffer = this.buffer.slice(index + 1);
      this.line(line);
    }
    this.wake();
  }

  line(line) {
    const frame = this.frame;
    if (line === '') {
      if (frame.type !== null || frame.data !== null) {
        this.events++;
        this.onEvent({ id: frame.id, type: frame.type ?? 'message', data: frame.data ?? '' });
      }
      this.frame = { id: null, type: null, data: null };
      return;
    }
    if (line.startsWith(':')) return; // a comment: `: connected …`, `: heartbeat n`
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + (line[colon + 1] === ' ' ? 2 : 1));
    if (field === 'id') frame.id = Number(value);
    else if (field === 'event') frame.type = value;
    else if (field === 'data') frame.data = frame.data === null ? value : `${frame.data}\n${value}`;
  }

  wake() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
