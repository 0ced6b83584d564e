/**
 * The part of the browser's `EventSource` the stream client uses, typed here so that the library does not
 * depend on the DOM typings and tests can script a fake.
 */

/** `EventSource.readyState` values. */
export const EVENT_SOURCE_STATE = { connecting: 0, open: 1, closed: 2 } as const;

/** What a typed SSE event hands its listener (a `MessageEvent` in the browser). */
export interface StreamMessage {
  /** The `data:` line, one line of JSON. */
  readonly data: string;
  /** The id of the last `id:` line this EventSource has seen; it persists across events without one. */
  readonly lastEventId: string;
}

export interface EventSourceInitLike {
  withCredentials: boolean;
}

export interface EventSourceLike {
  readonly readyState: number;
  /** `open` and `error` listeners get a plain `Event`; typed events a `MessageEvent`. */
  addEventListener(type: string, listener: (event: StreamMessage) => void): void;
  close(): void;
}

export type EventSourceFactory = (url: string, init: EventSourceInitLike) => EventSourceLike;

type NativeEventSource = new (url: string, init: EventSourceInitLike) => EventSourceLike;

/** A factory for the browser's EventSource, or null where there is none (an old browser, a server render). */
export function nativeEventSourceFactory(): EventSourceFactory | null {
  const Native = (globalThis as { EventSource?: NativeEventSource }).EventSource;
  if (typeof Native === 'undefined') return null;
  return (url, init) => new Native(url, init);
}
