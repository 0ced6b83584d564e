import { isStoredEventType, type StreamEvent } from '@flowcast/shared-contract';
import type { OutputStream, Renderer } from './renderer';

/**
 * One JSON object a line, `{ id, type, data }`, exactly as `GET /api/workflows/:id/events` returns the
 * stored events, so a script reads a live watch and the stored history the same way. Snapshot events (only
 * sent after a `stream:reset`) are not stored events and are left out.
 */
export class JsonRenderer implements Renderer {
  constructor(
    private readonly stdout: OutputStream,
    private readonly stderr: OutputStream,
  ) {}

  event(event: StreamEvent): void {
    if (event.id === undefined || !isStoredEventType(event.type)) return;
    this.stdout.write(`${JSON.stringify({ id: event.id, type: event.type, data: event.data })}\n`);
  }

  notice(message: string): void {
    this.stderr.write(`flowcast: ${message}\n`);
  }

  end(): void {
    // Nothing is buffered.
  }
}
