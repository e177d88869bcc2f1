import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/decorators';
import { JwksDto } from './jwks.dto';
import { SigningKeysService } from './signing-keys.service';

@ApiTags('auth')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly signingKeys: SigningKeysService) {}

  @Public({ skipRateLimit: true })
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOperation({ summary: 'RS256 public keys that verify Tessera access tokens, by kid' })
  @ApiOkResponse({ type: JwksDto })
  jwks() {
    return this.signingKeys.jwks();
  }
}
