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
  /**
   * `frames` as one HTTP/1.1 chunk (see httpChunk), encoded once: what a stream writing to its socket sends.
   * Every stream writes this same Buffer, so a batch is converted to UTF-8 once, not once per stream.
   */
  chunk: Buffer;
  firstId: number;
  lastId: number;
  /** The batch ends the workflow (workflow:completed, :failed or :cancelled). */
  terminal: boolean;
}

/**
 * Where a hub's batches come from besides this process's own event log: in a cluster, the other instances
 * (see ClusterFeed). The hub tells its link when a workflow gains its first subscriber and when it loses
 * its last one.
 */
export interface HubLink {
  /** Resolves once batches stored anywhere from now on will reach the hub (a store read may follow). */
  opened(workflowId: string): Promise<void>;
  closed(workflowId: string): void;
}

/**
 * Per-workflow fan-out of stored events: one RxJS `Subject` per workflow, created when the first subscriber
 * comes, completed and dropped when the workflow ends (after its terminal batch) or when its last subscriber
 * leaves, whichever comes first; a subscriber that comes later gets a new one. Subscribers are plain
 * observers on the Subject itself (no operator chain per subscriber: with thousands of streams on one
 * workflow, the fan-out loop is the hot path), and each batch is the same object, frames built once, for
 * every one of them.
 *
 * An observer must not throw: RxJS isolates the others from it, then reports the error as unhandled
 * (the api's bootstrap logs those rather than crashing).
 */
@Injectable()
export class WorkflowHub {
  private readonly channels = new Map<string, Subject<PublishedBatch>>();
  private readonly ready = new Map<string, Promise<void>>();
  private hubLink: HubLink | null = null;

  /** Connects the hub to the other instances of a cluster (once, at start-up). */
  link(link: HubLink): void {
    this.hubLink = link;
  }

  /**
   * After `watch(workflowId)` was subscribed: resolves once every batch stored from now on, by any instance,
   * will reach the subscriber, so that a store read made afterwards leaves no gap. Undefined when that is
   * already so (one process on its own: the event log publishes here synchronously).
   */
  whenLive(workflowId: string): Promise<void> | undefined {
    return this.ready.get(workflowId);
  }

  /** Only the event log calls this, after the batch is stored. */
  publish(batch: PublishedBatch): void {
    const channel = this.channels.get(batch.workflowId);
    if (!channel) return;
    channel.next(batch);
    if (batch.terminal) this.drop(batch.workflowId, channel);
  }

  /**
   * The workflow's batches from the moment of subscription, synchronously, in publish order; completes after
   * the terminal batch. Subscribing and unsubscribing are O(subscribers of that workflow).
   */
  watch(workflowId: string): Observable<PublishedBatch> {
    return new Observable<PublishedBatch>((subscriber) => {
      const channel = this.channelFor(workflowId);
      const subscription = channel.subscribe(subscriber);
      return () => {
        subscription.unsubscribe();
        if (!channel.observed) this.drop(workflowId, channel);
      };
    });
  }

  /** Workflows with at least one subscriber (for metrics and leak checks). */
  get channelCount(): number {
    return this.channels.size;
  }

  hasListeners(workflowId: string): boolean {
    return this.channels.has(workflowId);
  }

  private channelFor(workflowId: string): Subject<PublishedBatch> {
    let channel = this.channels.get(workflowId);
    if (!channel) {
      channel = new Subject<PublishedBatch>();
      this.channels.set(workflowId, channel);
      if (this.hubLink) this.ready.set(workflowId, this.hubLink.opened(workflowId));
    }
    return channel;
  }

  private drop(workflowId: string, channel: Subject<PublishedBatch>): void {
    // Only the workflow's current channel: an ended one may be replaced by a new one already.
    if (this.channels.get(workflowId) === channel) {
      this.channels.delete(workflowId);
      if (this.hubLink) {
        this.ready.delete(workflowId);
        this.hubLink.closed(workflowId);
      }
    }
    channel.complete();
  }
}
