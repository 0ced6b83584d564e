import { Injectable, Logger } from '@nestjs/common';
import type { StoredEventType } from '@flowcast/shared-contract';

/** One stored event, serialised to its SSE frame once for every subscriber. */
export interface PublishedEvent {
  id: number;
  type: StoredEventType;
  frame: string;
}

/** The events one store transaction committed for one workflow, in id order. */
export interface PublishedBatch {
  workflowId: string;
  events: PublishedEvent[];
  /** Every frame of the batch joined: what an unfiltered stream writes, in one write. */
  frames: string;
  /** UTF-8 length of `frames`, computed once for every subscriber's byte count. */
  bytes: number;
  firstId: number;
  lastId: number;
  /** The batch ends the workflow (workflow:completed, :failed or :cancelled). */
  terminal: boolean;
}

/** Receives a workflow's batches, synchronously, in publish order. */
export interface BatchListener {
  receive(batch: PublishedBatch): void;
}

/**
 * Per-workflow fan-out of stored events: a Set of listeners per workflow, called directly (no Observable
 * chain per subscriber: with thousands of streams on one workflow, the fan-out loop is the hot path). A
 * workflow's Set exists only while someone listens, so a finished workflow or an abandoned page never leaves
 * one behind. A listener that throws is logged and skipped; the others still get the batch.
 */
@Injectable()
export class WorkflowHub {
  private readonly logger = new Logger(WorkflowHub.name);
  private readonly channels = new Map<string, Set<BatchListener>>();

  /** Only the event log calls this, after the batch is stored. */
  publish(batch: PublishedBatch): void {
    const listeners = this.channels.get(batch.workflowId);
    if (!listeners) return;
    for (const listener of listeners) {
      try {
        listener.receive(batch);
      } catch (error) {
        this.logger.error(`A listener of ${batch.workflowId} failed: ${(error as Error).message}`);
      }
    }
  }

  /** Adds a listener (once; adding it again changes nothing). */
  listen(workflowId: string, listener: BatchListener): void {
    let listeners = this.channels.get(workflowId);
    if (!listeners) {
      listeners = new Set();
      this.channels.set(workflowId, listeners);
    }
    listeners.add(listener);
  }

  /** Removes a listener; safe from inside its own `receive` and for one that is not listening. */
  unlisten(workflowId: string, listener: BatchListener): void {
    const listeners = this.channels.get(workflowId);
    if (!listeners?.delete(listener)) return;
    if (listeners.size === 0) this.channels.delete(workflowId);
  }

  /** Workflows with at least one listener (for metrics and leak checks). */
  get channelCount(): number {
    return this.channels.size;
  }

  hasListeners(workflowId: string): boolean {
    return this.channels.has(workflowId);
  }
}
