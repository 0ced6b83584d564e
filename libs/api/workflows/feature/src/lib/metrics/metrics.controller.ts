import { Controller, Get, Header } from '@nestjs/common';
import { ApiResponse, ApiTags } from '@nestjs/swagger';
import { AllowMetricsToken, Roles } from '@flowcast/api-auth';
import { FlowcastMetrics, METRICS_CONTENT_TYPE } from '@flowcast/api-core';

/**
 * `GET /api/metrics` (CONTRACT §6): the Prometheus text exposition. For an admin (session or API token)
 * or a scraper sending `Authorization: Bearer <METRICS_TOKEN>`; a member gets 403, no credentials 401.
 */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: FlowcastMetrics) {}

  @Get()
  @Roles('admin')
  @AllowMetricsToken()
  @Header('Content-Type', METRICS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  @ApiResponse({
    status: 200,
    description: `Prometheus text exposition (\`${METRICS_CONTENT_TYPE}\`). Also for \`Authorization: Bearer <METRICS_TOKEN>\``,
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
