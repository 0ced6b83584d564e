import { ClientRequest, IncomingHttpHeaders, IncomingMessage, request } from 'node:http';

export interface SseMessage {
  /** The `id:` field when the frame had one. */
  id?: string;
  event: string;
  data: string;
}

export type SseItem =
  | { kind: 'event'; message: SseMessage }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };

/**
 * A raw SSE client over node:http, parsing the wire format incrementally, so tests see exactly what was
 * sent: comments, `retry:` lines, status codes and headers that EventSource hides.
 */
export class SseReader {
  readonly items: SseItem[] = [];
  /** Every event with the time (Date.now()) its frame was parsed. */
  readonly timedEvents: { message: SseMessage; at: number }[] = [];
  status = 0;
  headers: IncomingHttpHeaders = {};
  body = '';
  ended = false;
  private buffer = '';
  private current: { id?: string; event?: string; data: string[] } = { data: [] };
  private waiters: (() => void)[] = [];
  private req: ClientRequest;
  res: IncomingMessage | undefined;
  readonly done: Promise<void>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.done = new Promise((resolveDone) => {
      this.req = request(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
        this.res = res;
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.feed(chunk));
        res.on('end', () => this.finish(resolveDone));
        res.on('close', () => this.finish(resolveDone));
        res.on('error', () => this.finish(resolveDone));
        this.notify();
      });
      this.req.on('error', () => this.finish(resolveDone));
      this.req.end();
    });
    // Assigned in the promise executor above, which runs synchronously.
    this.req ??= undefined as unknown as ClientRequest;
  }

  get events(): SseMessage[] {
    return this.items.flatMap((item) => (item.kind === 'event' ? [item.message] : []));
  }

  get comments(): string[] {
    return this.items.flatMap((item) => (item.kind === 'comment' ? [item.text] : []));
  }

  /** Ids of the events that carried one, as numbers. */
  get ids(): number[] {
    return this.events.flatMap((event) => (event.id === undefined ? [] : [Number(event.id)]));
  }

  /** Waits until the predicate holds (checked after every chunk) or the stream ends. */
  async waitFor(predicate: (reader: SseReader) => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this)) {
      if (this.ended)
        throw new Error(
          `stream ended before the condition held; got ${JSON.stringify(this.items).slice(-2_000)}`,
        );
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.items).slice(-2_000)}`);
      await new Promise<void>((resolveWait) => {
        const timer = setTimeout(resolveWait, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolveWait();
        });
      });
    }
  }

  waitForEvent(type: string, timeoutMs?: number): Promise<void> {
    return this.waitFor((reader) => reader.events.some((event) => event.event === type), timeoutMs);
  }

  /** Closes the connection from the client side (FIN). */
  close(): void {
    this.req.destroy();
  }

  /** Stops reading: the server's writes pile up in the socket and then in its own queue. */
  pause(): void {
    this.res?.pause();
    this.res?.socket?.pause();
  }

  /** Reads again after pause(). */
  resume(): void {
    this.res?.socket?.resume();
    this.res?.resume();
  }

  private feed(chunk: string): void {
    this.body += chunk;
    this.buffer += chunk;
    let index: number;
    while ((index = this.buffer.indexOf('\n')) !== -1) {
      const line = this.buffer.slice(0, index).replace(/\r$/, '');
      this.buffer = this.buffer.slice(index + 1);
      this.line(line);
    }
    this.notify();
  }

  private line(line: string): void {
    if (line === '') {
      if (this.current.data.length > 0 || this.current.event !== undefined) {
        const message = {
          ...(this.current.id !== undefined ? { id: this.current.id } : {}),
          event: this.current.event ?? 'message',
          data: this.current.data.join('\n'),
        };
        this.items.push({ kind: 'event', message });
        this.timedEvents.push({ message, at: Date.now() });
      }
      this.current = { data: [] };
      return;
    }
    if (line.startsWith(':')) {
      this.items.push({ kind: 'comment', text: line.slice(1).trim() });
      return;
    }
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') this.current.id = value;
    else if (field === 'event') this.current.event = value;
    else if (field === 'data') this.current.data.push(value);
    else if (field === 'retry') this.items.push({ kind: 'retry', ms: Number(value) });
  }

  private finish(done: () => void): void {
    if (!this.ended) {
      this.ended = true;
      this.notify();
    }
    done();
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
