import { randomBytes } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { RedisClients } from '@flowcast/api-core';
import { LoginThrottle, TooManyLoginsException } from './login-throttle';

/** The machine's Redis: these tests only add keys named for a fresh random run id, which expire. */
const REDIS_URL = process.env['FLOWCAST_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

const WINDOW_SECONDS = 15 * 60;

/** The exception a call threw, or a failure when it threw nothing. */
async function refusal(attempt: () => unknown): Promise<TooManyLoginsException> {
  try {
    await attempt();
  } catch (error) {
    expect(error).toBeInstanceOf(TooManyLoginsException);
    return error as TooManyLoginsException;
  }
  throw new Error('expected the attempt to be refused with 429');
}

/** Fakes Date only: the storage's sweep interval and the promises run as usual. */
function fakeOnlyTheClock(): void {
  jest.useFakeTimers({
    doNotFake: [
      'hrtime',
      'nextTick',
      'performance',
      'queueMicrotask',
      'setImmediate',
      'clearImmediate',
      'setInterval',
      'clearInterval',
      'setTimeout',
      'clearTimeout',
    ],
  });
}

describe.each(['memory', 'redis'] as const)('LoginThrottle (%s storage)', (kind) => {
  let throttle: LoginThrottle;
  let close: () => Promise<void> = async () => undefined;
  /** Names unique to the test, so that runs against the shared Redis never meet each other's counters. */
  let run = '';
  const u = (name: string) => `${name}-${run}`;
  const ip = (address: string) => `${address}-${run}`;

  beforeEach(async () => {
    run = randomBytes(4).toString('hex');
    if (kind === 'memory') {
      const storage = new ThrottlerStorageService();
      throttle = new LoginThrottle(storage);
      close = async () => storage.onApplicationShutdown();
    } else {
      // As AuthModule wires it in a cluster: the library's storage over the instance's command client.
      const redis = await RedisClients.open({ redisUrl: REDIS_URL, instanceId: `test-${run}` });
      throttle = new LoginThrottle(new ThrottlerStorageRedisService(redis.command), redis);
      close = () => redis.close();
    }
  });

  afterEach(async () => {
    jest.useRealTimers();
    await close();
  });

  /** `count` failures for one username, each from its own address. */
  async function failUsername(username: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++)
      await throttle.recordFailure(u(username), ip(`10.0.${i >> 8}.${i & 255}`));
  }

  /** `count` failures from one address, each for its own username. */
  async function failAddress(address: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await throttle.recordFailure(u(`user-${i}`), ip(address));
  }

  describe('per username', () => {
    it('lets ten failures through and answers the eleventh with 429 and a Retry-After', async () => {
      await expect(failUsername('alice', 10)).resolves.toBeUndefined();
      const error = await refusal(() => throttle.recordFailure(u('alice'), ip('192.0.2.1')));
      expect(error.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    });

    it('then refuses that username up front, from any address and in any case', async () => {
      await failUsername('alice', 10);
      await refusal(() => throttle.recordFailure(u('alice'), ip('192.0.2.1')));
      const error = await refusal(() => throttle.assertAllowed(u('alice'), ip('203.0.113.50')));
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      await refusal(() =>
        throttle.assertAllowed(u('ALICE').replace(run, run.toUpperCase()), ip('203.0.113.51')),
      );
    });

    it('leaves other usernames alone, from the same addresses', async () => {
      await failUsername('alice', 10);
      await refusal(() => throttle.recordFailure(u('alice'), ip('10.0.0.10')));
      await refusal(() => throttle.assertAllowed(u('alice'), ip('10.0.0.0')));
      await expect(throttle.assertAllowed(u('bob'), ip('10.0.0.0'))).resolves.toBeUndefined();
      await expect(throttle.recordFailure(u('bob'), ip('10.0.0.1'))).resolves.toBeUndefined();
    });

    // A fake clock moves the in-memory storage's time only (Redis keeps its own): memory only.
    if (kind === 'memory') {
      it('lets the username in again once the block has lapsed', async () => {
        fakeOnlyTheClock();
        await failUsername('alice', 10);
        const error = await refusal(() => throttle.recordFailure(u('alice'), ip('192.0.2.1')));
        jest.setSystemTime(Date.now() + (error.retryAfterSeconds - 1) * 1_000);
        await refusal(() => throttle.assertAllowed(u('alice'), ip('192.0.2.2')));
        jest.setSystemTime(Date.now() + 1_000);
        await expect(throttle.assertAllowed(u('alice'), ip('192.0.2.2'))).resolves.toBeUndefined();
      });
    }
  });

  describe('per address', () => {
    it('lets fifty failures through and answers the fifty-first with 429', async () => {
      await expect(failAddress('198.51.100.7', 50)).resolves.toBeUndefined();
      const error = await refusal(() => throttle.recordFailure(u('user-50'), ip('198.51.100.7')));
      expect(error.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    });

    it('then refuses that address for every username, even one never tried', async () => {
      await failAddress('198.51.100.7', 50);
      await refusal(() => throttle.recordFailure(u('user-50'), ip('198.51.100.7')));
      const error = await refusal(() => throttle.assertAllowed(u('never-tried'), ip('198.51.100.7')));
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('leaves other addresses alone, for the same usernames', async () => {
      await failAddress('198.51.100.7', 50);
      await refusal(() => throttle.recordFailure(u('user-50'), ip('198.51.100.7')));
      await refusal(() => throttle.assertAllowed(u('user-0'), ip('198.51.100.7')));
      await expect(throttle.assertAllowed(u('user-0'), ip('198.51.100.8'))).resolves.toBeUndefined();
      await expect(throttle.assertAllowed(u('never-tried'), ip('198.51.100.8'))).resolves.toBeUndefined();
    });
  });
});
