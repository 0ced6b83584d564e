/** Reconnection and fallback timing (CONTRACT §7), the same for every stream the console follows. */
export const STREAM_TIMING = {
  heartbeatMs: 15_000,
  /** Silence, in heartbeats, after which a connection is taken for dead. */
  stallHeartbeats: 3,
  firstRetryMs: 1_000,
  maxRetryMs: 30_000,
  /** ±20 % around the nominal delay, so that clients cut off together do not come back together. */
  jitter: 0.2,
  /** Reconnection tries (1, 2, 4, 8, 16 s nominal) before falling back to polling. */
  maxTries: 5,
  pollMs: 3_000,
  /** How often the stream is tried again while polling. */
  backgroundRetryMs: 30_000,
} as const;

/** `nominalMs` ±20 %; `random` is `Math.random` or a fixed value in tests. */
export function jittered(nominalMs: number, random: () => number): number {
  return Math.round(nominalMs * (1 + (random() * 2 - 1) * STREAM_TIMING.jitter));
}

/** The delay before reconnection try `tryNumber` (1-based): nominal 1, 2, 4, 8, 16 s … capped at 30 s, jittered. */
export function retryDelay(tryNumber: number, random: () => number): number {
  return jittered(
    Math.min(STREAM_TIMING.firstRetryMs * 2 ** (tryNumber - 1), STREAM_TIMING.maxRetryMs),
    random,
  );
}

/**
 * A native EventSource cannot see the server's `: heartbeat` comments, so silence is measured on events:
 * re-armed on every event, it calls back when nothing arrived for three heartbeat intervals (a half-open
 * TCP connection never errors on its own).
 */
export class StallTimer {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly heartbeatMs: number) {}

  /** (Re)starts the countdown; `onStall` runs once if it is not re-armed or cleared in time. */
  arm(onStall: () => void): void {
    this.clear();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      onStall();
    }, STREAM_TIMING.stallHeartbeats * this.heartbeatMs);
  }

  clear(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
