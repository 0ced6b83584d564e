import { Injectable } from '@nestjs/common';
import { Observable, Subject } from 'rxjs';
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

/**
 * Per-workflow fan-out of stored events. A workflow's Subject exists only while someone listens: it is
 * created by the first listener and completed and dropped when the last one leaves, so a finished workflow
 * or an abandoned page never leaves one behind.
 */
@Injectable()
export class WorkflowHub {
  private readonly channels = new Map<string, Subject<PublishedBatch>>();

  /** Only the event log calls this, after the batch is stored. */
  publish(batch: PublishedBatch): void {
    this.channels.get(batch.workflowId)?.next(batch);
  }

  listen(workflowId: string): Observable<PublishedBatch> {
    return new Observable<PublishedBatch>((subscriber) => {
      let channel = this.channels.get(workflowId);
      if (!channel) {
        channel = new Subject<PublishedBatch>();
        this.channels.set(workflowId, channel);
      }
      const subscription = channel.subscribe(subscriber);
      const subject = channel;
      return () => {
        subscription.unsubscribe();
        if (!subject.observed && this.channels.get(workflowId) === subject) {
          this.channels.delete(workflowId);
          subject.complete();
        }
      };
    });
  }

  /** Workflows with at least one listener (for metrics and leak checks). */
  get channelCount(): number {
    return this.channels.size;
  }

  hasListeners(workflowId: string): boolean {
    return this.channels.get(workflowId)?.observed ?? false;
  }
}
