import { Logger } from '@nestjs/common';
import { livenessKey, REDIS_PREFIX, type RedisClients } from '@flowcast/api-core';

const userKey = (userId: string) => `${REDIS_PREFIX}streams:user:${userId}`;

/**
 * Takes a slot when the user's streams on every live instance are under the cap: a hash per user holds each
 * instance's count, and an instance whose liveness key has lapsed (it died) is dropped from it on the way,
 * so a killed instance's slots expire with its key instead of leaking.
 */
const ACQUIRE = `
local fields = redis.call('HGETALL', KEYS[1])
local total = 0
for i = 1, #fields, 2 do
  local instance = fields[i]
  if instance ~= ARGV[1] and redis.call('EXISTS', ARGV[3] .. instance) == 0 then
    redis.call('HDEL', KEYS[1], instance)
  else
    total = total + tonumber(fields[i + 1])
  end
end
if total >= tonumber(ARGV[2]) then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
return 1
`;

const RELEASE = `
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
`;

/**
 * SSE_MAX_STREAMS_PER_USER across a cluster: each instance counts its own streams per user in Redis, and an
 * admission adds up the counts of the live instances. While Redis is away, admission falls back to this
 * instance's own count (the cap then holds per instance), and the counts are written again when it is back
 * (Redis may have restarted empty).
 */
export class ClusterStreamSlots {
  private readonly logger = new Logger(ClusterStreamSlots.name);
  private failing = false;
  private readonly livenessPrefix: string;
  /** Users whose slot could not be given back (Redis was away): put right on the next rewrite. */
  private readonly unreleased = new Set<string>();

  constructor(
    private readonly redis: RedisClients,
    private readonly maxPerUser: number,
    /**
     * This instance's open streams per user, written back after Redis comes back; every one of them is
     * counted there from then on (and so gives its slot back when it closes).
     */
    private readonly localCounts: () => ReadonlyMap<string, number>,
  ) {
    this.livenessPrefix = livenessKey('');
    redis.command.on('ready', () => void this.rewrite());
  }

  /**
   * Takes a slot for the user; false when the user is at the cap on the cluster. Undefined when Redis could
   * not be asked: the caller applies the cap to this instance's own streams instead.
   */
  async acquire(userId: string): Promise<boolean | undefined> {
    try {
      const taken = await this.redis.command.eval(
        ACQUIRE,
        1,
        userKey(userId),
        this.redis.instanceId,
        this.maxPerUser,
        this.livenessPrefix,
      );
      this.failing = false;
      return taken === 1;
    } catch (error) {
      this.warn(error);
      return undefined;
    }
  }

  release(userId: string): void {
    this.redis.command.eval(RELEASE, 1, userKey(userId), this.redis.instanceId).catch((error) => {
      this.unreleased.add(userId);
      this.warn(error);
    });
  }

  /** Writes this instance's counts again (after a reconnect: Redis may have lost them). */
  private async rewrite(): Promise<void> {
    const counts = this.localCounts();
    const gone = [...this.unreleased].filter((userId) => !counts.has(userId));
    this.unreleased.clear();
    if (counts.size === 0 && gone.length === 0) return;
    try {
      const pipeline = this.redis.command.pipeline();
      for (const [userId, count] of counts) pipeline.hset(userKey(userId), this.redis.instanceId, count);
      // Users whose last stream here closed while Redis was away: this instance holds none of theirs.
      for (const userId of gone) pipeline.hdel(userKey(userId), this.redis.instanceId);
      await pipeline.exec();
    } catch (error) {
      this.warn(error);
    }
  }

  private warn(error: unknown): void {
    if (!this.failing) {
      this.logger.warn(
        `Stream caps count this instance only while Redis is away: ${(error as Error).message}`,
      );
    }
    this.failing = true;
  }
}
