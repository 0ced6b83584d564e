import type { ServerResponse } from 'node:http';
import {
  type BatchListener,
  commentFrame,
  type PublishedBatch,
  retryFrame,
  type WorkflowHub,
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

export type CloseReason = 'client' | 'finished' | 'slow' | 'lifetime' | 'shutdown' | 'revoked' | 'error';

export interface ConnectionEvents {
  onWrite(bytes: number, events: number): void;
  onClose(connection: SseConnection, reason: CloseReason): void;
}

/**
 * One open SSE response. Frames arrive already serialised (shared by every subscriber); this class only
 * decides which of them to write, holds live events back while a replay or snapshot is written, and ends
 * the response: after the close grace of a finished workflow, with a `retry:` line when the server ends it
 * early, or at once when the client reads too slowly to keep its queue under `maxBufferBytes`.
 */
export class SseConnection implements BatchListener {
  lastWriteAt = performance.now();
  heartbeats = 0;
  /** Id of the last event written (or announced by the snapshot); later writes skip anything not newer. */
  lastId = 0;
  private held: PublishedBatch[] | null = null;
  private heldEvents = 0;
  private hub: WorkflowHub | null = null;
  private closeTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private closeReason: CloseReason = 'client';

  constructor(
    readonly workflowId: string,
    /** Who opened it and with which credential: revoking either ends the stream. */
    readonly owner: { userId: string; credentialId: string },
    readonly deadline: number,
    private readonly res: ServerResponse,
    private readonly filter: TypeFilter | null,
    private readonly settings: StreamSettings,
    private readonly events: ConnectionEvents,
  ) {
    res.once('close', () => this.cleanup());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Sends the status line and headers, the `: connected` comment and the `retry:` hint. */
  begin(): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    this.res.socket?.setNoDelay(true);
    // A peer that vanished without a FIN or RST is found by keep-alive probes (and then the failing writes).
    this.res.socket?.setKeepAlive(true, 30_000);
    this.write(
      commentFrame(`connected to workflow ${this.workflowId}`) + retryFrame(this.settings.retryMs),
      0,
    );
  }

  /** Listens to the workflow's live events, holding them back until `goLive()`. */
  listen(hub: WorkflowHub): void {
    if (this.closed) return;
    this.held = [];
    this.hub = hub;
    hub.listen(this.workflowId, this);
  }

  /** Writes what was held back (only events newer than `lastId`) and from now on writes events as they come. */
  goLive(): void {
    const held = this.held ?? [];
    this.held = null;
    this.heldEvents = 0;
    for (const batch of held) this.deliver(batch);
  }

  /**
   * Writes text (frames or comments); returns false when the client's queue is over the high-water mark.
   * `bytes` is the chunk's UTF-8 length, passed when already known (a batch's shared frames).
   */
  write(chunk: string, events: number, bytes = Buffer.byteLength(chunk)): boolean {
    if (this.closed) return false;
    // What is still queued from earlier writes is what the client has not taken: past the bound, it is
    // too slow. (One burst may exceed the bound on its own; it is the backlog that counts.)
    if (this.res.writableLength > this.settings.maxBufferBytes) {
      this.drop('slow');
      return false;
    }
    const ok = this.res.write(chunk);
    this.lastWriteAt = performance.now();
    this.events.onWrite(bytes, events);
    return ok;
  }

  /** Resolves when the client has taken what is queued (or the connection is gone). */
  drained(): Promise<void> {
    if (this.closed || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
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
    this.res.write(frame);
    this.events.onWrite(frame.length, 0); // ASCII: its length is its byte count
    this.end(reason);
  }

  /** Cuts the connection at once, without a normal close. */
  drop(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.res.destroy();
    this.cleanup();
  }

  private end(reason: CloseReason): void {
    if (this.closed) return;
    this.closeReason = reason;
    this.res.end();
    this.cleanup();
  }

  /** A batch from the hub: written now, or held while the replay or snapshot is being written. */
  receive(batch: PublishedBatch): void {
    if (this.held) {
      this.held.push(batch);
      this.heldEvents += batch.events.length;
      if (this.heldEvents > this.settings.maxHeldEvents) this.drop('slow');
      return;
    }
    this.deliver(batch);
  }

  private deliver(batch: PublishedBatch): void {
    if (this.closed) return;
    if (batch.lastId > this.lastId) {
      if (this.filter === null && batch.firstId > this.lastId) {
        this.write(batch.frames, batch.events.length, batch.bytes);
      } else {
        let chunk = '';
        let count = 0;
        for (const event of batch.events) {
          if (event.id > this.lastId && (this.filter === null || this.filter(event.type))) {
            chunk += event.frame;
            count++;
          }
        }
        if (count > 0) this.write(chunk, count);
      }
      this.lastId = batch.lastId;
    }
    if (batch.terminal) this.finishSoon();
  }

  private cleanup(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.closeTimer);
    this.hub?.unlisten(this.workflowId, this);
    this.held = null;
    this.events.onClose(this, this.closeReason);
  }
}
