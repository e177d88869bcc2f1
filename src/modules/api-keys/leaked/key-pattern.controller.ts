import { Controller, Get, Header } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../../common/auth/decorators';
import { EnvironmentVariables } from '../../../config/env.schema';
import { KeyPatternDto } from './dto/key-pattern.dto';
import { KeyPatternDocument, keyPatternDocument } from './key-pattern';

@ApiTags('api-keys')
@Controller('.well-known/tessera')
export class KeyPatternController {
  private readonly document: KeyPatternDocument;

  constructor(config: ConfigService<EnvironmentVariables, true>) {
    this.document = keyPatternDocument(
      config.get('TESSERA_KEY_PREFIX', { infer: true }),
      config.get('TESSERA_ISSUER', { infer: true }),
    );
  }

  // Fixed for the life of the process, like the JWKS: never counted against a limit.
  @Public({ skipRateLimit: true })
  @Get('key-pattern')
  @Header('Cache-Control', 'public, max-age=3600')
  @ApiOperation({
    summary: 'The regular expression of this deployment’s API keys, for secret scanners',
    description:
      'The regex finds candidates; it cannot check the checksum (CRC-32 in base62, described ' +
      'in `checksum`), which a candidate must also pass to be a key.',
  })
  @ApiOkResponse({ type: KeyPatternDto })
  keyPattern(): KeyPatternDocument {
    return this.document;
  }
}
