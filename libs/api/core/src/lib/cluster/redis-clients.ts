import { Redis, type RedisOptions } from 'ioredis';
import { succeedsWithin } from '../async/succeeds-within';
import type { ClusterConfig } from '../config/flowcast-config';

/** Every key and channel Flowcast uses in Redis starts with this. */
export const REDIS_PREFIX = 'flowcast:';

/** How long start-up waits for Redis before it gives up with one line naming REDIS_URL. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * The instance's connections to Redis: `command` for commands and publishing, `subscriber` (the one
 * connection in subscriber mode that every live feed of this instance shares). BullMQ opens its own
 * through `forQueue()`, since its worker blocks a connection while it waits for jobs.
 *
 * After start-up a lost connection is retried for ever in the background; until it is back, commands on
 * `command` fail at once (no offline queue: a caller falls back to the store, or answers 503), while
 * subscriptions are queued and re-made on reconnect.
 */
export class RedisClients {
  private constructor(
    readonly config: ClusterConfig,
    readonly command: Redis,
    readonly subscriber: Redis,
  ) {}

  get instanceId(): string {
    return this.config.instanceId;
  }

  /** Connects both clients; throws one clear line (with the URL's password hidden) when Redis does not answer. */
  static async open(config: ClusterConfig): Promise<RedisClients> {
    const command = new Redis(config.redisUrl, {
      ...baseOptions(),
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
    });
    const subscriber = new Redis(config.redisUrl, { ...baseOptions(), autoResubscribe: true });
    try {
      await Promise.all([connectOrFail(command), connectOrFail(subscriber)]);
      await command.ping();
    } catch (error) {
      command.disconnect();
      subscriber.disconnect();
      throw new Error(
        `Redis unreachable at REDIS_URL=${redactUrl(config.redisUrl)}: ${(error as Error).message}`,
      );
    }
    return new RedisClients(config, command, subscriber);
  }

  /**
   * A new connection for BullMQ. A worker's waits for a reconnect (BullMQ needs maxRetriesPerRequest null);
   * with `failFast` (a queue that only adds jobs), commands fail at once while Redis is away, so that a start
   * answers 503 instead of hanging.
   */
  forQueue(options: { failFast?: boolean } = {}): Redis {
    const client = new Redis(this.config.redisUrl, {
      ...baseOptions(),
      lazyConnect: false,
      ...(options.failFast
        ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
        : { maxRetriesPerRequest: null }),
    });
    client.on('error', () => undefined); // BullMQ reports through its own 'error' events
    return client;
  }

  /** Whether Redis answers a PING within the time given. */
  ping(timeoutMs: number): Promise<boolean> {
    if (this.command.status !== 'ready') return Promise.resolve(false);
    return succeedsWithin(this.command.ping(), timeoutMs);
  }

  async close(): Promise<void> {
    await Promise.all([quit(this.command), quit(this.subscriber)]);
  }
}

function baseOptions(): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: CONNECT_TIMEOUT_MS,
    // Reconnect for ever, backing off to 2 s: Redis going away must never stop the server.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  };
}

/** The first connection must succeed: a wrong REDIS_URL is a start-up error, not a reconnect loop. */
async function connectOrFail(client: Redis): Promise<void> {
  const errors: Error[] = [];
  const onError = (error: Error) => errors.push(error);
  client.on('error', onError);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(errors[0] ?? new Error(`no answer in ${CONNECT_TIMEOUT_MS / 1_000} s`)),
          CONNECT_TIMEOUT_MS,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    client.off('error', onError);
  }
  // From now on a failure is logged by whoever watches the connection, never thrown at the process.
  client.on('error', () => undefined);
}

async function quit(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return 'redis://…';
  }
}
