import type { LogLevel, LogLine, NewEvent } from '@flowcast/shared-contract';

export interface SinkLine extends LogLine {
  agentName?: string;
  metadata?: Record<string, unknown>;
}

/** Most lines a log:batch holds (CONTRACT §5). */
export const MAX_BATCH_LINES = 500;
/**
 * A batch is also sent once its lines hold this many characters: long lines (an agent may print 1 MB ones)
 * make a few big events, not one of 500 MB that every stream would have to swallow whole.
 */
export const MAX_BATCH_CHARS = 1024 * 1024;
/** How long a flood's lines wait to be gathered into one log:batch. */
const BATCH_WINDOW_MS = 100;

/**
 * Turns a workflow's log lines into events. While lines arrive slower than `threshold` per second each
 * is its own log:created; beyond that, lines are gathered for up to 100 ms (or 500 lines) into one
 * log:batch (sent early once it holds 500 lines or 1 Mi characters), so that a flood costs a few events a
 * second instead of one per line. No line is dropped and
 * order is kept: once lines are being gathered, every later line joins the gathering.
 */
export class LogSink {
  private windowStart = 0;
  private windowCount = 0;
  private buffer: SinkLine[] = [];
  private bufferChars = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly threshold: number,
    private readonly emit: (event: NewEvent) => void,
  ) {}

  write(level: LogLevel, message: string, agentName?: string, metadata?: Record<string, unknown>): void {
    const now = Date.now();
    if (now - this.windowStart >= 1_000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    this.windowCount++;
    const timestamp = new Date(now).toISOString();
    if (this.windowCount <= this.threshold && this.buffer.length === 0) {
      // A single line names its agent in metadata (log:created has no field of its own for it), as a batch does.
      const named = agentName === undefined ? metadata : { ...metadata, agentName };
      this.emit({
        type: 'log:created',
        payload: named ? { level, message, timestamp, metadata: named } : { level, message, timestamp },
      });
      return;
    }
    this.buffer.push({ level, message, timestamp, agentName });
    this.bufferChars += message.length;
    if (this.buffer.length >= MAX_BATCH_LINES || this.bufferChars >= MAX_BATCH_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), BATCH_WINDOW_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.bufferChars = 0;
    const agentName = lines[0].agentName;
    const oneAgent = agentName !== undefined && lines.every((line) => line.agentName === agentName);
    this.emit({
      type: 'log:batch',
      payload: {
        ...(oneAgent ? { agentName } : {}),
        lines: lines.map(({ level, message, timestamp }) => ({ level, message, timestamp })),
      },
    });
  }
}
