import {
  EVENT_SOURCE_STATE,
  type EventSourceInitLike,
  type EventSourceLike,
  type StreamMessage,
} from '../stream/event-source';

/**
 * A scripted EventSource for tests: records what it was opened with and whether it was closed, and lets a
 * test play the server's side (open, typed events with or without an `id:` line, errors).
 */
export class FakeEventSource implements EventSourceLike {
  readyState: number = EVENT_SOURCE_STATE.connecting;
  closed = false;
  /** As a browser keeps it: the last `id:` seen, kept across events without one. */
  private lastEventId = '';
  private readonly listeners = new Map<string, ((event: StreamMessage) => void)[]>();

  constructor(
    readonly url: string,
    readonly init?: EventSourceInitLike,
  ) {}

  addEventListener(type: string, listener: (event: StreamMessage) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = EVENT_SOURCE_STATE.closed;
  }

  /** The event types something listens for. */
  get listenedTypes(): string[] {
    return [...this.listeners.keys()];
  }

  open(): void {
    this.readyState = EVENT_SOURCE_STATE.open;
    this.dispatch('open', { data: '', lastEventId: '' });
  }

  /** A typed event; `id` plays an `id:` line (numbers on a workflow's stream, opaque strings on the list's). */
  emit(type: string, data: unknown, id?: number | string): void {
    if (id !== undefined) this.lastEventId = String(id);
    this.dispatch(type, { data: JSON.stringify(data), lastEventId: this.lastEventId });
  }

  /**
   * An error: CONNECTING for a dropped connection the browser would retry by itself, CLOSED for a non-200
   * answer (a 204 included), after which the browser gives up.
   */
  fail(readyState: number = EVENT_SOURCE_STATE.connecting): void {
    this.readyState = readyState;
    this.dispatch('error', { data: '', lastEventId: this.lastEventId });
  }

  private dispatch(type: string, event: StreamMessage): void {
    if (this.closed) return;
    for (const listener of this.listeners.get(type) ?? []) listener(event);
  }
}
