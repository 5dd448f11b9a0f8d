import { Controller, Get, Header, SetMetadata } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Public } from '../auth/authenticated.decorator.js';
import { RAW_RESPONSE } from '../common/envelope.js';
import { MetricsService } from './metrics.service.js';

@ApiTags('health')
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get('metrics')
  @Public()
  @SetMetadata(RAW_RESPONSE, true)
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiProduces('text/plain')
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format, not enveloped)' })
  @ApiOkResponse({
    description: 'The metrics, in the Prometheus text exposition format 0.0.4',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  scrape(): Promise<string> {
    return this.metrics.scrape();
  }
}
