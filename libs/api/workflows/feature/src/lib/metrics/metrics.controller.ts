import { Controller, Get, Header } from '@nestjs/common';
import { AllowMetricsToken, Roles } from '@flowcast/api-auth';
import { FlowcastMetrics, METRICS_CONTENT_TYPE } from '@flowcast/api-core';

/**
 * `GET /api/metrics` (CONTRACT §6): the Prometheus text exposition. For an admin (session or API token)
 * or a scraper sending `Authorization: Bearer <METRICS_TOKEN>`; a member gets 403, no credentials 401.
 */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: FlowcastMetrics) {}

  @Get()
  @Roles('admin')
  @AllowMetricsToken()
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
