import { HttpStatus } from '@nestjs/common';
import { ThrottlerStorageService } from '@nestjs/throttler';
import { LoginThrottle, TooManyLoginsException } from './login-throttle';

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

describe('LoginThrottle', () => {
  let storage: ThrottlerStorageService;
  let throttle: LoginThrottle;

  beforeEach(() => {
    storage = new ThrottlerStorageService();
    throttle = new LoginThrottle(storage);
  });

  afterEach(() => {
    jest.useRealTimers();
    storage.onApplicationShutdown();
  });

  /** `count` failures for one username, each from its own address. */
  async function failUsername(username: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await throttle.recordFailure(username, `10.0.${i >> 8}.${i & 255}`);
  }

  /** `count` failures from one address, each for its own username. */
  async function failAddress(address: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await throttle.recordFailure(`user-${i}`, address);
  }

  describe('per username', () => {
    it('lets ten failures through and answers the eleventh with 429 and a Retry-After', async () => {
      await expect(failUsername('alice', 10)).resolves.toBeUndefined();
      const error = await refusal(() => throttle.recordFailure('alice', '192.0.2.1'));
      expect(error.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    });

    it('then refuses that username up front, from any address and in any case', async () => {
      await failUsername('alice', 10);
      await refusal(() => throttle.recordFailure('alice', '192.0.2.1'));
      const error = await refusal(() => throttle.assertAllowed('alice', '203.0.113.50'));
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      await refusal(() => throttle.assertAllowed('ALICE', '203.0.113.51'));
    });

    it('leaves other usernames alone, from the same addresses', async () => {
      await failUsername('alice', 10);
      await refusal(() => throttle.recordFailure('alice', '10.0.0.10'));
      await refusal(() => throttle.assertAllowed('alice', '10.0.0.0'));
      expect(() => throttle.assertAllowed('bob', '10.0.0.0')).not.toThrow();
      await expect(throttle.recordFailure('bob', '10.0.0.1')).resolves.toBeUndefined();
    });

    it('lets the username in again once the block has lapsed', async () => {
      fakeOnlyTheClock();
      await failUsername('alice', 10);
      const error = await refusal(() => throttle.recordFailure('alice', '192.0.2.1'));
      jest.setSystemTime(Date.now() + (error.retryAfterSeconds - 1) * 1_000);
      await refusal(() => throttle.assertAllowed('alice', '192.0.2.2'));
      jest.setSystemTime(Date.now() + 1_000);
      expect(() => throttle.assertAllowed('alice', '192.0.2.2')).not.toThrow();
    });
  });

  describe('per address', () => {
    it('lets fifty failures through and answers the fifty-first with 429', async () => {
      await expect(failAddress('198.51.100.7', 50)).resolves.toBeUndefined();
      const error = await refusal(() => throttle.recordFailure('user-50', '198.51.100.7'));
      expect(error.getStatus()).toBe(HttpStatus.TOO_MANY_REQUESTS);
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
      expect(error.retryAfterSeconds).toBeLessThanOrEqual(WINDOW_SECONDS);
    });

    it('then refuses that address for every username, even one never tried', async () => {
      await failAddress('198.51.100.7', 50);
      await refusal(() => throttle.recordFailure('user-50', '198.51.100.7'));
      const error = await refusal(() => throttle.assertAllowed('never-tried', '198.51.100.7'));
      expect(error.retryAfterSeconds).toBeGreaterThan(0);
    });

    it('leaves other addresses alone, for the same usernames', async () => {
      await failAddress('198.51.100.7', 50);
      await refusal(() => throttle.recordFailure('user-50', '198.51.100.7'));
      await refusal(() => throttle.assertAllowed('user-0', '198.51.100.7'));
      expect(() => throttle.assertAllowed('user-0', '198.51.100.8')).not.toThrow();
      expect(() => throttle.assertAllowed('never-tried', '198.51.100.8')).not.toThrow();
    });
  });
});
