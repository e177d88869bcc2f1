import { Controller, Get, Res } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../../common/auth/decorators';
import { HealthService } from './health.service';

class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status: string;
  @ApiProperty({ enum: ['up', 'down'] }) database: string;
  @ApiProperty({ enum: ['up', 'down', 'disabled'] }) redis: string;
  @ApiProperty({
    description:
      'Audit events this instance could never store since it started (the database refused ' +
      'their content); each is logged and marked in its chain by an audit.event_set_aside event',
  })
  audit_events_set_aside: number;
}

@ApiTags('operations')
@Controller('v1/health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Public({ skipRateLimit: true })
  @Get()
  @ApiOperation({ summary: 'Liveness and dependencies; 503 when the database is down' })
  @ApiOkResponse({ type: HealthDto })
  @ApiServiceUnavailableResponse({ type: HealthDto })
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthDto> {
    const report = await this.health.check();
    if (report.status !== 'ok') void reply.status(503);
    return report;
  }
}
