import { Controller, Get, HttpCode, Inject, Optional, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { HealthResponse } from '@flowcast/shared-contract';
import { succeedsWithin } from '../async/succeeds-within';
import { RedisClients } from '../cluster/redis-clients';
import { ApiJsonResponse } from '../openapi/openapi-responses';
import { Public } from '../public.decorator';
import { StoreConnection } from '../database/store-connection';
import { StoreFaults } from '../database/store-faults';

/** A dependency that takes longer than this to answer counts as down. */
const CHECK_TIMEOUT_MS = 2_000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly store: StoreConnection,
    private readonly faults: StoreFaults,
    @Optional() @Inject(RedisClients) private readonly redis: RedisClients | null,
  ) {}

  /**
   * 200 when the store (and Redis, in a cluster) answers; 503 naming what is down otherwise. The store is
   * down while it fails a read, and also while it refuses writes (a full disk, a read-only file) that a
   * read would not show: the event log then holds appends until it takes them again.
   */
  @Public()
  @Get()
  @HttpCode(200)
  @ApiJsonResponse(200, 'HealthResponse', 'The store (and Redis, in a cluster) answer')
  @ApiJsonResponse(503, 'HealthResponse', 'Something is down: named in the body')
  async check(): Promise<HealthResponse> {
    const [store, redis] = await Promise.all([
      succeedsWithin(this.store.ping(), CHECK_TIMEOUT_MS),
      this.redis ? this.redis.ping(CHECK_TIMEOUT_MS) : Promise.resolve(undefined),
    ]);
    const storeUp = store && this.faults.fault === null;
    const parts: Pick<HealthResponse, 'store' | 'redis'> = { store: storeUp ? 'ok' : 'down' };
    if (redis !== undefined) parts.redis = redis ? 'ok' : 'down';
    if (storeUp && redis !== false) return { status: 'ok', ...parts };
    throw new ServiceUnavailableException({ status: 'unavailable', ...parts });
  }
}
