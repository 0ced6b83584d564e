import { isTerminalEventType } from '@flowcast/shared-contract';
import { eventFrame, httpChunk } from './sse-frame';
import type { PublishedBatch, PublishedEvent } from './workflow-hub';

/** A stored event as the log and the cluster feed pass it around: `data` is its JSON text. */
export interface BatchRow {
  seq: number;
  type: string;
  data: string;
}

/**
 * Consecutive stored events of one workflow, serialised once for every subscriber: each event's frame,
 * their concatenation, its UTF-8 length and its HTTP chunk. `rows` is non-empty and in id order.
 */
export function buildBatch(workflowId: string, rows: readonly BatchRow[]): PublishedBatch {
  let terminal = false;
  const events: PublishedEvent[] = rows.map((row) => {
    terminal ||= isTerminalEventType(row.type);
    return {
      id: row.seq,
      type: row.type as PublishedEvent['type'],
      frame: eventFrame(row.type, row.data, row.seq),
    };
  });
  const frames = events.map((event) => event.frame).join('');
  const bytes = Buffer.byteLength(frames);
  return {
    workflowId,
    events,
    frames,
    bytes,
    chunk: Buffer.from(httpChunk(frames, bytes)),
    firstId: rows[0].seq,
    lastId: rows[rows.length - 1].seq,
    terminal,
  };
}
