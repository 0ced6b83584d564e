import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Logger } from '@nestjs/common';
import type { Observable, Observer, Subscription } from 'rxjs';
import {
  commentFrame,
  httpChunk,
  type PublishedBatch,
  retryFrame,
} from '@flowcast/api-workflows-data-access';
import type { TypeFilter } from '@flowcast/shared-contract';

export interface StreamSettings {
  heartbeatMs: number;
  retryMs: number;
  closeGraceMs: number;
  maxBufferBytes: number;
  /** Live events held while a replay or snapshot is being written; past this the client is dropped. */
  maxHeldEvents: number;
}

export type CloseReason =
  | 'client'
  | 'finished'
  | 'slow'
  | 'lifetime'
  | 'shutdown'
  | 'revoked'
  | 'deleted'
  | 'error';

export interface ConnectionEvents {
  onWrite(bytes: number, events: number): void;
  onClose(connection: SseConnection, reason: CloseReason): void;
}

const logger = new Logger('SseConnection');

/**
 * One open SSE response, and its subscriber on the workflow's hub Subject (a plain observer: the connection
 * itself). Frames arrive already serialised (shared by every subscriber); this class only decides which of
 * them to write, holds live events back while a replay or snapshot is written, and ends the response: after
 * the close grace of a finished workflow, with a `retry:` line when the server ends it early, or at once when
 * the client reads too slowly to keep its queue under `maxBufferBytes`.
 *
 * Once the response has flushed its headers, bytes go straight to the socket, framed as HTTP/1.1 chunks here
 * (a batch's chunk is encoded once for every stream), not through `res.write`: on Node 20 the
 * framework-decorated response makes every write through it several times dearer (docs/stream-protocol.md,
 * "How a stream is served"). The response still ends the exchange (`res.end()` writes the last chunk), so
 * keep-alive works as usual.
 */
export class SseConnection implements Pick<Observer<PublishedBatch>, 'next'> {
  lastWriteAt = performance.now();
  heartbeats = 0;
  /** When the server ends the stream (SSE_MAX_LIFETIME_MS, set on admission); never until then. */
  deadline = Infinity;
  /** Id of the last event written (or announced by the snapshot); later writes skip anything not newer. */
  lastId = 0;
  private held: PublishedBatch[] | null = null;
  private heldEvents = 0;
  private subscription: Subscription | null = null;
  private closeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closeReason: CloseReason = 'client';
  /** The socket written to directly; null until the first write, and for a pipelined response (sendFirst). */
  private socket: Socket | null = null;
  /** Whether the response uses chunked transfer coding (HTTP/1.1), which direct writes must then frame. */
  private chunked = false;
  /** The `: connected` comment and `retry:` hint, until they go out with the first write. */
  private opening: string | null = null;

  constructor(
    readonly workflowId: string,
    /** Who opened it and with which credential: revoking either ends the stream. */
    readonly owner: { userId: string; credentialId: string },
    private readonly res: ServerResponse,
    private readonly filter: TypeFilter | null,
    private readonly settings: StreamSettings,
    private readonly events: ConnectionEvents,
    /** What the `: connected to …` comment names. */
    private readonly label = `workflow ${workflowId}`,
  ) {
    // A client that hung up while the request went through the guard and pipes is gone already.
    if (res.destroyed) this.closed = true;
    else res.once('close', () => this.cleanup());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Starts the response: status line and headers, the `: connected` comment and the `retry:` hint. They go
   * out with the first frames written (the snapshot or the first replay page), in one packet.
   */
  begin(): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    this.opening = commentFrame(`connected to ${this.label}`) + retryFrame(this.settings.retryMs);
  }

  /**
   * Subscribes to the live batches of `workflowId` (a workflow's, from the hub; the list's, from its feed),
   * holding them back until `goLive()`.
   */
  listen(hub: { watch(key: string): Observable<PublishedBatch> }): void {
    if (this.closed) return;
    this.held = [];
    this.subscription = hub.watch(this.workflowId).subscribe(this);
  }

  /** Writes what was held back (only events newer than `lastId`) and from now on writes events as they come. */
  goLive(): void {
    if (this.opening !== null) this.write('', 0, 0); // nothing written yet: the client must see the stream open
    const held = this.held ?? [];
    this.held = null;
    this.heldEvents = 0;
    for (const batch of held) this.deliver(batch);
  }

  /**
   * Writes text (frames or comments); returns false when the client's queue is over the high-water mark.
   * `bytes` is the text's UTF-8 length and `chunk` its HTTP chunk, passed when already known (a batch's,
   * encoded once for every stream).
   */
  write(text: string, events: number, bytes = Buffer.byteLength(text), chunk?: Buffer): boolean {
    if (this.closed) return false;
    // What is still queued from earlier writes is what the client has not taken: past the bound, it is
    // too slow. (One burst may exceed the bound on its own; it is the backlog that counts.)
    if ((this.socket ?? this.res).writableLength > this.settings.maxBufferBytes) {
      this.drop('slow');
      return false;
    }
    const ok = this.send(text, bytes, chunk);
    this.lastWriteAt = performance.now();
    this.events.onWrite(bytes, events);
    return ok;
  }

  /** Resolves when the client has taken what is queued (or the connection is gone). */
  drained(): Promise<void> {
    const out = this.socket ?? this.res;
    if (this.closed || !out.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        out.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      out.on('drain', done);
      this.res.on('close', done);
    });
  }

  heartbeat(): void {
    this.heartbeats++;
    this.write(commentFrame(`heartbeat ${this.heartbeats}`), 0);
  }

  /** Ends the response after the close grace (the workflow has finished). */
  finishSoon(): void {
    if (this.closed || this.closeTimer) return;
    this.closeTimer = setTimeout(() => this.end('finished'), this.settings.closeGraceMs);
  }

  /** Ends the response early in a way EventSource reconnects from: a `retry:` line and a normal close. */
  endEarly(reason: CloseReason): void {
    if (this.closed) return;
    const frame = retryFrame(this.settings.retryMs);
    this.send(frame, frame.length); // ASCII: its length is its byte count
    this.events.onWrite(frame.length, 0);
    this.end(reason);
  }

  /** Gives up a stream that was never started (a refusal is answered instead): stops listening, writes nothing. */
  abandon(): void {
    this.cleanup();
  }

  /** Cuts the connection at once, without a normal close. */
  drop(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.res.destroy();
    this.cleanup();
  }

  /**
   * A batch from the hub: written now, or held while the replay or snapshot is being written. Never throws
   * (an observer that threw would be reported as an unhandled error): a failure drops this stream alone.
   */
  next(batch: PublishedBatch): void {
    try {
      if (this.held) {
        this.held.push(batch);
        this.heldEvents += batch.events.length;
        if (this.heldEvents > this.settings.maxHeldEvents) this.drop('slow');
        return;
      }
      this.deliver(batch);
    } catch (error) {
      logger.error(`A stream of ${this.workflowId} failed: ${(error as Error).message}`);
      this.drop('error');
    }
  }

  private send(text: string, bytes: number, chunk?: Buffer): boolean {
    if (this.opening !== null) return this.sendFirst(text, bytes);
    if (!this.socket) return this.res.write(text);
    return this.socket.write(this.chunked ? (chunk ?? httpChunk(text, bytes)) : text);
  }

  /**
   * The headers and the first bytes, in one packet: the response writes its headers to the corked socket,
   * the first chunk follows, and uncorking sends both. From then on the socket is written directly. A
   * response pipelined behind another one on the same connection has no socket yet: it keeps writing
   * through the response, which queues its bytes until the one before it has finished.
   */
  private sendFirst(text: string, bytes: number): boolean {
    const first = this.opening + text;
    const firstBytes = (this.opening as string).length + bytes; // the opening is ASCII
    this.opening = null;
    this.events.onWrite(firstBytes - bytes, 0);
    const socket = this.res.socket;
    if (!socket) return this.res.write(first);
    this.socket = socket;
    // A peer that vanished without a FIN or RST is found by keep-alive probes (and then the failing writes).
    socket.setKeepAlive(true, 30_000);
    socket.cork();
    this.res.flushHeaders();
    this.chunked = this.res.chunkedEncoding;
    const ok = socket.write(this.chunked ? httpChunk(first, firstBytes) : first);
    socket.uncork();
    return ok;
  }

  private end(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.res.end();
    this.cleanup();
  }

  private deliver(batch: PublishedBatch): void {
    if (this.closed) return;
    if (batch.lastId > this.lastId) {
      if (this.filter === null && batch.firstId > this.lastId) {
        this.write(batch.frames, batch.events.length, batch.bytes, batch.chunk);
      } else {
        let text = '';
        let count = 0;
        for (const event of batch.events) {
          if (event.id > this.lastId && (this.filter === null || this.filter(event.type))) {
            text += event.frame;
            count++;
          }
        }
        if (count > 0) this.write(text, count);
      }
      this.lastId = batch.lastId;
    }
    if (batch.terminal) this.finishSoon();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.closeTimer);
    this.subscription?.unsubscribe();
    this.subscription = null;
    this.held = null;
    this.events.onClose(this, this.closeReason);
  }
}
