import { Controller, Get, HttpCode, ServiceUnavailableException } from '@nestjs/common';
import type { HealthResponse } from '@flowcast/shared-contract';
import { Public } from '../public.decorator';
import { StoreConnection } from '../database/store-connection';

@Controller('health')
export class HealthController {
  constructor(private readonly store: StoreConnection) {}

  @Public()
  @Get()
  @HttpCode(200)
  async check(): Promise<HealthResponse> {
    try {
      await this.store.ping();
      return { status: 'ok' };
    } catch {
      throw new ServiceUnavailableException({ status: 'unavailable' });
    }
  }
}
