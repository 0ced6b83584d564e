import { HttpException, HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';

const WINDOW_MS = 15 * 60_000;
const LIMITS = { username: 10, address: 50 } as const;
const THROTTLER = 'failed-login';

/**
 * Failed-login limits (CONTRACT §2): more than 10 failures for one username, or 50 from one address, in 15
 * minutes answer 429 with Retry-After until the block lapses. Only failures count; the counters live in
 * @nestjs/throttler's storage.
 */
@Injectable()
export class LoginThrottle {
  constructor(@Inject(ThrottlerStorage) private readonly storage: ThrottlerStorageService) {}

  /** Throws 429 when either key is blocked. */
  assertAllowed(username: string, address: string): void {
    const now = Date.now();
    for (const key of [this.key('username', username), this.key('address', address)]) {
      const record = this.storage.storage.get(key);
      if (record?.isBlocked && record.blockExpiresAt > now) throw tooMany(record.blockExpiresAt - now);
    }
  }

  /** Counts a failure; throws 429 when it crossed a limit. */
  async recordFailure(username: string, address: string): Promise<void> {
    const results = await Promise.all([
      this.storage.increment(
        this.key('username', username),
        WINDOW_MS,
        LIMITS.username,
        WINDOW_MS,
        THROTTLER,
      ),
      this.storage.increment(this.key('address', address), WINDOW_MS, LIMITS.address, WINDOW_MS, THROTTLER),
    ]);
    const blocked = results.find((result) => result.isBlocked);
    if (blocked) throw tooMany(blocked.timeToBlockExpire * 1_000);
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
