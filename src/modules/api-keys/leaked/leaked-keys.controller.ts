import { Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../../common/auth/decorators';
import { KeepsRawBody } from '../../../common/http/raw-body';
import { LeakVerdictDto, ReportedTokenDto } from './dto/leak-report.dto';
import { LEAK_REPORT_MAX_TOKENS } from './leak-report';
import { LeakedKeysService, LeakVerdict } from './leaked-keys.service';

@ApiTags('api-keys')
@Controller('v1/api-keys')
export class LeakedKeysController {
  constructor(private readonly leaks: LeakedKeysService) {}

  // No credential: the report is authenticated by its signature (LeakReporters), and rate
  // limited per client address like every public route.
  @Public({ errors: [400, 401, 413, 422] })
  @KeepsRawBody()
  @Post('leaked')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Leaked keys reported by a secret scanner (GitHub’s secret scanning partner program)',
    description:
      'A JSON array of matches, signed over the exact body with ECDSA P-256 / SHA-256 by a key ' +
      'of LEAKED_KEY_REPORTER_KEYS (GitHub-Public-Key-* headers, or X-Tessera-Reporter-*). ' +
      'Each token that is a live key is revoked at once (flagged instead where the ' +
      `organization chose leaked_key_policy "flag"). At most ${LEAK_REPORT_MAX_TOKENS} tokens.`,
  })
  @ApiHeader({ name: 'Github-Public-Key-Identifier', required: false })
  @ApiHeader({
    name: 'Github-Public-Key-Signature',
    required: false,
    description: 'Base64 of the DER ECDSA signature of the body',
  })
  @ApiHeader({ name: 'X-Tessera-Reporter-Key-Id', required: false })
  @ApiHeader({ name: 'X-Tessera-Reporter-Signature', required: false })
  @ApiBody({ type: [ReportedTokenDto] })
  @ApiOkResponse({ type: [LeakVerdictDto] })
  report(@Req() request: FastifyRequest): Promise<LeakVerdict[]> {
    return this.leaks.report(request);
  }
}
