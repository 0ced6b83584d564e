import { HttpException, HttpStatus, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { RedisClients } from '@flowcast/api-core';

const WINDOW_MS = 15 * 60_000;
const LIMITS = { username: 10, address: 50 } as const;
const THROTTLER = 'failed-login';

/**
 * Failed-login limits (CONTRACT §2): more than 10 failures for one username, or 50 from one address, in 15
 * minutes answer 429 with Retry-After until the block lapses. Only failures count; the counters live in
 * @nestjs/throttler's storage: the process's memory on its own, Redis in a cluster
 * (@nest-lab/throttler-storage-redis), so that the limits hold across every instance.
 *
 * While Redis is away the limits are not enforced (a failure cannot be counted, a block cannot be read):
 * logins keep working, and the warning is logged once per outage.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger(LoginThrottle.name);
  private redisFailing = false;

  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    @Optional() @Inject(RedisClients) private readonly redis: RedisClients | null = null,
  ) {}

  /** Throws 429 when either key is blocked. */
  async assertAllowed(username: string, address: string): Promise<void> {
    for (const key of [this.key('username', username), this.key('address', address)]) {
      const ms = await this.blockedFor(key);
      if (ms > 0) throw tooMany(ms);
    }
  }

  /** Counts a failure; throws 429 when it crossed a limit. */
  async recordFailure(username: string, address: string): Promise<void> {
    let results;
    try {
      results = await Promise.all([
        this.storage.increment(
          this.key('username', username),
          WINDOW_MS,
          LIMITS.username,
          WINDOW_MS,
          THROTTLER,
        ),
        this.storage.increment(this.key('address', address), WINDOW_MS, LIMITS.address, WINDOW_MS, THROTTLER),
      ]);
    } catch (error) {
      this.redisDown(error);
      return;
    }
    this.redisFailing = false;
    const blocked = results.find((result) => result.isBlocked);
    if (blocked) throw tooMany(blocked.timeToBlockExpire * 1_000);
  }

  /** Milliseconds until the key's block lapses; 0 when it is not blocked. */
  private async blockedFor(key: string): Promise<number> {
    if (this.redis) {
      try {
        // The block key as @nest-lab/throttler-storage-redis names it (login-throttle.spec checks this).
        const ms = await this.redis.command.pttl(`{${key}:${THROTTLER}}:blocked`);
        this.redisFailing = false;
        return Math.max(0, ms);
      } catch (error) {
        this.redisDown(error);
        return 0;
      }
    }
    const record = (this.storage as ThrottlerStorageService).storage.get(key);
    return record?.isBlocked ? Math.max(0, record.blockExpiresAt - Date.now()) : 0;
  }

  private redisDown(error: unknown): void {
    if (!this.redisFailing) {
      this.logger.warn(
        `Failed-login limits are not enforced while Redis is away: ${(error as Error).message}`,
      );
    }
    this.redisFailing = true;
  }

  private key(kind: keyof typeof LIMITS, value: string): string {
    return `${THROTTLER}:${kind}:${value.toLowerCase()}`;
  }
}

export class TooManyLoginsException extends HttpException {
  constructor(readonly retryAfterSeconds: number) {
    super(
      { statusCode: 429, error: 'Too Many Requests', message: 'Too many failed logins; try again later' },
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }
}

function tooMany(ms: number): TooManyLoginsException {
  return new TooManyLoginsException(Math.max(1, Math.ceil(ms / 1_000)));
}
