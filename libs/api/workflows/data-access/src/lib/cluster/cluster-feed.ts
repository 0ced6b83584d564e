import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { REDIS_PREFIX, RedisClients, succeedsWithin } from '@flowcast/api-core';
import { EventsRepository } from '../events.repository';
import { type BatchRow, buildBatch } from '../published-batch';
import { type HubLink, type PublishedBatch, WorkflowHub } from '../workflow-hub';
import { WorkflowsRepository } from '../workflows.repository';

const CHANNEL_PREFIX = `${REDIS_PREFIX}wf:`;
/** While Redis is away, watched workflows are read from the store this often (one query for all of them). */
const OUTAGE_POLL_MS = 1_000;
/** While Redis is up, the store is still checked this often, for a message lost without a disconnect. */
const SAFETY_POLL_MS = 5_000;
/** How long a new feed waits for Redis to confirm its subscription before it relies on the polls. */
const SUBSCRIBE_TIMEOUT_MS = 2_000;
/** Events read from the store per page when filling a gap. */
const FILL_PAGE = 500;

/** Running totals since start, read by the metrics scrape. */
export interface ClusterFeedCounters {
  /** Batches this instance stored and published to Redis. */
  published: number;
  /** Publishes Redis did not take (it was away): the other instances fill from the store. */
  publishFailures: number;
  /** Batches received from other instances for a workflow watched here. */
  received: number;
  /** Times a gap was filled from the store (a batch did not follow the last id delivered, or a poll found one). */
  gapFills: number;
  /** Batches (or their echo) that held nothing newer than what was delivered, dropped. */
  duplicatesDropped: number;
  /** Store polls for watched workflows (every second while Redis is away, every five seconds otherwise). */
  storePolls: number;
}

/** What one watched workflow's feed has delivered to this instance's hub, and what waits. */
interface Feed {
  workflowId: string;
  /** Id of the last event handed to the hub; unknown (null) until the subscription is made and read. */
  lastId: number | null;
  /** Batches (or a catch-up from the store: null) waiting behind the one being handled, in arrival order. */
  queue: (PublishedBatch | BatchRow[] | null)[];
  busy: boolean;
  closed: boolean;
  /** The store's last id seen by the previous safety poll. */
  seenInStore: number;
}

/**
 * Live events across the instances of a cluster. After its commit, an instance publishes each stored batch
 * to Redis (one channel per workflow); every instance holds one subscriber connection and subscribes to a
 * workflow while its hub has local listeners for it.
 *
 * Every batch reaching the hub goes through the workflow's feed, which checks ids: a batch that does not
 * follow the last id delivered is preceded by the missing events read from the store, and one that holds
 * nothing newer is dropped. So a subscriber never sees a gap or a repeat, whichever instance stored the
 * events, whatever Redis lost. While Redis is away the watched workflows are read from the store once a
 * second; when it is back, each catches up and live delivery resumes by itself.
 */
@Injectable()
export class ClusterFeed implements HubLink, OnModuleDestroy {
  private readonly logger = new Logger(ClusterFeed.name);
  private readonly feeds = new Map<string, Feed>();
  private readonly timer: NodeJS.Timeout;
  private lastSafetyPoll = performance.now();
  private polling = false;
  private redisWasDown = false;
  readonly counters: ClusterFeedCounters = {
    published: 0,
    publishFailures: 0,
    received: 0,
    gapFills: 0,
    duplicatesDropped: 0,
    storePolls: 0,
  };

  private readonly onMessage = (channel: string, message: string) => this.receive(channel, message);
  private readonly onReady = () => this.reconnected();
  private readonly onClose = () => {
    if (!this.redisWasDown)
      this.logger.warn('Redis connection lost: streams read the store until it is back');
    this.redisWasDown = true;
  };

  constructor(
    @Inject(RedisClients) private readonly redis: RedisClients,
    @Inject(WorkflowHub) private readonly hub: WorkflowHub,
    @Inject(EventsRepository) private readonly events: EventsRepository,
    @Inject(WorkflowsRepository) private readonly workflows: WorkflowsRepository,
  ) {
    hub.link(this);
    redis.subscriber.on('message', this.onMessage);
    redis.subscriber.on('ready', this.onReady);
    redis.subscriber.on('close', this.onClose);
    this.timer = setInterval(() => void this.poll(), OUTAGE_POLL_MS);
    this.timer.unref();
  }

  get watchedCount(): number {
    return this.feeds.size;
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
    this.redis.subscriber.off('message', this.onMessage);
    this.redis.subscriber.off('ready', this.onReady);
    this.redis.subscriber.off('close', this.onClose);
  }

  /** The event log stored these rows (consecutive ids of one workflow): tell every instance, this one first. */
  committed(workflowId: string, rows: readonly BatchRow[]): void {
    let message = this.redis.instanceId;
    for (const row of rows) message += `\n${row.seq} ${row.type} ${row.data}`;
    this.redis.command.publish(CHANNEL_PREFIX + workflowId, message).then(
      () => this.counters.published++,
      () => this.counters.publishFailures++,
    );
    const feed = this.feeds.get(workflowId);
    if (feed) this.offer(feed, buildBatch(workflowId, rows));
  }

  // HubLink: the hub has its first local listener for a workflow, or lost its last one.

  opened(workflowId: string): Promise<void> {
    const feed: Feed = { workflowId, lastId: null, queue: [], busy: false, closed: false, seenInStore: 0 };
    this.feeds.set(workflowId, feed);
    return this.start(feed);
  }

  closed(workflowId: string): void {
    const feed = this.feeds.get(workflowId);
    if (!feed) return;
    feed.closed = true;
    feed.queue.length = 0;
    this.feeds.delete(workflowId);
    // While Redis is away ioredis queues this, after the subscriptions it re-makes on reconnect.
    this.redis.subscriber.unsubscribe(CHANNEL_PREFIX + workflowId).catch(() => undefined);
  }

  /** Subscribes, then reads where the store stands: from there on, nothing stored can be missed. Never rejects. */
  private async start(feed: Feed): Promise<void> {
    const channel = CHANNEL_PREFIX + feed.workflowId;
    // ioredis queues the command while disconnected and re-makes every subscription on reconnect.
    const subscribed = this.redis.subscriber.subscribe(channel).catch(() => undefined);
    if (this.redis.subscriber.status === 'ready') await succeedsWithin(subscribed, SUBSCRIBE_TIMEOUT_MS);
    let lastId = 0;
    try {
      lastId = (await this.workflows.findLastSeqs([feed.workflowId])).get(feed.workflowId) ?? 0;
    } catch (error) {
      // The stream's own read will fail the same way; from 0, the next batch fills (and subscribers skip).
      this.logger.warn(`Could not read where ${feed.workflowId} stands: ${(error as Error).message}`);
    }
    if (feed.closed) return;
    feed.lastId = lastId;
    feed.seenInStore = lastId;
    void this.drain(feed);
  }

  private receive(channel: string, message: string): void {
    if (!channel.startsWith(CHANNEL_PREFIX)) return;
    const feed = this.feeds.get(channel.slice(CHANNEL_PREFIX.length));
    if (!feed) return;
    const lines = message.split('\n');
    // This instance's own batches reached its hub when they were committed.
    if (lines[0] === this.redis.instanceId) return;
    this.counters.received++;
    const rows: BatchRow[] = [];
    for (let index = 1; index < lines.length; index++) {
      const line = lines[index];
      const space = line.indexOf(' ');
      const second = line.indexOf(' ', space + 1);
      rows.push({
        seq: Number(line.slice(0, space)),
        type: line.slice(space + 1, second),
        data: line.slice(second + 1),
      });
    }
    if (rows.length > 0) this.offer(feed, rows);
  }

  /** Handles a batch now when nothing waits before it and it follows on; queues it otherwise. */
  private offer(feed: Feed, batch: PublishedBatch | BatchRow[]): void {
    if (feed.closed) return;
    if (!feed.busy && feed.queue.length === 0 && feed.lastId !== null && firstId(batch) === feed.lastId + 1) {
      this.deliver(feed, batch);
      return;
    }
    feed.queue.push(batch);
    void this.drain(feed);
  }

  /** Works through the feed's queue in order, filling gaps from the store; one drain per feed at a time. */
  private async drain(feed: Feed): Promise<void> {
    if (feed.busy || feed.lastId === null) return;
    feed.busy = true;
    try {
      while (!feed.closed && feed.queue.length > 0) {
        const item = feed.queue.shift() as PublishedBatch | BatchRow[] | null;
        if (item === null) {
          await this.fill(feed, Infinity);
          continue;
        }
        if (lastIdOf(item) <= (feed.lastId as number)) {
          this.counters.duplicatesDropped++;
          continue;
        }
        if (firstId(item) > (feed.lastId as number) + 1) await this.fill(feed, firstId(item) - 1);
        if (!feed.closed && lastIdOf(item) > (feed.lastId as number)) this.deliver(feed, item);
      }
    } catch (error) {
      // The store could not be read: the next poll tries again, the waiting batches stay queued.
      this.logger.warn(`Could not fill ${feed.workflowId} from the store: ${(error as Error).message}`);
    } finally {
      feed.busy = false;
    }
  }

  /** Delivers the stored events after the feed's last id, up to `upTo` at least (everything there is, for Infinity). */
  private async fill(feed: Feed, upTo: number): Promise<void> {
    let filled = false;
    while (!feed.closed && (feed.lastId as number) < upTo) {
      const rows = await this.events.readAfter(feed.workflowId, feed.lastId as number, FILL_PAGE);
      if (feed.closed || rows.length === 0) break;
      filled = true;
      this.deliver(feed, rows);
      if (rows.length < FILL_PAGE) break;
    }
    if (filled) this.counters.gapFills++;
  }

  private deliver(feed: Feed, item: PublishedBatch | BatchRow[]): void {
    const batch = Array.isArray(item) ? buildBatch(feed.workflowId, item) : item;
    feed.lastId = batch.lastId;
    // A terminal batch ends the hub's channel, which calls closed() for this feed.
    this.hub.publish(batch);
  }

  private reconnected(): void {
    if (!this.redisWasDown) return;
    this.redisWasDown = false;
    this.logger.log(`Redis is back: ${this.feeds.size} watched workflows catch up from the store`);
    for (const feed of this.feeds.values()) {
      feed.queue.push(null);
      void this.drain(feed);
    }
  }

  /**
   * While Redis is away: every watched workflow the store has moved on is caught up, every second. While it
   * is up, every five seconds, a workflow still behind what the previous check saw in the store (a message
   * lost without a disconnect) is caught up the same way.
   */
  private async poll(): Promise<void> {
    const outage = this.redis.subscriber.status !== 'ready';
    const now = performance.now();
    if (this.polling || this.feeds.size === 0) return;
    if (!outage && now - this.lastSafetyPoll < SAFETY_POLL_MS) return;
    this.lastSafetyPoll = now;
    this.polling = true;
    try {
      const feeds = [...this.feeds.values()].filter((feed) => feed.lastId !== null);
      this.counters.storePolls++;
      const stored = await this.workflows.findLastSeqs(feeds.map((feed) => feed.workflowId));
      for (const feed of feeds) {
        const inStore = stored.get(feed.workflowId) ?? 0;
        const behind = outage ? inStore : Math.min(inStore, feed.seenInStore);
        feed.seenInStore = inStore;
        if (feed.closed || (feed.lastId as number) >= behind) continue;
        feed.queue.push(null);
        void this.drain(feed);
      }
    } catch (error) {
      this.logger.warn(`Could not poll the store for watched workflows: ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }
}

function firstId(item: PublishedBatch | BatchRow[]): number {
  return Array.isArray(item) ? item[0].seq : item.firstId;
}

function lastIdOf(item: PublishedBatch | BatchRow[]): number {
  return Array.isArray(item) ? item[item.length - 1].seq : item.lastId;
}
