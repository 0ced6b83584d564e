import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { REDIS_PREFIX, type RedisClients } from './redis-clients';

const CHANNEL = `${REDIS_PREFIX}bus`;

interface BusMessage {
  from: string;
  topic: string;
  body: unknown;
}

/**
 * Small control messages between the instances of a cluster (cancel a run, revoke access), over one
 * Redis channel on the shared subscriber connection. Delivery is at most once: a message sent while an
 * instance is cut off from Redis does not reach it, so every sender either has a fallback (the store) or
 * tells its caller that the message could not be sent.
 */
@Injectable()
export class ClusterBus implements OnModuleDestroy {
  private readonly logger = new Logger(ClusterBus.name);
  private readonly handlers = new Map<string, ((body: unknown, from: string) => void)[]>();
  private readonly onMessage = (channel: string, text: string) => this.receive(channel, text);
  /** Messages this instance sent and received, for the metrics scrape. */
  readonly counters = { sent: 0, received: 0 };

  constructor(private readonly redis: RedisClients) {
    redis.subscriber.on('message', this.onMessage);
    redis.subscriber.subscribe(CHANNEL).catch((error: Error) => {
      this.logger.error(`Could not subscribe to ${CHANNEL}: ${error.message}`);
    });
  }

  get instanceId(): string {
    return this.redis.instanceId;
  }

  /** Sends a message to every other instance; rejects when Redis cannot take it now. */
  async publish(topic: string, body: unknown): Promise<void> {
    const message: BusMessage = { from: this.redis.instanceId, topic, body };
    await this.redis.command.publish(CHANNEL, JSON.stringify(message));
    this.counters.sent++;
  }

  /** Calls `handler` for every message on `topic` from another instance (never for this instance's own). */
  on<T>(topic: string, handler: (body: T, from: string) => void): void {
    const list = this.handlers.get(topic) ?? [];
    list.push(handler as (body: unknown, from: string) => void);
    this.handlers.set(topic, list);
  }

  onModuleDestroy(): void {
    this.redis.subscriber.off('message', this.onMessage);
  }

  private receive(channel: string, text: string): void {
    if (channel !== CHANNEL) return;
    let message: BusMessage;
    try {
      message = JSON.parse(text) as BusMessage;
    } catch {
      this.logger.warn(`Ignored a malformed message on ${CHANNEL}`);
      return;
    }
    if (message.from === this.redis.instanceId) return;
    this.counters.received++;
    for (const handler of this.handlers.get(message.topic) ?? []) {
      try {
        handler(message.body, message.from);
      } catch (error) {
        this.logger.error(`A ${message.topic} message failed: ${(error as Error).message}`);
      }
    }
  }
}
