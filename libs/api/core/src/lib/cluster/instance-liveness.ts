import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { REDIS_PREFIX, type RedisClients } from './redis-clients';

/** An instance that has not renewed its key for this long is taken for dead. */
export const LIVENESS_TTL_MS = 10_000;
const RENEW_EVERY_MS = 3_000;

export const livenessKey = (instanceId: string): string => `${REDIS_PREFIX}instance:${instanceId}`;

/**
 * Each instance keeps a key in Redis that expires unless renewed: the others read it to tell a live
 * instance from a dead one (its runs are then ended as interrupted, its stream slots freed). A clean stop
 * deletes the key at once.
 */
@Injectable()
export class InstanceLiveness implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(InstanceLiveness.name);
  private timer: NodeJS.Timeout | undefined;
  private renewFailing = false;

  constructor(private readonly redis: RedisClients) {}

  get instanceId(): string {
    return this.redis.instanceId;
  }

  async onModuleInit(): Promise<void> {
    await this.renew();
    this.timer = setInterval(() => void this.renew(), RENEW_EVERY_MS);
    this.timer.unref();
    // A Redis that comes back may have come back empty: be alive again at once, before anyone looks.
    this.redis.command.on('ready', this.onReady);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.redis.command.off('ready', this.onReady);
    await this.redis.command.del(livenessKey(this.instanceId)).catch(() => undefined);
  }

  /** Which of these instances have a live key now (rejects when Redis cannot be asked). */
  async alive(instanceIds: string[]): Promise<Set<string>> {
    if (instanceIds.length === 0) return new Set();
    const found = await this.redis.command.exists(...instanceIds.map(livenessKey));
    if (found === instanceIds.length) return new Set(instanceIds);
    const flags = await Promise.all(instanceIds.map((id) => this.redis.command.exists(livenessKey(id))));
    return new Set(instanceIds.filter((_, index) => flags[index] === 1));
  }

  private readonly onReady = () => void this.renew();

  private async renew(): Promise<void> {
    try {
      await this.redis.command.set(livenessKey(this.instanceId), String(Date.now()), 'PX', LIVENESS_TTL_MS);
      if (this.renewFailing) this.logger.log('Liveness key renewed again');
      this.renewFailing = false;
    } catch (error) {
      if (!this.renewFailing) this.logger.warn(`Cannot renew the liveness key: ${(error as Error).message}`);
      this.renewFailing = true;
    }
  }
}
